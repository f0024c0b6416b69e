"""REFI-QDA export and import: schema-valid projects, exact offsets, round trips."""

from __future__ import annotations

import xml.etree.ElementTree as ET
import zipfile

import numpy as np
import pandas as pd
import pytest
from conftest import ROOT

import cxinsight as cx
from cxinsight import qda
from cxinsight.corpus import Corpus

SCHEMAS = ROOT.parent / "shared" / "refi-qda"


def analysed_corpus() -> Corpus:
    """A small corpus with the columns later stages add, set by hand."""
    turns = pd.DataFrame({
        "interview_id": ["int01"] * 4 + ["int02 final"] * 3,
        "turn": [0, 1, 2, 3, 0, 1, 2],
        "speaker": ["I1", "P01", "I1", "P01", "I2", "P02", "P02"],
        "role": ["interviewer", "participant"] * 2 + ["interviewer", "participant", "participant"],
        "start": np.nan, "end": np.nan,
        "text": [
            "How did the first box arrive?",
            "It came two days late. Nobody told me where it was!\r\nI was furious.",
            "And the recipes?",
            "The recipes are lovely. The kids ask for the fajitas every week.",
            "Tell me about cancelling.",
            "Cancelling was a nightmare, honestly. The button is hidden in the app.",
            "Café staff were kind though — ünïcödé survives.",
        ],
        "source": ["int01.txt"] * 4 + ["int02 final.txt"] * 3,
    })
    participants = pd.DataFrame({
        "interview_id": ["int01", "int02 final"], "participant_code": ["P01", "P02"],
        "segment": ["family", "professional"], "nps": [9, 3], "tenure_years": [1.5, 0.5],
    })
    c = cx.segment(Corpus(turns, participants))
    seg = c.segments
    part = seg["role"] == "participant"
    theme = pd.Series(pd.NA, index=seg.index, dtype="Int64")
    label = pd.Series(None, index=seg.index, dtype="object")
    text = seg["text"].str.lower()
    for i in seg.index[part]:
        if "late" in text[i] or "told" in text[i] or "furious" in text[i]:
            theme[i], label[i] = 0, "Delivery updates"
        elif "recipe" in text[i] or "fajitas" in text[i]:
            theme[i], label[i] = 1, "Recipes families love"
        elif "cancel" in text[i] or "button" in text[i]:
            theme[i], label[i] = 2, "Hard to cancel"
        else:
            theme[i], label[i] = -1, None
    seg = seg.assign(
        theme=theme, theme_label=label,
        stage=np.where(part, np.where(text.str.contains("cancel|button"), "renewal", "onboarding"), None),
        emotion=np.where(part, np.where(text.str.contains("lovely|kind|fajitas"), "delight", "frustration"), None),
    )
    themes = pd.DataFrame({"theme": [0, 1, 2],
                           "label": ["Delivery updates", "Recipes families love", "Hard to cancel"],
                           "keywords": [["late", "tracking"], ["recipes", "kids"], ["cancel", "button"]]})
    return c.replace(segments=seg, tables={"themes": themes})


@pytest.fixture(scope="module")
def corpus():
    return analysed_corpus()


@pytest.fixture
def project(corpus, tmp_path):
    return qda.export_qdpx(corpus, tmp_path / "study.qdpx")


def _schema(name):
    lxml = pytest.importorskip("lxml.etree")
    path = SCHEMAS / name
    if not path.exists():
        pytest.skip(f"REFI-QDA schemas not found at {SCHEMAS} (the shared/ folder is absent)")
    return lxml.XMLSchema(lxml.parse(str(path))), lxml


def test_project_validates_against_qda_xml_schema(project):
    schema, lxml = _schema("Project-mrt2019.xsd")
    with zipfile.ZipFile(project) as zf:
        doc = lxml.fromstring(zf.read("project.qde"))
    assert schema.validate(doc), schema.error_log


def test_codebook_validates_against_schema(corpus, tmp_path):
    schema, lxml = _schema("Codebook-mrt2019.xsd")
    for i, src in enumerate([corpus, corpus.tables["themes"]]):
        path = qda.export_qdc(src, tmp_path / f"codes{i}.qdc")
        assert schema.validate(lxml.parse(str(path))), schema.error_log


def test_every_selection_cuts_out_its_segment_exactly(corpus, project):
    ns = {"q": qda.PROJECT_NS}
    with zipfile.ZipFile(project) as zf:
        root = ET.fromstring(zf.read("project.qde"))
        by_id = corpus.segments.set_index("segment_id")
        n = 0
        for src in root.iterfind(".//q:TextSource", ns):
            raw = zf.read(src.get("plainTextPath").replace("internal://", "Sources/"))
            assert not raw.startswith(b"\xef\xbb\xbf") and b"\r" not in raw
            text = raw.decode("utf-8")
            for sel in src.iterfind("q:PlainTextSelection", ns):
                a, b = int(sel.get("startPosition")), int(sel.get("endPosition"))
                expected = by_id.loc[sel.get("name"), "text"].replace("\r\n", "\n")
                assert text[a:b] == expected
                n += 1
    coded = corpus.segments["theme"].notna() & (corpus.segments["role"] == "participant")
    assert n == int(coded.sum())


