"""The report on hostile text, a survey without a journey, recorded warnings and the reading
report; the Markdown twin never carries live HTML or Markdown from the data."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from cx_constructed import make_study

import cxinsight as cx
from cxinsight.report.document import md_escape

EVIL = '<img src=x onerror="alert(1)"> **bold** [link](javascript:alert(1)) | pipe `code` _x_'


def _hostile_study():
    study = make_study()
    seg = study.segments.copy()
    billing = seg["theme_label"] == "billing surprises"
    seg.loc[billing, "text"] = EVIL + " " + seg.loc[billing, "text"]
    seg.loc[billing, "theme_label"] = "# <b>billing</b> [surprises]"
    meta = dict(study.meta)
    meta["warnings"] = ["int01.txt: encoding guessed (cp1252), check [PERSON_1]'s turns",
                        "<script>alert('w')</script> one speaker holds 85% of the words"]
    return study.replace(segments=seg, meta=meta)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    out = tmp_path_factory.mktemp("hostile")
    path = cx.write_report(_hostile_study(), out / "report.html")
    return path.read_text("utf-8"), path.with_suffix(".md").read_text("utf-8")


def test_markdown_escape_function():
    assert md_escape("<img onerror=x>") == "&lt;img onerror=x>"
    assert md_escape("p < 0.001 & more") == "p < 0.001 & more"
    assert md_escape("&amp; &#60;") == "&amp;amp; &amp;#60;"
    assert md_escape("> quoted") == "\\> quoted"
    assert md_escape("# title") == "\\# title"
    assert md_escape("1. one") == "1\\. one"
    assert md_escape("0.003") == "0.003" and md_escape("-0.5") == "-0.5"
    assert md_escape("a*b*_c_[d](e)|f`g`") == "a\\*b\\*\\_c\\_\\[d\\](e)\\|f\\`g\\`"
    assert md_escape("two\nlines") == "two lines"


def test_markdown_twin_has_nothing_live(hostile):
    _, md = hostile
    assert "<img" not in md and "<script" not in md and "<b>" not in md
    assert "&lt;img src=x onerror=" in md
    assert "[link](javascript" not in md and "\\[link\\](javascript" in md
    assert not re.search(r"(?<!\\)\*\*bold(?<!\\)\*\*", md)
    # no line of data starts a heading: the theme label's '#' is escaped
    assert not any(line.startswith("# ") and "billing" in line for line in md.splitlines())
    assert "\\# &lt;b>billing&lt;/b> \\[surprises\\]" in md


def test_html_escapes_data(hostile):
    html, _ = hostile
    assert "<img src=x" not in html and "&lt;img src=x onerror=" in html
    assert "<script>alert" not in html


def test_warnings_section_one_line_each(hostile):
    html, md = hostile
    assert ">Warnings<" in html and "## Warnings" in md
    section = md.split("## Warnings", 1)[1].split("\n## ", 1)[0]
    bullets = [line for line in section.splitlines() if line.startswith("- ")]
    assert len(bullets) == 2
    assert "encoding guessed (cp1252)" in bullets[0] and "\\[PERSON\\_1\\]" in bullets[0]


def test_no_warnings_no_section(plain_html):
    assert ">Warnings<" not in plain_html


def _survey():
    study = make_study()
    meta = dict(study.meta)
    meta["files"] = [dict(f, format="survey") for f in meta["files"]]
    meta["journey"] = {"applicable": False, "evidence": {"matched_questions": 0},
                       "reason": "no question of the survey asks about a journey stage"}
    return study.replace(meta=meta)


def test_survey_without_journey(tmp_path):
    path = cx.write_report(_survey(), tmp_path / "survey.html")
    html, md = path.read_text("utf-8"), path.with_suffix(".md").read_text("utf-8")
    assert "survey of 10 respondents" in html
    assert ("the customer journey does not apply to this study (no question of the survey asks "
            "about a journey stage)") in html
    for absent in (">Journey emotion curve<", ">Highs and lows<", "felt best at", "elevate the high",
                   "qualitative study of", " stage (mean valence"):
        assert absent not in html, absent
    assert "10 respondents" in md and "This is a survey of 10 respondents" in html
    figs = {p.name for p in (tmp_path / "survey_figures").glob("*.png")}
    assert not any(f.startswith("journey_curve") for f in figs)
    assert "respondents" in html and "billing surprises" in html


def _with_reading_report():
    study = make_study()
    files = pd.DataFrame({
        "file": [f"int{i:02d}.txt" for i in range(1, 11)],
        "format": ["text"] * 8 + ["vtt", "docx"],
        "encoding": ["utf-8"] * 9 + ["cp1252"],
        "turns": [16] * 10, "words": [200] * 10,
        "flags": [[]] * 8 + [["one speaker holds > 80% of words"], "encoding guessed; no participant found"],
    })
    return study.replace(tables={**study.tables, "files": files})


@pytest.fixture(scope="module")
def plain_html(tmp_path_factory):
    out = tmp_path_factory.mktemp("plain")
    return cx.write_report(_with_reading_report(), out / "r.html", markdown=False).read_text("utf-8")


def test_reading_report_summarised(plain_html):
    html = plain_html
    assert ">How the files were read<" in html
    assert "10 files read; 160 turns; 2,000 words." in html
    assert "text (8), vtt (1), docx (1)" in html
    assert "files with a red flag</td><td>2" in html
    assert "encoding guessed (1 file)" in html and "one speaker holds &gt; N% of words (1 file)" in html


def test_group_comparisons_in_report_name_the_variable(plain_html):
    assert "detractors vs promoters" in plain_html
    assert "vs others" not in plain_html and "family participants" not in plain_html


def test_rendered_markdown_has_no_live_html(hostile):
    markdown = pytest.importorskip("markdown", reason="Python-Markdown (a mkdocs dependency) is absent")
    _, md = hostile
    page = markdown.markdown(md, extensions=["tables"])
    assert "<img src=x" not in page and "<script" not in page and "<b>billing" not in page
    assert 'href="javascript' not in page and "<strong>bold" not in page
    assert "&lt;img src=x onerror=" in page
