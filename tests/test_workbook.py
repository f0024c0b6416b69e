"""The streaming workbook writer: what Excel readers get back, cell by cell."""

from __future__ import annotations

import datetime as dt
import math
import zipfile

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.utils import column_index_from_string

from cxinsight.workbook import EXCEL_MAX_CHARS, Sheet, column_letter, write_workbook


def _read(path, sheet=0):
    """Cell values row by row (read-only mode: trailing empty rows kept, to the dimension)."""
    book = openpyxl.load_workbook(path, read_only=True)
    ws = book.worksheets[sheet]
    return [[c.value for c in row] for row in ws.iter_rows()], ws


def _one_column(tmp_path, values, dtype=object, name="x"):
    df = pd.DataFrame({name: pd.Series(values, dtype=dtype)})
    path = write_workbook(tmp_path / "t.xlsx", [Sheet("s", [name], [df], len(df))])
    rows, ws = _read(path)
    return [r[0] for r in rows[1:]], ws


def test_every_kind_of_cell_reads_back_as_what_it_held(tmp_path):
    when = dt.datetime(2026, 3, 4, 5, 6, 7)
    df = pd.DataFrame({
        "text": ["=1+1", "  padded ", "a & b < c > d \"q\"", "line\nbreak", "", None],
        "int": np.array([1, -2, 2**53, 0, 7, 8], dtype=np.int64),
        "float": [0.1, 1 / 3, np.nan, np.inf, -1e-300, 2.5],
        "f32": np.array([0.1, 0.2, 1.5, np.nan, 3.0, 1e-7], dtype=np.float32),
        "flag": [True, False, True, False, True, False],
        "nullable": pd.array([1, None, 3, None, 5, 6], dtype="Int64"),
        "str": pd.array(["a", None, "b", "c", "d", "e"], dtype="string"),
        "mixed": [when, dt.date(2026, 1, 2), dt.timedelta(hours=36), 3, True, np.float64(0.5)],
        "other": [[1, 2], {"k": 1}, pd.Timestamp("2026-01-01", tz="UTC"), pd.NaT, pd.NA,
                  np.datetime64("2026-02-03T04:05:06")],
    })
    path = write_workbook(tmp_path / "all.xlsx", [Sheet("all", list(df.columns), [df], len(df))])
    rows, ws = _read(path)
    assert rows[0] == list(df.columns)
    col = {name: [r[j] for r in rows[1:]] for j, name in enumerate(rows[0])}
    assert col["text"] == ["=1+1", "  padded ", "a & b < c > d \"q\"", "line\nbreak", None, None]
    assert openpyxl.load_workbook(path)["all"]["A2"].data_type == "s"  # text, never a formula
    assert col["int"] == [1, -2, 2**53, 0, 7, 8]
    assert col["float"][:2] == [0.1, 1 / 3] and col["float"][2:4] == [None, None]
    assert col["float"][4:] == [-1e-300, 2.5]
    assert col["f32"] == [0.1, 0.2, 1.5, None, 3, 1e-7]  # shortest float32 text, not 0.1000000015
    assert col["flag"] == [True, False, True, False, True, False]
    assert col["nullable"] == [1, None, 3, None, 5, 6]
    assert col["str"] == ["a", None, "b", "c", "d", "e"]
    assert col["mixed"][0] == when and col["mixed"][1] == dt.datetime(2026, 1, 2)
    assert col["mixed"][2] == dt.timedelta(hours=36)
    assert col["mixed"][3:] == [3, True, 0.5]
    assert col["other"][:3] == ["[1, 2]", "{'k': 1}", "2026-01-01T00:00:00+00:00"]
    assert col["other"][3:] == [None, None, dt.datetime(2026, 2, 3, 4, 5, 6)]
    # pandas reads it too, with the same shape
    back = pd.read_excel(path)
    assert back.shape == df.shape and back["int"].tolist() == df["int"].tolist()


def test_characters_excel_cannot_hold_are_removed_and_long_text_cut(tmp_path):
    values = ["bell\x07 and nul\x00 and \x1f", "lone \ud800 surrogate", "x" * (EXCEL_MAX_CHARS + 10),
              "tab\tkept\r\nCRLF"]
    got, _ = _one_column(tmp_path, values)
    assert got[0] == "bell and nul and " and got[1] == "lone  surrogate"
    assert got[2] == "x" * EXCEL_MAX_CHARS
    assert got[3].startswith("tab\tkept") and got[3].endswith("CRLF")


_ILLEGAL = set(map(chr, [*range(0, 9), 11, 12, *range(14, 32), 0xFFFE, 0xFFFF]))


def _expected(text: str):
    kept = "".join(ch for ch in text if ch not in _ILLEGAL and not 0xD800 <= ord(ch) <= 0xDFFF)
    kept = kept[:EXCEL_MAX_CHARS]
    return kept or None


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.text(max_size=40), min_size=1, max_size=8))
def test_any_text_round_trips_cleaned(tmp_path, texts):
    got, ws = _one_column(tmp_path, texts)
    # openpyxl gives text back with "\r\n" as written; XML readers normalise a lone "\r" to "\n"
    assert [g.replace("\r\n", "\n") if g else g for g in got] == [
        (e.replace("\r\n", "\n").replace("\r", "\n") if e else e)
        for e in map(_expected, texts)]
    assert all(getattr(c, "data_type", "s") == "s" for row in ws.iter_rows(min_row=2)
               for c in row if c.value is not None)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=1, max_size=10))
