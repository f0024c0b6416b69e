"""A streaming Excel workbook writer for large export tables.

An ``.xlsx`` file is a zip archive of XML parts (ECMA-376, SpreadsheetML). :func:`write_workbook`
writes one worksheet part per sheet, block by block, straight into the compressed archive, so
memory stays flat however many rows a study has. Cells are turned into XML a column at a time
(numbers through NumPy, text once per distinct value), which is about five times faster than
openpyxl's write-only mode on a 100k-answer survey (4.5 s instead of 25 s: openpyxl spends
8 µs on a cell, most of it building a cell object per value).

What is written:

* text as inline strings (``t="inlineStr"``): a cell is never read as a formula whatever it
  holds; characters XML 1.0 cannot carry (control characters other than tab and line breaks,
  lone surrogates, U+FFFE/U+FFFF) are removed and text longer than Excel's 32,767 characters is
  cut there, as openpyxl does;
* finite numbers as numbers (NaN and infinities as empty cells), booleans as booleans, naive
  dates and times as Excel dates (with a date or date-time format), time spans as days with an
  ``[h]:mm:ss`` format; time-zone-aware times as ISO 8601 text (Excel has no time zones);
* ``None``, ``NaN``, ``NaT``, ``pd.NA`` and empty text as empty cells; any other value as its
  text.

The archive's entries carry a fixed date, so the same tables give the same bytes.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

__all__ = ["Sheet", "write_workbook", "EXCEL_MAX_CHARS", "EXCEL_MAX_COLUMNS", "EXCEL_MAX_ROWS",
           "column_letter"]

#: Characters a cell of Excel holds at most (longer text is cut there).
EXCEL_MAX_CHARS = 32_767
#: Data rows an Excel sheet holds under its header row (1,048,576 rows in all).
EXCEL_MAX_ROWS = 1_048_575
#: Columns an Excel sheet holds (A to XFD).
EXCEL_MAX_COLUMNS = 16_384
#: Compression level of the worksheet parts (1 is fastest, 9 smallest; 6 is zip's default).
COMPRESS_LEVEL = 6

_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_EPOCH = dt.datetime(1899, 12, 30)
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # the archive entries' date (the same bytes every run)
#: style index (``s=``) of the date, date-time and duration cells (see ``_STYLES``)
_DATE, _DATETIME, _DURATION = 1, 2, 3

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_STYLES = (
    _XML + f'<styleSheet xmlns="{_MAIN}">'
    '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd hh:mm:ss"/></numFmts>'
    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="46" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '</cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    '</styleSheet>')


def column_letter(index: int) -> str:
    """Excel's name of the column at 0-based ``index`` (0 -> ``A``, 26 -> ``AA``)."""
    if index < 0:
        raise ValueError(f"column index {index} is negative")
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


def _escape(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _text(value: str) -> str:
    """A text cell after its reference, cleaned and escaped (``""``: nothing left, empty)."""
    if _ILLEGAL.search(value):
        value = _ILLEGAL.sub("", value)
    if not value:  # an empty text is an empty cell, as in the CSV
        return ""
    if len(value) > EXCEL_MAX_CHARS:
        value = value[:EXCEL_MAX_CHARS]
    value = _escape(value)
    if value[:1].isspace() or value[-1:].isspace():
        return f' t="inlineStr"><is><t xml:space="preserve">{value}</t></is></c>'
    return f' t="inlineStr"><is><t>{value}</t></is></c>'


def _tail(value: object) -> str:
    """A cell of any value after its reference (``r="B2"``): ``""`` for an empty cell."""
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, str):
        return _text(value)
    if isinstance(value, (bool, np.bool_)):
        return f' t="b"><v>{int(value)}</v></c>'
    if isinstance(value, (int, np.integer)):
        return f"><v>{int(value)}</v></c>"
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return f"><v>{value!r}</v></c>" if math.isfinite(value) else ""
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:  # Excel has no time zones: keep the exact time as text
            return _text(value.isoformat())
        return f' s="{_DATETIME}"><v>{(value - _EPOCH) / dt.timedelta(days=1)!r}</v></c>'
    if isinstance(value, dt.date):
        return f' s="{_DATE}"><v>{(value - _EPOCH.date()).days}</v></c>'
    if isinstance(value, dt.timedelta):
        return f' s="{_DURATION}"><v>{value / dt.timedelta(days=1)!r}</v></c>'
    if isinstance(value, np.datetime64):
        return _tail(None if np.isnat(value) else pd.Timestamp(value))
    if isinstance(value, np.timedelta64):
        return _tail(None if np.isnat(value) else pd.Timedelta(value))
    return _text(str(value))


