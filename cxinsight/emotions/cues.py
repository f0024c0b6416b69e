"""Cues that change how a text's valence is read: the question it answers, requests, politeness.

* **Question kind.** In a survey or an interview the question frames the answer. An answer to
  "What hinders you ...?" or "What is missing?" names a problem even when it carries no emotion
  word ("the export to CSV"); an answer to "What do you like about ...?" is not a complaint by
  default. :func:`question_kind` sorts a question into ``problem``, ``positive`` or ``neutral``
  (``none`` when there is no question) from our own patterns.
* **Requests and wishes.** "I wish it synced", "it would be great if ...", "please add ..." ask
  for something that is not there. Their positive words ("would be awesome") are not delight:
  :func:`request_flags` marks them so the tagger files them under ``request``.
* **Politeness.** "Thanks", "please", "really nicely" in service talk soften a complaint without
  making it positive: :func:`politeness_flags` marks them, and the tagger discounts their lift
  when the rest of the text reads negative.
* **A "no problem" answer.** "Nothing really", "No issues so far" answers a problem question by
  saying there is no problem (:func:`no_problem_flags`).

All patterns are regular expressions over lower-cased text, written by the cxinsight authors.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

#: The question kinds, in the order used in documentation and tables.
QUESTION_KINDS: tuple[str, ...] = ("problem", "positive", "neutral", "none")

_PROBLEM_Q = re.compile(
    r"\b(?:problems?|issues?|obstacles?|barriers?|hinders?|hindering|hindered|hinder|"
    r"difficult|difficulty|difficulties|hard(?:est)?|harder|struggl\w*|frustrat\w*|annoy\w*|"
    r"challeng\w*|pain ?points?|painful|dislike\w*|hate|worst|least|bothers?|bother(?:ed|ing)|bugs? you|"
    r"complain\w*|complaints?|wrong|fail\w*|broken|missing|lack\w*|"
    r"(?:not|n't|never|fails? to)\s+(?:\w+\s+){0,2}(?:address|meet|cover|work|support|do|help|"
    r"provide|offer|like|enjoy)\w*|"
    r"unmet|gaps?|shortcomings?|limitations?|drawbacks?|downsides?|weakness\w*|"
    r"improve\w*|improvements?|(?:make|made|be|get) (?:\w+ ){0,3}better|"
    r"(?:you|you'd|would|should|could|want to|like to) (?:\w+ ){0,2}change|fix\w*|wish|"
    r"would you add|stop you|stops? you|prevent\w*|keeps? you from|get in the way|"
    r"concerns?|worr\w*|risks?|disappoint\w*|went wrong|go wrong|goes wrong|pain)\b"
)
_POSITIVE_Q = re.compile(
    r"\b(?:like(?:d)? (?:most|best|about)|(?:do|did) you (?:like|love|enjoy|value|appreciate)|"
    r"love|enjoy\w*|favou?rite|best (?:thing|part|feature|bit)s?|strengths?|benefits?|advantages?|"
    r"(?:works?|worked|working|went|goes|going) well|"
    r"(?:what|which)(?:'s| is| was| were| are)? (?:\w+ ){0,2}(?:good|great|helpful|useful|valuable)|"
    r"valu(?:e|able)|appreciate|(?:happy|pleased|satisfied|delighted) (?:with|about)|"
    r"highlights?|succe\w*|wins?)\b"
)
_CATCH_ALL = re.compile(
    r"\b(?:not|n't)\s+(?:been\s+|yet\s+|already\s+)?(?:covered|mentioned|listed|asked|included)\b"
    r"[^?]*?\b(?:previous|above|earlier|preceding|other|these)\b(?:\s+\w+)?\s+(?:questions?|items?|options?|sections?)"
)
# "What is missing?" asks for problems even though "what ... like" may appear in "what would you like"
_WISH_Q = re.compile(r"\bwhat would you (?:like|want) (?:to see|us to|added|changed|improved)\b")

_REQUEST = re.compile(
    r"\b(?:i|we)\s+(?:really\s+|just\s+|do\s+|only\s+)?wish(?:ed)?\b|\bif only\b|"
    r"\b(?:it|that|this|which)?\s*(?:would|'d|’d)\s+(?:be\s+|also\s+be\s+|really\s+be\s+)?"
    r"(?:so\s+|really\s+|very\s+|much\s+|super\s+|even\s+)?"
    r"(?:great|nice|awesome|cool|helpful|useful|good|better|amazing|fantastic|lovely|ideal|"
    r"handy|brilliant|wonderful|perfect|excellent|beneficial|welcome|appreciated|a plus|"
    r"a (?:big |huge |great |nice )?(?:help|improvement|bonus))\b\s*(?:if|to|for|when|feature|option|"
    r"addition|\.|,|!|$)|"
    r"\b(?:please|pls|plz)\s+(?:add|make|bring|allow|let|consider|fix|include|support|give|"
    r"provide|implement|enable|offer|put|stop|change|update|improve|do|get)\b|"
    r"\b(?:should|could|ought to|needs? to|need to)\s+(?:be able to|allow|let|have|support|offer|"
    r"provide|include|add|make|show|give|also)\b|"
    r"\b(?:i'd|i would|we'd|we would|i’d|we’d)\s+(?:really\s+)?(?:like|love|prefer|want)\s+"
    r"(?:to see|to have|to be able|it if|if|an? |more|some|the option|the ability|better|"
    r"them to|you to|it to)|"
    r"\b(?:would|could|can)\s+(?:you|they|we)\s+(?:please\s+)?(?:add|make|allow|consider|bring|"
    r"support|include|implement|offer|provide)\b|"
    r"\b(?:feature request|request(?:ing)? (?:a|an|the|that|more)|suggest(?:ion)?s?\b|"
    r"would (?:love|like) (?:to see|it if|if|an? |more|some|the option|the ability)|"
    r"(?:an?|the) option to|ability to|wishlist|wish list|it'd be|hope (?:you|they) (?:add|will|can|could))"
)
_POLITE = re.compile(
    r"\b(?:thanks?|thank you|thx|ty|cheers|appreciate(?:d)?|please|pls|plz|kindly|"
    r"(?:really|very|so) (?:nicely|kindly|politely)|nicely|politely|polite|friendly|lovely)\b"
)
_NO_PROBLEM = re.compile(
    r"^\W*(?:(?:no|none|nothing|nope|nah|n/?a|not really|not much|not at all|not so far|"
    r"no problems?|no issues?|no complaints?|no obstacles?|no concerns?|can't think of (?:any|anything)|"
    r"cannot think of (?:any|anything)|nothing (?:really|comes to mind|in particular|so far|major|much)|"
    r"all good|it'?s fine|everything(?:'s| is) (?:fine|good|great)|don'?t know|dunno|"
    r"i don'?t (?:have any|think so))\b)"
)
_NO_PROBLEM_ANY = re.compile(
    r"\b(?:no (?:problems?|issues?|complaints?|obstacles?|concerns?|difficult(?:y|ies))(?: at all| so far| really)?|"
    r"nothing (?:really|comes to mind|in particular|so far)|can'?t think of (?:any|anything)|"
    r"never had (?:a|any) (?:problem|issue)s?)\b"
)


_COMPLAINT_ASK = re.compile(
    r"\b(?:why|how come|how (?:can|could|do|does|did|is|are|many more|much longer|long) "
    r"(?:you|it|they|this|that|we|i|a|an|the|do|does|is|are|will|must|should)\b|"
    r"what(?:'s| is| was) (?:going on|happening|the (?:deal|problem|issue|holdup|hold up|point))|"
    r"what happened|where(?:'s| is| are| was| were) (?:my|our|the|your)|"
    r"(?:any|no) (?:update|news|word|answer|response|reply)s?|is (?:anyone|anybody|there anyone)|"
    r"seriously|really\s*\?|are you (?:kidding|serious|joking))"
)
_ASK_WORDS = frozenset("can could would will is are do does did how what where when which who any".split())
_WORD = re.compile(r"[a-z']+")
_SPLIT = str.maketrans({c: " " for c in '!"#$%&()*+,./:;<=>?@[\\]^_`{|}~'})
#: Words one of which a text must hold for the request / politeness patterns to be tried.
_REQUEST_ANCHORS = frozenset(
    "wish wished only would i'd we'd it'd that'd you'd they'd please pls plz should could ought need needs "
    "like love prefer want can feature request requesting suggest suggestion suggestions option "
    "ability wishlist hope".split()
)
_POLITE_ANCHORS = frozenset(
    "thanks thank thx ty cheers appreciate appreciated please pls plz kindly nicely "
    "politely polite friendly lovely".split()
)


def _words(low: str) -> set[str]:
    return set(low.translate(_SPLIT).split())


def ask_kinds(texts: Sequence[str]) -> np.ndarray:
    """Return for each text ``"complaint"`` (a question that complains: "why is my bag still not
    here?", "where is my refund?"), ``"info"`` (any other question: "can I change my seat?")
    or ``""`` (not a question)."""
    out = []
    for t in texts:
        low = str(t).lower().replace("’", "'")
        first = _WORD.search(low)
        if "?" not in low and (first is None or first.group() not in _ASK_WORDS):
            out.append("")
        elif _COMPLAINT_ASK.search(low) is not None:
            out.append("complaint")
        else:
            out.append("info")
    return np.asarray(out, dtype=object)


def question_kind(question: str | None) -> str:
    """Return the kind of one question: ``problem``, ``positive``, ``neutral`` or ``none``.

    A question asking for problems, obstacles, unmet needs, what is difficult, frustrating,
    missing or to be improved is ``problem``; one asking what is liked, valued or works well is
    ``positive``; any other question is ``neutral``; an empty or missing question is ``none``.
    When a question asks both ("What do you like and dislike?") it is ``neutral``.

    Parameters
    ----------
    question : str or None

    Returns
    -------
    str

    Examples
    --------
    >>> question_kind("What hinders you from using it more?")
    'problem'
    >>> question_kind("What do you like most about the app?")
    'positive'
    >>> question_kind("How did you hear about us?")
    'neutral'
    """
    if question is None or (isinstance(question, float) and np.isnan(question)):
        return "none"
    q = " ".join(str(question).lower().replace("’", "'").split())
    if not q:
        return "none"
    asked = [part for part in re.findall(r"[^.?!]*\?", q) if part.strip()]
    if asked:  # "That's great to hear. What was hard about it?": read the question sentences
        q = " ".join(asked)
    # "anything else not covered by the previous questions?" is a catch-all, not a problem
    q = _CATCH_ALL.sub(" ", q)
    problem = _PROBLEM_Q.search(q) is not None or _WISH_Q.search(q) is not None
    positive = _POSITIVE_Q.search(q) is not None and _WISH_Q.search(q) is None
    if problem and positive:
        # "what works well and what doesn't" asks for both; "what would make it better" is a problem
        if re.search(r"\b(?:and|or|vs|versus)\b", q) and _PROBLEM_Q.search(q) and \
                re.search(r"\b(?:dislike|not|n't|worst|least|hard|difficult|problem|issue|frustrat\w*)\b", q):
            return "neutral"
        return "problem"
    if problem:
        return "problem"
    if positive:
        return "positive"
    return "neutral"


def question_kinds(questions: Iterable[str | None]) -> np.ndarray:
    """Return :func:`question_kind` of each question (memoised per distinct question)."""
    memo: dict = {}
    out = []
    for q in questions:
        key = q if isinstance(q, str) else None
        if key not in memo:
            memo[key] = question_kind(key)
        out.append(memo[key])
    return np.asarray(out, dtype=object)


def _flags(pattern: re.Pattern, texts: Sequence[str], anchors: frozenset | None = None) -> np.ndarray:
    search = pattern.search
    out = np.zeros(len(texts), dtype=bool)
    for i, t in enumerate(texts):
        low = str(t).lower().replace("’", "'")
        if anchors is not None and anchors.isdisjoint(_words(low)):
            continue
        out[i] = search(low) is not None
    return out


def request_flags(texts: Sequence[str]) -> np.ndarray:
    """Return a boolean array: is each text a request or wish?

    Examples
    --------
    >>> request_flags(["I wish it synced with my calendar.", "It works well."]).tolist()
    [True, False]
    """
    return _flags(_REQUEST, texts, _REQUEST_ANCHORS)


def request_and_politeness_flags(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Return :func:`request_flags` and :func:`politeness_flags` in one pass over the texts."""
    request = np.zeros(len(texts), dtype=bool)
    polite = np.zeros(len(texts), dtype=bool)
    req_search, pol_search = _REQUEST.search, _POLITE.search
    for i, t in enumerate(texts):
        low = str(t).lower().replace("’", "'")
        words = _words(low)
        if not _REQUEST_ANCHORS.isdisjoint(words):
            request[i] = req_search(low) is not None
        if not _POLITE_ANCHORS.isdisjoint(words):
            polite[i] = pol_search(low) is not None
    return request, polite


def politeness_flags(texts: Sequence[str]) -> np.ndarray:
    """Return a boolean array: does each text hold a politeness marker (thanks, please, ...)?"""
    return _flags(_POLITE, texts, _POLITE_ANCHORS)


def no_problem_flags(texts: Sequence[str]) -> np.ndarray:
    """Return a boolean array: does each text say there is no problem ("Nothing really")?"""
    starts = _flags(_NO_PROBLEM, texts)
    anywhere = _flags(_NO_PROBLEM_ANY, texts)
    return starts | anywhere


def strip_politeness(text: str) -> str:
    """Return ``text`` with its politeness markers removed (for re-scoring the rest)."""
    return _POLITE.sub(" ", str(text).lower().replace("’", "'"))


def preceding_questions(segments: pd.DataFrame, turns: pd.DataFrame | None = None) -> pd.Series:
    """Return the question each segment answers, or ``None``.

    * A ``question`` column on the segments (survey answers: the survey column) is used as is.
    * Otherwise, for participant segments in an interview, the question is the text of the last
      interviewer turn before the segment's turn in the same interview (read from ``turns``
      when given, else from the interviewer segments). Segments spoken by the interviewer get
      ``None``, as do participant turns with no interviewer turn before them.

    Parameters
    ----------
    segments : DataFrame
        With ``interview_id`` and ``turn`` (and ``role``) for interviews, or ``question``.
    turns : DataFrame, optional
        The corpus's turns table (``interview_id``, ``turn``, ``role``, ``text``).

    Returns
    -------
    Series of object, aligned with ``segments``.
    """
    n = len(segments)
    out = pd.Series([None] * n, index=segments.index, dtype=object)
    if "question" in segments.columns:
        q = segments["question"]
        filled = q.notna() & (q.astype(str).str.strip() != "")
        out[filled] = q[filled].astype(str)
        if filled.all():
            return out
    needed = {"interview_id", "turn", "role"}
    if not needed <= set(segments.columns):
        return out
    source = turns if turns is not None and needed | {"text"} <= set(turns.columns) else segments
    if "text" not in source.columns:
        return out
    asked = source[source["role"].astype(str) == "interviewer"]
    if asked.empty:
        return out
    # interviewer text per (interview, turn), joined when a turn has several segments
    by_turn = asked.groupby(["interview_id", "turn"], sort=True)["text"].agg(
        lambda s: " ".join(map(str, s)))
    table = {}
    for (iid, turn), text in by_turn.items():
        table.setdefault(str(iid), ([], []))
        table[str(iid)][0].append(int(turn))
        table[str(iid)][1].append(text)
    roles = segments["role"].astype(str).to_numpy()
    iids = segments["interview_id"].astype(str).to_numpy()
    tnums = segments["turn"].to_numpy()
    for pos in range(n):
        if roles[pos] == "interviewer" or out.iat[pos] is not None:
            continue
        entry = table.get(iids[pos])
        if entry is None:
            continue
        k = int(np.searchsorted(entry[0], int(tnums[pos]), side="left")) - 1
        if k >= 0:
            out.iat[pos] = entry[1][k]
    return out
