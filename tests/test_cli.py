"""The ``cxinsight`` command: help, and one-line errors on bad input."""

from __future__ import annotations

import subprocess
import sys

import pytest

from cxinsight import cli
from cxinsight.errors import TranscriptFormatError


def run(argv, capsys):
    code = cli.main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_help_documents_every_option():
    res = subprocess.run([sys.executable, "-m", "cxinsight", "analyse", "--help"],
                         capture_output=True, text=True, check=True)
    for opt in ("--out", "--manifest", "--journey", "--codebook", "--no-anonymise", "--key", "--seed",
                "--overwrite", "--force-stages"):
        assert opt in res.stdout
    top = subprocess.run([sys.executable, "-m", "cxinsight", "--help"], capture_output=True, text=True,
                         check=True).stdout
    for cmd in ("analyse", "read", "anonymise", "themes", "report"):
        assert cmd in top


def _one_line_error(code, err):
    assert code == 2
    lines = [ln for ln in err.splitlines() if ln.strip()]
    errors = [ln for ln in lines if ln.startswith("cxinsight: error: ")]
    assert len(errors) == 1 and lines[-1] == errors[0], err  # progress lines may come before it
    return errors[0]


def test_missing_folder(tmp_path, capsys):
    code, _, err = run(["analyse", str(tmp_path / "nope"), "--out", str(tmp_path / "o")], capsys)
    assert "does not exist" in _one_line_error(code, err)


