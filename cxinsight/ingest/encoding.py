"""Turn the bytes of a transcript file into text, whatever the encoding.

Researchers' files come as UTF-8 (with or without a byte-order mark), UTF-16 from Windows
exports (little or big endian, usually with a byte-order mark), cp1252 from older Word and
Excel, and other legacy encodings (Mac Roman, KOI8-R, CP1251, Shift-JIS, GB18030,
ISO-8859-7 ...). :func:`decode` recognises these (legacy ones with charset-normalizer plus a
mojibake check of its own), normalises line endings to ``\\n`` and reports the encoding it
used; :func:`decode_with_confidence` also says how sure it is, so the files table can flag a
guessed encoding and a warning can name the file when the guess is unsure.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from cxinsight.errors import TranscriptFormatError

__all__ = ["decode", "decode_with_confidence", "read_text"]


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

    Same as :func:`decode_with_confidence` without the confidence.

    Returns
    -------
    text, encoding : str, str
    """
    text, used, _conf = decode_with_confidence(data, encoding=encoding, path=path)
    return text, used


def decode_with_confidence(
    data: bytes, *, encoding: str | None = None, path: str | Path | None = None
) -> tuple[str, str, float]:
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
        ``mac_roman``, ``cp1251``, ``koi8_r``, ``cp932``, ``gb18030``, ``cp1253`` ...,
        ``utf-8+cp1252`` for a UTF-8 file with a few stray Windows bytes, or the forced one.
    confidence : float
        1.0 for a forced encoding, a byte-order mark or valid UTF-8; lower for guesses.

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
        used, conf = encoding, 1.0
    elif data.startswith(codecs.BOM_UTF8):
        text, used, conf = data[3:].decode("utf-8", errors="replace"), "utf-8-sig", 1.0
    elif data.startswith(codecs.BOM_UTF16_LE):
        text, used, conf = data[2:].decode("utf-16-le", errors="replace"), "utf-16-le", 1.0
    elif data.startswith(codecs.BOM_UTF16_BE):
        text, used, conf = data[2:].decode("utf-16-be", errors="replace"), "utf-16-be", 1.0
    else:
        guess = _looks_utf16(data)
        conf = 1.0
        if guess is not None:
            text, used, conf = data.decode(guess, errors="replace"), guess, 0.9
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
                if _mostly_utf8(data):
                    # mostly UTF-8 with a few Windows bytes (a file edited in two editors)
                    text, used, conf = data.decode("utf-8", errors=_MIXED), "utf-8+cp1252", 0.8
                else:
                    text, used, conf = _legacy(data)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\x00" in text:
        text = text.replace("\x00", "")
    return text, used, conf


def _mostly_utf8(data: bytes) -> bool:
    """True when most non-ASCII bytes form valid UTF-8 sequences (a few stray cp1252 bytes)."""
    sample = data[:262144]
    high = sum(1 for b in sample if b >= 0x80)
    if not high:
        return False
    covered = sum(len(m.group()) for m in _UTF8_MULTIBYTE.finditer(sample))
    return covered >= 0.5 * high


_WESTERN = ("cp1252", "mac_roman")
#: a closing quote or guillemet glued to the start of a word: a capital letter mis-read
_GLUED_CLOSER = re.compile(r"(?:^|(?<=\s))[\u00bb\u201d\u2019\u203a\u00b7\u2022\u2020\u2021][^\W\d_]")
_LATIN_SUPPLEMENT_UPPER = re.compile(r"[a-z][\u00c0-\u00de\u0152\u0160\u0178\u017d]")


def _oddness(text: str) -> int:
    """How much ``text`` looks like mojibake: symbols among letters, mixed-script words,
    capital accented letters inside lower-case words, words made only of accented letters."""
    import unicodedata

    score = 0
    for ch in text:
        if ch in "\n\r\t":
            continue
        cat = unicodedata.category(ch)
        if cat in ("Cc", "Co", "Cn", "Sm", "So", "Sk"):
            score += 1
    score += 2 * len(_LATIN_SUPPLEMENT_UPPER.findall(text))
    score += len(_GLUED_CLOSER.findall(text))
    for word in re.findall(r"[^\W\d_]{2,}", text):
        scripts = set()
        for ch in word:
            if ord(ch) < 0x250:
                scripts.add("latin")
            else:
                name = unicodedata.name(ch, "")
                scripts.add(name.split(" ")[0] if name else "?")
        if len(scripts) > 1:
            score += 3
        elif scripts == {"latin"} and len(word) >= 3 and all(ord(c) >= 0xC0 for c in word):
            score += 2
    return score


def _legacy(data: bytes) -> tuple[str, str, float]:
    """Guess a legacy 8-bit or CJK encoding; return text, encoding and confidence."""
    sample = data[:65536]
    candidates: list[str] = []
    try:
        from charset_normalizer import from_bytes

        for match in list(from_bytes(sample))[:3]:
            if match.encoding not in candidates:
                candidates.append(match.encoding)
    except Exception:  # pragma: no cover - a declared dependency; fall back to cp1252
        candidates = []
    for enc in _WESTERN:
        if enc not in candidates:
            candidates.append(enc)
    scored: list[tuple[int, int, str]] = []
    texts: dict[str, str] = {}
    for rank, enc in enumerate(candidates):
        try:
            decoded = sample.decode(enc)
        except (UnicodeDecodeError, LookupError):
            # the sample may end inside a multi-byte character
            try:
                decoded = sample[:-4].decode(enc) if len(sample) == 65536 else None
            except (UnicodeDecodeError, LookupError):
                decoded = None
            if decoded is None:
                continue
        # western code pages first on ties: they are by far the most common legacy files
        prefer = 0 if enc == "cp1252" else 1 if enc == "mac_roman" else 2
        scored.append((_oddness(decoded), prefer if prefer < 2 else 2 + rank, enc))
        texts[enc] = decoded
    if not scored:
        return data.decode("latin-1"), "latin-1", 0.3
    scored.sort()
    best_score, _, best = scored[0]
    # the runner-up among candidates that read the bytes differently (identical readings agree)
    others = [sc for sc, _, enc in scored[1:] if texts[enc] != texts[best]]
    runner = others[0] if others else best_score + 10
    conf = (runner - best_score + 1) / (runner - best_score + 2)
    if best_score:
        conf *= 0.8
    return data.decode(best, errors="replace"), best, round(min(conf, 0.99), 2)


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
