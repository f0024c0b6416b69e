"""The HTML report and its Markdown twin, on a constructed study."""

from __future__ import annotations

import base64
import re

import pytest
from cx_constructed import make_study

import cxinsight as cx
from cxinsight.exports import export

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    path = cx.write_report(make_study(), out / "report.html")
    return path


def test_files_written(report):
    assert report.exists() and report.with_suffix(".md").exists()
    figs = sorted(p.name for p in (report.parent / "report_figures").glob("*.png"))
    assert "journey_curve.png" in figs and "themes.png" in figs
    assert "journey_curve_segment.png" in figs and "journey_curve_nps_group.png" in figs


def test_html_is_self_contained(report):
    html = report.read_text("utf-8")
    assert not re.search(r"""(src|href)\s*=\s*["'](https?:|//)""", html)
    assert "<link" not in html and "<script" not in html and "@import" not in html
    imgs = re.findall(r'<img src="data:image/png;base64,([^"]+)"', html)
    assert len(imgs) >= 4
    for data in imgs:
        assert base64.b64decode(data).startswith(PNG_MAGIC)


def test_sections_present(report):
    html = report.read_text("utf-8")
    for title in ("At a glance", "Study overview", "Anonymisation", "Journey emotion curve",
                  "Highs and lows", "Top pain points", "Top delights", "Themes",
                  "Differences between groups", "How this analysis was done",
                  "Parameters and provenance", "Limitations"):
        assert f">{title}<" in html, title
    # the story: pain points, delights and a quote with its participant code
    assert "billing surprises" in html and "tasty recipes" in html
    assert "— P0" in html
    assert "Files not read: empty file (1)" in html
    assert "counts · PERSON" in html  # unknown summary layouts are flattened


def test_markdown_twin(report):
    md = report.with_suffix(".md").read_text("utf-8")
    assert md.startswith("# ")
    assert "![Journey emotion curve](report_figures/journey_curve.png)" in md
    assert "## Top pain points" in md and "| theme |" in md
    assert md.count("> “") >= 3  # quotes


def test_missing_steps_say_which_call(tmp_path):
    c = make_study(with_themes=False)
    path = cx.write_report(c, tmp_path)  # a folder: report.html inside
    html = path.read_text("utf-8")
    assert path.name == "report.html"
    assert "cx.extract_themes(corpus)" in html
    bare = c.replace(segments=c.segments[["segment_id", "interview_id", "turn", "sentence", "speaker", "role",
                                          "start", "end", "text", "source", "n_words", "is_backchannel"]],
                     meta={})
    html = cx.write_report(bare, tmp_path / "bare.html").read_text("utf-8")
    assert "cx.tag_emotions(corpus)" in html
    assert "NOT pseudonymised" in html


def test_provenance_params_hide_lists_and_names(tmp_path):
    c = make_study()
    c = c.with_step("anonymise", {"known_names": ["Zebedee Quartermaine"], "operator": "replace",
                                  "allow": ["GreenCrate"]})
    html = cx.write_report(c, tmp_path / "r.html").read_text("utf-8")
    assert "Zebedee" not in html
    assert "known_names=[not shown]" in html and "operator=replace" in html


def test_export(tmp_path):
    c = make_study()
    c = c.replace(tables={"insights": cx.synthesise(c)})
    files = export(c, tmp_path)
    assert (tmp_path / "segments.csv").exists() and (tmp_path / "insights.csv").exists()
    assert files["xlsx"].exists()
    import pandas as pd

    ins = pd.read_csv(tmp_path / "insights.csv")
    assert " | " in ins.loc[0, "quotes"]
    sheets = pd.read_excel(files["xlsx"], sheet_name=None)
    assert {"participants", "segments", "insights"} <= set(sheets)
    transcripts = sorted(p.name for p in (tmp_path / "transcripts").glob("*.txt"))
    assert transcripts[0] == "P01.txt" and len(transcripts) == 10
    assert (tmp_path / "transcripts" / "P01.txt").read_text("utf-8").startswith("# Interview P01")


def test_report_date_follows_source_date_epoch(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # 2026-01-01 UTC
    html = cx.write_report(make_study(), tmp_path / "r.html", markdown=False).read_text("utf-8")
    assert "report generated 2026-01-01" in html
    assert not (tmp_path / "r.md").exists()
