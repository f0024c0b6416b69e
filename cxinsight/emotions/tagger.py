"""Emotion tagging: GoEmotions probabilities, valence and customer-experience families.

The tagger turns a segment into

* 28 probabilities, one per GoEmotions label (27 emotions and ``neutral``), from a small head
  over the segment's sentence embedding (or from a local transformers classifier);
* ``valence`` in [−1, 1], combining those probabilities with VADER and our
  customer-experience lexicon (formula in :meth:`EmotionTagger.valence`);
* ``emotion``, the dominant customer-experience family, its probability ``emotion_score``,
  and ``emotions``: every family above threshold, strongest first, so mixed feelings show.
"""

from __future__ import annotations

import hashlib
import os
import re
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cxinsight.corpus import Corpus
from cxinsight.emotions.cues import (
    ask_kinds,
    no_problem_flags,
    preceding_questions,
    question_kinds,
    request_and_politeness_flags,
    strip_politeness,
)
from cxinsight.emotions.events import event_valence
from cxinsight.emotions.head import EmotionHead, default_head_path, load_default_head
from cxinsight.emotions.labels import (
    CX_FAMILIES,
    GOEMOTIONS_LABELS,
    LABEL_SENTIMENT,
    validate_families,
)
from cxinsight.emotions.lexicon import lexicon_valence
from cxinsight.errors import CxInsightWarning, MissingStepError
from cxinsight.estimator import Estimator

_POS = np.array([LABEL_SENTIMENT[x] == "positive" for x in GOEMOTIONS_LABELS], dtype=np.float32)
_NEG = np.array([LABEL_SENTIMENT[x] == "negative" for x in GOEMOTIONS_LABELS], dtype=np.float32)

#: Valence settings used when the head file carries none (see :meth:`EmotionTagger.valence`).
DEFAULT_VALENCE_WEIGHTS = {
    "classifier": 1.0, "lexicon": 1.0, "dead_zone": 0.1, "neutral_zone": 0.0, "scale": 2.0,
    "negation": 0.5, "lean": 0.04, "events": 1.0,
    "problem_question": 0.5, "positive_question": 0.3, "request": 0.2, "politeness": 1.0,
    "polite_lift": 0.3, "soft_positive": 0.5, "confusion": 0.5, "complaint_ask": 0.3,
    "info_ask": 0.9, "failures_first": 1.0,
}
#: Positive GoEmotions labels that customers show when asking or hoping for something ("please
#: help", "hope you can fix it") as much as when pleased; ``soft_positive`` weighs them.
SOFT_POSITIVE = ("approval", "optimism", "caring", "desire")
#: Valence settings for the cues (question kind, requests, politeness) used when the head file
#: carries none; tuned on one half of the airline tweets and checked on the other (docs).
CUE_WEIGHT_KEYS = ("problem_question", "positive_question", "request", "politeness")
#: |valence| below which a segment reads as neutral in ``kind`` (the usual ±0.05 band).
KIND_BAND = 0.05
#: Valence of an answer that says there is no problem ("Nothing really") to a problem question.
NO_PROBLEM_VALENCE = 0.1
_GRATITUDE = GOEMOTIONS_LABELS.index("gratitude")
#: |valence| from which the dominant family must agree with the valence's sign (see predict).
FAMILY_AGREEMENT_MARGIN = 0.2
_NEGATION = re.compile(
    r"\b(?:not|no|never|nothing|nobody|none|neither|nor|hardly|barely|without|cannot)\b|n't\b"
)
_VALENCE_KEYS = frozenset(DEFAULT_VALENCE_WEIGHTS)
#: Family threshold used when the head file carries none.
DEFAULT_THRESHOLD = 0.3