def _cell(value: object, ref: str) -> str:
    """One cell of any value (``""`` for an empty cell)."""
    tail = _tail(value)
    return f'<c r="{ref}"{tail}' if tail else ""


def _column_cells(col: pd.Series, letter: str, first_row: int) -> list[str]:
    """The cells of one column of a block, one string per row (``""`` where empty)."""
    rows = range(first_row, first_row + len(col))
    dtype = col.dtype
    numpy_dtype = isinstance(dtype, np.dtype)  # nullable (extension) columns: by value below
    if numpy_dtype and dtype.kind == "b":
        return [f'<c r="{letter}{r}" t="b"><v>{int(v)}</v></c>'
                for r, v in zip(rows, col.to_numpy().tolist())]
    if numpy_dtype and dtype.kind in "iu":
        return [f'<c r="{letter}{r}"><v>{v}</v></c>'
                for r, v in zip(rows, col.to_numpy().astype(str).tolist())]
    if numpy_dtype and dtype.kind == "f":
        arr = col.to_numpy()
        finite = np.isfinite(arr).tolist()
        # float32 columns keep their shortest text ("0.1", not 0.10000000149011612)
        return [f'<c r="{letter}{r}"><v>{v}</v></c>' if ok else ""
                for r, v, ok in zip(rows, arr.astype(str).tolist(), finite)]
    values = col.astype(object)
    if pd.api.types.infer_dtype(values, skipna=True) != "string":  # mixed: value by value
        return [_cell(v, f"{letter}{r}") for r, v in zip(rows, values.tolist())]
    # text: each distinct value converted once (questions, labels, stages repeat a lot)
    codes, distinct = pd.factorize(values, use_na_sentinel=True)
    tails = [_tail(v) for v in distinct.tolist()] + [""]  # code -1 (missing): empty
    return [f'<c r="{letter}{r}"{tails[c]}' if tails[c] else ""
            for r, c in zip(rows, codes.tolist())]


def _sheet_rows(header: Sequence[str], blocks: Iterable[pd.DataFrame]
                ) -> Iterable[tuple[str, int]]:
    """The ``<row>`` elements of a sheet (the header, then each block's) and data rows in each."""
    yield '<row r="1">' + "".join(_cell(h, f"{column_letter(j)}1")
                                  for j, h in enumerate(header)) + "</row>", 0
    letters = [column_letter(j) for j in range(len(header))]
    row = 2
    for block in blocks:
        if len(block.columns) != len(header):
            raise ValueError(f"a block has {len(block.columns)} columns, the header {len(header)}")
        if row - 2 + len(block) > EXCEL_MAX_ROWS:  # row 1 is the header
            raise ValueError(f"more than {EXCEL_MAX_ROWS:,} data rows for one sheet (Excel's "
                             "limit under a header): split the table over sheets")
        columns = [_column_cells(block.iloc[:, j], letters[j], row) for j in range(len(header))]
        out = [f'<row r="{r}">{"".join(cells)}</row>'
               for r, cells in zip(range(row, row + len(block)), zip(*columns))] if columns else \
            [f'<row r="{r}"/>' for r in range(row, row + len(block))]
        row += len(block)
        yield "".join(out), len(block)


