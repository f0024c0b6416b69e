"""Export an analysed corpus as files a researcher can open anywhere.

``export(corpus, folder)`` writes

* ``segments.csv`` — every segment with all computed columns (including the 28 ``p_*`` emotion
  probabilities; the XLSX sheet leaves those out to stay readable);
* ``participants.csv``, ``themes.csv``, ``insights.csv``, ``contrasts.csv``,
  ``opportunities.csv``, ``journey_curve*.csv``, ``moments.csv`` — one per table present;
* ``cxinsight_results.xlsx`` — the same tables as sheets, streamed block by block
  (:func:`cxinsight.workbook.write_workbook`; memory stays flat however large the study). A
  table longer than an Excel sheet (:data:`XLSX_MAX_ROWS` rows under its header) is split over
  consecutive sheets (``segments``, ``segments_2``, ...) and an ``about`` sheet says so;
  :func:`xlsx_plan` gives the same layout to a report. The CSV files always hold every row;
* with ``parquet=True``, ``<table>.parquet`` beside each CSV;
* ``transcripts/<code>.txt`` — the (pseudonymised) transcripts, one text file per interview.

CSV and Parquet files are written in blocks of :data:`ROWS_PER_BLOCK` rows, so a table is
never converted for export whole. Embeddings are not exported (they live in the saved corpus, ``Corpus.save``). List-valued cells
(quotes) are joined with `` | `` in CSV and XLSX.

Cells cannot be turned against the people who open the files (CSV/formula injection, OWASP): a
text cell or column name that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
gets a leading single quote (``'=HYPERLINK(...)``), and every text cell of the XLSX workbook is
stored as text, never as a formula.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from cxinsight.corpus import Corpus
from cxinsight.insights._common import participant_codes
from cxinsight.workbook import EXCEL_MAX_ROWS

__all__ = ["export", "export_transcripts", "flatten_for_export", "neutralise_cells", "start_export",
           "xlsx_plan"]

#: Data rows an Excel sheet holds under its header row (1,048,576 rows in all).
XLSX_MAX_ROWS = EXCEL_MAX_ROWS
_XLSX_MAX_ROWS = XLSX_MAX_ROWS
#: Rows converted and written at a time by the CSV, Parquet and XLSX writers.
ROWS_PER_BLOCK = 50_000
#: From this many rows over all tables, the Excel workbook is written by a second process
#: while the CSV files, transcripts and report are written (about 4 s of one core for the
#: 140,000 rows of a 100k-answer survey; openpyxl's write-only mode took 25 s).
XLSX_BACKGROUND_FROM = 50_000
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
    turns = corpus.turns
    speakers = turns["speaker"].tolist()
    texts = [" ".join(str(t).split()) for t in turns["text"].tolist()]
    order = turns["turn"].to_numpy()
    for iid, rows in turns.groupby("interview_id", sort=True).indices.items():
        name = _safe_name(codes.get(str(iid), str(iid)))
        base, k = name, 2
        while name in used:
            name, k = f"{base}_{k}", k + 1
        used.add(name)
        lines = [f"# Interview {codes.get(str(iid), str(iid))}", ""]
        lines += [f"{speakers[r]}: {texts[r]}" for r in rows[np.argsort(order[rows], kind="stable")]]
        path = folder / f"{name}.txt"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        written.append(path)
    return written


def _export_tables(corpus: Corpus) -> dict[str, pd.DataFrame]:
    tables: dict[str, pd.DataFrame] = {"participants": corpus.participants}
    if corpus.segments is not None:
        tables["segments"] = corpus.segments
    for name in sorted(corpus.tables):
        tables[name] = corpus.tables[name]
    return tables


def _blocks(df: pd.DataFrame, size: int | None = None):
    """Yield ``df`` in converted blocks (flattened and neutralised) of ``size`` rows."""
    size = size or ROWS_PER_BLOCK
    for start in range(0, max(len(df), 1), size):
        yield neutralise_cells(flatten_for_export(df.iloc[start:start + size]))


def xlsx_plan(corpus: Corpus, max_rows: int | None = None) -> list[dict]:
    """How :func:`export` lays the corpus's tables out in the workbook.

    Parameters
    ----------
    corpus : Corpus
    max_rows : int, optional
        Data rows per sheet (default :data:`XLSX_MAX_ROWS`).

    Returns
    -------
    list of dict
        One entry per table: ``table``, ``rows``, ``sheets`` (sheet names) and ``note``
        (empty, or how a table longer than a sheet was split; the CSV holds every row).
    """
    max_rows = max_rows or XLSX_MAX_ROWS
    plan = []
    used = {"about"}  # Excel compares sheet names ignoring case; "about" is the notes' sheet
    for name, df in _export_tables(corpus).items():
        n_sheets = max(1, -(-len(df) // max_rows))
        base, other = _safe_name(name)[:28], 1
        while True:  # two long names may share their first 28 characters
            sheets = [base] + [f"{base}_{k}" for k in range(2, n_sheets + 1)]
            if not used & {s.casefold() for s in sheets}:
                break
            other += 1
            base = f"{_safe_name(name)[:24]}-{other}"
        used.update(s.casefold() for s in sheets)
        note = ""
        if n_sheets > 1:
            note = (f"{len(df):,} rows split over {n_sheets} sheets of at most {max_rows:,} rows "
                    f"(Excel's limit); {_safe_name(name)}.csv holds them all")
        plan.append({"table": name, "rows": len(df), "sheets": sheets, "note": note})
    return plan


def _write_xlsx(tables: dict[str, pd.DataFrame], plan: list[dict], path: Path,
                max_rows: int | None = None) -> None:
    """Write the workbook laid out by ``plan`` (:func:`xlsx_plan`), streamed block by block."""
    from cxinsight.workbook import Sheet, write_workbook

    max_rows = XLSX_MAX_ROWS if max_rows is None else max_rows
    sheets = []
    for entry in plan:
        df = tables[entry["table"]]
        if entry["table"] == "segments":
            df = df[[c for c in df.columns if not str(c).startswith("p_")]]
        header = [_neutral(str(c)) for c in df.columns]
        for k, sheet in enumerate(entry["sheets"]):
            part = df.iloc[k * max_rows:(k + 1) * max_rows]
            sheets.append(Sheet(sheet, header, _blocks(part), len(part)))
    notes = [e for e in plan if e["note"]]
    if notes:
        about = pd.DataFrame([[e["table"], e["rows"], ", ".join(e["sheets"]), e["note"]]
                              for e in notes], columns=["table", "rows", "sheets", "note"])
        sheets.append(Sheet("about", list(about.columns), [about], len(about)))
    write_workbook(path, sheets)


def _write_csv(df: pd.DataFrame, path: Path) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        for k, block in enumerate(_blocks(df)):
            block.to_csv(fh, index=False, header=k == 0)


def _write_parquet(df: pd.DataFrame, path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    writer = None
    try:
        for block in _blocks(df):
            table = pa.Table.from_pandas(block.astype({c: "string" for c in block.columns
                                                       if block[c].dtype == object}),
                                         preserve_index=False)
            if writer is None:
                writer = pq.ParquetWriter(path, table.schema)
            elif table.schema != writer.schema:
                table = table.cast(writer.schema)
            writer.write_table(table)
    finally:
        if writer is not None:
            writer.close()


class _WorkbookJob:
    """The Excel workbook written by one spawned process (the same function, the same file)."""

    def __init__(self, tables: dict[str, pd.DataFrame], plan: list[dict], path: Path) -> None:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        self.path, self._args = path, (tables, plan, path, XLSX_MAX_ROWS)
        self._pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
        self._future = self._pool.submit(_write_xlsx, *self._args)

    def wait(self) -> None:
        """Wait for the workbook; raise the error the writing process raised, if any.

        When the process itself could not run (a script that starts the analysis without an
        ``if __name__ == "__main__":`` guard cannot start processes), the workbook is written
        here instead.
        """
        from concurrent.futures.process import BrokenProcessPool

        try:
            self._future.result()
        except BrokenProcessPool:
            _write_xlsx(*self._args)
        finally:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._args = None


def start_export(corpus: Corpus, folder: str | Path, *, xlsx: bool = True,
                 transcripts: bool = True, parquet: bool = False
                 ) -> tuple[dict[str, Path], Callable[[], None]]:
    """Like :func:`export`, but a large workbook may still be being written on return.

    From :data:`XLSX_BACKGROUND_FROM` rows the workbook is written by a second process that
    starts first, so that it runs while the CSV files and transcripts (and, in
    :func:`cxinsight.pipeline.write_results`, the report) are written. Call the returned
    ``finish()`` before using the workbook: it waits for it and raises the writer's error.

    Returns
    -------
    written : dict of str to Path
        As :func:`export` returns.
    finish : callable
        Waits for the workbook (does nothing when it was written in this process).
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    tables = _export_tables(corpus)
    written: dict[str, Path] = {}
    job: _WorkbookJob | None = None
    if xlsx:
        path = folder / "cxinsight_results.xlsx"
        if sum(len(df) for df in tables.values()) >= XLSX_BACKGROUND_FROM:
            job = _WorkbookJob(tables, xlsx_plan(corpus), path)
        else:
            _write_xlsx(tables, xlsx_plan(corpus), path)
        written["xlsx"] = path
    try:
        for name, df in tables.items():
            path = folder / f"{_safe_name(name)}.csv"
            _write_csv(df, path)
            written[name] = path
            if parquet:
                path = folder / f"{_safe_name(name)}.parquet"
                _write_parquet(df, path)
                written[f"{name}.parquet"] = path
        if transcripts:
            export_transcripts(corpus, folder / "transcripts")
            written["transcripts"] = folder / "transcripts"
    except BaseException:
        if job is not None:
            with contextlib.suppress(Exception):
                job.wait()
        raise
    return written, (job.wait if job is not None else (lambda: None))


def export(corpus: Corpus, folder: str | Path, *, xlsx: bool = True, transcripts: bool = True,
           parquet: bool = False) -> dict[str, Path]:
    """Write the corpus's tables as CSV (and XLSX, Parquet) and its transcripts as text files.

    Parameters
    ----------
    corpus : Corpus
        Usually the result of :func:`cxinsight.analyse` (pseudonymised).
    folder : str or Path
        Created if missing.
    xlsx : bool, default True
        Also write ``cxinsight_results.xlsx`` with one sheet per table (tables longer than a
        sheet are split; see :func:`xlsx_plan`).
    transcripts : bool, default True
        Also write ``transcripts/<code>.txt``.
    parquet : bool, default False
        Also write ``<table>.parquet`` for each table (text columns as strings).

    Returns
    -------
    dict of str to Path
        Name of each table -> file written (plus ``"xlsx"``, ``"<table>.parquet"`` and
        ``"transcripts"``).
    """
    written, finish = start_export(corpus, folder, xlsx=xlsx, transcripts=transcripts,
                                   parquet=parquet)
    finish()
    return written
