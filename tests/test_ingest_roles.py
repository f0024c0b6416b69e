"""Speaker labels, aliases, roles, timestamps and encodings: the shared building blocks."""

from __future__ import annotations

import codecs

import pytest

from cxinsight.errors import TranscriptFormatError
from cxinsight.ingest.base import parse_timestamp, split_label, tidy_label
from cxinsight.ingest.encoding import decode
from cxinsight.ingest.roles import (
    accept_label,
    assign_roles,
    canonical_labels,
    merge_aliases,
    role_from_label,
)


@pytest.mark.parametrize(
    "value, seconds",
    [
        ("00:01:02", 62.0), ("1:02", 62.0), ("0:0:0.570", 0.57), ("00:00:01,500", 1.5),
        ("1:02:15", 3735.0), ("00:11:50.18", 710.18), ("62.5", 62.5), ("soon", None), ("", None),
        ("1:2:3:4", None),
    ],
)
def test_parse_timestamp(value, seconds):
    got = parse_timestamp(value)
    assert (got is None and seconds is None) or got == pytest.approx(seconds)


@pytest.mark.parametrize(
    "line, expected",
    [
        ("Jane Doe: Hello there", ("Jane Doe", "Hello there")),
        ("**Jane Doe:** Hello", ("Jane Doe", "Hello")),
        ("**Jane Doe**: Hello", ("Jane Doe", "Hello")),
        ("LIAM O'CONNOR: Grand.", ("LIAM O'CONNOR", "Grand.")),
        ("Interviewer 1 : Hi", ("Interviewer 1", "Hi")),
        ("Q:", ("Q", "")),
        ("https://example.com", None),
        ("10:30 it arrived", None),
        ("It was a long story and I will tell you all of it: first", None),
    ],
)
def test_split_label(line, expected):
    assert split_label(line) == expected


def test_label_acceptance():
    assert accept_label("Jane Doe", 1)
    assert accept_label("interviewer", 1)
    assert accept_label("I", 5)
    assert not accept_label("Date", 1)
    assert not accept_label("Note", 4)
    assert not accept_label("So the thing is", 1)
    assert not accept_label("the main thing", 2)
    assert accept_label("sarah", 3) and not accept_label("sarah", 1)


@pytest.mark.parametrize(
    "label, role",
    [
        ("Interviewer", "interviewer"), ("Interviewer 2", "interviewer"), ("Interviewer1", "interviewer"),
        ("Moderator", "interviewer"), ("Researcher", "interviewer"), ("Host", "interviewer"),
        ("I", "interviewer"), ("Q", "interviewer"), ("Interviewee", "participant"),
        ("Participant 3", "participant"), ("Respondent", "participant"), ("R", "participant"),
        ("P1", "participant"), ("IV", "interviewer"), ("IE", "participant"), ("Jane Doe", None), ("Speaker 1", None), ("Hostess Cake", None),
    ],
)
def test_role_from_label(label, role):
    assert role_from_label(label) == role


def test_tidy_and_canonical_labels():
    assert tidy_label("Interviewer1") == "Interviewer 1"
    assert tidy_label("R001") == "R001" and tidy_label("P1") == "P1"
    labels = ["Interviewer 1", "Interviewer1", "interviewer 1", "Interviewer 1", "Jane"]
    assert canonical_labels(labels) == {
        "Interviewer 1": "Interviewer 1", "Interviewer1": "Interviewer 1",
        "interviewer 1": "Interviewer 1", "Jane": "Jane",
    }


def test_alias_merging_only_when_clear():
    assert merge_aliases(["Jane Doe", "JD", "Tom Reilly"]) == {"JD": "Jane Doe"}
    assert merge_aliases(["Jane Doe", "Jane", "Tom Reilly"]) == {"Jane": "Jane Doe"}
    # two people with the same initials: not clear, nothing merged
    assert merge_aliases(["Jane Doe", "John Dee", "JD"]) == {}
    assert merge_aliases(["Interviewer 1", "Interviewer", "Chloe Martin"]) == {"Interviewer": "Interviewer 1"}
    assert merge_aliases(["Interviewer 1", "Interviewer 2", "Interviewer"]) == {}
    # role words are never aliases of names
    assert merge_aliases(["Isla Quinn", "IQ", "I"]) == {"IQ": "Isla Quinn"}


def _st(turns, questions, words):
    return {"turns": turns, "questions": questions, "words": words}


def test_roles_by_evidence():
    stats = {"Ann Lee": _st(20, 15, 200), "Bob Ray": _st(20, 2, 1200)}
    assert assign_roles(stats) == {"Ann Lee": ("interviewer", "evidence"), "Bob Ray": ("participant", "others")}


def test_roles_unclear_evidence_stays_unknown():
    stats = {"Ann Lee": _st(20, 6, 600), "Bob Ray": _st(20, 5, 600)}
    assert {r for r, _ in assign_roles(stats).values()} == {"unknown"}


def test_roles_focus_group_one_moderator():
    stats = {"Moderator": _st(10, 9, 100), "Ann": _st(5, 0, 300), "Bob": _st(5, 1, 250)}
    got = assign_roles(stats)
    assert got["Moderator"] == ("interviewer", "label")
    assert got["Ann"] == ("participant", "others") and got["Bob"] == ("participant", "others")


def test_roles_manifest_names_first_name_and_initials():
    stats = {"Tom": _st(10, 1, 100), "SC": _st(10, 1, 100)}
    got = assign_roles(stats, interviewers=["Tom Reilly"], participants=["Sarah Collins"])
    assert got == {"Tom": ("interviewer", "manifest"), "SC": ("participant", "manifest")}


def test_roles_override_wins_over_label():
    stats = {"Interviewer": _st(10, 9, 100), "Jane": _st(10, 0, 400)}
    got = assign_roles(stats, overrides={"interviewer": "participant", "JANE": "interviewer"})
    assert got == {"Interviewer": ("participant", "option"), "Jane": ("interviewer", "option")}


@pytest.mark.parametrize(
    "data, encoding",
    [
        ("Jane: héllo\n".encode(), "utf-8"),
        (codecs.BOM_UTF8 + "Jane: héllo\n".encode(), "utf-8-sig"),
        (codecs.BOM_UTF16_LE + "Jane: héllo\n".encode("utf-16-le"), "utf-16-le"),
        (codecs.BOM_UTF16_BE + "Jane: héllo\n".encode("utf-16-be"), "utf-16-be"),
        ("Jane: héllo there, it is a longer line\n".encode("utf-16-le"), "utf-16-le"),
        ("Jane: héllo\n".encode("cp1252"), "cp1252"),
    ],
)
def test_decode_encodings(data, encoding):
    text, used = decode(data)
    assert used == encoding
    assert text.startswith("Jane: héllo")


def test_decode_mixed_utf8_with_stray_cp1252_bytes():
    data = "Jane: caf\u00e9 \u2014 ".encode() + b"it\x92s \x93fine\x94"
    text, used = decode(data)
    assert used == "utf-8+cp1252"
    assert text == "Jane: caf\u00e9 \u2014 it\u2019s \u201cfine\u201d"


def test_decode_line_endings_and_binary():
    assert decode(b"a\r\nb\rc\n")[0] == "a\nb\nc\n"
    with pytest.raises(TranscriptFormatError, match="looks binary"):
        decode(b"PK\x03\x04\x00\x00binary\x00stuff", path="x.txt")