def test_floats_round_trip_exactly_and_non_finite_are_empty(tmp_path, values):
    got, _ = _one_column(tmp_path, values, dtype="float64")
    assert got == [v if math.isfinite(v) else None for v in values]


@given(st.integers(min_value=0, max_value=16_383))  # Excel's columns: A to XFD
def test_column_letters_are_excels(index):
    assert column_index_from_string(column_letter(index)) == index + 1


def test_column_letters_known_values():
    assert [column_letter(i) for i in (0, 25, 26, 51, 701, 702)] == ["A", "Z", "AA", "AZ", "ZZ",
                                                                      "AAA"]
    with pytest.raises(ValueError):
        column_letter(-1)


def test_sheets_blocks_dimension_and_order(tmp_path):
    a = pd.DataFrame({"n": range(5), "t": list("abcde")})
    blocks = (a.iloc[i:i + 2] for i in range(0, 5, 2))  # read lazily, block by block
    path = write_workbook(tmp_path / "b.xlsx", [
        Sheet("first", ["n", "t"], blocks, 5), ("empty", ["only", "header"], []),
        Sheet("Third & <last>", ["v"], [pd.DataFrame({"v": [1.5]})])])
    book = openpyxl.load_workbook(path, read_only=True)
    assert book.sheetnames == ["first", "empty", "Third & <last>"]
    assert [list(r) for r in book["first"].iter_rows(values_only=True)] == [
        ["n", "t"], [0, "a"], [1, "b"], [2, "c"], [3, "d"], [4, "e"]]
    assert book["first"].calculate_dimension() == "A1:B6"
    assert [list(r) for r in book["empty"].iter_rows(values_only=True)] == [["only", "header"]]
    assert pd.read_excel(path, sheet_name="Third & <last>")["v"].tolist() == [1.5]


def test_the_same_tables_give_the_same_bytes(tmp_path):
    df = pd.DataFrame({"t": ["x", "y"], "v": [1.0, 2.0]})
    one = write_workbook(tmp_path / "1.xlsx", [("s", ["t", "v"], [df])]).read_bytes()
    two = write_workbook(tmp_path / "2.xlsx", [("s", ["t", "v"], [df])]).read_bytes()
    assert one == two
    with zipfile.ZipFile(tmp_path / "1.xlsx") as zf:
        assert zf.testzip() is None
        assert {"[Content_Types].xml", "xl/workbook.xml", "xl/styles.xml",
                "xl/worksheets/sheet1.xml"} <= set(zf.namelist())


@pytest.mark.parametrize("names", [["a", "A"], [""], ["x" * 32], ["a/b"], ["'q'"]])
def test_sheet_names_excel_refuses_are_errors(tmp_path, names):
    with pytest.raises(ValueError, match="sheet name"):
        write_workbook(tmp_path / "n.xlsx", [(n, ["c"], []) for n in names])


def test_blocks_of_the_wrong_width_or_count_are_errors(tmp_path):
    df = pd.DataFrame({"a": [1], "b": [2]})
    with pytest.raises(ValueError, match="16,384 columns"):
        write_workbook(tmp_path / "x.xlsx", [("s", [str(i) for i in range(16_385)], [])])
    with pytest.raises(ValueError, match="columns"):
        write_workbook(tmp_path / "w.xlsx", [("s", ["a"], [df])])
    with pytest.raises(ValueError, match="held 1 rows, not the 3"):
        write_workbook(tmp_path / "c.xlsx", [Sheet("s", ["a", "b"], [df], 3)])
    assert not (tmp_path / "c.xlsx").exists()  # a workbook cut short is removed


def test_more_rows_than_a_sheet_holds_is_an_error(tmp_path, monkeypatch):
    from cxinsight import workbook

    monkeypatch.setattr(workbook, "EXCEL_MAX_ROWS", 3)
    df = pd.DataFrame({"a": range(2)})
    write_workbook(tmp_path / "ok.xlsx", [("s", ["a"], [df, df.iloc[:1]])])  # 3 rows fit
    with pytest.raises(ValueError, match="split the table over sheets"):
        write_workbook(tmp_path / "no.xlsx", [("s", ["a"], [df, df])])
    assert not (tmp_path / "no.xlsx").exists()


def test_export_plan_gives_every_table_its_own_sheet_name():
    from cxinsight.corpus import Corpus
    from cxinsight.exports import xlsx_plan

    turns = pd.DataFrame({"interview_id": "a", "turn": [0], "speaker": "P", "role": "participant",
                          "start": np.nan, "end": np.nan, "text": ["hi"], "source": "x"})
    long = "journey_curve_customer_segment_"
    tables = {f"{long}alpha": pd.DataFrame({"x": [1]}), f"{long}beta": pd.DataFrame({"x": [2]}),
              "about": pd.DataFrame({"x": [3]}), "ABOUT-2": pd.DataFrame({"x": [4]})}
    plan = xlsx_plan(Corpus(turns).replace(tables=tables))
    names = [s for e in plan for s in e["sheets"]]
    assert len({n.casefold() for n in names}) == len(names) and "about" not in names
    assert all(len(n) <= 31 for n in names)
    assert {e["table"] for e in plan} >= set(tables)
