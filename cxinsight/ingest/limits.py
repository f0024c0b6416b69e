"""Limits that keep one hostile or broken file from exhausting memory or time.

Every limit is an option of :func:`cxinsight.read` and every refusal is a
:class:`~cxinsight.errors.TranscriptFormatError` that names the file, the limit and the option
that raises it. In a folder the file is skipped and listed, the other files are read.

* ``max_bytes`` (default 200 MB): bytes read from one file. The file is read with a bounded
  read, so a device such as ``/dev/zero`` or a growing file never fills the memory.
* ``max_unzipped_bytes`` (default 200 MB) and ``max_zip_ratio`` (default 100): a ``.docx`` or
  ``.xlsx`` is a zip archive; its table of contents is checked before anything is inflated,
  so a zip bomb (a few MB that inflate to GBs) is refused in milliseconds.
"""

from __future__ import annotations

import os
import stat
import zipfile
from pathlib import Path

from cxinsight.errors import TranscriptFormatError

__all__ = ["DEFAULT_LIMITS", "read_bytes", "check_zip", "check_regular"]

#: Default limits (bytes, bytes, ratio); options of the same names override them.
DEFAULT_LIMITS = {
    "max_bytes": 200_000_000,
    "max_unzipped_bytes": 200_000_000,
    "max_zip_ratio": 100.0,
}
_MB = 1_000_000


def _mb(n: float) -> str:
    return f"{n / _MB:,.1f} MB"


def check_regular(path: str | Path) -> os.stat_result:
    """Return ``os.stat(path)`` or raise when the path is not a regular file.

    FIFOs, sockets and devices are refused before they are opened (opening a FIFO blocks).
    """
    try:
        st = os.stat(path)
    except OSError as err:
        raise TranscriptFormatError(f"cannot be opened ({err.strerror or err}).", path) from err
    if not stat.S_ISREG(st.st_mode):
        kind = (
            "a FIFO (named pipe)" if stat.S_ISFIFO(st.st_mode)
            else "a device" if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode)
            else "a socket" if stat.S_ISSOCK(st.st_mode)
            else "a folder" if stat.S_ISDIR(st.st_mode)
            else "not a regular file"
        )
        raise TranscriptFormatError(
            f"is {kind}, not a transcript file; only regular files are read.", path
        )
    return st


def read_bytes(path: str | Path, max_bytes: int | None = None) -> bytes:
    """Read at most ``max_bytes`` bytes of a regular file; refuse a larger one.

    Parameters
    ----------
    path : str or Path
        The file.
    max_bytes : int, optional
        Largest size accepted (default ``DEFAULT_LIMITS["max_bytes"]``).

    Returns
    -------
    bytes

    Raises
    ------
    TranscriptFormatError
        Not a regular file, or larger than ``max_bytes``.
    """
    limit = DEFAULT_LIMITS["max_bytes"] if max_bytes is None else int(max_bytes)
    st = check_regular(path)
    if st.st_size > limit:
        raise TranscriptFormatError(
            f"is {_mb(st.st_size)}, over the limit of {_mb(limit)} per file. Split it, or pass "
            f"max_bytes={st.st_size + 1} to cx.read if it really is one transcript.",
            path,
        )
    with open(path, "rb") as fh:
        data = fh.read(limit + 1)
    if len(data) > limit:  # the file grew while being read
        raise TranscriptFormatError(f"grew past the limit of {_mb(limit)} while being read.", path)
    return data


def check_zip(path: str | Path, max_unzipped_bytes: int | None = None, max_ratio: float | None = None) -> None:
    """Refuse a ``.docx``/``.xlsx`` whose content would inflate too much.

    Only the archive's table of contents is read (no member is decompressed).

    Raises
    ------
    TranscriptFormatError
        Not a zip archive, or its members would inflate past ``max_unzipped_bytes`` in total
        or by more than ``max_ratio`` times their compressed size.
    """
    limit = DEFAULT_LIMITS["max_unzipped_bytes"] if max_unzipped_bytes is None else int(max_unzipped_bytes)
    ratio_limit = DEFAULT_LIMITS["max_zip_ratio"] if max_ratio is None else float(max_ratio)
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as err:
        what = "Excel" if str(path).lower().endswith((".xlsx", ".xlsm")) else "Word"
        raise TranscriptFormatError(
            f"could not open the {what} file ({type(err).__name__}: it is not a zip archive). It "
            "may be damaged, or an old .doc/.xls renamed; open it and save it again as .docx/.xlsx.",
            path,
        ) from err
    total = sum(max(i.file_size, 0) for i in infos)
    packed = sum(max(i.compress_size, 0) for i in infos)
    if total > limit:
        raise TranscriptFormatError(
            f"would inflate to {_mb(total)} (limit {_mb(limit)}); refused before unpacking. If it "
            f"is genuine, pass max_unzipped_bytes={total + 1} to cx.read.",
            path,
        )
    ratio = total / max(packed, 1)
    if ratio > ratio_limit and total > 10 * _MB:
        raise TranscriptFormatError(
            f"would inflate {ratio:,.0f} times (from {_mb(packed)} to {_mb(total)}; limit "
            f"{ratio_limit:g} times): this looks like a zip bomb and was refused before unpacking.",
            path,
        )