def test_codes_cases_and_variables(project):
    ns = {"q": qda.PROJECT_NS}
    with zipfile.ZipFile(project) as zf:
        root = ET.fromstring(zf.read("project.qde"))
    groups = {c.get("name"): [k.get("name") for k in c.findall("q:Code", ns)]
              for c in root.findall("q:CodeBook/q:Codes/q:Code", ns)}
    assert groups["Themes"] == ["Delivery updates", "Recipes families love", "Hard to cancel"]
    assert set(groups["Journey stages"]) == {"Onboarding", "Renewal"}
    assert set(groups["Emotions"]) == {"Delight", "Frustration"}
    variables = {v.get("name"): v.get("typeOfVariable") for v in root.iterfind(".//q:Variable", ns)}
    assert variables == {"participant_code": "Text", "segment": "Text", "nps": "Integer",
                         "tenure_years": "Float"}
    cases = [c.get("name") for c in root.iterfind(".//q:Case", ns)]
    assert cases == ["P01", "P02"]


def test_guids_are_stable_across_exports(corpus, tmp_path):
    def guids(path):
        with zipfile.ZipFile(path) as zf:
            root = ET.fromstring(zf.read("project.qde"))
        return sorted(e.get("guid") for e in root.iter() if e.get("guid"))

    a = qda.export_qdpx(corpus, tmp_path / "a.qdpx")
    b = qda.export_qdpx(corpus, tmp_path / "b.qdpx")
    assert guids(a) == guids(b) and len(guids(a)) > 10


def test_export_refuses_to_overwrite_and_checks_suffix(corpus, project, tmp_path):
    with pytest.raises(FileExistsError, match="overwrite=True"):
        qda.export_qdpx(corpus, project)
    with pytest.raises(ValueError, match=".qdpx"):
        qda.export_qdpx(corpus, tmp_path / "x.zip")


def test_round_trip_same_codes_and_same_coded_text(corpus, project):
    codebook = qda.read_codebook(project, group="Themes")
    assert list(codebook) == ["Delivery updates", "Recipes families love", "Hard to cancel"]
    assert "late" in codebook["Delivery updates"]
    codings = qda.read_codings(project)
    themes = codings[codings["code_path"].str.startswith("Themes/")]
    seg = corpus.segments
    expected = seg[seg["theme_label"].notna()]
    assert sorted(themes["text"]) == sorted(expected["text"].str.replace("\r\n", "\n"))
    back = qda.apply_codings(corpus, project)
    got = back.segments.set_index("segment_id")["manual_theme"]
    for _, row in expected.iterrows():
        assert got[row["segment_id"]] == row["theme_label"]
    agreement = qda.coding_agreement(back)
    assert (agreement["kappa"] == 1.0).all() and len(agreement) == 3


def test_codings_from_another_tool_with_a_different_layout(corpus, tmp_path):
    """A project laid out differently (no speaker labels, extra header) still matches by text."""
    q = f"{{{qda.PROJECT_NS}}}"
    body = "Interview transcript\n\n" + "\n".join(corpus.turns.loc[corpus.turns.interview_id == "int01", "text"]
                                                   .str.replace("\r\n", "\n"))
    target = "Nobody told me where it was!"
    start = body.index(target)
    root = ET.Element(f"{q}Project", name="human coding")
    ET.SubElement(ET.SubElement(root, f"{q}Users"), f"{q}User",
                  guid="00000000-0000-0000-0000-000000000001", name="Coder A")
    codes = ET.SubElement(ET.SubElement(root, f"{q}CodeBook"), f"{q}Codes")
    grp = ET.SubElement(codes, f"{q}Code", guid="00000000-0000-0000-0000-000000000002", name="Themes",
                        isCodable="false")
    ET.SubElement(grp, f"{q}Code", guid="00000000-0000-0000-0000-000000000003", name="Delivery updates",
                  isCodable="true")
    srcs = ET.SubElement(root, f"{q}Sources")
    src = ET.SubElement(srcs, f"{q}TextSource", guid="00000000-0000-0000-0000-000000000004", name="int01",
                        plainTextPath="internal://00000000-0000-0000-0000-000000000004.txt")
    sel = ET.SubElement(src, f"{q}PlainTextSelection", guid="00000000-0000-0000-0000-000000000005",
                        startPosition=str(start), endPosition=str(start + len(target)),
                        creatingUser="00000000-0000-0000-0000-000000000001")
    coding = ET.SubElement(sel, f"{q}Coding", guid="00000000-0000-0000-0000-000000000006")
    ET.SubElement(coding, f"{q}CodeRef", targetGUID="00000000-0000-0000-0000-000000000003")
    path = tmp_path / "human.qdpx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("project.qde", ET.tostring(root, encoding="utf-8", xml_declaration=True))
        zf.writestr("Sources/00000000-0000-0000-0000-000000000004.txt", ("\ufeff" + body).encode("utf-8"))
    codings = qda.read_codings(path)
    assert codings["coder"].tolist() == ["Coder A"] and codings["text"].tolist() == [target]
    back = qda.apply_codings(corpus, path)
    coded = back.segments.dropna(subset=["manual_theme"])
    assert coded["text"].tolist() == ["Nobody told me where it was!"]
    assert back.meta["qda_import"]["matched_selections"] == 1


def test_bad_inputs_are_explained(tmp_path):
    bad = tmp_path / "broken.qdc"
    bad.write_text("<CodeBook><Codes>")
    with pytest.raises(ValueError, match="line 1"):
        qda.read_codebook(bad)
    empty_zip = tmp_path / "empty.qdpx"
    with zipfile.ZipFile(empty_zip, "w") as zf:
        zf.writestr("readme.txt", "x")
    with pytest.raises(ValueError, match="no .qde"):
        qda.read_codings(empty_zip)
    with pytest.raises(ValueError, match="min_overlap"):
        qda.apply_codings(analysed_corpus(), pd.DataFrame(), min_overlap=0)
