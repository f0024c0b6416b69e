"""Journey maps: the ordered stages a customer goes through.

A :class:`JourneyMap` is the researcher's definition of the journey: an ordered list of
:class:`Stage` objects, each with a name (the value used in the ``stage`` column), a display
label, a description, example phrases, optional interview questions and optional keyword rules.
The default map (:meth:`JourneyMap.default`) is a generic customer journey shipped with the
package in ``cxinsight/resources/journeys/customer.yaml``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from cxinsight.errors import JourneyError, OptionError

#: Stage names must be short identifiers (they become values of the ``stage`` column).
_NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")
#: Names that cannot be stages: they mean "no stage" in manual columns.
NO_STAGE_VALUES = frozenset({"none", "na", "n/a", "no_stage", ""})
_STAGE_FIELDS = {"name", "label", "description", "examples", "questions", "keywords"}


@dataclass(frozen=True)
class Stage:
    """One stage of a journey.

    Attributes
    ----------
    name : str
        Identifier used in the ``stage`` column (``"everyday_use"``).
    label : str
        Display name for plots and reports (``"Everyday use"``).
    description : str
        What happens at this stage and what customers talk about.
    examples : tuple of str
        Phrases a customer might say about this stage.
    questions : tuple of str
        Questions an interviewer might ask about this stage (optional).
    keywords : tuple of str
        Case-insensitive regular expressions that point to this stage (optional).
    """

    name: str
    label: str
    description: str
    examples: tuple[str, ...] = ()
    questions: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()

    def texts(self) -> list[str]:
        """Return the texts that describe the stage: description and examples."""
        return [self.description, *self.examples]


def _as_str_tuple(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, Iterable):
        raise JourneyError(f"{where} must be a list of strings, got {type(value).__name__}.")
    out = []
    for i, v in enumerate(value):
        if not isinstance(v, str) or not v.strip():
            raise JourneyError(f"{where}[{i}] must be a non-empty string, got {v!r}.")
        out.append(v.strip())
    return tuple(out)


def _default_label(name: str) -> str:
    return name.replace("_", " ").capitalize()


@dataclass(frozen=True, init=False)
class JourneyMap:
    """An ordered customer journey.

    Parameters
    ----------
    stages : sequence of Stage or dict
        The stages in journey order. A dict needs ``name`` and ``description``; ``label``
        (default: the name in sentence case), ``examples``, ``questions`` and ``keywords`` are
        optional.
    name : str, default "custom"
        Name of the journey (recorded in provenance).
    description : str, optional

    Raises
    ------
    JourneyError
        With the stage and field at fault: fewer than two stages, duplicate or malformed names,
        a missing description, a keyword that is not a valid regular expression.

    Examples
    --------
    >>> import cxinsight as cx
    >>> journey = cx.JourneyMap.from_dict({"stages": [
    ...     {"name": "booking", "description": "Finding and booking a stay."},
    ...     {"name": "stay", "description": "Check-in, the room, the staff during the stay."},
    ... ]})
    >>> journey.names
    ['booking', 'stay']
    """

    stages: tuple[Stage, ...]
    name: str = "custom"
    description: str = ""
    _index: dict[str, int] = field(default_factory=dict, repr=False, compare=False)

    def __init__(
        self,
        stages: Sequence[Stage | Mapping[str, Any]],
        name: str = "custom",
        description: str = "",
    ) -> None:
        if isinstance(stages, (str, bytes)) or not isinstance(stages, Sequence):
            raise JourneyError(
                "stages must be a list of stages (dicts with name and description), "
                f"got {type(stages).__name__}."
            )
        built = tuple(self._build_stage(s, i) for i, s in enumerate(stages))
        if len(built) < 2:
            raise JourneyError(
                f"A journey needs at least two stages, got {len(built)}. "
                "List the stages in order under 'stages'."
            )
        names = [s.name for s in built]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise JourneyError(f"Stage names must be unique; repeated: {dupes}.")
        object.__setattr__(self, "stages", built)
        object.__setattr__(self, "name", str(name))
        object.__setattr__(self, "description", str(description or ""))
        object.__setattr__(self, "_index", {n: i for i, n in enumerate(names)})

    @staticmethod
    def _build_stage(spec: Stage | Mapping[str, Any], i: int) -> Stage:
        if isinstance(spec, Stage):
            spec = {
                "name": spec.name, "label": spec.label, "description": spec.description,
                "examples": spec.examples, "questions": spec.questions, "keywords": spec.keywords,
            }
        if not isinstance(spec, Mapping):
            raise JourneyError(
                f"stages[{i}] must be a mapping with 'name' and 'description', got {spec!r}."
            )
        unknown = sorted(set(spec) - _STAGE_FIELDS)
        name = spec.get("name")
        where = f"stages[{i}]" + (f" ({name!r})" if name else "")
        if unknown:
            raise JourneyError(
                f"{where} has unknown field(s) {unknown}; allowed fields are {sorted(_STAGE_FIELDS)}."
            )
        if not isinstance(name, str) or not _NAME_RE.match(name):
            raise JourneyError(
                f"{where}: 'name' must be a lower-case identifier such as 'everyday_use' "
                f"(letters, digits, underscores), got {name!r}."
            )
        if name in NO_STAGE_VALUES:
            raise JourneyError(f"{where}: {name!r} means 'no stage' and cannot be a stage name.")
        description = spec.get("description")
        if not isinstance(description, str) or not description.strip():
            raise JourneyError(
                f"{where}: 'description' is required: one or two sentences on what customers "
                "talk about at this stage (it is what the stage is recognised by)."
            )
        label = spec.get("label") or _default_label(name)
        if not isinstance(label, str):
            raise JourneyError(f"{where}: 'label' must be a string, got {label!r}.")
        keywords = _as_str_tuple(spec.get("keywords"), f"{where}.keywords")
        for k, pattern in enumerate(keywords):
            try:
                re.compile(pattern)
            except re.error as err:
                raise JourneyError(
                    f"{where}.keywords[{k}] {pattern!r} is not a valid regular expression: {err}."
                ) from err
        return Stage(
            name=name,
            label=label.strip(),
            description=" ".join(description.split()),
            examples=_as_str_tuple(spec.get("examples"), f"{where}.examples"),
            questions=_as_str_tuple(spec.get("questions"), f"{where}.questions"),
            keywords=keywords,
        )

    # ------------------------------------------------------------------ constructors
    @classmethod
    def from_dict(cls, spec: Mapping[str, Any] | Sequence[Mapping[str, Any]]) -> JourneyMap:
        """Build a journey from ``{"name": ..., "stages": [...]}`` or a bare list of stages.

        Parameters
        ----------
        spec : mapping or list
            A mapping with a ``stages`` list (and optional ``name``, ``description``), or
            the list of stage mappings itself.

        Returns
        -------
        JourneyMap
        """
        if isinstance(spec, Mapping):
            unknown = sorted(set(spec) - {"name", "label", "description", "stages"})
            if unknown:
                raise JourneyError(
                    f"Unknown journey field(s) {unknown}; a journey has 'name', 'label', "
                    "'description' and 'stages'."
                )
            if "stages" not in spec:
                raise JourneyError(
                    "The journey definition has no 'stages' list. Give the stages in order, "
                    "e.g. {'stages': [{'name': 'discovery', 'description': '...'}, ...]}."
                )
            return cls(spec["stages"], name=spec.get("name", "custom"),
                       description=spec.get("description", ""))
        return cls(spec)

    @classmethod
    def from_yaml(cls, path: str | Path) -> JourneyMap:
        """Read a journey from a YAML file (same layout as :meth:`from_dict`).

        Parameters
        ----------
        path : str or Path

        Returns
        -------
        JourneyMap
        """
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"Journey file {path} does not exist.")
        try:
            spec = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as err:
            raise JourneyError(f"{path}: not valid YAML: {err}") from err
        if spec is None:
            raise JourneyError(f"{path} is empty; it needs a 'stages' list.")
        try:
            return cls.from_dict(spec)
        except JourneyError as err:
            raise JourneyError(f"{path}: {err}") from err

    @classmethod
    def default(cls) -> JourneyMap:
        """Return the default customer journey.

        Stages, in order: discovery, consideration, purchase, onboarding, everyday_use,
        support, renewal. Descriptions are generic to customer journeys (no product words);
        see ``cxinsight/resources/journeys/customer.yaml``.
        """
        text = resources.files("cxinsight").joinpath("resources/journeys/customer.yaml").read_text(
            encoding="utf-8"
        )
        return cls.from_dict(yaml.safe_load(text))

    @classmethod
    def coerce(cls, journey: JourneyMap | Mapping | Sequence | str | Path | None) -> JourneyMap:
        """Turn ``None`` (default), a dict, a list of stages or a YAML path into a journey."""
        if journey is None:
            return cls.default()
        if isinstance(journey, JourneyMap):
            return journey
        if isinstance(journey, (str, Path)):
            return cls.from_yaml(journey)
        if isinstance(journey, (Mapping, Sequence)):
            return cls.from_dict(journey)
        raise OptionError(
            "journey must be a JourneyMap, a dict, a list of stage dicts or the path of a YAML "
            f"file, got {type(journey).__name__}."
        )

    # ------------------------------------------------------------------ access
    @property
    def names(self) -> list[str]:
        """Stage names in journey order."""
        return [s.name for s in self.stages]

    @property
    def labels(self) -> list[str]:
        """Display labels in journey order."""
        return [s.label for s in self.stages]

    def index(self, name: str) -> int:
        """Return the 0-based position of stage ``name``."""
        try:
            return self._index[name]
        except KeyError:
            raise KeyError(f"{name!r} is not a stage of this journey; stages are {self.names}.") from None

    def label(self, name: str) -> str:
        """Return the display label of stage ``name``."""
        return self.stages[self.index(name)].label

    def __getitem__(self, name: str) -> Stage:
        return self.stages[self.index(name)]

    def __contains__(self, name: object) -> bool:
        return name in self._index

    def __len__(self) -> int:
        return len(self.stages)

    def __iter__(self):
        return iter(self.stages)

    def to_dict(self) -> dict[str, Any]:
        """Return the journey as a plain dict (round-trips through :meth:`from_dict`)."""
        return {
            "name": self.name,
            "description": self.description,
            "stages": [
                {
                    "name": s.name, "label": s.label, "description": s.description,
                    "examples": list(s.examples), "questions": list(s.questions),
                    "keywords": list(s.keywords),
                }
                for s in self.stages
            ],
        }

    def to_yaml(self, path: str | Path) -> Path:
        """Write the journey to a YAML file and return its path."""
        path = Path(path)
        path.write_text(yaml.safe_dump(self.to_dict(), sort_keys=False, allow_unicode=True),
                        encoding="utf-8")
        return path

    def __repr__(self) -> str:
        return f"JourneyMap({self.name!r}: " + " -> ".join(self.names) + ")"
