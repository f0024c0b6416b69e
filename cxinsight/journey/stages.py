"""Assign a journey stage to every segment, the way a researcher would.

Four kinds of evidence are combined into one score per segment and stage:

(a) **the interviewer's question**: interview guides follow the journey, so the question that
    precedes an answer says a lot about the stage of the answer;
(b) **the segment's own words**: similarity of its (cached) embedding to each stage's
    description and example phrases;
(c) **its place in the interview**: stages mostly move forward, so a hidden-Markov model over
    each interview (forward-backward for confidences, Viterbi for the path) smooths the
    sequence, allowing a penalised step back when a participant recalls an earlier stage;
(d) **keyword rules**: regular expressions from the journey map and from the researcher.

Segments that no stage explains well (small talk, back-channels, low confidence) are left
without a stage (``<NA>``) rather than forced into one. A manual ``stage`` column always wins.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cxinsight.corpus import Corpus
from cxinsight.errors import InputError, MissingStepError, OptionError
from cxinsight.journey import applicability as appl
from cxinsight.journey.maps import NO_STAGE_VALUES, JourneyError, JourneyMap
from cxinsight.speech import participant_mask

#: Generic small talk of research interviews: what an interview sounds like off the journey.
SMALL_TALK = (
    "Thanks for taking the time to talk to me today.",
    "Before we start, could you tell me a little bit about yourself?",
    "I live with my partner and the kids and I work full time.",
    "Can you hear me okay? Let me know if the connection drops.",
    "Is there anything else you'd like to add before we finish?",
    "No, I think that's everything, thanks for having me.",
    "It was lovely talking to you, have a good rest of your day.",
    "We'll send you the voucher for taking part by email.",
)

#: Value of ``stage_source`` for each way a stage can be set.
SOURCE_MANUAL = "manual"
SOURCE_MODEL = "model"


@dataclass(frozen=True)
class StageSettings:
    """Weights and sequence parameters of :func:`assign_stages` (documented defaults).

    Attributes
    ----------
    temperature : float
        Cosine similarities are divided by this before being combined (smaller = sharper).
    similarity_weight, question_weight, keyword_weight : float
        Weight of evidence (b), (a) and (d). A weight of 0 switches that evidence off.
    center : float
        Share of each stage's mean score over the corpus subtracted from the scores, so that
        a stage whose description resembles everything does not attract everything
        (0: off, 1: full centring). Unsupervised: uses no labels.
    question_carry : float
        Weight of the preceding question's evidence added to each answer turn (a).
    length_exponent : float
        A turn's evidence is the sum over its segments divided by ``n_segments ** length_exponent``
        (0: long turns count fully, 1: every turn counts the same).
    small_talk_bias : float
        Score offset of the off-journey (small talk) state, in temperature units.
    stay : float
        Probability that the next turn is about the same stage.
    back_penalty : float
        How much less likely a step back is than a step forward (ratio, > 1).
    skip_decay : float
        Factor per extra stage skipped when moving forward by more than one stage.
    adapt_rounds : int
        Rounds of adaptation to the study's own words: after a first pass, the answers placed
        with posterior >= ``adapt_confidence`` become extra, study-specific examples of their
        stage (the mean similarity to a segment's ``adapt_neighbours`` nearest ones), mixed
        into evidence (b) with weight ``adapt_weight``. Uses no labels. 0 switches it off.
    adapt_weight, adapt_confidence : float
    adapt_neighbours : int
    turn_weight : float
        Weight of the similarity of a participant turn's whole text (embedded as one text) to
        the stage descriptions, added to evidence (b). 0 switches it off.
    """

    temperature: float = 0.08
    similarity_weight: float = 1.0
    question_weight: float = 1.0
    keyword_weight: float = 1.0
    center: float = 1.0
    question_carry: float = 1.0
    length_exponent: float = 0.5
    small_talk_bias: float = 0.0
    stay: float = 0.9
    back_penalty: float = 20.0
    skip_decay: float = 0.3
    adapt_rounds: int = 0
    adapt_weight: float = 0.5
    adapt_confidence: float = 0.8
    adapt_neighbours: int = 5
    turn_weight: float = 0.5


def _keyword_patterns(
    journey: JourneyMap, extra: Mapping[str, Sequence[str]] | None
) -> list[list[re.Pattern]]:
    extra = dict(extra or {})
    unknown = sorted(set(extra) - set(journey.names))
    if unknown:
        raise JourneyError(
            f"keywords name stage(s) {unknown} that are not in the journey; stages are "
            f"{journey.names}."
        )
    out = []
    for st in journey.stages:
        pats = list(st.keywords) + [str(p) for p in extra.get(st.name, ())]
        compiled = []
        for p in pats:
            try:
                compiled.append(re.compile(rf"(?<!\w)(?:{p})(?!\w)", re.IGNORECASE))
            except re.error as err:
                raise JourneyError(
                    f"keyword {p!r} for stage {st.name!r} is not a valid regular expression: {err}."
                ) from err
        out.append(compiled)
    return out


def _required_words(pattern: re.Pattern) -> frozenset[str] | None:
    """Lower-case ASCII strings one of which every match of ``pattern`` contains, if known.

    Read from the pattern's parse tree: a run of literal characters, a group, a repeat taken
    at least once, or alternatives that each require one. ``None`` when nothing is required
    for certain (a pattern starting with ``\\b`` and an optional letter, a character class, a
    non-ASCII literal, or a parser this Python does not have); the pattern is then always
    searched.
    """
    try:
        from re import _constants as C
        from re import _parser
    except ImportError:  # pragma: no cover - a Python without these modules: always search
        return None

    def usable(words: frozenset[str] | None) -> bool:
        return bool(words) and all(w and w.isascii() for w in words)

    def required(items) -> frozenset[str] | None:
        best: frozenset[str] | None = None
        run: list[str] = []

        def consider(words: frozenset[str] | None) -> None:
            nonlocal best
            if usable(words) and (best is None or min(map(len, words)) > min(map(len, best))):
                best = words

        for op, av in items:
            if op is C.LITERAL:
                run.append(chr(av).lower())
                continue
            if run:
                consider(frozenset(["".join(run)]))
                run = []
            if op is C.SUBPATTERN:
                consider(required(av[-1]))
            elif op is C.BRANCH:
                alternatives = [required(b) for b in av[1]]
                if all(usable(a) for a in alternatives):
                    consider(frozenset().union(*alternatives))
            elif op in (C.MAX_REPEAT, C.MIN_REPEAT, getattr(C, "POSSESSIVE_REPEAT", None)) \
                    and av[0] >= 1:
                consider(required(av[2]))
        if run:
            consider(frozenset(["".join(run)]))
        return best

    try:
        return required(_parser.parse(pattern.pattern, pattern.flags))
    except Exception:  # noqa: BLE001 - a pattern the parser reads differently: always search
        return None


def _keyword_hits(texts: Sequence[str], patterns: list[list[re.Pattern]]) -> np.ndarray:
    """How many of each stage's keyword patterns each text matches (at most 2).

    Every pattern is searched with ``re``, as given; an ASCII text is first checked for the
    words a pattern requires (:func:`_required_words`, a substring test on the lower-cased
    text), which skips most searches without changing any count (``re``'s case-insensitive
    matching of ASCII text is ASCII lower-casing; other text is always searched, since ``re``
    also matches, for example, ``ſ`` to ``s``). Repeated texts are matched once.
    """
    needs = [[(p, _required_words(p)) for p in pats] for pats in patterns]
    hits = np.zeros((len(texts), len(patterns)), dtype=np.float64)
    seen: dict[str, int] = {}
    for i, text in enumerate(texts):
        j = seen.setdefault(text, i)
        if j != i:
            hits[i] = hits[j]
            continue
        low = text.lower() if text.isascii() else None
        for k, pats in enumerate(needs):
            n = sum(1 for p, words in pats
                    if (low is None or words is None or any(w in low for w in words))
                    and p.search(text))
            hits[i, k] = min(n, 2)
    return hits


def _prototype_scores(emb: np.ndarray, proto: np.ndarray, owners: np.ndarray, k: int) -> np.ndarray:
    """Score each row of ``emb`` against each of ``k`` groups of prototype vectors.

    The score of a group is the mean of the best match and the mean match, which rewards a
    close example without letting one odd example dominate.
    """
    sims = emb @ proto.T
    out = np.zeros((len(emb), k), dtype=np.float64)
    for s in range(k):
        cols = sims[:, owners == s]
        out[:, s] = 0.5 * cols.max(axis=1) + 0.5 * cols.mean(axis=1)
    return out


def _transition_matrix(k: int, stay: float, back_penalty: float, skip_decay: float) -> np.ndarray:
    """Log transition matrix over ``k`` stages plus a last off-journey state."""
    n = k + 1
    a = np.zeros((n, n))
    for i in range(k):
        for j in range(k):
            if j == i:
                a[i, j] = stay
            elif j > i:
                a[i, j] = (1 - stay) * skip_decay ** (j - i - 1)
            else:
                a[i, j] = (1 - stay) / back_penalty * skip_decay ** (i - j - 1)
        a[i, k] = (1 - stay) * 0.1
    # from small talk: anywhere, slightly favouring staying
    a[k, :k] = (1 - stay) / k
    a[k, k] = stay
    a = a / a.sum(axis=1, keepdims=True)
    return np.log(a)


def _logsumexp(a: np.ndarray, axis: int, keepdims: bool = False) -> np.ndarray:
    """``log(sum(exp(a)))`` along ``axis`` for finite real arrays.

    The same arithmetic as :func:`scipy.special.logsumexp` (the largest terms are taken out
    of the sum and added back with ``log1p``), so results are bit-identical to it (tested),
    without its array-API dispatch, which took six times longer than the sum on the small
    matrices of one interview; a survey of 100,000 answers makes that many calls.
    """
    a_max = a.max(axis=axis, keepdims=True)
    top = a == a_max
    m = top.sum(axis=axis, keepdims=True).astype(a.dtype)
    s = np.where(top, 0.0, np.exp(a - a_max)).sum(axis=axis, keepdims=True) / m
    out = np.log1p(s) + np.log(m) + a_max
    return out if keepdims else np.squeeze(out, axis=axis)


def _forward_backward(emis: np.ndarray, trans: np.ndarray,
                      log_start: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Posterior marginals (forward-backward) and Viterbi path of one interview's chain."""
    t_len, n = emis.shape
    fwd = np.zeros((t_len, n))
    bwd = np.zeros((t_len, n))
    vit = np.zeros((t_len, n))
    back = np.zeros((t_len, n), dtype=np.int64)
    fwd[0] = log_start + emis[0]
    vit[0] = fwd[0]
    for t in range(1, t_len):
        fwd[t] = _logsumexp(fwd[t - 1][:, None] + trans, axis=0) + emis[t]
        cand = vit[t - 1][:, None] + trans
        back[t] = cand.argmax(axis=0)
        vit[t] = cand.max(axis=0) + emis[t]
    for t in range(t_len - 2, -1, -1):
        bwd[t] = _logsumexp(trans + (emis[t + 1] + bwd[t + 1])[None, :], axis=1)
    post = fwd + bwd
    post = np.exp(post - _logsumexp(post, axis=1, keepdims=True))
    path = np.zeros(t_len, dtype=np.int64)
    path[-1] = int(vit[-1].argmax())
    for t in range(t_len - 1, 0, -1):
        path[t - 1] = back[t, path[t]]
    return post, path


def _manual_stages(segments: pd.DataFrame, turns: pd.DataFrame, journey: JourneyMap) -> pd.Series:
    """Return the manual stage of each segment: a stage name, ``""`` (manually none) or NA."""
    manual = pd.Series(pd.NA, index=segments.index, dtype="object")
    if "stage" in segments.columns:
        values = segments["stage"]
        if "stage_source" in segments.columns:  # a previous assign_stages run: keep only manual
            values = values.where(segments["stage_source"] == SOURCE_MANUAL)
        manual = values.astype("object")
    elif "stage" in turns.columns:
        key = turns[["interview_id", "turn", "stage"]].drop_duplicates(["interview_id", "turn"])
        merged = segments[["interview_id", "turn"]].merge(key, on=["interview_id", "turn"],
                                                          how="left")
        manual = pd.Series(merged["stage"].to_numpy(dtype=object), index=segments.index)
    norm = pd.Series(
        [pd.NA if pd.isna(v) else str(v).strip().lower() for v in manual],
        index=segments.index, dtype="object",
    )
    norm = norm.map(lambda v: "" if (not pd.isna(v) and v in NO_STAGE_VALUES) else v)
    bad = norm[norm.notna() & (norm != "") & ~norm.isin(journey.names)]
    if len(bad):
        examples = ", ".join(
            f"{segments.at[i, 'segment_id'] if 'segment_id' in segments else i}={v!r}"
            for i, v in bad.head(3).items()
        )
        raise JourneyError(
            f"The manual 'stage' column has {len(bad)} value(s) that are not stages of the "
            f"journey {journey.name!r} ({examples}); stages are {journey.names} "
            "(use 'none' or leave empty for no stage). Rename them, or pass a journey that has "
            "them: cx.assign_stages(corpus, journey=cx.JourneyMap.from_yaml('my_journey.yaml'))."
        )
    return norm


def assign_stages(
    corpus: Corpus,
    journey: JourneyMap | Mapping | Sequence | str | Path | None = None,
    *,
    keywords: Mapping[str, Sequence[str]] | None = None,
    min_confidence: float = 0.5,
    use_question: bool = True,
    use_similarity: bool = True,
    use_sequence: bool = True,
    use_keywords: bool = True,
    settings: StageSettings | Mapping[str, Any] | None = None,
    model: str | Path | None = None,
    force: bool = False,
) -> Corpus:
    """Add ``stage``, ``stage_confidence`` and ``stage_source`` to the segments.

    First decides whether the study follows the journey map at all (see
    :mod:`cxinsight.journey.applicability`): a survey or an interview study about something
    else gets no stages, unless you force them.

    Parameters
    ----------
    corpus : Corpus
        A segmented and embedded corpus (``cx.segment`` then ``cx.embed``).
    journey : JourneyMap, dict, list or path, optional
        The journey; default :meth:`JourneyMap.default` (discovery ... renewal). Giving a
        journey map is a researcher's decision that the study follows it: stages are then
        assigned whatever the applicability check finds (as with ``force=True``).
    keywords : dict of stage -> list of str, optional
        Extra keyword rules (case-insensitive regular expressions, matched on word
        boundaries), added to the journey's own keywords.
    min_confidence : float, default 0.5
        Segments whose best stage has a lower posterior probability get ``stage`` <NA>.
    use_question, use_similarity, use_sequence, use_keywords : bool, default True
        Switch each kind of evidence on or off (used by the ablation benchmark).
    settings : StageSettings or dict, optional
        Weights and sequence parameters; see :class:`StageSettings`.
    model : str or path, optional
        Embed the stage descriptions with this model instead of the corpus's own
        (``cxinsight.embeddings.encode_for``); rarely needed.
    force : bool, default False
        Assign stages even when the study does not follow the journey map.

    Returns
    -------
    Corpus
        A new corpus whose segments carry:

        - ``stage``: a stage name, or <NA> for back-channels, small talk and segments no stage
          explains with at least ``min_confidence``;
        - ``stage_confidence``: posterior probability of the assigned stage (of the best stage
          when ``stage`` is <NA>); 1.0 for manual stages;
        - ``stage_source``: ``"manual"`` or ``"model"``.

        When the study does not follow the journey (and nothing forced it), ``stage`` is <NA>
        and ``stage_confidence`` NaN everywhere. Either way ``meta["journey"]`` records the
        decision: ``applicable`` (bool), ``forced`` (bool), ``reason`` (one sentence),
        ``evidence`` (the numbers behind it), ``name`` and ``stages`` (stage names in order)
        and ``map`` (the whole journey map, :meth:`JourneyMap.to_dict`).

        Interviewer segments get the stage of their question too (useful for reading a
        transcript); curves and moments only use participant segments.

    Notes
    -----
    A ``stage`` column already present in the segments (or in the turns, copied by
    ``cx.segment``) is manual: its non-empty values are kept as they are, with confidence 1,
    and anchor the sequence model for their neighbours. ``none`` means "manually no stage".
    On a corpus that went through ``assign_stages`` before, only rows whose ``stage_source``
    is ``"manual"`` are treated as manual.
    """
    seg = corpus.require("segments", ["interview_id", "turn", "role", "text"], "cx.segment(corpus)")
    if corpus.embeddings is None:
        raise MissingStepError(
            "assign_stages compares segments with the stage descriptions using the segment "
            "embeddings, and the corpus has none yet. Run `cx.embed(corpus)` first."
        )
    if not 0 <= float(min_confidence) <= 1:
        raise InputError(f"min_confidence must be in [0, 1], got {min_confidence!r}.")
    journey_given = journey is not None
    journey = JourneyMap.coerce(journey)
    if settings is None:
        cfg = StageSettings()
    elif isinstance(settings, StageSettings):
        cfg = settings
    else:
        unknown = sorted(set(settings) - set(StageSettings.__dataclass_fields__))
        if unknown:
            raise OptionError(
                f"Unknown stage setting(s) {unknown}; known: {sorted(StageSettings.__dataclass_fields__)}."
            )
        cfg = StageSettings(**dict(settings))
    patterns = _keyword_patterns(journey, keywords)
    manual = _manual_stages(seg, corpus.turns, journey)

    k = len(journey)
    texts = seg["text"].fillna("").astype(str).tolist()
    emb = np.asarray(corpus.embeddings, dtype=np.float32)
    roles = seg["role"].astype(str).to_numpy()
    usable = _usable_rows(seg, texts)

    # ---- stage prototypes, embedded with the corpus's model (cached on disk)
    from cxinsight.embeddings import encode, encode_for

    answer_texts, answer_owner, question_texts, question_owner = [], [], [], []
    for s, st in enumerate(journey.stages):
        for t in st.texts():
            answer_texts.append(t)
            answer_owner.append(s)
        for t in (st.description, *st.questions):
            question_texts.append(t)
            question_owner.append(s)
    for t in SMALL_TALK:
        answer_texts.append(t)
        answer_owner.append(k)
        question_texts.append(t)
        question_owner.append(k)
    proto = (encode(answer_texts + question_texts, model) if model is not None
             else encode_for(corpus, answer_texts + question_texts))
    if proto.shape[1] != emb.shape[1]:
        raise InputError(
            f"The corpus embeddings have {emb.shape[1]} dimensions but the stage descriptions "
            f"were embedded with {proto.shape[1]}: pass the model used by cx.embed, e.g. "
            "cx.assign_stages(corpus, model='/path/to/model')."
        )
    a_proto, q_proto = proto[: len(answer_texts)], proto[len(answer_texts):]
    evidence, guide_kind = _guide(corpus, seg, emb, q_proto, np.asarray(question_owner), k,
                                  model)
    own = _prototype_scores(emb, a_proto, np.asarray(answer_owner), k + 1) / cfg.temperature
    asq = _prototype_scores(emb, q_proto, np.asarray(question_owner), k + 1) / cfg.temperature
    roles = seg["role"].astype(str).to_numpy()
    if cfg.center:
        # remove each stage's baseline attraction within this corpus (no labels involved)
        for scores, rows in ((own, usable & (roles != "interviewer")),
                             (asq, usable & (roles == "interviewer"))):
            if rows.sum() >= 2 * (k + 1):
                scores -= cfg.center * scores[rows].mean(axis=0)
    own[:, k] += cfg.small_talk_bias
    asq[:, k] += cfg.small_talk_bias
    kw = np.zeros((len(seg), k + 1))
    if use_keywords and cfg.keyword_weight:
        kw[:, :k] = _keyword_hits(texts, patterns)

    # ---- evidence per segment (log-potentials)
    if not use_similarity and not use_question and not (use_keywords and cfg.keyword_weight):
        raise InputError("At least one kind of evidence must be switched on.")
    is_int = roles == "interviewer"
    emis = np.zeros((len(seg), k + 1))
    if use_similarity:
        emis[~is_int] += cfg.similarity_weight * own[~is_int]
    if use_question:
        emis[is_int] += cfg.question_weight * asq[is_int]
    emis += cfg.keyword_weight * kw
    is_manual = manual.notna().to_numpy()
    in_unit = (usable if use_question else usable & ~is_int) | is_manual
    if use_similarity and cfg.turn_weight:
        turn_ev = _whole_turn_scores(corpus, seg, texts, ~is_int & usable, a_proto,
                                     np.asarray(answer_owner), k, cfg, model)
        own = own + turn_ev / max(cfg.similarity_weight, 1e-9)
        emis[~is_int] += turn_ev[~is_int]

    # ---- one unit per turn: the sequence model runs over the turns of each interview
    iids = seg["interview_id"].astype(str).to_numpy()
    turns = seg["turn"].to_numpy()
    texts_arr = np.asarray(texts, dtype=object)
    trans = _transition_matrix(k, cfg.stay, cfg.back_penalty, cfg.skip_decay)
    log_start = np.log(np.r_[np.full(k, 0.5 / k), 0.5])

    def decode(emis: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return _decode_interviews(
            emis, asq, iids, turns, texts_arr, is_int, usable, in_unit, manual, is_manual,
            journey, k, cfg, trans, log_start, use_question, use_sequence)

    post, path = decode(emis)
    answers = ~is_int & usable & ~is_manual
    for _ in range(cfg.adapt_rounds if use_similarity else 0):
        # the study's own words: stages re-described by the answers already placed with
        # confidence (no labels involved), so that domain vocabulary counts as evidence
        adapted = _adapted_scores(emb, post, path, answers, k, cfg)
        if adapted is None:
            break
        emis = np.zeros((len(seg), k + 1))
        emis[~is_int] += cfg.similarity_weight * (
            (1 - cfg.adapt_weight) * own[~is_int] + cfg.adapt_weight * adapted[~is_int])
        if use_question:
            emis[is_int] += cfg.question_weight * asq[is_int]
        emis += cfg.keyword_weight * kw
        post, path = decode(emis)

    names = np.array(journey.names + [""], dtype=object)
    stage = pd.Series(pd.NA, index=seg.index, dtype="object")
    conf = np.zeros(len(seg))
    best_stage = post[:, :k].argmax(axis=1)
    for i in np.flatnonzero(path >= 0):
        st = path[i]
        if st < k:
            conf[i] = post[i, st]
            if conf[i] >= min_confidence:
                stage.iat[i] = names[st]
        else:
            conf[i] = post[i, best_stage[i]]
    # ---- applicability: does the study follow the journey at all?
    speech = participant_mask(seg)
    n_people = int(seg.loc[speech, "interview_id"].nunique())
    evidence["participants"] = n_people
    evidence["confident_share"] = (
        round(float(stage[speech].notna().mean()), 3) if speech.any() else 0.0)
    per_stage = {
        n: int(seg.loc[speech & (stage == n).fillna(False).to_numpy(dtype=bool),
                       "interview_id"].nunique())
        for n in journey.names
    }
    evidence["participants_per_stage"] = per_stage
    evidence["stages_with_interval"] = int(
        sum(v >= appl.MIN_PARTICIPANTS for v in per_stage.values()))
    applicable, reason = appl.decide(evidence, k, guide_kind)
    forced_by = ("force=True" if force else "a journey map was given" if journey_given
                 else "the corpus has manual stages" if is_manual.any() else "")
    if not applicable and not forced_by:
        stage[:] = pd.NA
        conf[:] = np.nan
    elif not applicable:
        reason = (f"Stages were assigned because {forced_by}, although on its own evidence "
                  f"the study does not look like a journey: {reason[0].lower()}{reason[1:]}")
    # manual values always win
    for i in np.flatnonzero(is_manual):
        v = manual.iat[i]
        stage.iat[i] = pd.NA if v == "" else v
        conf[i] = 1.0
    source = np.where(is_manual, SOURCE_MANUAL, SOURCE_MODEL)

    out = seg.copy()
    out["stage"] = pd.array(stage.tolist(), dtype="string")
    out["stage_confidence"] = np.round(conf, 4)
    out["stage_source"] = pd.array(source.tolist(), dtype="string")

    part = out[out["role"] == "participant"]
    meta = dict(corpus.meta)
    meta["stages"] = {
        "journey": journey.name,
        "stages": journey.names,
        "counts": {n: int((part["stage"] == n).sum()) for n in journey.names},
        "participant_segments": len(part),
        "no_stage": int(part["stage"].isna().sum()),
        "manual": int(is_manual.sum()),
        "min_confidence": float(min_confidence),
    }
    meta["journey"] = {
        "applicable": bool(applicable or bool(forced_by)),
        "forced": bool(forced_by) and not applicable,
        "reason": reason,
        "evidence": evidence,
        "name": journey.name,
        "stages": journey.names,
        "map": journey.to_dict(),
    }
    params = {
        "journey": journey.to_dict(),
        "keywords": {k_: list(v) for k_, v in (keywords or {}).items()},
        "min_confidence": float(min_confidence),
        "use_question": use_question,
        "use_similarity": use_similarity,
        "use_sequence": use_sequence,
        "use_keywords": use_keywords,
        "settings": asdict(cfg),
        "force": bool(force),
    }
    return corpus.with_step("assign_stages", params, segments=out, meta=meta)


def _guide(corpus: Corpus, seg: pd.DataFrame, emb: np.ndarray, q_proto: np.ndarray,
           q_owner: np.ndarray, k: int, model: str | Path | None) -> tuple[dict[str, Any], str]:
    """Interview-guide evidence of applicability (see :mod:`cxinsight.journey.applicability`)."""
    rows = appl.question_rows(seg)
    if len(rows):
        scores = _prototype_scores(emb[rows], q_proto, q_owner, k + 1)
        evidence = appl.guide_evidence(
            scores, seg["interview_id"].astype(str).to_numpy()[rows],
            seg["turn"].to_numpy(dtype=float)[rows], k)
        return evidence, "interview"
    questions = appl.survey_questions(corpus.turns)
    if questions:
        from cxinsight.embeddings import encode, encode_for

        vecs = encode(questions, model) if model is not None else encode_for(corpus, questions)
        scores = _prototype_scores(np.asarray(vecs, dtype=np.float32), q_proto, q_owner, k + 1)
        return appl.guide_evidence(scores, ["survey"] * len(questions),
                                   np.arange(len(questions)), k), "survey"
    return appl.guide_evidence(np.zeros((0, k + 1)), [], [], k), "none"


def _decode_interviews(emis, asq, iids, turns, texts_arr, is_int, usable, in_unit, manual,
                       is_manual, journey, k, cfg, trans, log_start, use_question,
                       use_sequence) -> tuple[np.ndarray, np.ndarray]:
    """Posterior and Viterbi stage of every segment, one sequence per interview (by turn)."""
    post = np.zeros((len(emis), k + 1))
    path = np.full(len(emis), -1, dtype=np.int64)
    # row indices of each interview, found once (a scan per interview is quadratic in surveys)
    codes, _ = pd.factorize(pd.Series(iids))
    order = np.argsort(codes, kind="stable")
    bounds = np.flatnonzero(np.diff(codes[order])) + 1
    for group in np.split(order, bounds):
        mine = group[in_unit[group]]
        if len(mine) == 0:
            continue
        unit_turns = sorted(set(turns[mine].tolist()))
        unit_rows = [mine[turns[mine] == t] for t in unit_turns]
        e = np.zeros((len(unit_rows), k + 1))
        question = None
        for u, rows in enumerate(unit_rows):
            e[u] = emis[rows].sum(axis=0) / len(rows) ** cfg.length_exponent
            if is_int[rows[0]]:
                asked = [r for r in rows if "?" in texts_arr[r]] or list(rows)
                question = asq[asked].mean(axis=0)
            elif use_question and question is not None:
                e[u] += cfg.question_carry * question
            man = [manual.iat[r] for r in rows if is_manual[r]]
            if man:
                v = max(set(man), key=man.count)
                e[u] = -1e6
                e[u, k if v == "" else journey.index(v)] = 0.0
        if use_sequence:
            p, pth = _forward_backward(e, trans, log_start)
        else:
            z = np.exp(e - e.max(axis=1, keepdims=True))
            p = z / z.sum(axis=1, keepdims=True)
            pth = p.argmax(axis=1)
        for u, rows in enumerate(unit_rows):
            keep = rows[usable[rows] | is_manual[rows]]
            post[keep] = p[u]
            path[keep] = pth[u]
    return post, path


#: Most study-specific examples per stage used by the adaptation (the most confident ones).
_MAX_ADAPT_EXAMPLES = 500


def _adapted_scores(emb: np.ndarray, post: np.ndarray, path: np.ndarray, answers: np.ndarray,
                    k: int, cfg: StageSettings) -> np.ndarray | None:
    """Similarity of every segment to the study's own confidently placed answers, per stage.

    For each stage, the answers placed there with posterior >= ``cfg.adapt_confidence`` are
    its study-specific examples; a segment's score is the mean of its ``cfg.adapt_neighbours``
    most similar examples (itself excluded), centred per stage over the answers and divided by
    the temperature. Stages with fewer than three such answers keep a score of 0.
    """
    placed = answers & (path >= 0) & (path < k)
    conf = np.where(placed, post[np.arange(len(post)), np.clip(path, 0, k)], 0.0)
    out = np.zeros((len(emb), k + 1))
    found = False
    for s in range(k):
        ex = np.flatnonzero(placed & (path == s) & (conf >= cfg.adapt_confidence))
        if len(ex) < 3:
            continue
        found = True
        if len(ex) > _MAX_ADAPT_EXAMPLES:  # the most confident ones (ties: corpus order)
            ex = np.sort(ex[np.argsort(-conf[ex], kind="stable")[:_MAX_ADAPT_EXAMPLES]])
        n = min(cfg.adapt_neighbours, len(ex) - 1)
        pos = {int(r): j for j, r in enumerate(ex)}
        for lo in range(0, len(emb), 4096):  # in chunks: memory stays small on big studies
            sims = emb[lo:lo + 4096] @ emb[ex].T
            for i in range(lo, min(lo + 4096, len(emb))):
                if i in pos:
                    sims[i - lo, pos[i]] = -np.inf  # a segment is not its own example
            top = -np.partition(-sims, n - 1, axis=1)[:, :n]
            out[lo:lo + 4096, s] = top.mean(axis=1)
    if not found:
        return None
    rows = answers
    if rows.sum() >= 2 * (k + 1):
        out[:, :k] -= out[rows, :k].mean(axis=0)
    return out / cfg.temperature


def _turn_texts(seg: pd.DataFrame, texts: list[str], rows: np.ndarray
                ) -> tuple[list[list[int]], list[str]]:
    """The segments of each participant turn among ``rows`` (in order), and each turn's text."""
    idx = np.flatnonzero(rows)
    keys = zip(seg["interview_id"].astype(str).to_numpy()[idx], seg["turn"].to_numpy()[idx])
    groups: dict[tuple, list[int]] = {}
    for r, key in zip(idx, keys):
        groups.setdefault(key, []).append(int(r))
    members = list(groups.values())
    return members, [" ".join(texts[r] for r in m) for m in members]


def _usable_rows(seg: pd.DataFrame, texts: list[str]) -> np.ndarray:
    """Segments with words that are not back-channels."""
    backchannel = (
        seg["is_backchannel"].fillna(False).astype(bool).to_numpy()
        if "is_backchannel" in seg.columns else np.zeros(len(seg), dtype=bool)
    )
    return ~backchannel & np.array([bool(t.strip()) for t in texts], dtype=bool)


def prefetch_turns(corpus: Corpus, journey: Any = None, *, use_similarity: bool = True,
                   settings: StageSettings | Mapping[str, Any] | None = None,
                   model: str | Path | None = None, **_: Any) -> int:
    """Start embedding the whole participant turns that :func:`assign_stages` will need.

    Called by :func:`cxinsight.analyse` once the segments are embedded, with the options of
    its stages step: the turns are computed on the encoding workers in the background while
    themes are found (see :func:`cxinsight.embeddings.prefetch`), and ``assign_stages`` then
    finds them ready. The stages are the same either way.

    Returns
    -------
    int
        Number of turn texts sent to the workers (0 when nothing is worth starting early).
    """
    from cxinsight.embeddings import corpus_model, prefetch

    joined = turn_texts(corpus, use_similarity=use_similarity, settings=settings)
    if not joined:
        return 0
    return prefetch(joined, model if model is not None else corpus_model(corpus))


def turn_texts(corpus: Corpus, journey: Any = None, *, use_similarity: bool = True,
               settings: StageSettings | Mapping[str, Any] | None = None, **_: Any) -> list[str]:
    """The whole participant turns :func:`assign_stages` embeds with these options (one text
    per turn, its usable segments joined), or ``[]`` when it embeds none."""
    cfg = (settings if isinstance(settings, StageSettings)
           else StageSettings(**dict(settings or {})))
    seg = corpus.segments
    if not use_similarity or not cfg.turn_weight or corpus.embeddings is None or seg is None \
            or not {"interview_id", "turn", "role", "text"} <= set(seg.columns):
        return []
    texts = seg["text"].fillna("").astype(str).tolist()
    answers = _usable_rows(seg, texts) & (seg["role"].astype(str).to_numpy() != "interviewer")
    return _turn_texts(seg, texts, answers)[1]


def _whole_turn_scores(corpus: Corpus, seg: pd.DataFrame, texts: list[str], rows: np.ndarray,
                       a_proto: np.ndarray, a_owner: np.ndarray, k: int, cfg: StageSettings,
                       model: str | Path | None) -> np.ndarray:
    """Evidence from each participant turn's whole text, spread over the turn's segments.

    Each turn's usable segments are joined and embedded as one text; its centred, tempered
    similarity to the stage prototypes, times ``cfg.turn_weight``, is shared by the turn's
    segments so that the turn's total evidence (see ``length_exponent``) gains exactly it.
    """
    from cxinsight.embeddings import encode, encode_for

    out = np.zeros((len(seg), k + 1))
    groups, joined = _turn_texts(seg, texts, rows)
    if not joined:
        return out
    vecs = encode(joined, model) if model is not None else encode_for(corpus, joined)
    scores = _prototype_scores(np.asarray(vecs, dtype=np.float32), a_proto, a_owner, k + 1)
    scores = scores / cfg.temperature
    if len(scores) >= 2 * (k + 1) and cfg.center:
        scores = scores - cfg.center * scores.mean(axis=0)
    for members, sc in zip(groups, scores):
        n = len(members)
        out[members] = cfg.turn_weight * sc * n ** cfg.length_exponent / n
    return out
