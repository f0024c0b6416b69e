"""The corpus: one object that carries a study through every stage of the analysis.

A :class:`Corpus` holds tidy tables (``turns``, ``participants``, ``segments`` and any
named result table such as ``themes``), the segment embeddings, and a JSON-safe record of
everything that was done to it (``meta`` and ``provenance``). Every pipeline function reads
columns, adds columns, and returns a *new* corpus; the input corpus is never changed.

The columns of each table are documented in ``docs/data_model.md``.
"""

from __future__ import annotations

import copy
import datetime as _dt
import html
import json
import platform
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cxinsight.errors import InputError, MissingStepError, OptionError

#: Columns every ``turns`` table has, in this order.
TURN_COLUMNS = ["interview_id", "turn", "speaker", "role", "start", "end", "text", "source"]
#: Allowed values of the ``role`` column.
ROLES = ("interviewer", "participant", "unknown")
#: Version of the on-disk layout written by :meth:`Corpus.save`.
SAVE_FORMAT_VERSION = 1

_PACKAGES_FOR_PROVENANCE = (
    "cxinsight",
    "pandas",
    "numpy",
    "scikit-learn",
    "spacy",
    "bertopic",
    "sentence-transformers",
    "torch",
    "umap-learn",
    "hdbscan",
    "vaderSentiment",
)


def package_versions(names: Iterable[str] = _PACKAGES_FOR_PROVENANCE) -> dict[str, str]:
    """Return the installed versions of ``names`` (missing packages are left out).

    Parameters
    ----------
    names : iterable of str
        Distribution names as on PyPI.

    Returns
    -------
    dict
        ``{name: version}`` plus ``python``.
    """
    from importlib import metadata

    out = {"python": platform.python_version()}
    for name in names:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return out


def empty_turns() -> pd.DataFrame:
    """Return an empty ``turns`` table with the documented columns and dtypes."""
    return pd.DataFrame(
        {
            "interview_id": pd.Series(dtype="object"),
            "turn": pd.Series(dtype="int64"),
            "speaker": pd.Series(dtype="object"),
            "role": pd.Series(dtype="object"),
            "start": pd.Series(dtype="float64"),
            "end": pd.Series(dtype="float64"),
            "text": pd.Series(dtype="object"),
            "source": pd.Series(dtype="object"),
        }
    )


def _json_safe(value: Any) -> Any:
    """Convert numpy scalars, paths and tuples so that ``json.dumps`` accepts ``value``."""
    if isinstance(value, Mapping):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_json_safe(v) for v in value]
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        f = float(value)
        return None if np.isnan(f) else f
    if isinstance(value, float) and np.isnan(value):
        return None
    if isinstance(value, (np.bool_,)):
        return bool(value)
    if isinstance(value, np.ndarray):
        return _json_safe(value.tolist())
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return repr(value)