def _entry(name: str, level: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    # an entry made here keeps its own level (the archive's applies only to entries it names)
    setattr(info, "compress_level" if hasattr(info, "compress_level") else "_compresslevel", level)
    return info


def _check_names(names: Sequence[str]) -> None:
    seen: set[str] = set()
    for name in names:
        if not name or len(name) > 31 or re.search(r"[\[\]:*?/\\]", name) \
                or name.startswith("'") or name.endswith("'"):
            raise ValueError(f"sheet name {name!r}: Excel takes 1 to 31 characters, none of "
                             "[ ] : * ? / \\ and no quote at either end")
        if name.casefold() in seen:
            raise ValueError(f"sheet name {name!r} is used twice (Excel ignores case)")
        seen.add(name.casefold())


class Sheet(NamedTuple):
    """One sheet of :func:`write_workbook`.

    Attributes
    ----------
    name : str
        1 to 31 characters, unique in the workbook ignoring case.
    header : sequence of str
        The first row.
    blocks : iterable of DataFrame
        The data rows, in blocks whose columns are, in order, the header's (read once, when
        the sheet is written).
    rows : int, optional
        How many data rows the blocks hold, when known: written as the sheet's dimension
        (readers such as openpyxl's read-only mode then give every row the full width).
    """

    name: str
    header: Sequence[str]
    blocks: Iterable[pd.DataFrame]
    rows: int | None = None


def write_workbook(path: str | os.PathLike,
                   sheets: Sequence[Sheet | tuple[str, Sequence[str], Iterable[pd.DataFrame]]],
                   *, compresslevel: int = COMPRESS_LEVEL) -> Path:
    """Write an Excel workbook sheet by sheet, each from blocks of rows.

    Parameters
    ----------
    path : str or path-like
        The ``.xlsx`` file to write (replaced if it exists).
    sheets : sequence of Sheet or (name, header, blocks)
        In order (see :class:`Sheet`); ``NaN``/``None`` cells are left empty.
    compresslevel : int, default 6
        zlib compression level of the parts.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    ValueError
        A sheet name Excel refuses, used twice, more columns or rows than a sheet holds, a block whose width is not the header's, or
        blocks holding another number of rows than a sheet's ``rows``.

    Examples
    --------
    >>> import pandas as pd, tempfile, os
    >>> df = pd.DataFrame({"quote": ["=1+1", "fine"], "score": [0.5, float("nan")]})
    >>> out = os.path.join(tempfile.mkdtemp(), "book.xlsx")
    >>> _ = write_workbook(out, [("answers", list(df.columns), [df])])
    >>> pd.read_excel(out).iloc[0, 0]
    '=1+1'
    """
    path = Path(path)
    sheets = [s if isinstance(s, Sheet) else Sheet(*s) for s in sheets]
    names = [s.name for s in sheets]
    _check_names(names)
    for sheet in sheets:
        if len(sheet.header) > EXCEL_MAX_COLUMNS:
            raise ValueError(f"sheet {sheet.name!r} has {len(sheet.header):,} columns; an Excel "
                             f"sheet holds {EXCEL_MAX_COLUMNS:,} columns")
    n = len(names)
    types = "".join(
        f'<Override PartName="/xl/worksheets/sheet{k}.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for k in range(1, n + 1))
    content_types = (
        _XML + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-'
        f'officedocument.spreadsheetml.styles+xml"/>{types}</Types>')
    root_rels = (
        _XML + f'<Relationships xmlns="{_PKG_REL}"><Relationship Id="rId1" Type="{_REL}/'
        'officeDocument" Target="xl/workbook.xml"/></Relationships>')
    book = (
        _XML + f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><sheets>'
        + "".join(f'<sheet name="{_escape(name)}" sheetId="{k}" r:id="rId{k}"/>'
                  for k, name in enumerate(names, 1))
        + "</sheets></workbook>")
    book_rels = (
        _XML + f'<Relationships xmlns="{_PKG_REL}">'
        + "".join(f'<Relationship Id="rId{k}" Type="{_REL}/worksheet" '
                  f'Target="worksheets/sheet{k}.xml"/>' for k in range(1, n + 1))
        + f'<Relationship Id="rId{n + 1}" Type="{_REL}/styles" Target="styles.xml"/>'
        "</Relationships>")
    try:
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED,
                             compresslevel=compresslevel) as zf:
            for name, text in (("[Content_Types].xml", content_types), ("_rels/.rels", root_rels),
                               ("xl/workbook.xml", book), ("xl/_rels/workbook.xml.rels", book_rels),
                               ("xl/styles.xml", _STYLES)):
                zf.writestr(_entry(name, compresslevel), text.encode("utf-8"))
            for k, sheet in enumerate(sheets, 1):
                header = [str(h) for h in sheet.header]
                dimension = ""
                if sheet.rows is not None:
                    last = f"{column_letter(max(len(header), 1) - 1)}{sheet.rows + 1}"
                    dimension = f'<dimension ref="A1:{last}"/>'
                with zf.open(_entry(f"xl/worksheets/sheet{k}.xml", compresslevel), "w",
                             force_zip64=True) as fh:
                    fh.write(f'{_XML}<worksheet xmlns="{_MAIN}">{dimension}<sheetData>'.encode())
                    written = 0
                    for rows, n in _sheet_rows(header, sheet.blocks):
                        fh.write(rows.encode("utf-8"))
                        written += n
                    fh.write(b"</sheetData></worksheet>")
                if sheet.rows is not None and written != sheet.rows:
                    raise ValueError(f"sheet {sheet.name!r}: its blocks held {written} rows, "
                                     f"not the {sheet.rows} given")
    except BaseException:  # a workbook cut short is no workbook
        path.unlink(missing_ok=True)
        raise
    return path
