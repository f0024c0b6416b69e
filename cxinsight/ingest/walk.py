"""Walking a study folder so that every entry is either read or listed with its reason.

Rules
-----
* Ignored (listed in ``meta["ignored"]`` and in the files table, never read): names starting
  with ``.`` (hidden) or ``_`` (drafts, ground truth, ``__MACOSX``), Office lock files
  (``~$...``), and names starting with ``README``, ``LICENSE`` or ``LICENCE`` (any case).
  Nothing else is ignored: a transcript called ``changelog_interview.txt`` is read.
* Skipped (listed in ``meta["skipped"]`` with the reason, and warned about): folders that
  cannot be opened, symbolic links that point outside the study folder or nowhere,
  symbolic links to folders, FIFOs, devices and sockets, and files over ``max_bytes``.
* File names that are not valid UTF-8 (a Latin-1 byte from an old Windows share) are read;
  they are shown decoded as cp1252 so that every message can name them.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Entry", "walk", "display_name", "is_ignored_name"]

_IGNORED_PREFIXES = ("README", "LICENSE", "LICENCE")


@dataclass
class Entry:
    """One thing found under the study folder.

    Attributes
    ----------
    path : Path
        The real path (may hold surrogate escapes for undecodable bytes).
    rel : str
        Path relative to the folder, printable (undecodable bytes shown as cp1252).
    status : str
        ``read`` (to be read), ``ignored``, ``skipped`` or ``manifest``.
    reason : str
        Why it was ignored or skipped (empty for ``read``).
    """

    path: Path
    rel: str
    status: str
    reason: str = ""


def display_name(name: str) -> str:
    """Return a printable form of a file name (undecodable bytes decoded as cp1252)."""
    try:
        name.encode("utf-8")
        return name
    except UnicodeEncodeError:
        raw = os.fsencode(name)
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            return raw.decode("cp1252", errors="replace")


def is_ignored_name(name: str) -> str | None:
    """Return why a file or folder name is ignored, or ``None`` when it is read."""
    if name.startswith("."):
        return "hidden"
    if name.startswith("~$"):
        return "Office lock file"
    if name.startswith("_"):
        return "name starts with '_'"
    if name.upper().startswith(_IGNORED_PREFIXES):
        return f"{name.split('.')[0][:7].upper()} file"
    return None


def _inside(target: Path, root: Path) -> bool:
    try:
        target.relative_to(root)
    except ValueError:
        return False
    return True


def walk(root: str | Path, manifest: str | Path | None = None, max_bytes: int | None = None) -> list[Entry]:
    """List every entry under ``root`` with what will happen to it, in sorted order.

    Parameters
    ----------
    root : str or Path
        The study folder.
    manifest : str or Path, optional
        The manifest file (listed with status ``manifest``).
    max_bytes : int, optional
        Files larger than this are skipped.

    Returns
    -------
    list of Entry
        Files to read have status ``read``; nothing under ``root`` is left out.
    """
    root = Path(root)
    real_root = root.resolve()
    skip_manifest = Path(manifest).resolve() if manifest is not None else None
    out: list[Entry] = []

    def rel_of(p: Path) -> str:
        return display_name(p.relative_to(root).as_posix())

    def visit(folder: Path) -> None:
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as err:
            out.append(Entry(folder, rel_of(folder) + "/", "skipped",
                             f"folder cannot be opened ({err.strerror or type(err).__name__}); "
                             "its files were not read"))
            return
        for de in entries:
            p = Path(de.path)
            rel = rel_of(p)
            why = is_ignored_name(de.name)
            try:
                is_link = de.is_symlink()
                is_dir = de.is_dir(follow_symlinks=False)
            except OSError as err:
                out.append(Entry(p, rel, "skipped", f"cannot be inspected ({err.strerror or err})"))
                continue
            if why is not None:
                out.append(Entry(p, rel + ("/" if is_dir else ""), "ignored", why))
                continue
            if is_link:
                try:
                    target = p.resolve(strict=True)
                except (OSError, RuntimeError):
                    out.append(Entry(p, rel, "skipped", "symbolic link to nothing (broken link)"))
                    continue
                if not _inside(target, real_root):
                    out.append(Entry(p, rel, "skipped",
                                     "symbolic link to a place outside the study folder; copy the "
                                     "file into the folder to read it"))
                    continue
                if target.is_dir():
                    out.append(Entry(p, rel + "/", "skipped",
                                     "symbolic link to a folder (not followed, to avoid reading "
                                     "files twice or looping)"))
                    continue
            if is_dir:
                visit(p)
                continue
            try:
                st = os.stat(p)
            except OSError as err:
                out.append(Entry(p, rel, "skipped", f"cannot be inspected ({err.strerror or err})"))
                continue
            if not stat.S_ISREG(st.st_mode):
                kind = ("a FIFO (named pipe)" if stat.S_ISFIFO(st.st_mode)
                        else "a device" if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode)
                        else "a socket" if stat.S_ISSOCK(st.st_mode) else "not a regular file")
                out.append(Entry(p, rel, "skipped", f"{kind}, not a transcript file"))
                continue
            if skip_manifest is not None and p.resolve() == skip_manifest:
                out.append(Entry(p, rel, "manifest", "the study manifest"))
                continue
            if max_bytes is not None and st.st_size > max_bytes:
                out.append(Entry(p, rel, "skipped",
                                 f"{st.st_size / 1e6:,.1f} MB, over the limit of "
                                 f"{max_bytes / 1e6:,.1f} MB per file (option max_bytes)"))
                continue
            out.append(Entry(p, rel, "read"))

    visit(root)
    return out