def test_empty_folder(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    code, _, err = run(["analyse", str(tmp_path / "empty"), "--out", str(tmp_path / "o")], capsys)
    assert "no transcripts" in _one_line_error(code, err)
    code, _, err = run(["read", str(tmp_path / "empty")], capsys)
    assert "no transcripts" in _one_line_error(code, err)


def test_missing_manifest(tmp_path, capsys):
    (tmp_path / "a.txt").write_text("Interviewer: hi\nAnn: hello\n", "utf-8")
    code, _, err = run(["analyse", str(tmp_path), "--out", str(tmp_path / "o"), "--manifest",
                        str(tmp_path / "manifest.csv")], capsys)
    assert "manifest" in _one_line_error(code, err)


def test_key_inside_output_is_refused(tmp_path, capsys):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text("Interviewer: hi\nAnn: hello\n", "utf-8")
    out = tmp_path / "out"
    code, _, err = run(["analyse", str(tmp_path / "in"), "--out", str(out), "--key", str(out / "k.key")],
                       capsys)
    assert "inside the output folder" in _one_line_error(code, err)


def test_transcript_format_error_is_one_line(tmp_path, capsys, monkeypatch):
    (tmp_path / "bad.vtt").write_text("not a vtt\n", "utf-8")

    def broken(*args, **kwargs):
        raise TranscriptFormatError("expected 'WEBVTT' on the first line\nfound text", "bad.vtt", line=1)

    import cxinsight.ingest

    monkeypatch.setattr(cxinsight.ingest, "read", broken)
    code, _, err = run(["analyse", str(tmp_path), "--out", str(tmp_path / "o")], capsys)
    line = _one_line_error(code, err)
    assert "bad.vtt, line 1: expected 'WEBVTT'" in line
    assert not (tmp_path / "o").exists() and not list(tmp_path.glob(".o.*"))  # nothing left behind


def _tiny_study(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text("Interviewer: How was it?\nAnn: It was fine, the box came late.\n", "utf-8")
    return folder


def test_internal_error_exits_1_with_debug_pointer(tmp_path, capsys, monkeypatch):
    import cxinsight.segmentation

    def buggy(corpus, **kwargs):
        raise TypeError("unsupported operand type(s) for +: 'int' and 'str'")

    monkeypatch.setattr(cxinsight.segmentation, "segment", buggy)
    key = tmp_path / "keys" / "k.key"
    key.parent.mkdir()
    code, _, err = run(["analyse", str(_tiny_study(tmp_path)), "--out", str(tmp_path / "o"),
                        "--key", str(key)], capsys)
    assert code == 1
    last = err.strip().splitlines()[-1]
    assert last.startswith("cxinsight: error: internal error TypeError") and "--debug" in last
    assert not (tmp_path / "o").exists() and not key.exists()
    assert not list(tmp_path.glob(".o.*")), "temporary folder or lock left behind"


def test_existing_output_is_refused_before_any_work(tmp_path, capsys, monkeypatch):
    import cxinsight.ingest

    def never(*args, **kwargs):  # pragma: no cover - must not be reached
        raise AssertionError("the study was read although --out was refused")

    monkeypatch.setattr(cxinsight.ingest, "read", never)
    out = tmp_path / "o"
    out.mkdir()
    (out / "old_report.html").write_text("previous study", "utf-8")
    code, _, err = run(["analyse", str(_tiny_study(tmp_path)), "--out", str(out)], capsys)
    assert "--overwrite" in _one_line_error(code, err)
    assert (out / "old_report.html").read_text("utf-8") == "previous study"


def test_second_run_on_the_same_output_is_refused(tmp_path, capsys, monkeypatch):
    import os

    out = tmp_path / "o"
    (tmp_path / ".o.lock").write_text(f"{os.getppid()}\n", "utf-8")  # a live process holds it
    code, _, err = run(["analyse", str(_tiny_study(tmp_path)), "--out", str(out)], capsys)
    assert "being written by another cxinsight run" in _one_line_error(code, err)
    assert (tmp_path / ".o.lock").exists()  # someone else's lock is left alone


def test_unwritable_output_is_refused_before_any_work(tmp_path, capsys):
    import os

    if os.geteuid() == 0:
        pytest.skip("root can write anywhere")
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        code, _, err = run(["analyse", str(_tiny_study(tmp_path)), "--out", str(ro / "o")], capsys)
    finally:
        ro.chmod(0o755)
    assert "not writable" in _one_line_error(code, err)


def test_unknown_command_exits_nonzero(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["frobnicate"])
    assert exc.value.code == 2


def test_report_command_on_a_saved_corpus(tmp_path, capsys):
    from cx_constructed import make_study

    make_study().save(tmp_path / "corpus")
    code, out, _ = run(["report", str(tmp_path / "corpus"), "--out", str(tmp_path / "r"),
                        "--title", "Pilot study"], capsys)
    assert code == 0
    html = (tmp_path / "r" / "report.html").read_text("utf-8")
    assert "<title>Pilot study</title>" in html
    assert f"Report: {tmp_path / 'r' / 'report.html'}" in out
    code, _, err = run(["report", str(tmp_path / "missing"), "--out", str(tmp_path / "r2")], capsys)
    assert "does not exist" in _one_line_error(code, err)


def test_debug_flag_after_the_command_shows_the_error(tmp_path):
    with pytest.raises(cli.InputError, match="does not exist"):
        cli.main(["read", str(tmp_path / "nope"), "--debug"])


def test_read_prints_reading_report_and_takes_roles_and_survey(tmp_path, capsys):
    study = tmp_path / "s"
    study.mkdir()
    (study / "a.txt").write_text("Ann Lee: Tell me about the box.\nBob Ray: It was late.\n"
                                 "Ann Lee: Go on.\nBob Ray: No tracking at all.\n")
    roles = tmp_path / "roles.csv"
    roles.write_text("speaker,role\nAnn Lee,interviewer\n")
    code, out, _ = run(["read", str(study), "--roles", str(roles)], capsys)
    assert code == 0
    assert "Reading report" in out and "Ann Lee: interviewer (option)" in out
    assert "Bob Ray: participant (others)" in out
    survey = tmp_path / "export.csv"
    survey.write_text("id,How was it?,Score\n1,Late and cold,3\n2,version control,9\n")
    code, out, _ = run(["read", str(survey), "--survey"], capsys)
    assert code == 0 and "survey" in out and "participant (survey)" in out


def test_full_disk_is_one_line_without_blaming_a_bug(tmp_path, capsys, monkeypatch):
    import cxinsight.segmentation

    def full(corpus, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(cxinsight.segmentation, "segment", full)
    code, _, err = run(["analyse", str(_tiny_study(tmp_path)), "--out", str(tmp_path / "o")], capsys)
    last = err.strip().splitlines()[-1]
    assert code == 1 and "No space left on device" in last and "a bug in" not in last
    assert not (tmp_path / "o").exists() and not list(tmp_path.glob(".o.*"))


def test_malformed_codebook_is_bad_input_before_any_work(tmp_path, capsys):
    (tmp_path / "cb.csv").write_text("theme,phrases\n", "utf-8")
    code, _, err = run(["analyse", str(_tiny_study(tmp_path)), "--out", str(tmp_path / "o"),
                        "--codebook", str(tmp_path / "cb.csv")], capsys)
    assert "--codebook" in _one_line_error(code, err) and "no theme names" in err
    assert not (tmp_path / "o").exists()
