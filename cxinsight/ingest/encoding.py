"""Turn the bytes of a transcript file into text, whatever the encoding.

Researchers' files come as UTF-8 (with or without a byte-order mark), UTF-16 from Windows
exports (little or big endian, usually with a byte-order mark) and cp1252 from older Word and
Excel. :func:`decode` recognises these, normalises line endings to ``\\n`` and reports the
encoding it used, so that the corpus can say how every file was read.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from cxinsight.errors import TranscriptFormatError

__all__ = ["decode", "read_text"]


_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
_MIXED = "cxinsight-cp1252-fallback"


def _cp1252_fallback(err: UnicodeError) -> tuple[str, int]:
    """Decode the bytes UTF-8 rejected as cp1252 (latin-1 for the five bytes cp1252 lacks)."""
    if not isinstance(err, UnicodeDecodeError):
        raise err
    out = []
    for b in err.object[err.start : err.end]:
        out.append(chr(b) if b in _CP1252_HOLES else bytes([b]).decode("cp1252"))
    return "".join(out), err.end


_CP1252_HOLES = frozenset({0x81, 0x8D, 0x8F, 0x90, 0x9D})
codecs.register_error(_MIXED, _cp1252_fallback)


def _looks_utf16(data: bytes) -> str | None:
    """Return ``"utf-16-le"``/``"utf-16-be"`` when BOM-less ``data`` is UTF-16 text."""
    sample = data[:4096]
    if len(sample) < 4:
        return None
    even_zeros = sample[0::2].count(0)
    odd_zeros = sample[1::2].count(0)
    half = len(sample) / 2
    if odd_zeros > 0.3 * half and even_zeros < 0.05 * half:
        return "utf-16-le"
    if even_zeros > 0.3 * half and odd_zeros < 0.05 * half:
        return "utf-16-be"
    return None


def decode(data: bytes, *, encoding: str | None = None, path: str | Path | None = None) -> tuple[str, str]:
    """Decode the bytes of a text file and normalise its line endings.

    Parameters
    ----------
    data : bytes
        The file's content.
    encoding : str, optional
        Force an encoding (any Python codec name). Guessed when omitted: byte-order marks
        first (UTF-8, UTF-16 LE/BE), then BOM-less UTF-16, then UTF-8, then cp1252.
    path : str or Path, optional
        Used in error messages only.

    Returns
    -------
    text : str
        The decoded text with ``\\r\\n`` and ``\\r`` turned into ``\\n``.
    encoding : str
        The encoding used: ``utf-8``, ``utf-8-sig``, ``utf-16-le``, ``utf-16-be``, ``cp1252``,
        ``latin-1``, or ``utf-8+cp1252`` for a UTF-8 file with a few stray Windows bytes
        (or the forced one).

    Raises
    ------
    TranscriptFormatError
        When a forced encoding does not fit, or the file looks binary.
    """
    if encoding is not None:
        try:
            text = data.decode(encoding)
        except (UnicodeDecodeError, LookupError) as err:
            raise TranscriptFormatError(
                f"could not decode the file as {encoding!r} ({err}). Leave out encoding= to let "
                "cxinsight guess, or pass the encoding the file was saved with.",
                path,
            ) from err
        if text.startswith("\ufeff"):
            text = text[1:]
        used = encoding
    elif data.startswith(codecs.BOM_UTF8):
        text, used = data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    elif data.startswith(codecs.BOM_UTF16_LE):
        text, used = data[2:].decode("utf-16-le", errors="replace"), "utf-16-le"
    elif data.startswith(codecs.BOM_UTF16_BE):
        text, used = data[2:].decode("utf-16-be", errors="replace"), "utf-16-be"
    else:
        guess = _looks_utf16(data)
        if guess is not None:
            text, used = data.decode(guess, errors="replace"), guess
        else:
            if b"\x00" in data[:8192]:
                raise TranscriptFormatError(
                    "the file looks binary (it contains NUL bytes), not a text transcript. "
                    "Export the transcript as .txt, .vtt, .srt, .docx or .csv.",
                    path,
                )
            try:
                text, used = data.decode("utf-8"), "utf-8"
            except UnicodeDecodeError:
                if _UTF8_MULTIBYTE.search(data):
                    # mostly UTF-8 with a few Windows bytes (a file edited in two editors)
                    text, used = data.decode("utf-8", errors=_MIXED), "utf-8+cp1252"
                else:
                    try:
                        text, used = data.decode("cp1252"), "cp1252"
                    except UnicodeDecodeError:
                        text, used = data.decode("latin-1"), "latin-1"
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\x00" in text:
        text = text.replace("\x00", "")
    return text, used


def read_text(path: str | Path, *, encoding: str | None = None) -> tuple[str, str]:
    """Read a text file read-only and :func:`decode` it.

    Parameters
    ----------
    path : str or Path
        The file.
    encoding : str, optional
        Force an encoding; guessed when omitted.

    Returns
    -------
    text, encoding : str, str
    """
    with open(path, "rb") as fh:
        data = fh.read()
    return decode(data, encoding=encoding, path=path)
