"""Real-file label styles, roles by evidence across files, role files, legacy encodings, VTT tags."""

from __future__ import annotations

import warnings

import pytest

import cxinsight as cx
from cxinsight.errors import CxInsightWarning


def _read(path, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return cx.read(path, **kw)


@pytest.mark.parametrize(
    "text, speakers",
    [
        # Zoom-style bracketed suffixes: one speaker each, not one run-on turn
        ("Jane Doe (JD): How was it?\nBob Ray (BR): Late.\nJane Doe (JD): Why?\nBob Ray (BR): No idea.\n",
         ["Jane Doe", "Bob Ray", "Jane Doe", "Bob Ray"]),
        ("Tom [host]: Hi there?\nAnn [guest]: Hello.\nTom [host]: And?\nAnn [guest]: Fine.\n",
         ["Tom", "Ann", "Tom", "Ann"]),
        # podcast Markdown: bold name, no colon, bracketed time
        ("**Kelly** [0:32] Welcome. What happened?\n\n**Ali** [0:35] I'm Ali.\n\n**Kelly** [0:40] Go on?\n\n"
         "**Ali** [0:45] Sure.\n", ["Kelly", "Ali", "Kelly", "Ali"]),
        # diarisation export: [Speaker N] [mm:ss] text
        ("[Speaker 1] [00:00] Alright, what is it?\n[Speaker 2] [00:24] I did.\n[Speaker 1] [00:30] So?\n",
         ["Speaker 1", "Speaker 2", "Speaker 1"]),
    ],
)
def test_label_styles(tmp_path, text, speakers):
    p = tmp_path / "x.md"
    p.write_text(text)
    c = _read(p)
    assert c.turns["speaker"].tolist() == speakers


def test_redaction_brackets_are_not_speakers(tmp_path):
    p = tmp_path / "x.txt"
    p.write_text("Interviewer: Who did you call?\nParticipant: [Company X] said no.\n"
                 "[Company X] said it again later.\nInterviewer: And then?\nParticipant: Nothing.\n")
    c = _read(p)
    assert c.turns["speaker"].tolist() == ["Interviewer", "Participant", "Interviewer", "Participant"]
    assert "[Company X] said it again" in c.turns["text"].iloc[1]


def test_markdown_escaped_timestamps_are_removed(tmp_path):
    p = tmp_path / "ep.md"
    p.write_text("**Jerod Santo:** Hello?\n\n**Mike McQuaid:** \\[00:05:53.18\\] But yeah, fine.\n\n"
                 "**Jerod Santo:** Right?\n\n**Mike McQuaid:** Yes.\n")
    c = _read(p)
    assert c.turns["text"].iloc[1] == "But yeah, fine."
    assert c.turns["start"].iloc[1] == pytest.approx(353.18)


def test_interviewer_recurring_across_files(tmp_path):
    # no question marks that decide it inside one file; the same named person in every file
    for i, guest in enumerate(["Ann Lee", "Bob Ray", "Cy Dunn"], start=1):
        (tmp_path / f"int{i}.txt").write_text(
            f"Megan Ford: Tell me about the box.\n{guest}: It was late again.\n"
            f"Megan Ford: Go on.\n{guest}: Nobody was home and it sat outside.\n"
        )
    c = _read(tmp_path)
    roles = {(s["interview_id"], s["speaker"]): (s["role"], s["role_from"]) for s in c.meta["speakers"]}
    assert roles[("int2", "Megan Ford")] == ("interviewer", "recurs across files")
    assert roles[("int2", "Bob Ray")] == ("participant", "others")


def test_interviewer_found_in_another_file(tmp_path):
    (tmp_path / "a.txt").write_text("Interviewer: How was it?\nAnn: Late.\n")
    (tmp_path / "b.txt").write_text("Sam Hill: How was it?\nAnn Lee: Late and cold.\nSam Hill: Why?\nAnn Lee: No idea.\n")
    (tmp_path / "c.txt").write_text("Sam Hill: Tell me more.\nBo Kay: It was fine.\nSam Hill: Go on.\nBo Kay: Yes.\n")
    c = _read(tmp_path)
    roles = {(s["interview_id"], s["speaker"]): (s["role"], s["role_from"]) for s in c.meta["speakers"]}
    assert roles[("b", "Sam Hill")] == ("interviewer", "evidence")
    assert roles[("c", "Sam Hill")] == ("interviewer", "other files")


@pytest.mark.parametrize("kind", ["csv", "yaml"])
def test_roles_file(tmp_path, kind):
    p = tmp_path / "x.txt"
    p.write_text("Ann Lee: It was late.\nBob Ray: Tell me more.\n")
    if kind == "csv":
        roles = tmp_path / "roles.csv"
        roles.write_text("interview_id,speaker,role\nx,Bob Ray,interviewer\n")
    else:
        roles = tmp_path / "roles.yaml"
        roles.write_text("x:\n  Bob Ray: interviewer\n")
    c = cx.read(p, roles=roles)
    assert c.turns["role"].tolist() == ["participant", "interviewer"]
    bad = tmp_path / "bad.csv"
    bad.write_text("speaker,role\nBob,boss\n")
    with pytest.raises(ValueError, match="boss"):
        cx.read(p, roles=bad)


LEGACY = {
    "mac_roman": "Interviewer: How was the café box?\nParticipant: The crème fraîche was off – “never again”.\n",
    "cp1251": "Интервьюер: Как прошла доставка?\nУчастник: Коробка пришла поздно, шпинат завял.\n",
    "koi8_r": "Интервьюер: Как прошла доставка?\nУчастник: Коробка пришла поздно, шпинат завял.\n",
    "shift_jis": "インタビュアー: 配達はどうでしたか？\n参加者: 箱が遅れて届きました。\n",
    "gb18030": "采访者: 送货怎么样？\n参与者: 箱子来晚了，菠菜也蔫了。\n",
    "iso8859_7": "Συνεντευκτής: Πώς ήταν η παράδοση;\nΣυμμετέχων: Το κουτί ήρθε αργά.\n",
}


@pytest.mark.parametrize("enc", sorted(LEGACY))
def test_legacy_encodings_are_decoded_and_flagged(tmp_path, enc):
    text = LEGACY[enc] * 3
    p = tmp_path / f"{enc}.txt"
    p.write_bytes(text.encode(enc))
    c = _read(p)
    labels = [line.split(":")[0] for line in text.splitlines()[:2]]
    assert c.turns["speaker"].tolist()[:2] == labels  # never a mojibake label
    row = c.tables["files"].iloc[0]
    assert "encoding guessed" in row["red_flags"]
    assert 0 < row["encoding_confidence"] < 1


def test_unsure_encoding_warns_with_the_file_name(tmp_path):
    p = tmp_path / "notes.txt"
    p.write_bytes("Interviewer: Caf\u00e9?\nParticipant: Yes.\n".encode("cp1252"))
    with pytest.warns(CxInsightWarning, match="notes.txt"):
        cx.read(p)


def test_vtt_strips_only_webvtt_tags_and_keeps_malformed_cues(tmp_path):
    p = tmp_path / "a.vtt"
    p.write_text(
        "WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000\n<v Jane Doe>Use vector<int> here, <i>really</i>, <3 stars</v>\n\n"
        "2\n00:00:02.000 --> 00:00:03.000\n<v Tom>So <c.loud>why</c> <00:00:02.500>then?</v>\n\n"
        "3\nthe timing line of this cue was lost\n\n"
        "4\n00:00:04.000 --> 00:00:05.000\n<v Tom>ok</v>\n"
    )
    c = _read(p)
    assert c.turns["text"].iloc[0] == "Use vector<int> here, really, <3 stars"
    assert "So why then?" in c.turns["text"].iloc[1]
    assert "the timing line of this cue was lost" in c.turns["text"].iloc[1]
    assert c.meta["files"][0]["malformed_cues"] == 1
    assert "malformed cue" in c.tables["files"]["red_flags"].iloc[0]


def test_files_table_red_flags(tmp_path):
    long_turn = " ".join(["word"] * 2100)
    (tmp_path / "a.txt").write_text(f"Interviewer: Why?\nParticipant: {long_turn}\n")
    c = _read(tmp_path)
    flags = c.tables["files"].set_index("interview_id").loc["a", "red_flags"]
    assert "a turn of 2,100 words" in flags and "one speaker holds 100% of words" in flags
    row = c.tables["files"].iloc[0]
    assert row["words_kept"] == row["words_raw"] and row["kept_share"] == 1.0


def test_two_hosts_and_a_guest(tmp_path):
    guest = "It was a long road, honestly, we started small and then the project grew and grew " * 2
    p = tmp_path / "ep.md"
    p.write_text(
        f"**Host A:** Welcome! How are you?\n\n**Guest G:** {guest}\n\n**Host B:** Why did it grow?\n\n"
        f"**Guest G:** {guest}\n\n**Host A:** Right. And then?\n\n**Guest G:** {guest}\n\n"
        f"**Host B:** Interesting. What broke first?\n\n**Guest G:** {guest}\n\n**Host A:** Fun.\n\n"
    )
    c = _read(p)
    roles = dict(zip(c.turns["speaker"], c.turns["role"]))
    assert roles == {"Host A": "interviewer", "Host B": "interviewer", "Guest G": "participant"}


def test_otter_header_with_bracketed_suffix(tmp_path):
    p = tmp_path / "otter.txt"
    p.write_text("Jane Doe (JD)  0:05\nHow was the box?\n\nBob Ray (BR)  0:09\nLate.\n\n"
                 "Jane Doe (JD)  0:12\nWhy?\n\nBob Ray (BR)  0:15\nNo idea.\n")
    c = _read(p)
    assert c.turns["speaker"].tolist() == ["Jane Doe", "Bob Ray"] * 2
