"""No planted personal data in ANY output of `cxinsight analyse` on the sample study.

Every file written under the output folder is read as text (HTML unescaped and with its base64
images removed, Parquet and XLSX tables converted to CSV, PNG images and ``.npy`` vectors skipped)
and searched for every value in ``_ground_truth/pii.csv``, case-insensitively. Values are matched
as whole words (not inside longer words), so the first name "Rob" does not match "problem" nor
"Tom" "tomato"; everything else is an exact, case-insensitive match. The console output is
searched too.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pandas as pd
import pytest

GROUND_TRUTH = Path(__file__).resolve().parents[1] / "data" / "sample_interviews" / "_ground_truth"
_DATA_URI = re.compile(r"data:image/[a-z+]+;base64,[A-Za-z0-9+/=]+")


def _pii_patterns():
    path = GROUND_TRUTH / "pii.csv"
    if not path.exists():
        pytest.skip("the sample study's pii.csv is not available")
    values = sorted(set(pd.read_csv(path)["value"].dropna().astype(str)), key=len, reverse=True)
    return [(v, re.compile(r"(?<![0-9A-Za-z])" + re.escape(v) + r"(?![0-9A-Za-z])", re.I))
            for v in values if v.strip()]


def _any_pii(patterns):
    """One alternation of every value (longest first), for a fast first pass over big files."""
    body = "|".join(re.escape(v) for v, _ in patterns)
    return re.compile(r"(?<![0-9A-Za-z])(?:" + body + r")(?![0-9A-Za-z])", re.I)


def _text_of(path: Path) -> str | None:
    suffix = path.suffix.lower()
    if suffix in (".png", ".npy", ".jpg", ".svg") or path.name == ".DS_Store":
        return None
    if suffix == ".parquet":
        return pd.read_parquet(path).to_csv(index=False)
    if suffix == ".xlsx":
        sheets = pd.read_excel(path, sheet_name=None)
        return "\n".join(df.to_csv(index=False) for df in sheets.values())
    text = path.read_text("utf-8", errors="replace")
    if suffix in (".html", ".htm"):
        text = html.unescape(_DATA_URI.sub("", text))
    return text


def scan(folder: Path, patterns) -> tuple[list[str], int]:
    """Return the leaks found under ``folder`` and the number of files searched."""
    first_pass = _any_pii(patterns)
    leaks, searched = [], 0
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        text = _text_of(path)
        if text is None:
            continue
        searched += 1
        if not first_pass.search(text):
            continue
        for value, pat in patterns:
            m = pat.search(text)
            if m:
                ctx = text[max(0, m.start() - 40): m.end() + 40].replace("\n", " ")
                leaks.append(f"{path.relative_to(folder)}: {value!r} in …{ctx}…")
    return leaks, searched


def test_scanner_finds_what_it_should(tmp_path):
    """The leak check itself can fail: escaped HTML, XLSX cells and case changes are caught."""
    patterns = [(v, re.compile(r"(?<![0-9A-Za-z])" + re.escape(v) + r"(?![0-9A-Za-z])", re.I))
                for v in ("Liam O'Connor", "Rob", "07700 900123")]
    (tmp_path / "r.html").write_text("<p>Thanks to Liam O&#x27;Connor</p>", "utf-8")
    pd.DataFrame({"text": ["call me on 07700 900123"]}).to_excel(tmp_path / "t.xlsx", index=False)
    (tmp_path / "ok.md").write_text("A problem with the tomatoes.", "utf-8")  # no whole-word hit
    (tmp_path / "bad.md").write_text("ROB said so.", "utf-8")
    leaks, searched = scan(tmp_path, patterns)
    assert searched == 4
    assert sorted(x.split(":")[0] for x in leaks) == ["bad.md", "r.html", "t.xlsx"]


@pytest.mark.slow
def test_no_planted_pii_in_any_output(analysed_sample_run):
    files = [p for p in analysed_sample_run.out.rglob("*") if p.is_file()]
    kinds = {p.suffix for p in files}
    assert {".html", ".md", ".csv", ".xlsx", ".parquet", ".json", ".txt"} <= kinds
    leaks, searched = scan(analysed_sample_run.out, _pii_patterns())
    assert searched >= 20
    assert not leaks, f"{len(leaks)} leaks, first ones:\n" + "\n".join(leaks[:15])


@pytest.mark.slow
def test_no_planted_pii_on_the_console(analysed_sample_run):
    console = analysed_sample_run.stdout + analysed_sample_run.stderr
    found = [v for v, pat in _pii_patterns() if pat.search(console)]
    assert not found, f"printed personal data: {found[:10]}"


# ----------------------------------------------------------------------------- injection
def test_csv_and_xlsx_cells_cannot_start_a_formula(tmp_path):
    """OWASP CSV injection: text cells starting with = + - @ tab CR get a leading quote, and
    XLSX text cells are stored as text, never as formulas."""
    openpyxl = pytest.importorskip("openpyxl")
    from cxinsight.corpus import Corpus
    from cxinsight.exports import FORMULA_STARTS, export, neutralise_cells

    payloads = ["=HYPERLINK(\"http://x\",\"click\")", "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx", "plain", "a=b"]
    turns = pd.DataFrame({
        "interview_id": "int01", "turn": range(len(payloads)), "speaker": "P01", "role": "participant",
        "start": float("nan"), "end": float("nan"), "text": payloads, "source": "x.txt",
    })
    corpus = Corpus(turns, participants=pd.DataFrame({"interview_id": ["int01"], "plan": ["=1+2"], "nps": [-3]}))
    flat = neutralise_cells(corpus.participants)
    assert flat.loc[0, "plan"] == "'=1+2" and flat.loc[0, "nps"] == -3  # numbers stay numbers
    written = export(corpus.replace(segments=turns.assign(segment_id=[f"int01:{i}:0" for i in range(len(payloads))])),
                     tmp_path / "out")
    for name, path in written.items():
        if str(path).endswith(".csv"):
            df = pd.read_csv(path, keep_default_na=False)
            for col in df.columns:
                assert not str(col).startswith(FORMULA_STARTS)
                # numbers (-3) are numbers; every text cell must be inert
                bad = [v for v in df[col] if isinstance(v, str) and v.startswith(FORMULA_STARTS)]
                assert not bad, (name, col, bad)
    book = openpyxl.load_workbook(written["xlsx"])
    texts = []
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    texts.append(cell.value)
                    assert not cell.value.startswith(FORMULA_STARTS), cell.value
    assert "'=HYPERLINK(\"http://x\",\"click\")" in texts and "plain" in texts and "a=b" in texts
