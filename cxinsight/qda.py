"""Exchange with QDA tools (NVivo, ATLAS.ti, MAXQDA, QualCoder) through REFI-QDA.

REFI-QDA (QDA-XML 1.0) is the exchange standard those programs share:

- a **project** is a ``.qdpx`` zip holding ``project.qde`` (XML, namespace
  ``urn:QDA-XML:project:1.0``) and one ``Sources/<guid>.txt`` per text source;
- a **codebook** is a ``.qdc`` XML file (namespace ``urn:QDA-XML:codebook:1.0``).

:func:`export_qdpx` writes the pseudonymised transcripts with cxinsight's automatic coding
(themes, and as further code groups journey stages and emotion families) so a team can review it
in their own tool. :func:`read_codebook` and :func:`read_codings` bring a team's codebook and
human coding back, and :func:`coding_agreement` compares human and machine coding.

Positions are counted in Unicode characters of the source text, which is written normalised
(no byte-order mark, ``\\n`` line endings), so every selection cuts out exactly its segment.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import uuid
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cxinsight.corpus import Corpus
from cxinsight.errors import InputError

PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"

#: Okabe–Ito colours for the code groups (colour-blind safe).
_GROUP_COLOURS = {"Themes": "#0072B2", "Journey stages": "#009E73", "Emotions": "#D55E00"}


# --------------------------------------------------------------------------- GUIDs
def _namespace(study: str) -> uuid.UUID:
    return uuid.uuid5(uuid.NAMESPACE_URL, f"cxinsight:study:{study}")


def study_name(corpus: Corpus) -> str:
    """Return the name that keys a study's GUIDs.

    ``corpus.meta["study"]`` when set, else a digest of the sorted interview ids, so the
    same study gets the same GUIDs on every export.
    """
    if corpus.meta.get("study"):
        return str(corpus.meta["study"])
    ids = sorted(map(str, corpus.turns["interview_id"].unique()))
    return "study-" + hashlib.sha1("\n".join(ids).encode()).hexdigest()[:12]


def _guid(ns: uuid.UUID, *parts: Any) -> str:
    return str(uuid.uuid5(ns, ":".join(map(str, parts))))


# --------------------------------------------------------------------------- source texts
def _normalise(text: str) -> str:
    return str(text).replace("\ufeff", "").replace("\r\n", "\n").replace("\r", "\n")


def _normalise_with_map(text: str) -> tuple[str, list[int]]:
    """Normalise ``text`` and return, for every original offset, the offset in the result.

    Byte-order marks and the ``\r`` of ``\r\n`` are dropped and a lone ``\r`` becomes ``\n``,
    so offsets computed on the raw turn text stay exact after normalisation.
    """
    out: list[str] = []
    mapping: list[int] = []
    n = len(text)
    for i, ch in enumerate(text):
        mapping.append(len(out))
        if ch == "\ufeff" or (ch == "\r" and i + 1 < n and text[i + 1] == "\n"):
            continue
        out.append("\n" if ch == "\r" else ch)
    mapping.append(len(out))
    return "".join(out), mapping


def source_texts(corpus: Corpus) -> tuple[dict[str, str], pd.DataFrame]:
    """Render one plain text per interview and locate every segment in it.

    Each turn is written as ``"{speaker}: {text}"`` followed by a blank line.

    Parameters
    ----------
    corpus : Corpus
        A segmented corpus.

    Returns
    -------
    texts : dict of str to str
        ``interview_id`` -> normalised transcript text.
    offsets : DataFrame
        ``segment_id, interview_id, start, end``: character positions of each segment in its
        interview's text (``texts[i][start:end] == segment text``).
    """
    segments = corpus.require("segments", ["segment_id", "turn", "char_start", "char_end"],
                              "cx.segment(corpus)")
    texts: dict[str, str] = {}
    turn_offset: dict[tuple[str, int], tuple[int, list[int]]] = {}
    for iid, turns in corpus.turns.groupby("interview_id", sort=False):
        parts: list[str] = []
        pos = 0
        for t in turns.sort_values("turn").itertuples(index=False):
            prefix = f"{_normalise(t.speaker)}: "
            body, mapping = _normalise_with_map(str(t.text))
            turn_offset[(str(iid), int(t.turn))] = (pos + len(prefix), mapping)
            chunk = prefix + body + "\n\n"
            parts.append(chunk)
            pos += len(chunk)
        texts[str(iid)] = "".join(parts)
    rows = []
    for s in segments.itertuples(index=False):
        found = turn_offset.get((str(s.interview_id), int(s.turn)))
        if found is None:
            continue
        base, mapping = found
        a, b = mapping[int(s.char_start)], mapping[int(s.char_end)]
        rows.append((s.segment_id, str(s.interview_id), base + a, base + b))
    return texts, pd.DataFrame(rows, columns=["segment_id", "interview_id", "start", "end"])


# --------------------------------------------------------------------------- codes
def _code_groups(corpus: Corpus) -> dict[str, list[tuple[str, str, str]]]:
    """Return ``{group: [(column value, code name, description), ...]}`` for coded columns."""
    seg = corpus.segments
    groups: dict[str, list[tuple[str, str, str]]] = {}
    if seg is None:
        return groups
    if "theme" in seg.columns:
        themes = corpus.tables.get("themes")
        desc: dict[str, str] = {}
        names: dict[str, str] = {}
        if themes is not None and "theme" in themes.columns:
            for _, r in themes.iterrows():
                key = str(r["theme"])
                names[key] = str(r.get("label", key))
                kw = r.get("keywords")
                if isinstance(kw, (list, tuple, np.ndarray)):
                    kw = ", ".join(map(str, kw))
                desc[key] = f"Machine-found theme {key}. Keywords: {kw}" if kw else f"Machine-found theme {key}."
        codes = []
        for value in sorted({int(v) for v in seg["theme"].dropna()} - {-1}):
            key = str(value)
            label = names.get(key)
            if label is None and "theme_label" in seg.columns:
                labels = seg.loc[seg["theme"] == value, "theme_label"].dropna()
                label = str(labels.iloc[0]) if len(labels) else key
            codes.append((key, label or key, desc.get(key, f"Machine-found theme {key}.")))
        groups["Themes"] = codes
    if "stage" in seg.columns:
        stages = [str(s) for s in pd.unique(seg["stage"].dropna())]
        groups["Journey stages"] = [(s, s.replace("_", " ").capitalize(), f"Journey stage '{s}'.") for s in stages]
    if "emotion" in seg.columns:
        fams = sorted({str(e) for e in seg["emotion"].dropna()} - {"neutral"})
        groups["Emotions"] = [(f, f.capitalize(), f"Emotion family '{f}' (cxinsight tagger).") for f in fams]
    return groups


_GROUP_COLUMN = {"Themes": "theme", "Journey stages": "stage", "Emotions": "emotion"}


def _add_codes(parent: ET.Element, ns: uuid.UUID, groups: Mapping[str, list[tuple[str, str, str]]],
               tag_ns: str) -> dict[tuple[str, str], str]:
    """Add nested ``Code`` elements under ``parent``; return ``(group, value) -> guid``."""
    guids: dict[tuple[str, str], str] = {}
    for group, codes in groups.items():
        g = ET.SubElement(parent, f"{{{tag_ns}}}Code", guid=_guid(ns, "group", group), name=group,
                          isCodable="false", color=_GROUP_COLOURS.get(group, "#999999"))
        ET.SubElement(g, f"{{{tag_ns}}}Description").text = f"cxinsight code group: {group.lower()}."
        for value, name, description in codes:
            guid = _guid(ns, "code", group, value)
            c = ET.SubElement(g, f"{{{tag_ns}}}Code", guid=guid, name=name, isCodable="true",
                              color=_GROUP_COLOURS.get(group, "#999999"))
            ET.SubElement(c, f"{{{tag_ns}}}Description").text = description
            guids[(group, value)] = guid
    return guids


def _variable_type(series: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(series):
        return "Boolean"
    if pd.api.types.is_integer_dtype(series):
        return "Integer"
    if pd.api.types.is_float_dtype(series):
        non_null = series.dropna()
        return "Integer" if len(non_null) and (non_null == non_null.round()).all() else "Float"
    return "Text"


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


# --------------------------------------------------------------------------- export
def export_qdpx(corpus: Corpus, path: str | Path, *, name: str | None = None,
                overwrite: bool = False) -> Path:
    """Write a REFI-QDA project (``.qdpx``) for NVivo, ATLAS.ti, MAXQDA or QualCoder.

    Parameters
    ----------
    corpus : Corpus
        A segmented corpus, normally pseudonymised and analysed (themes, stages, emotions).
        Only the corpus's own (already pseudonymised) text is written.
    path : str or Path
        The ``.qdpx`` file to write.
    name : str, optional
        Project name shown in the QDA tool; defaults to the study name.
    overwrite : bool, default False
        Replace an existing file.

    Returns
    -------
    Path
        The file written.

    Notes
    -----
    - One text source per interview (``Sources/<guid>.txt``, UTF-8, ``\\n`` line endings).
    - A codebook with up to three code groups: *Themes* (from ``theme``/``theme_label`` and
      ``tables["themes"]``), *Journey stages* (``stage``) and *Emotions* (``emotion``, neutral
      left out).
    - One ``PlainTextSelection`` per coded segment, carrying one ``Coding`` per group.
    - One case per interview with the ``participants`` columns as variables.
    - GUIDs derive from the study name and the item, so re-exporting the same study updates the
      same objects in the QDA tool instead of duplicating them.
    """
    path = Path(path)
    if path.suffix.lower() != ".qdpx":
        raise InputError(f"{path}: a REFI-QDA project file must end in .qdpx.")
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path} exists; pass overwrite=True to replace it.")
    study = study_name(corpus)
    ns = _namespace(study)
    texts, offsets = source_texts(corpus)
    seg = corpus.segments.merge(
        offsets[["segment_id", "start", "end"]].rename(columns={"start": "qda_start", "end": "qda_end"}),
        on="segment_id", how="inner",
    )
    groups = _code_groups(corpus)

    ET.register_namespace("", PROJECT_NS)
    q = f"{{{PROJECT_NS}}}"
    user = _guid(ns, "user", "cxinsight")
    now = _now()
    from cxinsight import __version__

    root = ET.Element(f"{q}Project", name=name or study, origin=f"cxinsight {__version__}",
                      creatingUserGUID=user, creationDateTime=now)
    users = ET.SubElement(root, f"{q}Users")
    ET.SubElement(users, f"{q}User", guid=user, name="cxinsight (automatic coding)")
    code_guids: dict[tuple[str, str], str] = {}
    if groups:
        cb = ET.SubElement(root, f"{q}CodeBook")
        codes_el = ET.SubElement(cb, f"{q}Codes")
        code_guids = _add_codes(codes_el, ns, groups, PROJECT_NS)

    participants = corpus.participants.copy()
    participants["interview_id"] = participants["interview_id"].astype(str)
    var_cols = [c for c in participants.columns if c != "interview_id"]
    var_guid = {c: _guid(ns, "variable", c) for c in var_cols}
    var_type = {c: _variable_type(participants[c]) for c in var_cols}
    if var_cols:
        vars_el = ET.SubElement(root, f"{q}Variables")
        for c in var_cols:
            v = ET.SubElement(vars_el, f"{q}Variable", guid=var_guid[c], name=str(c),
                              typeOfVariable=var_type[c])
            ET.SubElement(v, f"{q}Description").text = f"Participant metadata column '{c}'."

    source_guid = {iid: _guid(ns, "source", iid) for iid in texts}
    cases_el = ET.SubElement(root, f"{q}Cases")
    for _, p in participants.iterrows():
        iid = p["interview_id"]
        if iid not in source_guid:
            continue
        label = str(p["participant_code"]) if "participant_code" in p and pd.notna(p.get("participant_code")) else iid
        case = ET.SubElement(cases_el, f"{q}Case", guid=_guid(ns, "case", iid), name=label)
        for c in var_cols:
            value = p[c]
            if value is None or (isinstance(value, float) and np.isnan(value)):
                continue
            vv = ET.SubElement(case, f"{q}VariableValue")
            ET.SubElement(vv, f"{q}VariableRef", targetGUID=var_guid[c])
            kind = var_type[c]
            tag = {"Boolean": "BooleanValue", "Integer": "IntegerValue", "Float": "FloatValue"}.get(kind, "TextValue")
            if kind == "Boolean":
                text = "true" if bool(value) else "false"
            elif kind == "Integer":
                text = str(int(value))
            else:
                text = str(value)
            ET.SubElement(vv, f"{q}{tag}").text = text
        ET.SubElement(case, f"{q}SourceRef", targetGUID=source_guid[iid])
    if not len(cases_el):
        root.remove(cases_el)

    sources_el = ET.SubElement(root, f"{q}Sources")
    for iid in texts:
        sg = source_guid[iid]
        src = ET.SubElement(sources_el, f"{q}TextSource", guid=sg, name=iid,
                            plainTextPath=f"internal://{sg}.txt", creatingUser=user,
                            creationDateTime=now)
        for s in seg[seg["interview_id"].astype(str) == iid].itertuples(index=False):
            codings = []
            for group, column in _GROUP_COLUMN.items():
                if column not in seg.columns:
                    continue
                value = getattr(s, column)
                if value is None or (not isinstance(value, str) and pd.isna(value)):
                    continue
                key = str(int(value)) if group == "Themes" else str(value)
                guid = code_guids.get((group, key))
                if guid:
                    codings.append((group, guid))
            if not codings:
                continue
            sel = ET.SubElement(src, f"{q}PlainTextSelection", guid=_guid(ns, "selection", s.segment_id),
                                name=str(s.segment_id), startPosition=str(int(s.qda_start)),
                                endPosition=str(int(s.qda_end)), creatingUser=user, creationDateTime=now)
            for group, guid in codings:
                coding = ET.SubElement(sel, f"{q}Coding", guid=_guid(ns, "coding", s.segment_id, group),
                                       creatingUser=user, creationDateTime=now)
                ET.SubElement(coding, f"{q}CodeRef", targetGUID=guid)
    ET.SubElement(root, f"{q}Description").text = (
        "Exported by cxinsight: pseudonymised transcripts with automatic coding "
        "(themes, journey stages, emotion families) for human review."
    )

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("project.qde", ET.tostring(root, encoding="utf-8", xml_declaration=True))
        for iid, text in texts.items():
            zf.writestr(f"Sources/{source_guid[iid]}.txt", text.encode("utf-8"))
    tmp.replace(path)
    return path


def export_qdc(themes: pd.DataFrame | Corpus, path: str | Path, *, overwrite: bool = False) -> Path:
    """Write a REFI-QDA codebook (``.qdc``) of themes.

    Parameters
    ----------
    themes : DataFrame or Corpus
        A themes table (``theme``, ``label`` and optionally ``keywords``/``description``), e.g.
        ``corpus.tables["themes"]`` or ``ThemeModel.themes_``; or a corpus, whose themes,
        journey stages and emotion families are all written.
    path : str or Path
        The ``.qdc`` file to write.
    overwrite : bool, default False

    Returns
    -------
    Path
    """
    path = Path(path)
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path} exists; pass overwrite=True to replace it.")
    if isinstance(themes, Corpus):
        groups = _code_groups(themes)
        ns = _namespace(study_name(themes))
    else:
        if "label" not in themes.columns:
            raise InputError("The themes table needs a 'label' column (e.g. corpus.tables['themes']).")
        id_col = "theme" if "theme" in themes.columns else ("id" if "id" in themes.columns else None)
        codes = []
        for i, r in themes.reset_index(drop=True).iterrows():
            key = str(r[id_col]) if id_col else str(i)
            if key == "-1":
                continue
            desc = r.get("description")
            if not isinstance(desc, str) or not desc:
                kw = r.get("keywords")
                if isinstance(kw, (list, tuple, np.ndarray)):
                    kw = ", ".join(map(str, kw))
                desc = f"Keywords: {kw}" if isinstance(kw, str) and kw else ""
            codes.append((key, str(r["label"]), desc))
        groups = {"Themes": codes}
        ns = _namespace("codebook-" + hashlib.sha1("|".join(c[1] for c in codes).encode()).hexdigest()[:12])
    ET.register_namespace("", CODEBOOK_NS)
    root = ET.Element(f"{{{CODEBOOK_NS}}}CodeBook", origin="cxinsight")
    codes_el = ET.SubElement(root, f"{{{CODEBOOK_NS}}}Codes")
    _add_codes(codes_el, ns, groups, CODEBOOK_NS)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(ET.tostring(root, encoding="utf-8", xml_declaration=True))
    return path


# --------------------------------------------------------------------------- import
def _read_xml(path: Path) -> tuple[ET.Element, zipfile.ZipFile | None]:
    if zipfile.is_zipfile(path):
        zf = zipfile.ZipFile(path)
        names = [n for n in zf.namelist() if n.lower().endswith(".qde")]
        if not names:
            raise InputError(f"{path}: not a REFI-QDA project (no .qde file inside the zip).")
        return ET.fromstring(zf.read(names[0])), zf
    try:
        return ET.parse(path).getroot(), None
    except ET.ParseError as err:
        line, col = getattr(err, "position", (None, None))
        raise InputError(f"{path}, line {line}, column {col}: not valid XML ({err}).") from err


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def codebook_table(path: str | Path) -> pd.DataFrame:
    """Read the codes of a ``.qdc`` codebook or of the codebook inside a ``.qdpx``/``.qde``.

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    DataFrame
        ``guid, name, description, parent, path, is_codable`` (``path`` joins the names of
        the code's ancestors with ``/``).
    """
    path = Path(path)
    root, zf = _read_xml(path)
    if zf is not None:
        zf.close()
    codes_parent = None
    for el in root.iter():
        if _local(el.tag) == "Codes":
            codes_parent = el
            break
    rows: list[dict[str, Any]] = []

    def walk(el: ET.Element, parent: str | None, trail: list[str]) -> None:
        for child in el:
            if _local(child.tag) != "Code":
                continue
            name = child.get("name", "")
            desc_el = next((c for c in child if _local(c.tag) == "Description"), None)
            rows.append({
                "guid": child.get("guid"), "name": name,
                "description": (desc_el.text or "").strip() if desc_el is not None else "",
                "parent": parent, "path": "/".join([*trail, name]),
                "is_codable": child.get("isCodable", "true").lower() == "true",
            })
            walk(child, child.get("guid"), [*trail, name])

    if codes_parent is not None:
        walk(codes_parent, None, [])
    return pd.DataFrame(rows, columns=["guid", "name", "description", "parent", "path", "is_codable"])


def read_codebook(path: str | Path, *, group: str | None = None) -> dict[str, str]:
    """Read a REFI-QDA codebook as a cxinsight codebook (``{theme name: description}``).

    The result can be passed as ``codebook=`` to :func:`cxinsight.extract_themes` or
    :func:`cxinsight.analyse` to guide themes with a team's existing codes.

    Parameters
    ----------
    path : str or Path
        A ``.qdc`` codebook, or a ``.qdpx``/``.qde`` project (its codebook is read).
    group : str, optional
        Only codes below the top-level code of this name (e.g. ``"Themes"``).

    Returns
    -------
    dict of str to str
        Codable codes; a code without a description is described by its name.
    """
    table = codebook_table(path)
    if group is not None:
        table = table[table["path"].str.startswith(group + "/")]
        if table.empty:
            raise InputError(f"{path}: no codes below a top-level code named {group!r}.")
    table = table[table["is_codable"]]
    return {r["name"]: (r["description"] or r["name"]) for _, r in table.iterrows()}


def read_sources(path: str | Path) -> dict[str, str]:
    """Read the plain texts of a ``.qdpx`` project's text sources.

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    dict of str to str
        Source name -> normalised text (sources with no readable text are left out).
    """
    path = Path(path)
    root, zf = _read_xml(path)
    if zf is None:
        raise InputError(f"{path}: source texts need a .qdpx project with its Sources/ folder.")
    try:
        return {src.get("name"): text for src in root.iter()
                if _local(src.tag) == "TextSource" and (text := _source_text(src, zf)) is not None}
    finally:
        zf.close()


def _source_text(src: ET.Element, zf: zipfile.ZipFile) -> str | None:
    content = next((c for c in src if _local(c.tag) == "PlainTextContent"), None)
    if content is not None and content.text:
        return _normalise(content.text)
    ptp = src.get("plainTextPath", "")
    if ptp.startswith("internal://"):
        member = "Sources/" + ptp[len("internal://"):]
        if member in zf.namelist():
            return _normalise(zf.read(member).decode("utf-8-sig"))
    return None


def read_codings(path: str | Path) -> pd.DataFrame:
    """Read the coded text selections of a ``.qdpx`` project (from any QDA tool).

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    DataFrame
        ``source, start, end, code, code_path, text, coder``: one row per coding, ``text`` the
        selection cut from the source text.
    """
    path = Path(path)
    root, zf = _read_xml(path)
    if zf is None:
        raise InputError(f"{path}: codings need a .qdpx project with its Sources/ texts.")
    codes = codebook_table(path).set_index("guid")
    users = {u.get("guid"): u.get("name") for u in root.iter() if _local(u.tag) == "User"}
    rows = []
    try:
        for src in root.iter():
            if _local(src.tag) != "TextSource":
                continue
            text = _source_text(src, zf)
            for sel in src:
                if _local(sel.tag) != "PlainTextSelection":
                    continue
                start, end = int(sel.get("startPosition", 0)), int(sel.get("endPosition", 0))
                for coding in sel:
                    if _local(coding.tag) != "Coding":
                        continue
                    ref = next((c for c in coding if _local(c.tag) == "CodeRef"), None)
                    if ref is None or ref.get("targetGUID") not in codes.index:
                        continue
                    code = codes.loc[ref.get("targetGUID")]
                    rows.append({
                        "source": src.get("name"), "start": start, "end": end,
                        "code": code["name"], "code_path": code["path"],
                        "text": text[start:end] if text is not None else None,
                        "coder": users.get(coding.get("creatingUser") or sel.get("creatingUser")),
                    })
    finally:
        zf.close()
    return pd.DataFrame(rows, columns=["source", "start", "end", "code", "code_path", "text", "coder"])


def apply_codings(corpus: Corpus, codings: pd.DataFrame | str | Path, *, column: str = "manual_theme",
                  group: str | None = "Themes", min_overlap: float = 0.5,
                  sources: Mapping[str, str] | None = None) -> Corpus:
    """Add human codes from a QDA project to the matching segments.

    A segment takes a code when at least ``min_overlap`` of its characters fall inside a coded
    selection of the same interview (source name = ``interview_id``). Segments are located in
    the other tool's source text by their own text, so a transcript laid out differently still
    matches as long as the words are the same.

    Parameters
    ----------
    corpus : Corpus
        A segmented corpus.
    codings : DataFrame or path
        The result of :func:`read_codings`, or a ``.qdpx`` path.
    column : str, default "manual_theme"
        Column to add; several codes on one segment are ``;``-joined in name order.
    group : str or None, default "Themes"
        Only codes below this top-level code; ``None`` for all codes.
    min_overlap : float, default 0.5
    sources : mapping, optional
        Source name -> full text of the other tool's sources (read from the project when
        ``codings`` is a path). Without it, segments are located inside the selections' texts
        only, so a segment only partly covered by a selection is not matched.

    Returns
    -------
    Corpus
        With ``column`` in ``segments`` and ``meta["qda_import"]`` counting matched and
        unmatched selections.
    """
    if not 0 < min_overlap <= 1:
        raise InputError(f"min_overlap must be in (0, 1], got {min_overlap!r}.")
    if not isinstance(codings, pd.DataFrame):
        if sources is None:
            sources = read_sources(codings)
        codings = read_codings(codings)
    segs = corpus.require("segments", ["segment_id", "text"], "cx.segment(corpus)")
    if group is not None:
        codings = codings[codings["code_path"].str.startswith(group + "/")]
    assigned: dict[str, set[str]] = {}
    matched_selections = 0
    unmatched_sources: set[str] = set()
    for source, sel in codings.groupby("source"):
        mine = segs[segs["interview_id"].astype(str) == str(source)]
        if mine.empty:
            unmatched_sources.add(str(source))
            continue
        full = None if sources is None else sources.get(str(source))
        located = _locate_in_text(mine, full) if full is not None else _locate_segments(mine, sel)
        for s in sel.itertuples(index=False):
            hit = False
            for seg_id, (a, b) in located.items():
                overlap = min(b, s.end) - max(a, s.start)
                if b > a and overlap / (b - a) >= min_overlap:
                    assigned.setdefault(seg_id, set()).add(str(s.code))
                    hit = True
            matched_selections += hit
    values = segs["segment_id"].map(lambda i: ";".join(sorted(assigned[i])) if i in assigned else None)
    meta = dict(corpus.meta)
    meta["qda_import"] = {
        "selections": int(len(codings)), "matched_selections": int(matched_selections),
        "segments_coded": int(values.notna().sum()), "unmatched_sources": sorted(unmatched_sources),
    }
    return corpus.with_step("apply_codings", {"column": column, "group": group, "min_overlap": min_overlap},
                            segments=segs.assign(**{column: values}), meta=meta)


def _locate_in_text(segments: pd.DataFrame, text: str) -> dict[str, tuple[int, int]]:
    """Find each segment's span in ``text``, searching forward from the previous segment."""
    spans: dict[str, tuple[int, int]] = {}
    cursor = 0
    for s in segments.itertuples(index=False):
        needle = _normalise(s.text)
        k = text.find(needle, cursor)
        if k < 0:
            k = text.find(needle)
        if k >= 0:
            spans[s.segment_id] = (k, k + len(needle))
            cursor = k + len(needle)
    return spans


