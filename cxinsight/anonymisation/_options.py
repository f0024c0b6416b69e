"""Options of the Anonymiser, validated once, with errors that say what to write instead."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from typing import Any

import numpy as np

from cxinsight.anonymisation import names as _names
from cxinsight.anonymisation._known import fold
from cxinsight.anonymisation._spans import LABELS
from cxinsight.errors import InputError, OptionError

OPERATORS = ("placeholder", "surrogate", "redact", "mask")
DEFAULT_LABELS = tuple(label for label in LABELS if label != "DATE")
INTERVIEW_ID_MODES = ("code", "keep")


class _Config:
    """Validated options (private; the public attributes of Anonymiser stay as given)."""

    def __init__(self, a: Any) -> None:
        if a.operator not in OPERATORS:
            raise InputError(
                f"operator={a.operator!r} is not supported; choose one of {list(OPERATORS)} "
                "(for example Anonymiser(operator='surrogate'))."
            )
        self.operator = a.operator
        labels = DEFAULT_LABELS if a.labels is None else a.labels
        if isinstance(labels, str):
            labels = [labels]
        labels = [str(x).upper() for x in labels]
        unknown = sorted(set(labels) - set(LABELS))
        if unknown:
            raise InputError(
                f"labels has unknown entries {unknown}; known labels are {list(LABELS)}. "
                "DATE is off by default: add it with `from cxinsight.anonymisation import DEFAULT_LABELS` "
                "and labels=[*DEFAULT_LABELS, 'DATE']."
            )
        self.labels = frozenset(labels)
        self.known_names = _str_list(a.known_names, "known_names", "known_names=['Sarah Collins']")
        self.allow_list = _str_list(a.allow_list, "allow_list", "allow_list=['GreenCrate', 'Crate Plus']")
        if a.language != "en":
            raise InputError(
                f"language={a.language!r}: the name rules and common-word lists are English only "
                "(language='en'). For other languages pass a spaCy pipeline with ner=... and "
                "known_names, and keep language='en'."
            )
        regions = [a.phone_regions] if isinstance(a.phone_regions, str) else list(a.phone_regions)
        import phonenumbers

        supported = phonenumbers.SUPPORTED_REGIONS
        bad = [r for r in regions if str(r).upper() not in supported]
        if bad or not regions:
            raise InputError(
                f"phone_regions has unknown region codes {bad or regions}; use ISO 3166 two-letter "
                "codes such as ('GB', 'IE', 'US')."
            )
        self.regions = tuple(str(r).upper() for r in regions)
        if isinstance(a.seed, bool) or not isinstance(a.seed, (int, np.integer)):
            raise OptionError(f"seed must be an integer, got {type(a.seed).__name__}.")
        self.seed = int(a.seed)
        if isinstance(a.min_score, bool) or not isinstance(a.min_score, (int, float)) or not 0 <= a.min_score <= 1:
            raise InputError(f"min_score must be a number between 0 and 1, got {a.min_score!r}.")
        self.min_score = float(a.min_score)
        from cxinsight.anonymisation.evidence import NAME_MODES, NameEvidence

        if a.names not in NAME_MODES:
            raise InputError(
                f"names={a.names!r} is not supported; choose one of {list(NAME_MODES)}: 'evidence' "
                "(default), 'strong' for surveys and other already-anonymous material, "
                "'capitalised' for the high-recall rules, 'off' for patterns only."
            )
        self.names = a.names
        if a.interview_ids not in INTERVIEW_ID_MODES:
            raise InputError(
                f"interview_ids={a.interview_ids!r} is not supported; choose 'code' (default: "
                "I01, I02 ... with the file names in the key) or 'keep' (names and patterns "
                "inside the ids are still replaced)."
            )
        self.interview_ids = a.interview_ids
        for flag in ("name_rules", "propagate", "keep_manifest_values", "alarm"):
            if not isinstance(getattr(a, flag), bool):
                raise OptionError(f"{flag} must be True or False, got {getattr(a, flag)!r}.")
        self.name_rules = a.name_rules
        self.propagate = a.propagate
        self.keep_manifest_values = a.keep_manifest_values
        self.alarm = a.alarm
        self.nlp = None
        self.ner_name = None
        #: entities other than PERSON (ORG, LOCATION, DATE) come only from a pipeline the user chose
        self.ner_all_labels = False
        if isinstance(a.ner, str) and a.ner == "auto":
            from cxinsight.anonymisation.ner import default_pipeline, pipeline_name

            self.nlp = default_pipeline() if self.names in ("evidence", "strong") else None
            self.ner_name = pipeline_name(self.nlp) if self.nlp is not None else None
        elif a.ner is not None:
            self.ner_all_labels = True
            from cxinsight.anonymisation.ner import load_pipeline, pipeline_name

            if not (isinstance(a.ner, str) or hasattr(a.ner, "pipe_names") or hasattr(a.ner, "__fspath__")):
                raise OptionError(
                    "ner must be None, the name of an installed spaCy pipeline, a path to one, or "
                    f"a loaded spacy.Language; got {type(a.ner).__name__}."
                )
            self.nlp = load_pipeline(a.ner)
            self.ner_name = pipeline_name(self.nlp)
        self.allow_fold = frozenset(fold(w) for w in self.allow_list)
        self.allow_rx = (
            re.compile(
                r"(?<!\w)(?:" + "|".join(re.escape(w) for w in sorted(self.allow_list, key=len, reverse=True)) + r")(?!\w)",
                re.IGNORECASE,
            )
            if self.allow_list else None
        )
        allow_words = {w for term in self.allow_list for w in re.findall(r"\w+", term)}
        self.rules = _names.NameRules(extra_common=allow_words) if self.name_rules and self.names != "off" else None
        self.common = _names.word_list("common_words")
        self.technology = _names.word_list("technology") | frozenset(fold(w) for w in allow_words)
        self.evidence = NameEvidence(self.rules, self.nlp, self.names, self.technology) if self.rules is not None else None
        #: words that are never user names when digits follow ("python38", "win10")
        self.plain_words = self.technology | _names.word_list("vocabulary") | _names.word_list("not_person")

    def summary(self) -> dict[str, Any]:
        """Options as recorded in the corpus (counts and hashes instead of names)."""
        return {
            "operator": self.operator,
            "labels": sorted(self.labels),
            "known_names": len(self.known_names),
            "known_names_sha256": _digest(sorted(self.known_names)) if self.known_names else None,
            "allow_list": len(self.allow_list),
            "language": "en",
            "phone_regions": list(self.regions),
            "ner": self.ner_name,
            "seed": self.seed,
            "min_score": self.min_score,
            "name_rules": self.name_rules,
            "propagate": self.propagate,
            "keep_manifest_values": self.keep_manifest_values,
            "names": self.names,
            "interview_ids": self.interview_ids,
        }


def _str_list(value: Any, name: str, example: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        raise OptionError(f"{name} must be a list of strings, not one string; write {example}.")
    try:
        items = list(value)
    except TypeError as err:
        raise OptionError(f"{name} must be a list of strings; write {example}.") from err
    bad = [type(v).__name__ for v in items if not isinstance(v, str)]
    if bad:
        raise OptionError(f"{name} must contain only strings (found {sorted(set(bad))}); write {example}.")
    return [" ".join(v.split()) for v in items if v.strip()]


def _digest(values: Iterable[str]) -> str:
    h = hashlib.sha256()
    for v in values:
        h.update(v.encode("utf-8") + b"\x1e")
    return h.hexdigest()
