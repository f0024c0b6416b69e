"""Word (``.docx``) transcripts from Word, Microsoft Teams and Otter.ai.

The paragraphs (and table rows) of the document are read in order and handed to the
plain-text reader, so every layout it knows works here too:

* Teams / Otter layout: a paragraph with the speaker and a timestamp (``Jane Doe   0:03``,
  ``0:03 Jane Doe``), then the text in the next paragraph(s);
* Word layout: ``Name: text`` paragraphs, optionally with ``[00:01:02]`` timestamps, or the
  speaker's name in bold at the start of the paragraph (no colon needed: a bold name that
  starts two paragraphs, or a bold full name next to such a recurring one);
* tables with a speaker, an optional time and a text column.

The format is reported as ``docx`` with the layout in ``meta["files"][i]["layout"]``
(``speaker-timestamp``, ``labels`` or ``table``).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from cxinsight.errors import TranscriptFormatError
from cxinsight.ingest.base import (
    Document,
    count_words,
    looks_like_name,
    parse_timestamp,
    strip_suffix,
)
from cxinsight.ingest.roles import role_from_label
from cxinsight.ingest.text import parse_text

__all__ = ["parse_docx", "docx_lines"]


def docx_lines(path: str | Path, opts: dict | None = None) -> tuple[list[str], int]:
    """Return the document's paragraphs as lines (tables as ``[time] speaker: text``).

    The archive is checked against the zip-bomb limits first (:func:`check_zip`), and any
    failure inside python-docx (a damaged ``document.xml`` root, missing parts) becomes a
    :class:`TranscriptFormatError`.

    Returns
    -------
    lines : list of str
    table_rows : int
        How many lines came from table rows.
    """
    from cxinsight.ingest.limits import check_regular, check_zip

    opts = opts or {}
    check_regular(path)
    check_zip(path, opts.get("max_unzipped_bytes"), opts.get("max_zip_ratio"))
    try:
        return _docx_lines(path)
    except TranscriptFormatError:
        raise
    except Exception as err:  # lxml, python-docx: AttributeError, KeyError, ValueError ...
        raise TranscriptFormatError(
            f"could not read the Word file ({type(err).__name__}); its document part is damaged. "
            "Open it in Word and save it again as .docx.",
            path,
        ) from err


def _docx_lines(path: str | Path) -> tuple[list[str], int]:
    try:
        import docx  # python-docx
    except ImportError as err:  # pragma: no cover - a declared dependency
        raise ImportError("reading .docx needs python-docx: pip install python-docx") from err
    try:
        document = docx.Document(str(path))
    except Exception as err:  # zipfile.BadZipFile, KeyError, PackageNotFoundError ...
        raise TranscriptFormatError(
            f"could not open the Word file ({type(err).__name__}); it may be damaged or an old "
            ".doc renamed to .docx. Open it in Word and save it again as .docx.",
            path,
        ) from err
    lines: list[str] = []
    bold_prefixes: list[tuple[int, str]] = []
    table_rows = 0
    items = document.iter_inner_content() if hasattr(document, "iter_inner_content") else document.paragraphs
    for item in items:
        if hasattr(item, "rows"):
            for row in item.rows:
                cells = []
                for c in row.cells:
                    t = " ".join(c.text.split())
                    if not cells or t != cells[-1]:  # merged cells repeat
                        cells.append(t)
                if table_rows == 0 and _is_header_row(cells):
                    continue
                line = _row_line(cells)
                if line:
                    lines.append(line)
                    table_rows += 1
            lines.append("")
        else:
            text = item.text
            bold = _bold_prefix(item, text)
            if bold is not None:
                bold_prefixes.append((len(lines), bold))
            lines.extend(text.split("\n"))
            lines.append("")
    # "Jane Doe  So how was it?" with the name in bold (no colon): a speaker label when the
    # same bold name starts at least two paragraphs, or it is a full name (two words or more)
    # in a document where some bold name recurs; a bold word used once is emphasis
    counts = Counter(name for _, name in bold_prefixes)
    recurring = any(c >= 2 for c in counts.values())
    for i, name in bold_prefixes:
        if (
            counts[name] >= 2
            or role_from_label(name) is not None
            or (recurring and len(name.split()) >= 2)
        ):
            rest = lines[i][lines[i].index(name) + len(name) :].lstrip(" :\t")
            lines[i] = f"{name}: {rest}"
    return lines, table_rows


def _bold_prefix(paragraph, text: str) -> str | None:
    """The bold run(s) a paragraph starts with, when they look like a speaker's name."""
    runs = paragraph.runs
    if not runs or not runs[0].bold:
        return None
    name = ""
    for run in runs:
        if not run.bold:
            break
        name += run.text
    name = name.strip().rstrip(":").strip()
    if not name or len(name) >= len(text.strip()) - 1 or ":" in name:
        return None
    if not looks_like_name(strip_suffix(name)) or not name[0].isalpha():
        return None
    return name


_HEADER_WORDS = frozenset(
    "speaker name who time timestamp start end text transcript utterance speech said words".split()
)


def _is_header_row(cells: list[str]) -> bool:
    words = [c.casefold() for c in cells if c]
    return bool(words) and all(w in _HEADER_WORDS for w in words)


def _row_line(cells: list[str]) -> str:
    cells = [c for c in cells if c]
    if len(cells) < 2:
        return cells[0] if cells else ""
    times = [i for i, c in enumerate(cells) if parse_timestamp(c) is not None and ":" in c]
    ts = cells[times[0]] if times else None
    rest = [c for i, c in enumerate(cells) if not times or i != times[0]]
    if len(rest) < 2:
        return rest[0] if rest else ""
    speaker, text = rest[0], " ".join(rest[1:])
    return f"[{ts}] {speaker}: {text}" if ts else f"{speaker}: {text}"


def parse_docx(path: str | Path, opts: dict | None = None) -> Document:
    """Parse a ``.docx`` transcript.

    Parameters
    ----------
    path : str or Path
        The file, opened read-only.

    Returns
    -------
    Document
        Format ``docx``.

    Raises
    ------
    TranscriptFormatError
        A damaged file, or no speaker turns.
    """
    lines, table_rows = docx_lines(path, opts)
    if not any(s.strip() for s in lines):
        raise TranscriptFormatError("the Word document has no text.", path)
    doc = parse_text("\n".join(lines), path=path)
    doc.info["words_raw"] = count_words("\n".join(lines))
    if table_rows and table_rows >= len(doc.utterances) / 2:
        layout = "table"
    elif doc.format == "otter":
        layout = "speaker-timestamp"
    else:
        layout = "labels"
    doc.format = "docx"
    doc.info["layout"] = layout
    return doc
