"""The sample study is valid, complete and rendered exactly from its YAML source."""

from __future__ import annotations

import csv
import importlib.util
import io
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TOOLS = ROOT / "tools" / "sample_study"
SAMPLE_DIR = ROOT / "data" / "sample_interviews"
GT = SAMPLE_DIR / "_ground_truth"
YAMLS = sorted((TOOLS / "interviews").glob("*.yaml"))
EXPECTED_INTERVIEWS = 14


@pytest.fixture(scope="module")
def render():
    spec = importlib.util.spec_from_file_location("sample_study_render", TOOLS / "render.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def read_csv(path: Path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def require_complete() -> None:
    if len(YAMLS) < EXPECTED_INTERVIEWS:
        pytest.skip(f"sample study incomplete: {len(YAMLS)} of {EXPECTED_INTERVIEWS} interviews")


def test_every_interview_yaml_passes_check(render):
    assert YAMLS, "no interview YAML files found"
    assert render.check_all(YAMLS) == []


def test_check_reports_file_turn_and_problem(render, tmp_path):
    bad = tmp_path / "int01.yaml"
    text = (TOOLS / "interviews" / "int01.yaml").read_text(encoding="utf-8")
    text = text.replace("stage: discovery", "stage: discovry", 1)
    text = text.replace("valence: 1, emotion: delight", "valence: 1, emotion: joyful", 1)
    bad.write_text(text, encoding="utf-8")
    problems = render.check_all([bad])
    assert any(p.startswith("int01.yaml: turn ") and "'discovry'" in p for p in problems)
    assert any("emotion 'joyful'" in p for p in problems)


def test_rendered_files_are_byte_identical_to_the_yaml_source(render, tmp_path):
    out = tmp_path / "out"
    render.render_all(out, YAMLS)
    fresh = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    committed = {p.relative_to(SAMPLE_DIR).as_posix(): p.read_bytes()
                 for p in SAMPLE_DIR.rglob("*") if p.is_file()}
    assert sorted(fresh) == sorted(committed), (
        "data/sample_interviews differs from the YAML source: run "
        "`python tools/sample_study/render.py`")
    changed = [name for name in fresh if fresh[name] != committed[name]]
    assert not changed, f"hand-edited or stale rendered files {changed}: re-run render.py"


def test_ground_truth_is_consistent_with_the_transcripts():
    turns = read_csv(GT / "turns.csv")
    segments = read_csv(GT / "segments.csv")
    text_of = {(r["interview_id"], r["turn"]): r["text"] for r in turns}
    for seg in segments:
        assert seg["text"] in text_of[(seg["interview_id"], seg["turn"])]
        assert seg["valence"] in {"-1", "0", "1"}
    for row in turns:
        assert row["role"] in {"interviewer", "participant"}
        if row["role"] == "participant":
            assert row["stage"], f"participant turn without stage: {row['interview_id']} {row['turn']}"
    ids = {r["interview_id"] for r in read_csv(SAMPLE_DIR / "manifest.csv")}
    assert ids == {r["interview_id"] for r in turns}


def test_planted_pii_occurs_in_the_rendered_files():
    pii = read_csv(GT / "pii.csv")
    files = {p.stem: p for p in SAMPLE_DIR.iterdir() if p.is_file() and p.stem.startswith("int")}
    raw_text = {}
    for stem, path in files.items():
        if path.suffix == ".docx":
            import docx

            raw_text[stem] = "\n".join(p.text for p in docx.Document(str(path)).paragraphs)
        else:
            data = path.read_bytes()
            text = data.decode("utf-16") if data.startswith(b"\xff\xfe") else data.decode("utf-8-sig")
            raw_text[stem] = " ".join(text.replace("&gt;", ">").replace("&amp;", "&").split())
    for row in pii:
        haystack = " ".join(raw_text[row["interview_id"]].split())
        manifest = (SAMPLE_DIR / "manifest.csv").read_text(encoding="utf-8")
        assert row["value"] in haystack or row["value"] in manifest, row["type"]


def test_formats_are_real_world_shaped():
    names = {p.name for p in SAMPLE_DIR.iterdir() if p.is_file()}
    if "int14 final.txt" in names:
        data = (SAMPLE_DIR / "int14 final.txt").read_bytes()
        assert data.startswith(b"\xff\xfe") and "\r\n" in data.decode("utf-16")
    if "int07.csv" in names:
        data = (SAMPLE_DIR / "int07.csv").read_bytes()
        assert data.startswith(b"\xef\xbb\xbf")
        rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))
        assert any("\n" in r["text"] for r in rows)
        assert any(not r["timestamp"] for r in rows) and any(r["timestamp"] for r in rows)
    if "int09.srt" in names:
        assert not (SAMPLE_DIR / "int09.srt").read_bytes().endswith(b"\n")
    if "int02.txt" in names:
        assert "SUMMARY KEYWORDS" in (SAMPLE_DIR / "int02.txt").read_text(encoding="utf-8")


def test_study_is_complete():
    require_complete()
    manifest = read_csv(SAMPLE_DIR / "manifest.csv")
    assert 12 <= len(manifest) <= 16
    assert len({r["segment"] for r in manifest}) >= 3
    suffixes = {p.suffix for p in SAMPLE_DIR.iterdir() if p.stem.startswith("int")}
    assert len(suffixes) >= 4
    assert len(read_csv(GT / "segments.csv")) >= 150
    assert len(read_csv(GT / "themes.csv")) >= 6


def test_planted_nps_story_holds():
    """All detractors mention billing surprises; at most one promoter does."""
    require_complete()
    manifest = {r["interview_id"]: r for r in read_csv(SAMPLE_DIR / "manifest.csv")}
    billing = {r["interview_id"] for r in read_csv(GT / "turns.csv")
               if "billing_surprises" in r["themes"].split(";")}
    groups = {r["interview_id"]: r["nps_group"] for r in manifest.values()}
    detractors = {i for i, g in groups.items() if g == "detractor"}
    promoters = {i for i, g in groups.items() if g == "promoter"}
    assert detractors <= billing
    assert len(promoters & billing) <= 1


def test_planted_journey_and_segment_story_holds():
    """The labelled sentences carry the journey curve; theme mentions carry the segment story."""
    require_complete()
    manifest = {r["interview_id"]: r for r in read_csv(SAMPLE_DIR / "manifest.csv")}
    turns = read_csv(GT / "turns.csv")
    stage_of = {(r["interview_id"], r["turn"]): r["stage"] for r in turns}
    by_stage: dict[str, list[int]] = {}
    for seg in read_csv(GT / "segments.csv"):
        by_stage.setdefault(stage_of[(seg["interview_id"], seg["turn"])], []).append(
            int(seg["valence"]))
    mean = {stage: sum(v) / len(v) for stage, v in by_stage.items()}
    assert mean["purchase"] == max(mean.values())
    assert mean["renewal"] == min(mean.values())
    assert mean["onboarding"] < 0 < mean["everyday_use"] and mean["support"] > 0

    def mentions(theme: str, segment: str) -> int:
        return sum(theme in r["themes"].split(";") for r in turns
                   if manifest[r["interview_id"]]["segment"] == segment)

    segments = {"family", "professional", "retiree"}
    for theme, top in [("recipe_quality", "family"), ("delivery_updates", "professional"),
                       ("app_usability", "retiree"), ("helpful_staff", "retiree")]:
        assert all(mentions(theme, top) > mentions(theme, other) for other in segments - {top}), theme
