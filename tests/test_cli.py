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
    for opt in ("--out", "--manifest", "--journey", "--codebook", "--no-anonymise", "--key", "--seed"):
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

    import cxinsight.pipeline as pipeline

    monkeypatch.setattr(pipeline, "_function", lambda step: broken)
    code, _, err = run(["analyse", str(tmp_path), "--out", str(tmp_path / "o")], capsys)
    line = _one_line_error(code, err)
    assert "bad.vtt, line 1: expected 'WEBVTT'" in line


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