class Corpus:
    """A study's transcripts and everything computed from them.

    Parameters
    ----------
    turns : DataFrame
        One row per speaker turn with at least the columns in :data:`TURN_COLUMNS`.
    participants : DataFrame, optional
        One row per interview (``interview_id`` plus manifest metadata).
        Built from ``turns`` when omitted.
    segments : DataFrame, optional
        Sentence-level units, added by :func:`cxinsight.segmentation`.
    embeddings : ndarray, optional
        One row per segment (same order as ``segments``), added by :func:`cxinsight.embed`.
    tables : dict of str to DataFrame, optional
        Named result tables (``themes``, ``journey_curve``, ...).
    meta : dict, optional
        JSON-safe facts about the study (files read, files skipped, merges, summaries).
    provenance : list of dict, optional
        One entry per pipeline step: ``step``, ``params``, ``versions``, ``time``.

    Notes
    -----
    Pipeline functions never modify a corpus; they call :meth:`replace` and return the
    copy. Tables are copied, so editing a returned table does not change the corpus.
    """

    def __init__(
        self,
        turns: pd.DataFrame,
        participants: pd.DataFrame | None = None,
        segments: pd.DataFrame | None = None,
        embeddings: np.ndarray | None = None,
        tables: Mapping[str, pd.DataFrame] | None = None,
        meta: Mapping[str, Any] | None = None,
        provenance: list[dict[str, Any]] | None = None,
    ) -> None:
        missing = [c for c in TURN_COLUMNS if c not in turns.columns]
        if missing:
            raise InputError(
                f"turns is missing the columns {missing}; a turns table needs {TURN_COLUMNS}. "
                "Build one with cxinsight.read(path) or pass a DataFrame with those columns."
            )
        bad_roles = sorted(set(turns["role"].dropna().astype(str)) - set(ROLES))
        if bad_roles:
            raise InputError(f"turns.role has values {bad_roles}; allowed roles are {list(ROLES)}.")
        self.turns = turns.reset_index(drop=True)
        if participants is None:
            participants = pd.DataFrame(
                {"interview_id": pd.unique(self.turns["interview_id"].astype(str))}
            )
        self.participants = participants.reset_index(drop=True)
        self.segments = None if segments is None else segments.reset_index(drop=True)
        if embeddings is not None:
            if self.segments is None or len(embeddings) != len(self.segments):
                raise InputError(
                    "embeddings must have one row per segment "
                    f"({0 if self.segments is None else len(self.segments)} segments, "
                    f"{len(embeddings)} embedding rows)."
                )
        self.embeddings = embeddings
        self.tables: dict[str, pd.DataFrame] = dict(tables or {})
        self.meta: dict[str, Any] = dict(meta or {})
        self.provenance: list[dict[str, Any]] = list(provenance or [])

    # ------------------------------------------------------------------ copying
    def replace(self, **changes: Any) -> Corpus:
        """Return a copy with some attributes replaced.

        Parameters
        ----------
        **changes
            Any of ``turns``, ``participants``, ``segments``, ``embeddings``, ``tables``,
            ``meta``, ``provenance``. Attributes not named are deep-copied.

        Returns
        -------
        Corpus
            A new corpus; ``self`` is unchanged.
        """
        allowed = {"turns", "participants", "segments", "embeddings", "tables", "meta", "provenance"}
        unknown = set(changes) - allowed
        if unknown:
            raise OptionError(f"Corpus.replace() got unknown attributes {sorted(unknown)}")
        state = {
            "turns": self.turns.copy(),
            "participants": self.participants.copy(),
            "segments": None if self.segments is None else self.segments.copy(),
            "embeddings": self.embeddings,  # arrays are treated as immutable; never edited in place
            "tables": {k: v.copy() for k, v in self.tables.items()},
            "meta": copy.deepcopy(self.meta),
            "provenance": copy.deepcopy(self.provenance),
        }
        state.update(changes)
        return Corpus(**state)

    def copy(self) -> Corpus:
        """Return a deep copy of the corpus."""
        return self.replace()

    def with_step(self, step: str, params: Mapping[str, Any] | None = None, **changes: Any) -> Corpus:
        """Return a copy with ``changes`` applied and the step recorded in provenance.

        Parameters
        ----------
        step : str
            Name of the pipeline step (``"segment"``, ``"embed"``, ...).
        params : mapping, optional
            The parameters the step ran with (no personal data).
        **changes
            Passed to :meth:`replace`.

        Returns
        -------
        Corpus
        """
        new = self.replace(**changes)
        new.provenance.append(
            {
                "step": step,
                "params": _json_safe(dict(params or {})),
                "versions": package_versions(),
                "time": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
            }
        )
        return new

    # ------------------------------------------------------------------ checks
    def require(self, table: str, columns: Iterable[str] = (), fix: str = "") -> pd.DataFrame:
        """Return ``table`` after checking it exists and has ``columns``.

        Parameters
        ----------
        table : str
            ``"turns"``, ``"participants"``, ``"segments"`` or a key of ``tables``.
        columns : iterable of str
            Columns that must be present.
        fix : str
            The call that produces them, e.g. ``"cx.tag_emotions(corpus)"``.

        Returns
        -------
        DataFrame

        Raises
        ------
        MissingStepError
            With a message that names ``fix``.
        """
        hint = f" Run `{fix}` first." if fix else ""
        if table in ("turns", "participants", "segments"):
            df = getattr(self, table)
        else:
            df = self.tables.get(table)
        if df is None:
            raise MissingStepError(f"The corpus has no {table} table yet.{hint}")
        missing = [c for c in columns if c not in df.columns]
        if missing:
            raise MissingStepError(f"The {table} table has no column(s) {missing} yet.{hint}")
        return df

    # ------------------------------------------------------------------ summaries
    def summary(self) -> pd.DataFrame:
        """Return one row per interview: speakers, turns, words, participant words, format.

        Returns
        -------
        DataFrame
            Columns ``interview_id, format, speakers, turns, words, participant_words,
            duration_min``.
        """
        t = self.turns
        words = t["text"].fillna("").astype(str).str.split().str.len()
        fmt = {f.get("interview_id"): f.get("format") for f in self.meta.get("files", [])}
        frame = pd.DataFrame({
            "interview_id": t["interview_id"], "speaker": t["speaker"], "end": t["end"],
            "_w": words, "_pw": words.where(t["role"] == "participant", 0),
        })
        g = frame.groupby("interview_id", sort=False)  # one pass, interviews in order of appearance
        ends = g["end"].max()
        out = pd.DataFrame({
            "interview_id": ends.index.to_list(),
            "format": [fmt.get(iid, "") for iid in ends.index],
            "speakers": g["speaker"].nunique().to_numpy(),
            "turns": g.size().to_numpy(),
            "words": g["_w"].sum().astype(int).to_numpy(),
            "participant_words": g["_pw"].sum().astype(int).to_numpy(),
            "duration_min": [round(float(d) / 60, 1) if pd.notna(d) else np.nan for d in ends],
        })
        return out


    @property
    def n_interviews(self) -> int:
        """Number of interviews."""
        return int(self.turns["interview_id"].nunique())

    @property
    def steps(self) -> list[str]:
        """Names of the pipeline steps run so far, in order."""
        return [p["step"] for p in self.provenance]

    def _headline(self) -> dict[str, Any]:
        t = self.turns
        words = int(t["text"].fillna("").astype(str).str.split().str.len().sum())
        formats: dict[str, int] = {}
        for f in self.meta.get("files", []):
            formats[f.get("format", "?")] = formats.get(f.get("format", "?"), 0) + 1
        return {
            "interviews": self.n_interviews,
            "speakers": int(t[["interview_id", "speaker"]].drop_duplicates().shape[0]),
            "turns": len(t),
            "words": words,
            "segments": None if self.segments is None else len(self.segments),
            "formats": formats,
            "skipped": len(self.meta.get("skipped", [])),
            "steps": self.steps,
            "tables": sorted(self.tables),
        }

    def __repr__(self) -> str:
        h = self._headline()
        parts = [
            f"{h['interviews']} interviews",
            f"{h['speakers']} speakers",
            f"{h['turns']:,} turns",
            f"{h['words']:,} words",
        ]
        if h["segments"] is not None:
            parts.append(f"{h['segments']:,} segments")
        lines = ["Corpus(" + ", ".join(parts) + ")"]
        if h["formats"]:
            lines.append("  formats: " + ", ".join(f"{k} ({v})" for k, v in sorted(h["formats"].items())))
        if h["skipped"]:
            lines.append(f"  skipped files: {h['skipped']} (see corpus.meta['skipped'])")
        if h["steps"]:
            lines.append("  steps: " + " -> ".join(h["steps"]))
        if h["tables"]:
            lines.append("  tables: " + ", ".join(h["tables"]))
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        h = self._headline()
        rows = [
            ("Interviews", h["interviews"]),
            ("Speakers", h["speakers"]),
            ("Turns", f"{h['turns']:,}"),
            ("Words", f"{h['words']:,}"),
        ]
        if h["segments"] is not None:
            rows.append(("Segments", f"{h['segments']:,}"))
        if h["formats"]:
            rows.append(("Formats", ", ".join(f"{k} ({v})" for k, v in sorted(h["formats"].items()))))
        rows.append(("Skipped files", h["skipped"]))
        if h["steps"]:
            rows.append(("Steps", " &rarr; ".join(html.escape(s) for s in h["steps"])))
        if h["tables"]:
            rows.append(("Tables", ", ".join(html.escape(s) for s in h["tables"])))
        body = "".join(
            f"<tr><th style='text-align:left'>{html.escape(str(k))}</th>"
            f"<td style='text-align:left'>{v if k == 'Steps' else html.escape(str(v))}</td></tr>"
            for k, v in rows
        )
        return f"<div><strong>cxinsight Corpus</strong><table>{body}</table></div>"

    # ------------------------------------------------------------------ persistence
    def save(self, path: str | Path, *, overwrite: bool = False) -> Path:
        """Save the corpus to a folder (Parquet tables, ``.npy`` embeddings, JSON metadata).

        The save is atomic: everything is written to a temporary folder beside ``path``,
        ``corpus.json`` last (with the size of every file), and the folder is then renamed to
        ``path``. A save that is killed or fails leaves ``path`` as it was; a folder without
        ``corpus.json`` is never loaded.

        Parameters
        ----------
        path : str or Path
            Folder to write. Its parent is created if missing.
        overwrite : bool, default False
            Replace an existing saved corpus in ``path`` (the folder is replaced whole).

        Returns
        -------
        Path
            The folder written.

        Raises
        ------
        FileExistsError
            ``path`` holds a saved corpus and ``overwrite`` is false, or ``path`` is a non-empty
            folder that is not a saved corpus (it is never replaced).

        Notes
        -----
        A re-identification key is never part of a corpus and is never saved here.
        """
        import os
        import shutil
        import tempfile

        path = Path(path)
        if (path / "corpus.json").exists() and not overwrite:
            raise FileExistsError(
                f"{path} already holds a saved corpus; pass overwrite=True to replace it."
            )
        if path.exists() and (not path.is_dir() or (
                any(path.iterdir()) and not (path / "corpus.json").exists())):
            raise FileExistsError(
                f"{path} exists and is not a saved corpus; choose a new or empty folder."
            )
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.tmp-", dir=path.parent))
        try:
            _write_parquet(self.turns, tmp / "turns.parquet")
            _write_parquet(self.participants, tmp / "participants.parquet")
            if self.segments is not None:
                _write_parquet(self.segments, tmp / "segments.parquet")
            if self.embeddings is not None:
                np.save(tmp / "embeddings.npy", np.asarray(self.embeddings))
            if self.tables:
                (tmp / "tables").mkdir()
                for name, df in self.tables.items():
                    _write_parquet(df, tmp / "tables" / f"{name}.parquet")
            files = {str(f.relative_to(tmp)): f.stat().st_size
                     for f in sorted(tmp.rglob("*")) if f.is_file()}
            doc = {
                "format_version": SAVE_FORMAT_VERSION,
                "tables": sorted(self.tables),
                "has_segments": self.segments is not None,
                "has_embeddings": self.embeddings is not None,
                "files": files,
                "meta": _json_safe(self.meta),
                "provenance": _json_safe(self.provenance),
            }
            with open(tmp / "corpus.json", "w", encoding="utf-8") as fh:
                fh.write(json.dumps(doc, indent=2, ensure_ascii=False))
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, 0o777 & ~_umask())
            if path.exists():
                old = path.parent / f".{path.name}.old-{os.getpid()}"
                os.rename(path, old)
                os.rename(tmp, path)
                shutil.rmtree(old, ignore_errors=True)
            else:
                os.rename(tmp, path)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return path

    @classmethod
    def load(cls, path: str | Path) -> Corpus:
        """Load a corpus written by :meth:`save`.

        Parameters
        ----------
        path : str or Path
            The folder given to :meth:`save`.

        Returns
        -------
        Corpus
        """
        path = Path(path)
        doc_path = path / "corpus.json"
        if not doc_path.exists():
            raise FileNotFoundError(
                f"{path} is not a saved corpus (no corpus.json); save one with corpus.save(path)."
            )
        doc = json.loads(doc_path.read_text("utf-8"))
        if doc.get("format_version", 0) > SAVE_FORMAT_VERSION:
            raise InputError(
                f"{path} was saved by a newer cxinsight (format {doc['format_version']}); upgrade cxinsight."
            )
        for rel, size in (doc.get("files") or {}).items():
            f = path / rel
            if not f.is_file() or f.stat().st_size != size:
                raise InputError(
                    f"{path} is damaged: {rel} is missing or has changed since the corpus was saved; "
                    "save the corpus again."
                )
        segments = pd.read_parquet(path / "segments.parquet") if doc.get("has_segments") else None
        embeddings = np.load(path / "embeddings.npy") if doc.get("has_embeddings") else None
        tables = {name: pd.read_parquet(path / "tables" / f"{name}.parquet") for name in doc.get("tables", [])}
        return cls(
            turns=pd.read_parquet(path / "turns.parquet"),
            participants=pd.read_parquet(path / "participants.parquet"),
            segments=segments,
            embeddings=embeddings,
            tables=tables,
            meta=doc.get("meta", {}),
            provenance=doc.get("provenance", []),
        )


def _umask() -> int:
    import os

    mask = os.umask(0)
    os.umask(mask)
    return mask


def _write_parquet(df: pd.DataFrame, path: Path) -> None:
    """Write ``df`` to Parquet, turning mixed-type object columns into strings first."""
    try:
        df.to_parquet(path, index=False)
    except (TypeError, ValueError, ImportError) as first:
        fixed = df.copy()
        for col in fixed.columns:
            if fixed[col].dtype == object:
                fixed[col] = fixed[col].map(lambda v: v if v is None or isinstance(v, (str, list)) else str(v))
        try:
            fixed.to_parquet(path, index=False)
        except Exception as err:  # pragma: no cover - surfaced with context
            raise InputError(f"Could not save table to {path}: {err}") from first