def _locate_segments(segments: pd.DataFrame, selections: pd.DataFrame) -> dict[str, tuple[int, int]]:
    """Find each segment's character span in the other tool's source text.

    The source text is pieced together from the selections' own texts (all we know of it);
    a segment whose text lies inside a selection is placed there.
    """
    spans: dict[str, tuple[int, int]] = {}
    sel = selections.dropna(subset=["text"])
    for s in segments.itertuples(index=False):
        needle = _normalise(s.text)
        for r in sel.itertuples(index=False):
            k = r.text.find(needle)
            if k >= 0:
                spans[s.segment_id] = (r.start + k, r.start + k + len(needle))
                break
    return spans


def coding_agreement(corpus: Corpus, manual: str = "manual_theme", machine: str = "theme_label") -> pd.DataFrame:
    """Cohen's kappa per code between human and machine coding of the same segments.

    Each code is treated as present/absent on every segment that either coder coded or that
    was eligible for themes (``theme`` not missing).

    Parameters
    ----------
    corpus : Corpus
    manual, machine : str
        Segment columns with ``;``-joined code names.

    Returns
    -------
    DataFrame
        ``code, n_manual, n_machine, n_both, agreement, kappa``, sorted by code.
    """
    from sklearn.metrics import cohen_kappa_score

    seg = corpus.require("segments", [manual, machine], "cx.qda.apply_codings(corpus, 'project.qdpx')")
    eligible = seg[manual].notna() | seg[machine].notna()
    if "theme" in seg.columns:
        eligible |= seg["theme"].notna()
    seg = seg[eligible]

    def split(v: Any) -> set[str]:
        return set() if v is None or (not isinstance(v, str) and pd.isna(v)) else set(str(v).split(";"))

    man = seg[manual].map(split)
    mac = seg[machine].map(split)
    codes = sorted(set().union(*man, *mac)) if len(seg) else []
    rows = []
    for code in codes:
        a = man.map(lambda s, c=code: c in s).to_numpy()
        b = mac.map(lambda s, c=code: c in s).to_numpy()
        kappa = float(cohen_kappa_score(a, b)) if len(set(a) | set(b)) > 1 else float("nan")
        rows.append({"code": code, "n_manual": int(a.sum()), "n_machine": int(b.sum()),
                     "n_both": int((a & b).sum()), "agreement": float((a == b).mean()), "kappa": kappa})
    return pd.DataFrame(rows, columns=["code", "n_manual", "n_machine", "n_both", "agreement", "kappa"])
