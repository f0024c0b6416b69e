"""Export an analysed corpus as files a researcher can open anywhere.

``export(corpus, folder)`` writes

* ``segments.csv`` — every segment with all computed columns (including the 28 ``p_*`` emotion
  probabilities; the XLSX sheet leaves those out to stay readable);
* ``participants.csv``, ``themes.csv``, ``insights.csv``, ``contrasts.csv``,
  ``opportunities.csv``, ``journey_curve*.csv``, ``moments.csv`` — one per table present;
* ``cxinsight_results.xlsx`` — the same tables as sheets;
* ``transcripts/<code>.txt`` — the (pseudonymised) transcripts, one text file per interview.

Embeddings are not exported (they live in the saved corpus, ``Corpus.save``). List-valued cells
(quotes) are joined with `` | `` in CSV and XLSX.

Cells cannot be turned against the people who open the files (CSV/formula injection, OWASP): a
text cell or column name that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
gets a leading single quote (``'=HYPERLINK(...)``), and every text cell of the XLSX workbook is
stored as text, never as a formula.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from cxinsight.corpus import Corpus
from cxinsight.insights._common import participant_codes

__all__ = ["export", "export_transcripts", "flatten_for_export", "neutralise_cells"]

_XLSX_MAX_ROWS = 1_048_575
#: first characters that make a spreadsheet read a cell as a formula (OWASP CSV injection)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _neutral(value):
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def neutralise_cells(df: pd.DataFrame) -> pd.DataFrame:
    """Return a copy whose text cells and column names cannot start a spreadsheet formula.

    A string beginning with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a
    leading single quote, as the OWASP guidance on CSV injection recommends. Numbers are left
    as numbers.

    Parameters
    ----------
    df : DataFrame

    Returns
    -------
    DataFrame
    """
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col].dtype):
            out[col] = out[col].map(_neutral)
    out.columns = [_neutral(c) if isinstance(c, str) else c for c in out.columns]
    return out


def _cells_as_text(book) -> None:
    """Store every string cell of an openpyxl workbook as text (never as a formula)."""
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.data_type != "s":
                    cell.data_type = "s"


def flatten_for_export(df: pd.DataFrame) -> pd.DataFrame:
    """Return a copy where list/tuple/dict cells are plain strings (`` | ``-joined lists)."""
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object:
            out[col] = out[col].map(
                lambda v: " | ".join(map(str, v)) if isinstance(v, (list, tuple))
                else (str(v) if isinstance(v, dict) else v)
            )
            if out[col].map(lambda v: hasattr(v, "tolist")).any():
                out[col] = out[col].map(lambda v: " | ".join(map(str, v.tolist())) if hasattr(v, "tolist") else v)
    return out


def _safe_name(text: str) -> str:
    return re.sub(r"[^\w.-]+", "_", str(text)).strip("_") or "interview"


def export_transcripts(corpus: Corpus, folder: str | Path) -> list[Path]:
    """Write each interview's turns as ``<participant code>.txt`` (``Speaker: text`` lines).

    File names use ``participant_code`` when the corpus is pseudonymised, else ``interview_id``.

    Returns
    -------
    list of Path
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    codes = participant_codes(corpus)
    written = []
    used: set[str] = set()
    for iid, g in corpus.turns.groupby("interview_id", sort=True):
        name = _safe_name(codes.get(str(iid), str(iid)))
        base, k = name, 2
        while name in used:
            name, k = f"{base}_{k}", k + 1
        used.add(name)
        lines = [f"# Interview {codes.get(str(iid), str(iid))}", ""]
        for _, t in g.sort_values("turn").iterrows():
            lines.append(f"{t['speaker']}: {' '.join(str(t['text']).split())}")
        path = folder / f"{name}.txt"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        written.append(path)
    return written


def export(corpus: Corpus, folder: str | Path, *, xlsx: bool = True, transcripts: bool = True) -> dict[str, Path]:
    """Write the corpus's tables as CSV (and XLSX) and its transcripts as text files.

    Parameters
    ----------
    corpus : Corpus
        Usually the result of :func:`cxinsight.analyse` (pseudonymised).
    folder : str or Path
        Created if missing.
    xlsx : bool, default True
        Also write ``cxinsight_results.xlsx`` with one sheet per table.
    transcripts : bool, default True
        Also write ``transcripts/<code>.txt``.

    Returns
    -------
    dict of str to Path
        Name of each table -> file written (plus ``"xlsx"`` and ``"transcripts"``).
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    tables: dict[str, pd.DataFrame] = {"participants": corpus.participants}
    if corpus.segments is not None:
        tables["segments"] = corpus.segments
    for name in sorted(corpus.tables):
        tables[name] = corpus.tables[name]
    written: dict[str, Path] = {}
    for name, df in tables.items():
        path = folder / f"{_safe_name(name)}.csv"
        neutralise_cells(flatten_for_export(df)).to_csv(path, index=False, encoding="utf-8")
        written[name] = path
    if xlsx:
        path = folder / "cxinsight_results.xlsx"
        with pd.ExcelWriter(path, engine="openpyxl") as xl:
            for name, df in tables.items():
                flat = flatten_for_export(df)
                if name == "segments":
                    flat = flat[[c for c in flat.columns if not str(c).startswith("p_")]]
                neutralise_cells(flat.head(_XLSX_MAX_ROWS)).to_excel(xl, sheet_name=_safe_name(name)[:31], index=False)
            _cells_as_text(xl.book)
        written["xlsx"] = path
    if transcripts:
        export_transcripts(corpus, folder / "transcripts")
        written["transcripts"] = folder / "transcripts"
    return written
