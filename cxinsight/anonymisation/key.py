"""The re-identification key: pseudonym -> original, kept apart from the data."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import pandas as pd

from cxinsight.errors import InputError

KEY_FORMAT = "cxinsight-reidentification-key"
KEY_VERSION = 1


def turns_fingerprint(turns: pd.DataFrame) -> str:
    """SHA-256 of the turns' interview ids, turn numbers, speakers and texts (order matters)."""
    h = hashlib.sha256()
    for iid, turn, speaker, text in zip(
        turns["interview_id"].astype(str), turns["turn"], turns["speaker"].astype(str),
        turns["text"].fillna("").astype(str),
    ):
        h.update(f"{iid}\x1f{int(turn)}\x1f{speaker}\x1f{text}\x1e".encode())
    return h.hexdigest()


class Key:
    """The re-identification table of one pseudonymised study.

    A key maps every pseudonym back to the original value and records every replacement, so
    that :func:`cxinsight.reidentify` can restore the study exactly. It holds personal data:
    save it with :meth:`save` (owner-only permissions) away from the pseudonymised corpus. It is
    never stored inside a corpus, its ``meta``, or anything exported from it.

    Attributes
    ----------
    fingerprint : str
        SHA-256 of the pseudonymised turns this key belongs to.
    source_fingerprint : str
        SHA-256 of the original turns (checked after re-identification).
    """

    def __init__(self, state: dict[str, Any]) -> None:
        if state.get("format") != KEY_FORMAT:
            raise InputError("This is not a cxinsight re-identification key.")
        self._state = state

    # ------------------------------------------------------------------ access
    @property
    def fingerprint(self) -> str:
        return self._state["fingerprint"]

    @property
    def source_fingerprint(self) -> str:
        return self._state["source_fingerprint"]

    @property
    def n_entities(self) -> int:
        return len(self._state["entities"])

    def table(self) -> pd.DataFrame:
        """Return the re-identification table: one row per entity.

        Returns
        -------
        DataFrame
            Columns ``entity_id, label, pseudonym, code, original, variants`` (``variants`` is
            ``"; "``-joined). This table contains the original personal data.
        """
        rows = []
        for e in self._state["entities"]:
            rows.append(
                {
                    "entity_id": e["entity_id"], "label": e["label"], "pseudonym": e["pseudonym"],
                    "code": e.get("code") or "", "original": e["original"],
                    "variants": "; ".join(e["variants"]),
                }
            )
        return pd.DataFrame(rows, columns=["entity_id", "label", "pseudonym", "code", "original", "variants"])

    def lookup(self, pseudonym: str) -> str:
        """Return the original value behind ``pseudonym`` (a placeholder, code or surrogate)."""
        for e in self._state["entities"]:
            if pseudonym in (e["pseudonym"], e.get("code")):
                return e["original"]
        raise KeyError("That pseudonym is not in this key.")

    # ------------------------------------------------------------------ persistence
    def save(self, path: str | Path, *, overwrite: bool = False) -> Path:
        """Write the key as JSON readable only by its owner (mode ``0o600``).

        Parameters
        ----------
        path : str or Path
            File to write, for example ``"secure/study_key.json"``. Keep it apart from the
            pseudonymised data.
        overwrite : bool, default False
            Replace an existing file. Without it an existing file raises ``FileExistsError``.

        Returns
        -------
        Path
        """
        path = Path(path)
        if path.exists() and not overwrite:
            raise FileExistsError(
                f"{path} already exists; a re-identification key is never overwritten silently. "
                "Choose another path or call key.save(path, overwrite=True)."
            )
        if path.is_dir():
            raise IsADirectoryError(f"{path} is a folder; give a file name such as {path / 'key.json'}.")
        path.parent.mkdir(parents=True, exist_ok=True)
        data = json.dumps(self._state, ensure_ascii=False, indent=1).encode("utf-8")
        fd, tmp = tempfile.mkstemp(prefix=".key-", dir=path.parent)  # created with mode 0o600
        try:
            if hasattr(os, "fchmod"):
                os.fchmod(fd, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            if not overwrite:
                try:
                    os.link(tmp, path)  # fails if someone created the file meanwhile
                    os.unlink(tmp)
                except FileExistsError:
                    raise FileExistsError(f"{path} already exists; pass overwrite=True to replace it.") from None
                except OSError:  # file systems without hard links
                    os.replace(tmp, path)
            else:
                os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
        os.chmod(path, 0o600)
        return path

    @classmethod
    def load(cls, path: str | Path) -> Key:
        """Read a key written by :meth:`save`."""
        path = Path(path)
        try:
            state = json.loads(path.read_text("utf-8"))
        except json.JSONDecodeError as err:
            raise InputError(f"{path} is not a cxinsight key (not JSON).") from err
        if not isinstance(state, dict) or state.get("format") != KEY_FORMAT:
            raise InputError(f"{path} is not a cxinsight re-identification key.")
        if state.get("version", 0) > KEY_VERSION:
            raise InputError(f"{path} was written by a newer cxinsight; upgrade to read it.")
        return cls(state)

    # ------------------------------------------------------------------ display (no originals)
    def __repr__(self) -> str:
        labels = Counter(e["label"] for e in self._state["entities"])
        parts = ", ".join(f"{k} {v}" for k, v in sorted(labels.items()))
        return (
            f"Key({self.n_entities} entities: {parts or 'none'}; "
            f"{len(self._state['edits'])} replacements; study {self.fingerprint[:12]})"
        )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Key) and other._state == self._state

    __hash__ = None  # type: ignore[assignment]
