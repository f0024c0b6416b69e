"""One study's context: speakers and their codes, the entity table, detection over all turns,
and the application of the replacements to turns, segments, participants and metadata."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from cxinsight.anonymisation import names as _names
from cxinsight.anonymisation import spoken as _spoken
from cxinsight.anonymisation._known import KnownMatcher, fold
from cxinsight.anonymisation._options import _Config
from cxinsight.anonymisation._spans import LABELS, Detection, offset_mapper, resolve, splice
from cxinsight.anonymisation.key import KEY_FORMAT, KEY_VERSION, Key, turns_fingerprint
from cxinsight.corpus import Corpus, _json_safe
from cxinsight.errors import InputError, OptionError

if TYPE_CHECKING:  # pragma: no cover
    from cxinsight.anonymisation.anonymiser import Anonymiser

REVIEW_COLUMNS = [
    "interview_id", "turn", "start", "end", "text", "label", "detector", "score", "context",
]
_GENERIC_SPEAKER = re.compile(
    r"^(?:interviewer|interviewee|participant|respondent|moderator|speaker|unknown|host|guest|"
    r"customer|researcher|facilitator|user|caller|agent|p|i|r|s|int|resp|q|a)"
    r"\s*[-_#]?\s*\d*[a-z]?$",
    re.IGNORECASE,
)
#: initials used as speaker labels ("SC", "CM", "P1")
_INITIALS = re.compile(r"^[A-Z]{1,3}\d*$")
_CODE_LIKE = re.compile(r"^[A-Za-z]{1,3}[-_]?\d+$")
_INTERVIEWER_COL = re.compile(r"interviewer|moderator|researcher|facilitator|staff", re.IGNORECASE)
_NAME_COL = re.compile(
    r"^(?:name|full_?name|first_?name|last_?name|surname|given_?name|family_?name|forename)$|"
    r"(?:participant|respondent|interviewee|customer|contact|person|user|speaker)_?name|"
    r"interviewer|moderator|researcher|facilitator",
    re.IGNORECASE,
)
_SURROGATE_LOCALE = "en_GB"


# ============================================================================ entities
class _Entities:
    """One table of the real-world entities of a study, shared by every interview."""

    def __init__(self, common: frozenset[str]) -> None:
        self.items: list[dict[str, Any]] = []
        self.variant_index: dict[str, list[int]] = defaultdict(list)  # PERSON fold -> entity ids
        self.value_index: dict[tuple[str, str], int] = {}
        self.common = common

    def add_person(self, full: str, *, role: str | None = None, code: str | None = None,
                   interview_id: str | None = None, source: str = "rules") -> int:
        key = fold(full)
        for idx in self.variant_index.get(key, []):
            e = self.items[idx]
            if self._other_persons_part(e, key, interview_id):
                continue
            if len(fold(e["original"]).split()) >= len(key.split()):
                if code and not e.get("code"):
                    e["code"], e["role"] = code, role
                if interview_id:
                    e["interviews"].add(interview_id)
                return idx
        idx = len(self.items)
        self.items.append(
            {"label": "PERSON", "original": " ".join(full.split()), "variants": [], "role": role,
             "code": code, "interviews": {interview_id} if interview_id else set(), "source": source}
        )
        self._add_variant(idx, full)
        tokens = full.split()
        if len(tokens) > 1:
            self._add_variant(idx, tokens[0])
            # surnames and middle names alone ("Collins", "Jane" in "Sarah Jane Collins")
            for tok in tokens[1:]:
                if len(tok.strip(".")) >= 3 and fold(tok) not in self.common:
                    self._add_variant(idx, tok)
        return idx

    def _add_variant(self, idx: int, text: str) -> None:
        key = fold(text)
        if len(key) < 2:
            return
        if idx not in self.variant_index[key]:
            self.variant_index[key].append(idx)
        if text not in self.items[idx]["variants"]:
            self.items[idx]["variants"].append(text)

    @staticmethod
    def _other_persons_part(e: dict[str, Any], key: str, interview_id: str | None) -> bool:
        """True when ``key`` is one word of the name of a study speaker or manifest person
        from other interviews: "Tom" in one interview is not "Tom Reilly" of another."""
        return (interview_id is not None and len(key.split()) == 1 and fold(e["original"]) != key
                and bool(e["interviews"]) and interview_id not in e["interviews"]
                and bool(e.get("code") or e["source"] == "manifest"))

    def find_person(self, text: str, interview_id: str | None) -> int | None:
        key = fold(text)
        cands = [i for i in self.variant_index.get(key, [])
                 if not self._other_persons_part(self.items[i], key, interview_id)]
        if not cands:
            return None
        # someone from the same interview first (the full-name owner among them), then the
        # full-name owner, then the first
        same = [i for i in cands if interview_id in self.items[i]["interviews"]]
        for pool in (same, cands):
            for idx in pool:
                if fold(self.items[idx]["original"]) == key:
                    return idx
            if pool:
                return pool[0]
        return None

    def add_value(self, label: str, text: str) -> int:
        key = (label, _normalise_value(label, text))
        if key not in self.value_index:
            self.value_index[key] = len(self.items)
            self.items.append({"label": label, "original": text, "variants": [], "role": None,
                               "code": None, "interviews": set(), "source": "rules"})
        idx = self.value_index[key]
        if text not in self.items[idx]["variants"]:
            self.items[idx]["variants"].append(text)
        return idx

    def matcher(self, indices: Iterable[int] | None = None) -> KnownMatcher | None:
        pairs = []
        for idx in range(len(self.items)) if indices is None else indices:
            e = self.items[idx]
            for v in e["variants"] + [e["original"]]:
                pairs.append((v, e["label"] == "PERSON" and fold(v) in self.common))
        return KnownMatcher(pairs) if pairs else None


_CONTACT_COL = re.compile(r"e-?mail|phone|mobile|tel\b|telephone|address|postcode|post_code|zip|eircode|handle|username", re.IGNORECASE)
_NOTES_COL = re.compile(r"note|comment|remark|descr|feedback|quote|text|summary|memo|detail", re.IGNORECASE)
_CODE_COLUMNS = ("participant_id", "participant_code", "participant", "pid", "respondent_id")


def _is_text(series: pd.Series) -> bool:
    """True for object and string columns (pandas 2 and 3)."""
    return series.dtype == object or pd.api.types.is_string_dtype(series.dtype)


def _manifest_codes(parts: pd.DataFrame, order: list[str]) -> dict[str, str]:
    """Participant codes given by the manifest (``participant_id`` = ``P01``...), if usable."""
    if "interview_id" not in parts:
        return {}
    for col in _CODE_COLUMNS:
        if col not in parts:
            continue
        values = parts[col].astype(str).str.strip()
        if values.str.fullmatch(r"[A-Za-z]{1,3}[-_]?\d{1,4}").all() and values.is_unique:
            return dict(zip(parts["interview_id"].astype(str), values))
    return {}


def _normalise_value(label: str, text: str) -> str:
    if label == "EMAIL":
        return _spoken.normalise_spoken_email(text) if "@" not in text else text.lower()
    if label in ("PHONE", "CARD", "IBAN", "ID_NUMBER"):
        digits = _spoken.spoken_digits(re.findall(r"[A-Za-z]+|\d+|\+", text)) if re.search(r"[a-z]{3}", text, re.I) and label != "IBAN" else text
        digits = re.sub(r"[^0-9A-Za-z+]", "", digits).upper()
        if label == "PHONE":
            digits = digits.lstrip("+")
            for prefix, national in (("44", "0"), ("353", "0"), ("1", "")):
                if digits.startswith(prefix) and len(digits) > 10:
                    digits = national + digits[len(prefix):]
                    break
        return digits
    if label in ("POSTCODE",):
        return re.sub(r"\s+", "", text).upper()
    return fold(text)


# ============================================================================ the study
class _Study:
    """Everything known about one corpus: speakers, codes, entities."""

    def __init__(self, corpus: Corpus, cfg: _Config) -> None:
        self.corpus = corpus
        self.cfg = cfg
        self.ents = _Entities(cfg.common)
        turns = corpus.turns
        self.order = list(pd.unique(corpus.participants["interview_id"].astype(str))) if "interview_id" in corpus.participants else []
        listed = set(self.order)
        self.order += [iid for iid in pd.unique(turns["interview_id"].astype(str)) if iid not in listed]
        self.speaker_code: dict[tuple[str, str], str] = {}
        self.participant_code: dict[str, str] = {}
        self.name_columns: list[str] = []
        self.interviewer_columns: list[str] = []
        self._build_people()
        self.known = self.ents.matcher()
        self.manifest_terms = self._manifest_terms() if cfg.keep_manifest_values else []
        terms = list(cfg.allow_list) + self.manifest_terms
        self.allow = (
            frozenset(fold(w) for w in terms),
            re.compile(
                r"(?<!\w)(?:" + "|".join(re.escape(w) for w in sorted(terms, key=len, reverse=True)) + r")(?!\w)",
                re.IGNORECASE,
            ) if terms else None,
        )

    def _manifest_terms(self) -> list[str]:
        """Values of the manifest's descriptive columns (plan, segment, region): never replaced."""
        parts = self.corpus.participants
        skip = {"interview_id", *self.name_columns, *self.interviewer_columns, *_CODE_COLUMNS}
        people = set(self.ents.variant_index)
        first_names = _names.word_list("first_names")
        terms: set[str] = set()
        for col in parts.columns:
            if (col in skip or not _is_text(parts[col]) or _CONTACT_COL.search(str(col))
                    or _NOTES_COL.search(str(col))):
                continue
            values = parts[col].dropna().astype(str)
            if values.empty or values.str.len().mean() > 40:
                continue  # free text is scanned, not trusted
            for v in values:
                for term in [v, *re.split(r"\s*[,;/|]\s*", v)]:
                    term = term.strip()
                    words = [fold(w) for w in re.findall(r"[^\W\d_]+", term)]
                    if (len(term) < 3 or not words or len(words) > 4 or fold(term) in people
                            or any(w in first_names and w not in self.cfg.common for w in words)
                            or re.search(r"\d{3}|@", term)):
                        continue
                    terms.add(term)
        return sorted(terms)

    # -------------------------------------------------------------- people and codes
    def _is_name(self, label: str) -> bool:
        label = " ".join(str(label).split())
        if not label or _GENERIC_SPEAKER.match(label) or not re.search(r"[^\W\d_]{2}", label):
            return False
        if _INITIALS.match(label) and fold(label) not in _names.word_list("first_names"):
            return False
        return True

    def _build_people(self) -> None:
        cfg, ents = self.cfg, self.ents
        parts = self.corpus.participants
        width = max(2, len(str(len(self.order))))
        # name columns of the manifest
        for col in parts.columns:
            if col == "interview_id" or not _is_text(parts[col]):
                continue
            values = parts[col].dropna().astype(str)
            if values.empty or not _NAME_COL.search(str(col)):
                continue
            if (values.str.match(_CODE_LIKE)).mean() > 0.5:
                continue
            (self.interviewer_columns if _INTERVIEWER_COL.search(str(col)) else self.name_columns).append(col)
        # participants: the manifest's own codes when it has them (P01...), else manifest order
        given = _manifest_codes(parts, self.order)
        # each interview's first manifest row, found once (a filter per interview was quadratic)
        first_row: dict[str, int] = {}
        if "interview_id" in parts:
            for pos, iid in enumerate(parts["interview_id"].astype(str)):
                first_row.setdefault(iid, pos)
        by_iid = {}
        for i, iid in enumerate(self.order):
            code = given.get(iid) or f"P{i + 1:0{width}d}"
            self.participant_code[iid] = code
            name = None
            if iid in first_row and self.name_columns:
                row = parts.iloc[first_row[iid]]
                pairs = [(c, str(row[c])) for c in self.name_columns
                         if pd.notna(row[c]) and str(row[c]).strip()]
                firsts = [v for c, v in pairs if "first" in c.lower() or "given" in c.lower() or "fore" in c.lower()]
                lasts = [v for c, v in pairs if "last" in c.lower() or "surname" in c.lower() or "family" in c.lower()]
                name = f"{firsts[0]} {lasts[0]}" if firsts and lasts else (pairs[0][1] if pairs else None)
            if name:
                by_iid[iid] = ents.add_person(name, role="participant", code=code, interview_id=iid, source="manifest")
        n_interviewers = 0
        if given:
            nums = [int(re.sub(r"\D", "", c) or 0) for c in self.participant_code.values()]
            self._extra_start = max(nums + [len(self.order)])
        else:
            self._extra_start = len(self.order)

        def interviewer_entity(name: str, iid: str) -> int:
            nonlocal n_interviewers
            idx = ents.find_person(name, iid) if fold(name) in ents.variant_index else None
            if idx is None or ents.items[idx].get("role") not in (None, "interviewer"):
                idx = ents.add_person(name, role="interviewer", interview_id=iid, source="speaker")
            e = ents.items[idx]
            e["interviews"].add(iid)
            if not e.get("code"):
                n_interviewers += 1
                e["code"], e["role"] = f"I{n_interviewers}", "interviewer"
            return idx

        manifest_interviewer: dict[str, int] = {}
        for iid in self.order if self.interviewer_columns else ():
            if iid not in first_row:
                continue
            row = parts.iloc[first_row[iid]]
            for col in self.interviewer_columns:
                if pd.notna(row[col]) and str(row[col]).strip():
                    manifest_interviewer[iid] = interviewer_entity(str(row[col]), iid)
                    break
        for name in cfg.known_names:
            ents.add_person(name, source="known_names")
        # speakers, in interview and turn order
        turns = self.corpus.turns
        extra = self._extra_start
        others = 0
        seen = turns[["interview_id", "speaker", "role"]].astype(str).drop_duplicates()
        seen["_o"] = seen["interview_id"].map({iid: i for i, iid in enumerate(self.order)})
        seen = seen.sort_values("_o", kind="stable")
        claimed: set[str] = set()
        for iid, speaker, role in seen[["interview_id", "speaker", "role"]].itertuples(index=False):
            is_name = self._is_name(speaker)
            if role == "participant":
                idx = ents.find_person(speaker, iid) if is_name else None
                if idx is not None and ents.items[idx].get("role") == "participant":
                    code = ents.items[idx]["code"]
                    ents.items[idx]["interviews"].add(iid)
                    claimed.add(iid)
                elif (not is_name or iid not in by_iid) and iid not in claimed:
                    code = self.participant_code[iid]
                    claimed.add(iid)
                    if is_name:
                        by_iid[iid] = ents.add_person(speaker, role="participant", code=code, interview_id=iid, source="speaker")
                elif not is_name:
                    code = self.participant_code[iid]
                else:
                    extra += 1
                    code = f"P{extra:0{width}d}"
                    ents.add_person(speaker, role="participant", code=code, interview_id=iid, source="speaker")
            elif role == "interviewer":
                if is_name:
                    code = ents.items[interviewer_entity(speaker, iid)]["code"]
                elif iid in manifest_interviewer:
                    code = ents.items[manifest_interviewer[iid]]["code"]
                else:
                    code = ents.items[interviewer_entity(f"{speaker} ({iid})", iid)]["code"]
            else:
                if is_name:
                    idx = ents.find_person(speaker, iid)
                    if idx is None or not ents.items[idx].get("code"):
                        others += 1
                        idx = ents.add_person(speaker, role="unknown", code=f"S{others}", interview_id=iid, source="speaker")
                        ents.items[idx]["code"] = ents.items[idx]["code"] or f"S{others}"
                    code = ents.items[idx]["code"]
                else:
                    code = speaker
            self.speaker_code[(iid, speaker)] = code
        # generic interviewer entities ("Interviewer (int11)") are not names to look for in text
        for e in ents.items:
            if e["source"] == "speaker" and e["original"].endswith(")") and "(" in e["original"]:
                e["variants"] = []
                e["internal"] = True
        self.ents.variant_index = defaultdict(list, {
            k: [i for i in v if not ents.items[i].get("internal")] for k, v in ents.variant_index.items()
        })

    # -------------------------------------------------------------- detection over the study
    def _turn_rows(self):
        t = self.corpus.turns
        return zip(t["interview_id"].astype(str), t["turn"].astype(int), t["text"].fillna("").astype(str))

    def _study_vocabulary(self) -> frozenset[str]:
        """Words of the study's own questions (a ``question`` column of turns or segments)."""
        words: set[str] = set()
        for df in (self.corpus.turns, self.corpus.segments):
            if df is not None and "question" in df:
                for q in pd.unique(df["question"].dropna().astype(str)):
                    words.update(fold(w) for w in re.findall(r"[^\W\d_]+", q))
        return frozenset(words)

    def _study_filter(self, out: list[tuple[str, int, Detection]], texts) -> list[tuple[str, int, Detection]]:
        """Drop names backed only by capitalisation and the recogniser that are the study's own
        vocabulary: words of its questions, or strings found in many different interviews."""
        rules = self.cfg.rules
        if rules is None or self.cfg.names == "capitalised":
            return out
        weak_detectors = ("ner", "name_capitalised", "name_unknown_word")
        question_words = self._study_vocabulary()
        where: dict[str, set[str]] = defaultdict(set)
        for iid, turn, d in out:
            if d.label == "PERSON" and d.detector in weak_detectors:
                where[fold(texts[(iid, turn)][d.start:d.end])].add(iid)
        n_interviews = max(1, len(self.order))
        limit = max(3, int(0.02 * n_interviews))
        drop = set()
        for key, iids in where.items():
            if key in self.ents.variant_index:
                continue  # a study speaker or manifest name
            words = key.split()
            listed = any(w in rules.first or w in rules.last for w in words)
            if question_words and all(w in question_words for w in words):
                drop.add(key)
            elif len(iids) >= limit and not listed:
                drop.add(key)
        self.vocabulary_dropped = {k: len(where[k]) for k in drop}
        if not drop:
            return out
        return [(iid, turn, d) for iid, turn, d in out
                if not (d.label == "PERSON" and d.detector in weak_detectors
                        and fold(texts[(iid, turn)][d.start:d.end]) in drop)]

    def detections(self, anon: Anonymiser) -> list[tuple[str, int, Detection]]:
        from cxinsight.anonymisation._parallel import detect_turns

        rows = list(self._turn_rows())
        texts = {(iid, turn): text for iid, turn, text in rows}
        found = detect_turns(anon, [text for _, _, text in rows], self.known, self.allow)
        out = [(iid, turn, d) for (iid, turn, _), ds in zip(rows, found) for d in ds]
        out = self._study_filter(out, texts)
        if self.cfg.propagate and "PERSON" in self.cfg.labels:
            first_names = _names.word_list("first_names")
            found_names: dict[str, str] = {}
            for iid, turn, d in out:
                # only confident names spread; a capitalised unknown word does not
                if d.label == "PERSON" and d.detector != "known_name" and d.score >= 0.5:
                    s = texts[(iid, turn)][d.start:d.end]
                    found_names.setdefault(fold(s), s)
                    # each part of a multi-word name is searched alone too (surname, middle name)
                    parts = s.split()
                    if len(parts) > 1:
                        for part in parts:
                            part = part.strip(".,")
                            k = fold(part)
                            if len(k) >= 3 and k not in self.cfg.common and k not in self.cfg.technology:
                                found_names.setdefault(k, part)
            if found_names:
                # a listed first name spreads in any case; anything else only when capitalised
                pairs = [
                    (s, key in self.cfg.common or key not in first_names or len(key) < 3)
                    for key, s in found_names.items()
                ]
                prop = KnownMatcher(pairs, detector="propagated", score=0.6)
                by_turn = defaultdict(list)
                for iid, turn, d in out:
                    by_turn[(iid, turn)].append(d)
                out = []
                for key, text in texts.items():
                    current = by_turn.get(key, [])
                    extra = [d for d in prop.find(text)
                             if not any(o.start < d.end and d.start < o.end for o in current)]
                    extra = anon._filter(text, extra, self.allow)
                    for d in resolve(current + extra):
                        out.append((key[0], key[1], d))
        return out

    def review_table(self, anon: Anonymiser) -> pd.DataFrame:
        texts = {(iid, turn): text for iid, turn, text in self._turn_rows()}
        rows = []
        for iid, turn, d in self.detections(anon):
            text = texts[(iid, turn)]
            rows.append((iid, turn, d.start, d.end, text[d.start:d.end], d.label, d.detector,
                         round(float(d.score), 3), _context(text, d.start, d.end)))
        df = pd.DataFrame(rows, columns=REVIEW_COLUMNS)
        df["_o"] = df["interview_id"].map({iid: i for i, iid in enumerate(self.order)})
        df = df.sort_values(["_o", "turn", "start"], kind="stable").drop(columns="_o").reset_index(drop=True)
        return df.astype({"turn": "int64", "start": "int64", "end": "int64", "score": "float64"})

    def check_table(self, anon: Anonymiser, table: pd.DataFrame) -> pd.DataFrame:
        if not isinstance(table, pd.DataFrame):
            raise OptionError("detections must be a DataFrame such as the one returned by review(corpus).")
        missing = [c for c in ("text", "label") if c not in table.columns]
        if missing:
            raise InputError(
                f"detections is missing the columns {missing}; start from anon.review(corpus) and "
                "edit it, or give at least 'text' and 'label' for strings to replace everywhere."
            )
        bad = sorted(set(table["label"].astype(str)) - set(LABELS))
        if bad:
            raise InputError(f"detections has unknown labels {bad}; use one of {list(LABELS)}.")
        texts = {(iid, turn): text for iid, turn, text in self._turn_rows()}
        t = table.copy()
        for c in ("interview_id", "turn", "start", "end", "detector", "score"):
            if c not in t.columns:
                t[c] = np.nan
        by_turn: dict[tuple[str, int], list[Detection]] = defaultdict(list)
        for i, r in enumerate(t.itertuples(index=False)):
            s = str(r.text)
            label = str(r.label)
            detector = r.detector if isinstance(r.detector, str) and r.detector else "manual"
            score = float(r.score) if pd.notna(r.score) else 1.0
            if pd.notna(r.start) and pd.notna(r.end) and pd.notna(r.interview_id) and pd.notna(r.turn):
                key = (str(r.interview_id), int(r.turn))
                if key not in texts:
                    raise InputError(f"detections row {i}: interview {r.interview_id!r} has no turn {r.turn}.")
                st, en = int(r.start), int(r.end)
                if texts[key][st:en] != s:
                    raise InputError(
                        f"detections row {i}: text does not match the turn at {st}:{en} of "
                        f"interview {r.interview_id!r}, turn {int(r.turn)}. Leave start/end empty "
                        "to replace the string wherever it occurs."
                    )
                by_turn[key].append(Detection(st, en, label, score, detector))
                continue
            if not s.strip():
                continue
            rx = re.compile(r"(?<!\w)" + re.escape(s) + r"(?!\w)", re.IGNORECASE)
            scope = [k for k in texts if (pd.isna(r.interview_id) or k[0] == str(r.interview_id))
                     and (pd.isna(r.turn) or k[1] == int(r.turn))]
            for key in scope:
                for m in rx.finditer(texts[key]):
                    by_turn[key].append(Detection(m.start(), m.end(), label, 1.0, "manual"))
        rows = []
        for key, dets in by_turn.items():
            text = texts[key]
            for d in resolve(dets):
                rows.append((key[0], key[1], d.start, d.end, text[d.start:d.end], d.label, d.detector,
                             d.score, _context(text, d.start, d.end)))
        df = pd.DataFrame(rows, columns=REVIEW_COLUMNS)
        df["_o"] = df["interview_id"].map({iid: i for i, iid in enumerate(self.order)})
        return df.sort_values(["_o", "turn", "start"], kind="stable").drop(columns="_o").reset_index(drop=True)

    # -------------------------------------------------------------- linking and pseudonyms
    def _link(self, table: pd.DataFrame) -> list[int]:
        ents = self.ents
        linked: list[int | None] = [None] * len(table)
        rows = list(table[["interview_id", "text", "label"]].itertuples(index=False))
        # multi-word names first, so that "Marcus" later joins "Marcus Webb"
        order = sorted(range(len(rows)), key=lambda i: (rows[i].label != "PERSON", -len(str(rows[i].text).split())))
        for i in order:
            iid, text, label = str(rows[i].interview_id), str(rows[i].text), rows[i].label
            if label == "PERSON":
                idx = ents.find_person(text, iid)
                if idx is None:
                    idx = ents.add_person(text, interview_id=iid)
                ents.items[idx]["interviews"].add(iid)
                if text not in ents.items[idx]["variants"]:
                    ents.items[idx]["variants"].append(text)
            else:
                idx = ents.add_value(label, text)
            linked[i] = idx
        return linked  # type: ignore[return-value]

    def _pseudonyms(self, used: list[int]) -> None:
        op = self.cfg.operator
        # counters, taken names and the seeded generator live on the study, so that an entity
        # added later (in a file name) never reuses a pseudonym
        if not hasattr(self, "_counters"):
            self._counters: Counter[str] = Counter()
            self._taken = {fold(v) for e in self.ents.items for v in e["variants"] + [e["original"]]}
            self._fake = None
            if op == "surrogate":
                from faker import Faker

                self._fake = Faker(_SURROGATE_LOCALE)
                self._fake.seed_instance(self.cfg.seed)
        counters, taken, fake = self._counters, self._taken, self._fake
        order = list(dict.fromkeys(used))
        # people with codes first (stable codes), then in order of first mention
        for idx in [i for i, e in enumerate(self.ents.items) if e.get("code")] + order:
            e = self.ents.items[idx]
            if "pseudonym" in e:
                continue
            label = e["label"]
            if op == "placeholder":
                if e.get("code"):
                    e["pseudonym"] = f"[{e['code']}]"
                else:
                    counters[label] += 1
                    e["pseudonym"] = f"[{label}_{counters[label]}]"
            elif op == "redact":
                e["pseudonym"] = f"[{label}]"
            elif op == "mask":
                e["pseudonym"] = "*" * len(e["original"])
            else:
                e["pseudonym"] = self._surrogate(fake, e, counters, taken)

    def _surrogate(self, fake, e: dict[str, Any], counters: Counter, taken: set[str]) -> str:
        label = e["label"]
        if label == "PERSON":
            for _ in range(200):
                first, last = fake.first_name(), fake.last_name()
                full = f"{first} {last}"
                if fold(first) not in taken and fold(last) not in taken and fold(full) not in taken:
                    taken.update({fold(first), fold(last), fold(full)})
                    e["surrogate_parts"] = (first, last)
                    return full if len(e["original"].split()) > 1 else first
            counters[label] += 1
            return f"[PERSON_{counters[label]}]"
        if label == "EMAIL":
            counters[label] += 1
            return f"{fake.user_name()}{counters[label]}@example.com"
        if label == "PHONE":
            counters[label] += 1
            return f"07700 900{counters[label] % 1000:03d}"
        if label == "URL":
            counters[label] += 1
            return f"https://example.com/{counters[label]}"
        counters[label] += 1
        return f"[{label}_{counters[label]}]"

    def _replacement(self, idx: int, occurrence: str) -> str:
        e = self.ents.items[idx]
        op = self.cfg.operator
        if op == "mask":
            return "*" * len(occurrence)
        if op != "surrogate" or e["label"] != "PERSON" or "surrogate_parts" not in e:
            return e["pseudonym"]
        first, last = e["surrogate_parts"]
        tokens = e["original"].split()
        occ = fold(occurrence)
        if len(tokens) > 1 and occ == fold(tokens[0]):
            out = first
        elif len(tokens) > 1 and occ == fold(tokens[-1]):
            out = last
        elif len(occ.split()) > 1 or len(tokens) > 1:
            out = f"{first} {last}"
        else:
            out = first
        if occurrence.isupper():
            return out.upper()
        if occurrence.islower():
            return out.lower()
        return out

    # -------------------------------------------------------------- apply
    def apply(self, anon: Anonymiser, table: pd.DataFrame) -> tuple[Corpus, Key]:
        corpus, cfg = self.corpus, self.cfg
        linked = self._link(table)
        self._pseudonyms(linked)
        turns = corpus.turns.copy()
        keys = list(zip(turns["interview_id"].astype(str), turns["turn"].astype(int)))
        edits_by_turn: dict[tuple[str, int], list[tuple[int, int, str, int, str]]] = defaultdict(list)
        for (iid, turn, start, end, text, _label, detector), idx in zip(
            table[["interview_id", "turn", "start", "end", "text", "label", "detector"]].itertuples(index=False), linked
        ):
            edits_by_turn[(str(iid), int(turn))].append((int(start), int(end), self._replacement(idx, str(text)), idx, detector))
        counts_label: Counter[str] = Counter()
        counts_detector: Counter[str] = Counter()
        key_edits = []
        new_texts = []
        seg_maps = {}
        originals = turns["text"].fillna("").astype(str).tolist()
        for row, (k, text) in enumerate(zip(keys, originals)):
            edits = sorted(edits_by_turn.get(k, []))
            if not edits:
                new_texts.append(text)
                continue
            simple = [(s, e, r) for s, e, r, _, _ in edits]
            new = splice(text, simple)
            shift = 0
            for s, e, r, idx, det in edits:
                key_edits.append({"row": row, "s": s + shift, "e": s + shift + len(r), "o": text[s:e]})
                shift += len(r) - (e - s)
                counts_label[self.ents.items[idx]["label"]] += 1
                counts_detector[det] += 1
            seg_maps[k] = (simple, offset_mapper(simple))
            new_texts.append(new)
        turns["text"] = new_texts
        # speakers -> codes
        orig_speakers = turns["speaker"].astype(str).tolist()
        turns["speaker"] = [self.speaker_code.get((iid, sp), sp) for (iid, _), sp in zip(keys, orig_speakers)]
        # interview ids and sources: stable codes by default (file names can hold names)
        id_map, src_map = self._identifier_maps(anon, turns)
        turns["interview_id"] = turns["interview_id"].astype(str).map(lambda v: id_map.get(v, v))
        turns["source"] = turns["source"].map(lambda v: src_map.get(v, v) if isinstance(v, str) else v)
        # segments
        segments, seg_state, embeddings = self._segments(corpus, seg_maps, id_map, src_map, new_texts, keys)
        # participants
        participants, part_state = self._participants(anon, id_map)
        # metadata: paths become codes, speaker and manifest names are replaced; nothing else
        # (formats, roles, reasons, warnings) is rewritten
        path_map = self._path_map(src_map)
        used_idx = sorted(set(linked) | {i for i, e in enumerate(self.ents.items) if e.get("code")})
        people = [i for i, e in enumerate(self.ents.items)
                  if e["label"] == "PERSON" and (e.get("code") or e["source"] in ("manifest", "known_names", "speaker"))]
        for i in people:
            if "pseudonym" not in self.ents.items[i]:
                self._pseudonyms([i])
        meta_scrub = _Scrubber(self, people, id_map, path_map, paths_only_keys=_META_PLAIN_KEYS)
        meta = meta_scrub.value(dict(corpus.meta))
        provenance = meta_scrub.value([dict(p) for p in corpus.provenance])
        scrub = _Scrubber(self, used_idx, id_map, path_map)
        tables = {name: scrub.frame(df) for name, df in corpus.tables.items()}
        alarm = self._alarm(table, linked, texts_count=len(keys)) if cfg.alarm else None
        fingerprint = turns_fingerprint(turns)
        summary = {
            "replacements": int(sum(counts_label.values())),
            "by_label": dict(sorted(counts_label.items())),
            "by_detector": dict(sorted(counts_detector.items())),
            "entities": dict(sorted(Counter(self.ents.items[i]["label"] for i in set(linked)).items())),
            "participants_coded": len(self.participant_code),
            "interviewers_coded": len({e["code"] for e in self.ents.items if e.get("role") == "interviewer" and e.get("code")}),
            "identifiers_changed": len(id_map) + len(src_map),
            "interview_ids": cfg.interview_ids,
            "turns_with_person_replaced": alarm["turns_with_person"] if alarm else None,
            "distinct_person_strings": alarm["distinct"] if alarm else None,
            "embeddings_dropped": corpus.embeddings is not None and embeddings is None,
            "key_fingerprint": fingerprint[:16],
            "options": cfg.summary(),
        }
        meta["anonymisation"] = summary
        params = dict(cfg.summary())
        params["replacements"] = summary["replacements"]
        new_corpus = corpus.replace(provenance=provenance).with_step(
            "anonymise", params, turns=turns, participants=participants, segments=segments,
            embeddings=embeddings, tables=tables, meta=meta,
        )
        entities = []
        for i in used_idx:
            e = self.ents.items[i]
            entities.append({
                "entity_id": i, "label": e["label"], "pseudonym": e.get("pseudonym", ""),
                "code": e.get("code"), "original": e["original"], "variants": list(e["variants"]),
            })
        state = {
            "format": KEY_FORMAT, "version": KEY_VERSION, "fingerprint": fingerprint,
            "source_fingerprint": turns_fingerprint(corpus.turns),
            "operator": cfg.operator, "entities": entities, "edits": key_edits,
            "speakers": orig_speakers,
            "interview_ids": {v: k for k, v in id_map.items()},
            "sources": {v: k for k, v in src_map.items()},
            "segments": seg_state, "participants": part_state,
            "meta": _json_safe({k: v for k, v in corpus.meta.items()}),
            "provenance": _json_safe(corpus.provenance),
            "paths": {v: k for k, v in path_map.items()},
        }
        return new_corpus, Key(state)

    def _identifier_maps(self, anon: Anonymiser, turns: pd.DataFrame) -> tuple[dict[str, str], dict[str, str]]:
        """Interview id -> code and source path -> coded file name."""
        iids = list(pd.unique(turns["interview_id"].astype(str)))
        sources = list(pd.unique(turns["source"].dropna().astype(str))) if "source" in turns else []
        if self.cfg.interview_ids == "keep":
            return self._scrub_identifiers(anon, iids), self._scrub_identifiers(anon, sources)
        known_ids, known_order = set(iids), set(self.order)
        order = [i for i in self.order if i in known_ids] + [i for i in iids if i not in known_order]
        width = max(2, len(str(len(order))))
        id_map = {iid: f"I{k + 1:0{width}d}" for k, iid in enumerate(order)}
        src_map: dict[str, str] = {}
        # interviews of each file, in order (a dict as an ordered set: one survey file holds
        # every respondent, and a list's membership test made this quadratic)
        owners_of: dict[str, dict[str, None]] = defaultdict(dict)
        for src, iid in zip(turns["source"], turns["interview_id"].astype(str)):
            if isinstance(src, str):
                owners_of[src].setdefault(iid)
        n_files = 0
        for src in sources:
            owners = list(owners_of[src])
            suffix = _suffix(src)
            if len(owners) == 1:
                src_map[src] = f"{id_map[owners[0]]}{suffix}"
            else:
                n_files += 1
                src_map[src] = f"F{n_files:02d}{suffix}"
        return id_map, src_map

    def _path_map(self, src_map: dict[str, str]) -> dict[str, str]:
        """Every path the study's metadata names (read files, skipped files, the manifest, the
        folder) -> a code, longest first; file names and their stems are mapped too."""
        meta = self.corpus.meta
        paths: dict[str, str] = dict(src_map) if self.cfg.interview_ids == "code" else {}
        skipped = meta.get("skipped") or []
        n = 0
        for item in skipped if isinstance(skipped, list) else []:
            path = item.get("path") if isinstance(item, dict) else item if isinstance(item, str) else None
            if isinstance(path, str) and path and path not in paths:
                n += 1
                paths[path] = f"skipped_{n:02d}{_suffix(path)}"
        manifest = meta.get("manifest")
        if isinstance(manifest, dict) and isinstance(manifest.get("path"), str):
            paths.setdefault(manifest["path"], f"manifest{_suffix(manifest['path'])}")
        for step in self.corpus.provenance:
            params = step.get("params") or {}
            for k in ("path", "folder", "source"):
                if isinstance(params.get(k), str) and params[k] and params[k] not in paths:
                    paths[params[k]] = "study" + (_suffix(params[k]) if _suffix(params[k]) else "")
        if self.cfg.interview_ids != "code":
            return paths
        out = dict(paths)
        for old, new in paths.items():
            base, new_base = _basename(old), _basename(new)
            if base and base not in out and len(base) >= 3:
                out[base] = new_base
            stem, new_stem = _stem(base), _stem(new_base)
            if stem and stem not in out and len(stem) >= 4 and not stem.isdigit():
                out[stem] = new_stem
        return out

    def _alarm(self, table: pd.DataFrame, linked: list[int], texts_count: int) -> dict[str, Any]:
        """Warn when far more is taken for names than interviews hold."""
        import warnings

        from cxinsight.errors import CxInsightWarning

        # names from the study's speakers, the manifest and cues are expected; the alarm counts
        # names found on weaker evidence (capitals, the recogniser, lists, their propagation)
        people = table[(table["label"] == "PERSON") & ~table["detector"].isin(["known_name", "name_cue", "manual"])]
        turns_with = int(people[["interview_id", "turn"]].drop_duplicates().shape[0])
        distinct = int(people["text"].map(fold).nunique()) if len(people) else 0
        share = turns_with / max(texts_count, 1)
        n_interviews = max(1, len(self.order))
        info = {"turns_with_person": turns_with, "distinct": distinct}
        if texts_count < 20 or not (share > 0.3 or distinct > max(25, 8 * n_interviews)):
            return info
        # only strings met in several interviews are shown: they are the study's words, not one
        # participant's name (names seen in one or two interviews stay out of the log)
        spread = people.assign(_f=people["text"].map(fold)).groupby("_f").agg(
            n=("text", "size"), interviews=("interview_id", "nunique"), shown=("text", "first"))
        spread = spread[(spread["interviews"] >= 3) & ~spread.index.isin(list(self.ents.variant_index))]
        top = spread.sort_values("n", ascending=False).head(10)
        listed = ", ".join(f"{r.shown!r} ({r.n} times, {r.interviews} interviews)" for r in top.itertuples())
        call = "Anonymiser(allow_list=[" + ", ".join(repr(x) for x in top["shown"]) + "])" if len(top) else \
            "Anonymiser(allow_list=[...])"
        warnings.warn(
            f"anonymise: {turns_with} of {texts_count} turns ({share:.0%}) had a person name replaced "
            f"and {distinct} distinct strings were taken for names: far more than interviews hold, "
            "so ordinary words are probably being replaced. "
            + (f"Most replaced strings met in 3 or more interviews: {listed}. " if listed else "")
            + f"If they are not people, keep them with {call}; for surveys and other "
            "already-anonymous material use Anonymiser(names='strong') (or "
            "analyse(anonymise_options={'names': 'strong'})). Review the rest with anon.review(corpus).",
            CxInsightWarning,
            stacklevel=4,
        )
        info["alarm"] = True
        return info

    def _scrub_identifiers(self, anon: Anonymiser, values) -> dict[str, str]:
        matcher = self.ents.matcher([i for i, e in enumerate(self.ents.items) if e["label"] == "PERSON" and not e.get("internal")])
        out = {}
        for v in values:
            dets = anon._filter(v, anon._raw(v, matcher, names=False, patterns_only=True), self.allow)
            if not dets:
                continue
            edits = []
            for d in dets:
                span = v[d.start:d.end]
                if d.label == "PERSON":
                    idx = self.ents.find_person(span, None)
                else:
                    idx = self.ents.add_value(d.label, span)
                if "pseudonym" not in self.ents.items[idx]:
                    self._pseudonyms([idx])
                rep = re.sub(r"[\[\]]", "", self._replacement(idx, span)) or "x"
                edits.append((d.start, d.end, rep))
            out[v] = splice(v, edits)
        return out

    def _segments(self, corpus, seg_maps, id_map, src_map, new_texts, keys):
        segs = corpus.segments
        if segs is None:
            return None, None, corpus.embeddings
        segs = segs.copy()
        text_by_key = dict(zip(keys, new_texts))
        orig_by_key = dict(zip(keys, corpus.turns["text"].fillna("").astype(str)))
        state = {"rows": []}
        changed = False
        n_cs, n_ce, n_text = [], [], []
        for i, (iid, turn, cs, ce, text) in enumerate(zip(
            segs["interview_id"].astype(str), segs["turn"].astype(int), segs["char_start"],
            segs["char_end"], segs["text"].astype(str),
        )):
            k = (iid, turn)
            if k not in seg_maps:
                n_cs.append(cs)
                n_ce.append(ce)
                n_text.append(text)
                continue
            simple, mapper = seg_maps[k]
            cs, ce = int(cs), int(ce)
            if orig_by_key[k][cs:ce] == text:
                a, b = mapper(cs), mapper(ce)
                new_text = text_by_key[k][a:b]
                state["rows"].append([i, cs, ce, None])
            else:  # segment text edited after segmentation: replace by string matching
                new_text = _Scrubber(self, None, {}, {}).text(text)
                a, b = cs, ce
                state["rows"].append([i, cs, ce, text])
            changed = changed or new_text != text
            n_cs.append(a)
            n_ce.append(b)
            n_text.append(new_text)
        segs["char_start"] = np.asarray(n_cs, dtype="int64")
        segs["char_end"] = np.asarray(n_ce, dtype="int64")
        segs["text"] = n_text
        if "n_words" in segs:
            segs["n_words"] = [len(t.split()) for t in n_text]
        state["speakers"] = segs["speaker"].astype(str).tolist()
        segs["speaker"] = [self.speaker_code.get((iid, sp), sp) for iid, sp in zip(segs["interview_id"].astype(str), segs["speaker"].astype(str))]
        state["segment_ids"] = {}
        if id_map:
            new_ids = []
            for sid, iid in zip(segs["segment_id"].astype(str), segs["interview_id"].astype(str)):
                if iid in id_map and sid.startswith(iid + ":"):
                    new = id_map[iid] + sid[len(iid):]
                    state["segment_ids"][new] = sid
                    sid = new
                new_ids.append(sid)
            segs["segment_id"] = new_ids
        segs["interview_id"] = segs["interview_id"].astype(str).map(lambda v: id_map.get(v, v))
        if "source" in segs:
            segs["source"] = segs["source"].map(lambda v: src_map.get(v, v) if isinstance(v, str) else v)
        embeddings = None if changed else corpus.embeddings
        return segs, state, embeddings

    def _participants(self, anon: Anonymiser, id_map):
        parts = self.corpus.participants.copy()
        state = {"original": parts.to_dict(orient="split")}
        skip = {"interview_id", "participant_code", *self.name_columns, *self.interviewer_columns, *_CODE_COLUMNS}
        matcher = self.ents.matcher([i for i, e in enumerate(self.ents.items) if e["label"] == "PERSON" and not e.get("internal")])
        for col in parts.columns:
            if col in skip or not _is_text(parts[col]):
                continue
            contact = _CONTACT_COL.search(str(col))
            parts[col] = [self._scrub_cell(anon, v, matcher, contact) for v in parts[col]]
        if "interview_id" in parts:
            iids = parts["interview_id"].astype(str)
            codes = iids.map(self.participant_code)
            parts = parts.drop(columns=self.name_columns)
            for col in self.interviewer_columns:
                new = []
                for iid, v in zip(iids, parts[col]):
                    if pd.isna(v) or not str(v).strip():
                        new.append(v)
                        continue
                    idx = self.ents.find_person(str(v), iid)
                    new.append(self.ents.items[idx]["code"] if idx is not None and self.ents.items[idx].get("code") else "I?")
                parts[col] = new
            parts["interview_id"] = iids.map(lambda v: id_map.get(v, v))
            if "participant_code" in parts:
                parts = parts.drop(columns="participant_code")
            parts.insert(1, "participant_code", codes.values)
        return parts, state


    def _scrub_cell(self, anon: Anonymiser, value: Any, matcher, contact) -> Any:
        """Replace personal data in one manifest cell (whole cell for contact columns)."""
        if not isinstance(value, str) or not value.strip():
            return value
        dets = anon._filter(value, anon._raw(value, matcher, names=False), self.allow)
        if not dets and contact:
            label = {"e": "EMAIL", "p": "PHONE", "m": "PHONE", "t": "PHONE", "z": "POSTCODE"}.get(contact.group()[0].lower(), "ADDRESS")
            if "post" in contact.group().lower() or "eircode" in contact.group().lower():
                label = "POSTCODE"
            dets = [Detection(0, len(value), label, 1.0, "manifest_column")]
        edits = []
        for d in dets:
            span = value[d.start:d.end]
            idx = self.ents.find_person(span, None) if d.label == "PERSON" else None
            if idx is None:
                idx = self.ents.add_value(d.label, span) if d.label != "PERSON" else self.ents.add_person(span)
            if "pseudonym" not in self.ents.items[idx]:
                self._pseudonyms([idx])
            edits.append((d.start, d.end, self._replacement(idx, span)))
        return splice(value, edits)


