"""Who is who: speaker labels, aliases and interviewer/participant roles.

Roles are decided in this order, and the reason is recorded in ``meta["speakers"]``:

1. ``roles={"Jane": "interviewer"}`` given to :func:`cxinsight.read` (always wins);
2. the label itself (``Interviewer``, ``Moderator``, ``Researcher``, ``Host``, ``I``, ``Q`` ...
   or ``Interviewee``, ``Participant``, ``Respondent``, ``R``, ``A`` ...);
3. the manifest (an ``interviewer`` column naming the interviewer, a ``participant_name``
   column naming the participant);
4. once someone is known to be the interviewer, everyone else is a participant;
5. evidence: the interviewer is the speaker who asks the questions (a clearly higher share of
   turns with a question mark, and shorter turns); with three or more speakers, several
   interviewers (two hosts) are found when the askers and the answerers separate clearly;
6. across files (in :func:`cxinsight.read`): a speaker found to be the interviewer in another
   file of the study, or the one named speaker present in most interviews, is the interviewer;
7. when nothing decides, no speaker is dropped: every speaker who is not the interviewer counts
   as a participant with the reason ``assumed``, and the files table flags the file.

Aliases (``Jane Doe`` then ``JD``, or ``Jane``) are merged only when exactly one other label
in the same file fits (initials or first name) and neither is a role word.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from cxinsight.errors import InputError
from cxinsight.ingest.base import initials, label_key, looks_like_name, tidy_label

__all__ = [
    "role_from_label",
    "accept_label",
    "canonical_labels",
    "merge_aliases",
    "assign_roles",
    "load_roles",
    "GENERIC_LABEL",
]

_INTERVIEWER_WORDS = frozenset(
    "interviewer interviewers moderator researcher host facilitator i q int intv iv ivr iwr "
    "mod question questioner".split()
)
_PARTICIPANT_WORDS = frozenset(
    "interviewee participant respondent customer client user guest r a p ie iee answer resp "
    "participants interviewees".split()
)
#: First words of a "label" that is really a header field, never a speaker.
NOT_SPEAKERS = frozenset(
    "note notes date time location duration title subject project study recorded recording "
    "transcript transcription transcribed file filename attendees attendee keywords summary "
    "link url http https www session meeting interview agenda topic topics tip step example "
    "edit update warning ps re fyi tl dr action actions follow source audio video length "
    "language consent started ended start end created".split()
)
#: Words that start sentences; a one-off "label" starting with one is prose, not a speaker.
SENTENCE_STARTERS = frozenset(
    "so and but well yeah yes no the my it this that what one then also because like honestly "
    "basically anyway okay ok oh um uh if when our their his her we they you i'm its there here "
    "just really actually first second third finally plus price answer problem thing reason "
    "result point bottom upshot".split()
)


def _first_word(label: str) -> str:
    return label.split()[0].casefold().strip(".'()") if label.split() else ""


@lru_cache(maxsize=4096)
def role_from_label(label: str) -> str | None:
    """Return the role a label names (``Interviewer 1`` -> ``interviewer``), or ``None``."""
    key = label_key(label)
    stripped = key.rstrip("0123456789")
    if key in _INTERVIEWER_WORDS or stripped in _INTERVIEWER_WORDS:
        return "interviewer"
    if key in _PARTICIPANT_WORDS or stripped in _PARTICIPANT_WORDS:
        return "participant"
    first = _first_word(label)
    if len(label.split()) > 1:
        if first in _INTERVIEWER_WORDS - {"i", "q", "question"}:
            return "interviewer"
        if first in _PARTICIPANT_WORDS - {"a", "r", "p", "answer", "user", "customer", "client"}:
            return "participant"
    return None


@lru_cache(maxsize=4096)
def accept_label(label: str, count: int) -> bool:
    """Decide whether a ``label:`` found at the start of ``count`` lines names a speaker.

    Parameters
    ----------
    label : str
        The label as written.
    count : int
        How many lines of the file start with it.

    Returns
    -------
    bool
    """
    if role_from_label(label) is not None:
        return True
    first = _first_word(label)
    if first in NOT_SPEAKERS:
        return False
    n_words = len(label.split())
    if n_words > 1 and first in SENTENCE_STARTERS:
        return False
    if looks_like_name(label):
        if count == 1 and first in SENTENCE_STARTERS:
            return False
        return True
    # lower-case labels (sloppy transcripts): only short ones that recur
    return n_words <= 2 and count >= 3 and first not in SENTENCE_STARTERS


def canonical_labels(labels: Sequence[str]) -> dict[str, str]:
    """Map every label to one canonical spelling per speaker (case, spacing and trailing
    numbers ignored: ``Interviewer1`` / ``Interviewer 1`` / `` interviewer 1``).

    The canonical spelling is the most frequent one (ties: the first seen), tidied.
    """
    counts = Counter(labels)
    first_seen = {lab: i for i, lab in enumerate(dict.fromkeys(labels))}
    forms_by_key: dict[str, Counter] = {}
    order: dict[str, int] = {}
    for lab, n in counts.items():
        t = tidy_label(lab)
        forms_by_key.setdefault(label_key(t), Counter())[t] += n
        order[t] = min(order.get(t, first_seen[lab]), first_seen[lab])
    best = {k: sorted(forms, key=lambda f: (-forms[f], order[f]))[0] for k, forms in forms_by_key.items()}
    return {lab: best[label_key(tidy_label(lab))] for lab in counts}


def merge_aliases(labels: Iterable[str]) -> dict[str, str]:
    """Find short labels that are aliases of a fuller label in the same file.

    ``JD`` (initials) or ``Jane`` (first name) is merged into ``Jane Doe`` when exactly one
    multi-word label fits and neither label is a role word; a bare role word
    (``Interviewer``) is merged into the only numbered label of that role (``Interviewer 1``).

    Parameters
    ----------
    labels : iterable of str
        The distinct canonical labels of one interview.

    Returns
    -------
    dict
        ``{alias: full label}`` for the merges found (may be empty).
    """
    labs = sorted(set(labels))
    full = [b for b in labs if len(b.split()) >= 2 and role_from_label(b) is None and looks_like_name(b)]
    merges: dict[str, str] = {}
    for a in labs:
        if len(a.split()) != 1 or len(a) < 2:
            continue
        if role_from_label(a) is not None:
            # "Interviewer" next to exactly one "Interviewer 1": the number was dropped
            numbered = [
                b for b in labs if b != a and b.rstrip("0123456789").strip().casefold() == a.casefold()
            ]
            if len(numbered) == 1 and len(a) >= 4:
                merges[a] = numbered[0]
            continue
        ak = label_key(a)
        fits = [
            b
            for b in full
            if ak == initials(b) or (len(ak) >= 3 and ak == label_key(b.split()[0]))
        ]
        if len(fits) == 1:
            merges[a] = fits[0]
    return merges


def _norm_name(s: str) -> str:
    return label_key(s)


def _matches_person(label: str, names: Sequence[str]) -> bool:
    """True when a speaker label is one of ``names`` (full name, first name or initials)."""
    k = label_key(label)
    if not k:
        return False
    for n in names:
        n = str(n).strip()
        if not n:
            continue
        if k == _norm_name(n):
            return True
        parts = n.split()
        if len(parts) >= 2 and (k == label_key(parts[0]) or (len(k) >= 2 and k == initials(n))):
            return True
    return False


def _split_names(value: object) -> list[str]:
    if value is None:
        return []
    s = str(value)
    if s.lower() in ("nan", "none", ""):
        return []
    for sep in (";", "|", "/", " & ", " and "):
        s = s.replace(sep, ",")
    return [p.strip() for p in s.split(",") if p.strip()]


def assign_roles(
    stats: Mapping[str, dict[str, float]],
    *,
    overrides: Mapping[str, str] | None = None,
    interviewers: Sequence[str] = (),
    participants: Sequence[str] = (),
) -> dict[str, tuple[str, str]]:
    """Decide the role of each speaker of one interview.

    Parameters
    ----------
    stats : mapping
        ``{speaker: {"turns": n, "questions": n_turns_with_question_mark, "words": n_words}}``.
    overrides : mapping, optional
        ``{speaker: role}`` from the user; keys match case-insensitively.
    interviewers, participants : sequence of str
        Names from the manifest.

    Returns
    -------
    dict
        ``{speaker: (role, reason)}`` with reason one of ``option``, ``label``, ``manifest``,
        ``others``, ``evidence``, ``none``.
    """
    over = {label_key(k): v for k, v in (overrides or {}).items()}
    iv_names = [n for v in interviewers for n in _split_names(v)]
    pt_names = [n for v in participants for n in _split_names(v)]
    out: dict[str, tuple[str, str]] = {}
    for spk in stats:
        if label_key(spk) in over:
            out[spk] = (over[label_key(spk)], "option")
        elif spk == "unknown":
            out[spk] = ("unknown", "none")
        elif (r := role_from_label(spk)) is not None:
            out[spk] = (r, "label")
        elif iv_names and _matches_person(spk, iv_names):
            out[spk] = ("interviewer", "manifest")
        elif pt_names and _matches_person(spk, pt_names):
            out[spk] = ("participant", "manifest")
    rest = [s for s in stats if s not in out]
    if not rest:
        return out
    known = {r for r, _ in out.values()}
    if "interviewer" in known:
        for s in rest:
            out[s] = ("participant", "others")
        return out
    # evidence: the interviewer asks the questions
    cand = _question_asker(stats, rest if "participant" in known else list(stats))
    if cand is not None and cand in rest:
        out[cand] = ("interviewer", "evidence")
        for s in rest:
            if s != cand:
                out[s] = ("participant", "others")
        return out
    if "participant" in known and len(rest) == 1 and _asks_more(stats, rest[0]):
        out[rest[0]] = ("interviewer", "evidence")
        return out
    if not known:
        split = _asker_split(stats, rest)
        if split is not None:
            askers, answerers = split
            for s in askers:
                out[s] = ("interviewer", "evidence")
            for s in answerers:
                out[s] = ("participant", "evidence")
            for s in rest:
                out.setdefault(s, ("unknown", "none"))
            return out
    for s in rest:
        out[s] = ("unknown", "none")
    return out


def _qratio(st: Mapping[str, float]) -> float:
    return st["questions"] / st["turns"] if st["turns"] else 0.0


def _mean_words(st: Mapping[str, float]) -> float:
    return st["words"] / st["turns"] if st["turns"] else 0.0


def _question_asker(stats: Mapping[str, dict[str, float]], among: Sequence[str]) -> str | None:
    among = [s for s in among if s != "unknown" and stats[s]["turns"] > 0]
    if len(among) < 2:
        return None
    ranked = sorted(among, key=lambda s: (-_qratio(stats[s]), s))
    top, others = ranked[0], ranked[1:]
    q_top = _qratio(stats[top])
    q_next = max(_qratio(stats[s]) for s in others)
    if q_top < 0.2 or q_top - q_next < 0.15:
        return None
    if _mean_words(stats[top]) > 1.5 * max(_mean_words(stats[s]) for s in others):
        return None
    return top


def _asker_split(stats: Mapping[str, dict[str, float]], among: Sequence[str]) -> tuple[list[str], list[str]] | None:
    """Several interviewers (two podcast hosts, a pair of researchers): with three or more
    speakers, those who ask (a question in at least a quarter of their turns) and speak
    briefly, against those who rarely ask (under a fifth) and speak at length."""
    speakers = [s for s in among if s != "unknown" and stats[s]["turns"] >= 2]
    if len(speakers) < 3:
        return None
    askers = [s for s in speakers if _qratio(stats[s]) >= 0.25]
    answerers = [s for s in speakers if _qratio(stats[s]) < 0.2]
    if not askers or not answerers or len(askers) + len(answerers) != len(speakers):
        return None
    if max(_mean_words(stats[s]) for s in askers) > 0.6 * min(_mean_words(stats[s]) for s in answerers):
        return None
    return sorted(askers), sorted(answerers)


def _asks_more(stats: Mapping[str, dict[str, float]], spk: str) -> bool:
    others = [s for s in stats if s != spk and s != "unknown" and stats[s]["turns"]]
    if not others or not stats[spk]["turns"]:
        return False
    return _qratio(stats[spk]) >= 0.2 and _qratio(stats[spk]) > max(_qratio(stats[s]) for s in others)


#: Labels that name no person (diarisation placeholders): never matched across files.
GENERIC_LABEL = re.compile(r"(?:unknown\s*)?speaker[\s_-]*\w{0,3}|unknown|spk[\s_-]*\d+|s\d+", re.IGNORECASE)
_ROLE_VALUES = ("interviewer", "participant", "unknown")


def load_roles(source: Any) -> dict[str, Any]:
    """Read role overrides from a dict, a CSV file or a YAML file.

    Parameters
    ----------
    source : dict, str or Path
        ``{"Jane Doe": "interviewer"}`` or ``{"int03": {"Speaker 1": "interviewer"}}``; a CSV
        with columns ``speaker``, ``role`` and optionally ``interview_id``; or a YAML file
        holding one of the two dict forms.

    Returns
    -------
    dict
        The overrides in dict form.

    Raises
    ------
    FileNotFoundError
        The file does not exist.
    ValueError
        The file has the wrong columns or shape, or a role that is not allowed.
    """
    if isinstance(source, Mapping):
        return dict(source)
    path = Path(source)
    if not path.is_file():
        raise FileNotFoundError(f"roles file {path} does not exist.")
    suffix = path.suffix.lower()
    if suffix in (".yml", ".yaml"):
        import yaml

        with open(path, encoding="utf-8") as fh:
            data = yaml.safe_load(fh)
        if not isinstance(data, Mapping):
            raise InputError(
                f"{path}: expected a mapping such as 'Jane Doe: interviewer' or "
                "'int03: {Speaker 1: interviewer}'."
            )
        return {str(k): (dict(v) if isinstance(v, Mapping) else v) for k, v in data.items()}
    import csv

    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    out: dict[str, Any] = {}
    for i, row in enumerate(rows, start=2):
        low = {str(k).strip().casefold(): (v or "").strip() for k, v in row.items() if k is not None}
        if "speaker" not in low or "role" not in low:
            raise InputError(
                f"{path}, line {i}: a roles CSV needs the columns speaker and role "
                "(and optionally interview_id)."
            )
        role = low["role"].casefold()
        if role not in _ROLE_VALUES:
            raise InputError(f"{path}, line {i}: role {low['role']!r} is not one of {list(_ROLE_VALUES)}.")
        iid = low.get("interview_id", "")
        if iid:
            out.setdefault(iid, {})[low["speaker"]] = role
        else:
            out[low["speaker"]] = role
    return out


def assume_participants(decided: dict[str, tuple[str, str]]) -> dict[str, tuple[str, str]]:
    """Turn every ``unknown`` role into ``participant`` (reason ``assumed``).

    No speaker is left out of the analysis because its role could not be decided; the files
    table flags the file so the user can set ``roles=``.
    """
    return {
        s: (("participant", "assumed") if r == "unknown" else (r, why)) for s, (r, why) in decided.items()
    }