class EmotionTagger(Estimator):
    """Tag texts with GoEmotions probabilities, valence and customer-experience families.

    Parameters
    ----------
    head : str or Path, optional
        An ``.npz`` head written by ``tools/train_emotions.py``; default: the shipped head
        (all-MiniLM-L6-v2 embeddings, trained on GoEmotions train, tuned on dev).
    transformers_model : str or Path, optional
        Folder of a local transformers text-classification model to use instead of the head
        (for example a fine-tuned emotion model). Its labels are mapped by name onto the 28
        GoEmotions columns; labels with no GoEmotions name are ignored and listed in
        ``unmapped_labels_``. Never downloaded.
    label_map : dict, optional
        For ``transformers_model``: model label -> GoEmotions label, for labels whose names
        differ (``{"happy": "joy"}``).
    families : dict, optional
        Family name -> GoEmotions labels; default :data:`cxinsight.emotions.CX_FAMILIES`.
        Labels left out of every family count towards none.
    threshold : float, optional
        A family is listed in ``emotions`` when its probability is at least this; default the
        value tuned on GoEmotions dev and stored with the head.
    lexicon : bool, default True
        Blend VADER and the customer-experience lexicon into ``valence``; ``False`` uses the
        classifier alone.
    extra_words : dict, optional
        Extra lexicon words and ratings (−4..+4), e.g. ``{"crate": 0.0, "meh": -0.8}``.
    events : sequence of (str, str, float), optional
        Customer-experience event phrases ``(anchor words, pattern, rating)`` read into the
        valence; default :data:`cxinsight.emotions.CX_EVENTS`. Switch them off with
        ``valence_weights={"events": 0}``.
    valence_weights : dict, optional
        Any of ``{"classifier": a, "lexicon": b, "dead_zone": z0, "neutral_zone": z1,
        "scale": k, "negation": g, "lean": q, "events": e}`` for the valence formula
        (:meth:`valence`); default tuned and stored with the head.
    embedding_model : str or Path, optional
        Model used by :meth:`predict` when no embeddings are given (see
        :func:`cxinsight.embeddings.resolve_model`).
    batch_size : int, default 64
        Batch size for embedding or for the transformers backend.

    Attributes
    ----------
    head_ : EmotionHead or None
        The loaded head (``None`` with a transformers backend).
    families_ : dict
        The validated family grouping.
    threshold_, valence_weights_ : float, dict
        Effective settings.
    unmapped_labels_ : list of str
        Transformers-model labels that could not be mapped (empty otherwise).

    Examples
    --------
    >>> tagger = cx.EmotionTagger()                               # doctest: +SKIP
    >>> tagger.predict(["The delivery was a nightmare."])[["valence", "emotion"]]  # doctest: +SKIP
    """

    def __init__(
        self,
        *,
        head: str | os.PathLike | None = None,
        transformers_model: str | os.PathLike | None = None,
        label_map: Mapping[str, str] | None = None,
        families: Mapping[str, Sequence[str]] | None = None,
        threshold: float | None = None,
        lexicon: bool = True,
        extra_words: Mapping[str, float] | None = None,
        events: Sequence[tuple[str, str, float]] | None = None,
        valence_weights: Mapping[str, float] | None = None,
        embedding_model: str | os.PathLike | None = None,
        batch_size: int = 64,
    ) -> None:
        self.head = head
        self.transformers_model = transformers_model
        self.label_map = label_map
        self.families = families
        self.threshold = threshold
        self.lexicon = lexicon
        self.extra_words = extra_words
        self.events = events
        self.valence_weights = valence_weights
        self.embedding_model = embedding_model
        self.batch_size = batch_size

    # ------------------------------------------------------------------ set-up
    def _setup(self) -> None:
        """Validate the parameters and load the model (once)."""
        if getattr(self, "_ready", None) == self._param_key():
            return
        if self.head is not None and self.transformers_model is not None:
            raise ValueError("Pass either head= or transformers_model=, not both.")
        if self.threshold is not None and not 0 < float(self.threshold) < 1:
            raise ValueError(f"threshold must be between 0 and 1, got {self.threshold!r}.")
        if not isinstance(self.batch_size, int) or self.batch_size < 1:
            raise ValueError(f"batch_size must be a positive int, got {self.batch_size!r}.")
        self.families_ = validate_families(self.families if self.families is not None else CX_FAMILIES)
        self.unmapped_labels_: list[str] = []
        self.backend_ = None
        if self.transformers_model is not None:
            from cxinsight.emotions.backends import TransformersEmotionModel

            self.backend_ = TransformersEmotionModel(
                self.transformers_model, label_map=self.label_map, batch_size=self.batch_size
            )
            self.unmapped_labels_ = list(self.backend_.unmapped_labels)
            self.head_ = None
            config: dict[str, Any] = {}
            self.output_ = self.backend_.output
        else:
            self.head_ = load_default_head() if self.head is None else EmotionHead.load(self.head)
            config = self.head_.config
            self.output_ = self.head_.output
        weights = {**DEFAULT_VALENCE_WEIGHTS, **config.get("valence_weights", {})}
        if self.valence_weights is not None:
            unknown = set(self.valence_weights) - _VALENCE_KEYS
            if unknown:
                raise ValueError(
                    f"valence_weights has unknown keys {sorted(unknown)}; use any of "
                    f"{sorted(_VALENCE_KEYS)}."
                )
            weights.update({k: float(v) for k, v in self.valence_weights.items()})
        self.valence_weights_ = weights
        label_valence = (_POS - _NEG).astype(np.float64)
        for label in SOFT_POSITIVE:
            label_valence[GOEMOTIONS_LABELS.index(label)] *= weights["soft_positive"]
        label_valence[GOEMOTIONS_LABELS.index("confusion")] = -weights["confusion"]
        self._label_valence = label_valence
        self.threshold_ = float(
            self.threshold if self.threshold is not None else config.get("family_threshold", DEFAULT_THRESHOLD)
        )
        names = list(self.families_)
        self._family_names = np.asarray(names, dtype=object)
        self._family_matrix = np.zeros((len(GOEMOTIONS_LABELS), len(names)), dtype=np.float32)
        for j, members in enumerate(self.families_.values()):
            for label in members:
                self._family_matrix[GOEMOTIONS_LABELS.index(label), j] = 1
        self._ready = self._param_key()

    def _param_key(self) -> str:
        return repr(sorted((k, repr(v)) for k, v in self.get_params().items()))

    @property
    def uses_embeddings(self) -> bool:
        """True when the tagger reads sentence embeddings (the default head)."""
        return self.transformers_model is None

    def describe(self) -> dict[str, Any]:
        """Return a JSON-safe record of the effective settings (for provenance)."""
        self._setup()
        if self.head_ is not None:
            path = Path(self.head) if self.head is not None else default_head_path()
            model = {"head": path.name, "sha1": _file_sha1(path),
                     "embedding_model": self.head_.config.get("embedding_model")}
        else:
            model = {"transformers_model": Path(self.transformers_model).name,
                     "unmapped_labels": self.unmapped_labels_}
        return {
            **model,
            "families": {k: list(v) for k, v in self.families_.items()},
            "threshold": self.threshold_,
            "lexicon": bool(self.lexicon),
            "extra_words": len(self.extra_words or {}),
            "events": "default" if self.events is None else len(self.events),
            "valence_weights": self.valence_weights_,
        }

    # ------------------------------------------------------------------ scoring
    def predict_proba(self, texts: Sequence[str], embeddings: np.ndarray | None = None) -> np.ndarray:
        """Return the (n, 28) GoEmotions probabilities.

        Parameters
        ----------
        texts : sequence of str
        embeddings : ndarray, optional
            Precomputed sentence embeddings of ``texts`` (one row per text); computed (and
            cached) with :func:`cxinsight.embeddings.encode` when omitted.
        """
        self._setup()
        texts = _as_texts(texts)
        if self.backend_ is not None:
            return self.backend_.predict_proba(texts)
        if embeddings is None:
            from cxinsight.embeddings import encode

            embeddings = encode(texts, self.embedding_model, batch_size=self.batch_size)
        embeddings = np.asarray(embeddings)
        if len(embeddings) != len(texts):
            raise ValueError(
                f"embeddings has {len(embeddings)} rows but there are {len(texts)} texts; "
                "pass one embedding per text, in the same order."
            )
        return self.head_.predict_proba(embeddings, texts)

    def family_scores(self, proba: np.ndarray) -> np.ndarray:
        """Return (n, n_families) family probabilities from label probabilities.

        With a softmax head a family's probability is the sum of its members' probabilities.
        With independent (sigmoid) probabilities it is the chance that at least one member
        holds, ``1 - prod(1 - p)``.
        """
        self._setup()
        P = np.asarray(proba, dtype=np.float32)
        if self.output_ == "softmax":
            return np.clip(P @ self._family_matrix, 0.0, 1.0)
        logq = np.log1p(-np.clip(P, 0.0, 1 - 1e-6)) @ self._family_matrix
        return 1.0 - np.exp(logq)

    def valence(
        self, texts: Sequence[str], proba: np.ndarray, questions: Sequence[str | None] | None = None
    ) -> np.ndarray:
        """Return valence in [−1, 1] from label probabilities, the lexicon and the cues.

        ``valence = tanh(k * shrink(s, z0 + z1 * n)) + lean * tanh(10 * s)`` with
        ``s = a * c + b * l``, clipped to [−1, 1], where

        * ``c = P(positive labels) − P(negative labels)``, the probabilities normalised to sum
          to 1 (positive and negative as in GoEmotions' ``sentiment_dict.json``; the ambiguous
          labels and ``neutral`` count for neither);
        * ``l`` is VADER's compound score with the customer-experience lexicon;
        * ``n`` is the classifier's probability of ``neutral`` (normalised as ``c``);
        * ``shrink(x, z) = sign(x) * max(|x| − z, 0)``: evidence weaker than the dead zone
          reads as neutral (0); the zone widens as the classifier finds the text neutral;
        * ``a``, ``b``, ``z0``, ``z1``, ``k`` are :attr:`valence_weights_` (``classifier``,
          ``lexicon``, ``dead_zone``, ``neutral_zone``, ``scale``), tuned on GoEmotions.
          With ``lexicon=False``, ``b = 0``;
        * the ``lean`` term (0.04, below the usual ±0.05 neutral band) keeps the direction of
          weak evidence: inside the dead zone valence is small but signed, so "reads neutral"
          (|valence| ≤ 0.05) and "leans negative" are both visible.

        Sentence embeddings hardly see negation ("not happy at all" sits next to "happy"),
        while VADER's rules do. So when a text contains a negation word and ``c`` and ``l``
        disagree in sign, the classifier weight is multiplied by ``1 − negation`` (the
        ``negation`` weight, tuned too).

        The cues then read the text in context (:meth:`read_cues`): politeness does not lift a
        complaint, answers to problem questions shift down and answers to "what do you like"
        questions up, and requests are never positive.

        Parameters
        ----------
        texts : sequence of str
        proba : ndarray (n, 28)
        questions : sequence of str or None, optional
            The question each text answers (survey column or the interviewer's question).
        """
        return self.read_cues(texts, proba, questions)["valence"]

    def _base_valence(self, texts: list[str], P: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """The valence formula without cues (see :meth:`valence`), and the event scores."""
        P = np.asarray(P, dtype=np.float64)
        total = P.sum(1, keepdims=True)
        P = np.divide(P, total, out=np.zeros_like(P), where=total > 0)
        c = P @ self._label_valence
        n = P[:, GOEMOTIONS_LABELS.index("neutral")]
        w = self.valence_weights_
        lex = negated = events = None
        if self.lexicon and (w["lexicon"] != 0 or w.get("events", 0.0) != 0):
            texts = _as_texts(texts)
            lex = lexicon_valence(texts, self.extra_words)
            negated = has_negation(texts)
            if w.get("events", 0.0):
                events = event_valence(texts, self.events)
        return combine_valence(c, lex, w, negated, n, events), events

    def read_cues(
        self, texts: Sequence[str], proba: np.ndarray, questions: Sequence[str | None] | None = None
    ) -> dict[str, np.ndarray]:
        """Return valence with the cues applied, and the cues themselves.

        With ``w = valence_weights_`` and ``v`` the valence formula's result:

        1. **politeness** (``w["politeness"]``, 0 switches it off): a text holding "thanks",
           "please", "really nicely", ... is scored again without them (gratitude removed from
           the classifier's share, the words removed from the lexicon text); when that rest
           reads negative, or a failure event is reported, ``v`` becomes the lower of the two.
        2. **question kind** (:func:`cxinsight.emotions.cues.question_kind` of ``questions``):
           an answer to a problem question gets ``v − w["problem_question"]`` unless it says
           there is no problem ("Nothing really", then ``max(v, 0.1)``); an answer to a
           positive question gets ``v + w["positive_question"]``.
        3. **request** (:func:`cxinsight.emotions.cues.request_flags`): a request or wish gets
           ``min(v, 0) − w["request"]``: an unmet need, never delight.

        The result is clipped to [−1, 1].

        Returns
        -------
        dict
            ``valence``, ``text_valence`` (before the question's context: what the words alone
            say, used to pick the emotion family), ``question_kind`` (``problem`` / ``positive`` / ``neutral`` / ``none``),
            ``request`` (bool), ``no_problem`` (bool), ``polite`` (bool).
        """
        self._setup()
        texts = _as_texts(texts)
        P = np.asarray(proba, dtype=np.float64)
        v, events = self._base_valence(texts, P)
        w = self.valence_weights_
        if events is not None and w.get("failures_first", 0.0) > 0:
            # a reported failure outweighs polite or hopeful words ("43 minutes on hold! I want
            # to love you"): valence moves towards the failure's own reading
            own = np.tanh(w["scale"] * w["events"] * events)
            f = w["failures_first"]
            v = np.where(events < 0, np.minimum(v, (1 - f) * v + f * own), v)
        n = len(texts)
        if questions is None:
            kinds = np.full(n, "none", dtype=object)
        else:
            questions = list(questions)
            if len(questions) != n:
                raise ValueError(
                    f"questions has {len(questions)} entries but there are {n} texts; pass one "
                    "question (or None) per text, in the same order."
                )
            kinds = question_kinds(questions)
        use_cues = bool(self.lexicon)
        if use_cues:
            request, polite = request_and_politeness_flags(texts)
        else:
            request = polite = np.zeros(n, dtype=bool)
        no_problem = np.zeros(n, dtype=bool)
        problem = kinds == "problem"
        if problem.any():
            no_problem[problem] = no_problem_flags([texts[i] for i in np.flatnonzero(problem)])
        if use_cues and w.get("politeness", 0.0) and polite.any():
            idx = np.flatnonzero(polite)
            sub = [texts[i] for i in idx]
            Q = P[idx].copy()
            Q[:, _GRATITUDE] *= 1.0 - w["politeness"]
            rest, _ = self._base_valence([strip_politeness(t) for t in sub], Q)
            failed = events[idx] < 0 if events is not None else np.zeros(len(idx), dtype=bool)
            lower = (rest < -KIND_BAND) | failed
            v[idx] = np.where(lower, np.minimum(v[idx], rest), v[idx])
            # politeness alone ("Can I get a receipt? Thanks!") lifts a neutral rest this far at most
            plain = ~lower & (rest <= KIND_BAND)
            v[idx] = np.where(plain, np.minimum(v[idx], rest + w.get("polite_lift", 1.0)), v[idx])
        if use_cues and (w.get("complaint_ask", 0.0) or w.get("info_ask", 0.0)):
            asks = ask_kinds(texts)
            v = np.where(asks == "complaint", v - w.get("complaint_ask", 0.0), v)
            damp = (asks == "info") & (v > 0)
            v = np.where(damp, v * (1.0 - w.get("info_ask", 0.0)), v)
        own = np.clip(v, -1.0, 1.0)  # the text's own reading, before the question's context
        shift = np.zeros(n)
        shift[problem & ~no_problem] = -w.get("problem_question", 0.0)
        shift[kinds == "positive"] = w.get("positive_question", 0.0)
        v = v + shift
        v[no_problem] = np.maximum(v[no_problem], NO_PROBLEM_VALENCE)
        if use_cues:
            v[request] = np.minimum(v[request], 0.0) - w.get("request", 0.0)
            own[request] = np.minimum(own[request], 0.0)
        return {"valence": np.clip(v, -1.0, 1.0), "text_valence": own, "question_kind": kinds,
                "request": request, "no_problem": no_problem, "polite": polite}

    def predict(
        self,
        texts: Sequence[str],
        embeddings: np.ndarray | None = None,
        questions: Sequence[str | None] | None = None,
    ) -> pd.DataFrame:
        """Tag each text.

        Parameters
        ----------
        texts : sequence of str
        embeddings : ndarray, optional
            Precomputed embeddings of ``texts`` (e.g. ``corpus.embeddings``), so nothing is
            embedded again.
        questions : sequence of str or None, optional
            The question each text answers (a survey column's question, or the interviewer's
            preceding question); ``None`` entries for texts without one.

        Returns
        -------
        DataFrame
            One row per text: a probability column per GoEmotions label (named exactly as in
            GoEmotions, ``admiration`` ... ``neutral``), ``valence`` in [−1, 1], ``emotion``
            (dominant family, or ``request`` for a request or wish), ``emotion_score`` (the
            dominant family's probability), ``emotions`` (``;``-joined families at or above
            :attr:`threshold_`, strongest first), then ``question_kind`` (``problem`` /
            ``positive`` / ``neutral`` / ``none``), ``request`` (bool) and ``kind``
            (``request``, else ``complaint`` below −0.05, ``praise`` above +0.05, else
            ``neutral``).
        """
        texts = _as_texts(texts)
        P = self.predict_proba(texts, embeddings)
        out = pd.DataFrame(P, columns=list(GOEMOTIONS_LABELS))
        cues = self.read_cues(texts, P, questions)
        valence = cues["valence"]
        out["valence"] = valence
        F = self.family_scores(P)
        request = cues["request"]
        emotion, score, listed = self._families_from_scores(F, cues["text_valence"], request)
        if request.any():
            emotion = emotion.astype(object)
            emotion[request] = "request"
            listed = ["request;" + x if r else x for x, r in zip(listed, request)]
        out["emotion"], out["emotion_score"], out["emotions"] = emotion, score, listed
        out["question_kind"] = cues["question_kind"]
        out["request"] = request
        out["kind"] = np.where(
            request, "request",
            np.where(valence < -KIND_BAND, "complaint", np.where(valence > KIND_BAND, "praise", "neutral")),
        )
        return out

    def _family_signs(self) -> np.ndarray:
        """+1 / −1 / 0 per family from its members' GoEmotions sentiment; 2 marks ``neutral``."""
        signs = []
        for members in self.families_.values():
            if set(members) == {"neutral"}:
                signs.append(2)
                continue
            total = sum({"positive": 1, "negative": -1}.get(LABEL_SENTIMENT[m], 0) for m in members)
            signs.append(int(np.sign(total)))
        return np.asarray(signs)

    def _families_from_scores(
        self, F: np.ndarray, valence: np.ndarray, request: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray, list[str]]:
        """Dominant family, its probability, and the families above threshold.

        The dominant family is the most probable one that agrees with the valence: when
        ``|valence| >= FAMILY_AGREEMENT_MARGIN``, families of the opposite sign (and the
        neutral family) are passed over, so "not happy at all" is not tagged delight. For
        requests positive families are never listed ("this would be awesome" is not delight).
        """
        names = self._family_names
        if len(F) == 0:
            return np.asarray([], dtype=object), np.asarray([], dtype=np.float32), []
        signs = self._family_signs()
        v = np.sign(valence) * (np.abs(valence) >= FAMILY_AGREEMENT_MARGIN)
        neutral = signs[None, :] == 2
        clash = (neutral & (v[:, None] != 0)) | (~neutral & (signs[None, :] * v[:, None] < 0))
        if request is not None and np.any(request):
            clash = clash | (np.asarray(request, dtype=bool)[:, None] & (signs[None, :] == 1))
            F = np.where(np.asarray(request, dtype=bool)[:, None] & (signs[None, :] == 1), 0.0, F)
        allowed = np.where(clash, -1.0, F)
        stuck = (allowed < 0).all(1)
        allowed[stuck] = F[stuck]  # every family clashes: keep the plain ranking
        best = allowed.argmax(1)
        emotion = names[best]
        score = F[np.arange(len(F)), best].astype(np.float32)
        above = F >= self.threshold_
        above[np.arange(len(F)), best] = False
        listed = [str(x) for x in emotion]
        many = np.flatnonzero(above.any(1))  # rows with families beyond the dominant one
        if len(many):
            order = np.argsort(-F[many], axis=1, kind="stable")
            for row, o in zip(many, order):
                rest = [names[i] for i in o if above[row, i]]
                listed[row] = ";".join([listed[row], *rest])
        return emotion, score, listed


def tag_emotions(corpus: Corpus, tagger: EmotionTagger | None = None) -> Corpus:
    """Add emotion columns to every segment, reusing ``corpus.embeddings``.

    Parameters
    ----------
    corpus : Corpus
        A segmented and embedded corpus (``cx.segment`` then ``cx.embed``).
    tagger : EmotionTagger, optional
        Default ``EmotionTagger()`` (the shipped head, default families).

    Returns
    -------
    Corpus
        A new corpus whose ``segments`` gain ``valence``, ``emotion``, ``emotion_score``,
        ``emotions``, ``question_kind``, ``request``, ``kind`` and ``p_<label>`` for the 28
        GoEmotions labels. The question of each segment is its ``question`` column (survey
        answers) or, in interviews, the last interviewer turn before it
        (:func:`cxinsight.emotions.cues.preceding_questions`) (see
        ``docs/data_model.md``), with ``meta["emotions"]`` summarising the result.

    Raises
    ------
    MissingStepError
        When the corpus has no segments or (for the embedding head) no embeddings.
    """
    tagger = EmotionTagger() if tagger is None else tagger
    if not isinstance(tagger, EmotionTagger):
        raise TypeError(f"tagger must be a cx.EmotionTagger, got {type(tagger).__name__}.")
    segments = corpus.require("segments", ["text"], "cx.segment(corpus)")
    embeddings = None
    if tagger.uses_embeddings:
        if corpus.embeddings is None:
            raise MissingStepError(
                "The corpus has no embeddings yet; emotion tagging reads them. "
                "Run `cx.embed(corpus)` first."
            )
        embeddings = corpus.embeddings
        _check_embedding_model(corpus, tagger)
    texts = segments["text"].fillna("").astype(str).tolist()
    questions = preceding_questions(segments, corpus.turns)
    result = tagger.predict(texts, embeddings=embeddings, questions=questions.tolist())
    new = segments.copy()
    for col in ("valence", "emotion", "emotion_score", "emotions", "question_kind", "request", "kind"):
        new[col] = result[col].to_numpy()
    for label in GOEMOTIONS_LABELS:
        new[f"p_{label}"] = result[label].to_numpy()
    meta = dict(corpus.meta)
    counts = pd.Series(result["emotion"]).value_counts()
    sign = dict(zip(tagger.families_, tagger._family_signs()))
    mixed = sum(
        {1, -1} <= {sign.get(f, 0) for f in listed.split(";")} for listed in result["emotions"]
    )
    meta["emotions"] = {
        "segments": len(new),
        "families": {str(k): int(v) for k, v in counts.items()},
        "mean_valence": float(result["valence"].mean()) if len(result) else None,
        "mixed": int(mixed),
        "requests": int(result["request"].sum()),
        "question_kinds": {str(k): int(v) for k, v in
                           pd.Series(result["question_kind"]).value_counts().items()},
    }
    return corpus.with_step("tag_emotions", tagger.describe(), segments=new, meta=meta)


def has_negation(texts: Sequence[str]) -> np.ndarray:
    """Return a boolean array: does each text contain a negation word (not, never, n't, ...)?"""
    search = _NEGATION.search
    return np.fromiter((search(t.lower()) is not None for t in texts), dtype=bool, count=len(texts))


def combine_valence(
    c: np.ndarray,
    lex: np.ndarray | None,
    weights: Mapping[str, float],
    negated: np.ndarray | None = None,
    neutral: np.ndarray | None = None,
    events: np.ndarray | None = None,
) -> np.ndarray:
    """The valence formula of :meth:`EmotionTagger.valence` on precomputed parts."""
    c = np.asarray(c, dtype=np.float64)
    a = np.full(c.shape, float(weights["classifier"]))
    s = np.zeros_like(c)
    if lex is not None:
        lex = np.asarray(lex, dtype=np.float64)
        if negated is not None:
            clash = np.asarray(negated, dtype=bool) & (np.sign(c) * np.sign(lex) < 0)
            a = np.where(clash, a * (1.0 - weights.get("negation", 0.0)), a)
        s = weights["lexicon"] * lex
    s = s + a * c
    zone = weights["dead_zone"]
    if neutral is not None and weights.get("neutral_zone", 0.0):
        zone = zone + weights["neutral_zone"] * np.asarray(neutral, dtype=np.float64)
    shrunk = np.sign(s) * np.maximum(np.abs(s) - zone, 0.0)
    if events is not None and weights.get("events", 0.0):
        # events are reported facts, not tone: they skip the neutral dead zone
        e = weights["events"] * np.asarray(events, dtype=np.float64)
        shrunk = shrunk + e
        s = s + e
    lean = weights.get("lean", 0.0) * np.tanh(10.0 * s)
    return np.clip(np.tanh(weights["scale"] * shrunk) + lean, -1.0, 1.0)


def _check_embedding_model(corpus: Corpus, tagger: EmotionTagger) -> None:
    tagger._setup()
    expected = tagger.head_.config.get("embedding_model")
    used = (corpus.meta.get("embedding") or {}).get("model")
    if expected and used and expected.split("@")[0] != str(used).split("@")[0]:
        warnings.warn(
            f"The corpus was embedded with {used!r} but the emotion head was trained on "
            f"{expected!r} embeddings; emotion scores may be meaningless. Embed with the "
            "head's model or train a head for yours (tools/train_emotions.py).",
            CxInsightWarning,
            stacklevel=3,
        )


def _as_texts(texts: Sequence[str] | str) -> list[str]:
    if isinstance(texts, str):
        raise TypeError("texts must be a list of strings, not one string; wrap it: [text].")
    return ["" if t is None or (isinstance(t, float) and np.isnan(t)) else str(t) for t in texts]


def _file_sha1(path: Path) -> str:
    return hashlib.sha1(Path(path).read_bytes()).hexdigest()[:12]