#: metadata keys whose values are the tool's own words (formats, roles, reasons, counts):
#: only paths inside them are replaced
_META_PLAIN_KEYS = frozenset({
    "format", "role", "role_from", "encoding", "reason", "kind", "columns", "key", "step",
    "versions", "time", "status", "flag", "flags", "red_flags", "warning", "warnings", "message",
    "detail", "question", "type", "label", "unit", "encoding_confidence", "how",
})


def _suffix(path: str) -> str:
    base = _basename(path)
    m = re.search(r"(\.[A-Za-z0-9]{1,5})$", base)
    return m.group(1).lower() if m and m.start() > 0 else ""


def _basename(path: str) -> str:
    return re.split(r"[\\/]", str(path).rstrip("/\\"))[-1]


def _stem(base: str) -> str:
    suffix = _suffix(base)
    return base[: -len(suffix)] if suffix else base


def _id_automaton(id_map: dict[str, str]):
    """An Aho-Corasick automaton over the original ids and paths (``None`` when there are none)."""
    if not id_map:
        return None
    import ahocorasick

    automaton = ahocorasick.Automaton()
    for old in id_map:
        if old:
            automaton.add_word(old, old)
    automaton.make_automaton()
    return automaton


class _Scrubber:
    """Replace every known original string in free values (meta, result tables)."""

    def __init__(self, study: _Study, indices, id_map, src_map, paths_only_keys: frozenset[str] = frozenset()) -> None:
        self.study = study
        self.paths_only_keys = paths_only_keys
        self.id_map = {**src_map, **id_map}
        self._automaton = _id_automaton(self.id_map)
        items = study.ents.items
        idx = [i for i in (range(len(items)) if indices is None else indices)
               if not items[i].get("internal") and "pseudonym" in items[i]]
        pairs = []
        self.lookup = {}
        for i in idx:
            e = items[i]
            for v in e["variants"] + [e["original"]]:
                pairs.append((v, e["label"] == "PERSON" and fold(v) in study.cfg.common))
                self.lookup.setdefault(fold(v), i)
        self.matcher = KnownMatcher(pairs) if pairs else None

    def text(self, s: str) -> str:
        if s in self.id_map:
            return self.id_map[s]
        if self.matcher is None:
            return s
        edits = []
        for d in resolve(self.matcher.find(s)):
            i = self.lookup.get(fold(s[d.start:d.end]))
            if i is not None:
                edits.append((d.start, d.end, self.study._replacement(i, s[d.start:d.end])))
        return self.paths(splice(s, edits))

    def paths(self, s: str) -> str:
        """Replace ids, paths, file names and their stems (whole words) by their codes."""
        if s in self.id_map:
            return self.id_map[s]
        if self._automaton is None:
            return s
        # one pass over the text for all ids (a loop over ids per text is quadratic in large
        # surveys): whole-word hits, the longest first where they overlap
        hits = []
        for end, old in self._automaton.iter(s):
            start = end - len(old) + 1
            before = s[start - 1] if start > 0 else ""
            after = s[end + 1] if end + 1 < len(s) else ""
            if not (before.isalnum() and before.isascii()) and not (after.isalnum() and after.isascii()):
                hits.append((start, end + 1, old))
        if not hits:
            return s
        hits.sort(key=lambda h: (-(h[1] - h[0]), h[0]))
        taken: list[tuple[int, int, str]] = []
        for h in hits:
            if all(h[1] <= t[0] or h[0] >= t[1] for t in taken):
                taken.append(h)
        out, pos = [], 0
        for start, end, old in sorted(taken):
            out.append(s[pos:start])
            out.append(self.id_map[old])
            pos = end
        out.append(s[pos:])
        return "".join(out)

    def value(self, v: Any, plain: bool = False) -> Any:
        if isinstance(v, str):
            return self.paths(v) if plain else self.text(v)
        if isinstance(v, dict):
            if "alias" in v and "merged_into" in v and "interview_id" in v:
                # a speaker merge record: both labels become the speaker's code
                iid = str(v["interview_id"])
                code = self.study.speaker_code.get((iid, str(v["merged_into"])), "speaker")
                return {**{k: self.value(x) for k, x in v.items()}, "alias": code, "merged_into": code}
            if "speaker" in v and "interview_id" in v and isinstance(v["speaker"], str):
                iid = str(v["interview_id"])
                code = self.study.speaker_code.get((iid, v["speaker"]))
                if code is not None:
                    return {**{k: self.value(x, k in self.paths_only_keys) for k, x in v.items()}, "speaker": code}
            return {k: self.value(x, plain or k in self.paths_only_keys) for k, x in v.items()}
        if isinstance(v, (list, tuple)):
            return [self.value(x, plain) for x in v]
        if isinstance(v, pd.DataFrame):
            return self.frame(v)
        return v

    def frame(self, df: pd.DataFrame) -> pd.DataFrame:
        df = df.copy()
        for col in df.columns:
            if _is_text(df[col]):
                df[col] = df[col].map(lambda x: self.text(x) if isinstance(x, str) else x)
        return df


def _context(text: str, start: int, end: int, width: int = 40) -> str:
    left = text[max(0, start - width):start]
    right = text[end:end + width]
    return ("…" if start > width else "") + left + "[[" + text[start:end] + "]]" + right + ("…" if end + width < len(text) else "")
