"""Build the study report's sections from an analysed corpus.

Every section degrades gracefully: when a step has not been run, the section says so and names
the call that produces it, so a partial analysis still gives a useful report.
"""

from __future__ import annotations

import datetime as _dt
import math
import os
import re
import warnings
from typing import Any

import pandas as pd

from cxinsight.corpus import Corpus
from cxinsight.errors import MissingStepError
from cxinsight.insights import (
    opportunities as _opportunities,
)
from cxinsight.insights import (
    run_synthesis,
    stage_summary,
    stored_curve,
    theme_summary,
)
from cxinsight.insights._common import (
    ALL_STAGES,
    fmt_num,
    fmt_p,
    journey_status,
    nice,
    participant_segments,
    people_noun,
    stage_order,
    study_kind,
)
from cxinsight.insights.synthesis import SynthesisParams, group_phrase
from cxinsight.report import figures
from cxinsight.report.document import Bullets, Document, Figure, Heading, Note, Para, Quote, Table
from cxinsight.speech import group_columns, group_values

_SAFE_PARAM_WORDS = ("name", "known", "allow", "deny", "extra", "list", "key", "pii", "secret")


def _has(corpus: Corpus, col: str) -> bool:
    return corpus.segments is not None and col in corpus.segments.columns


def _pct(x: float) -> str:
    return "" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.0%}"


def build_document(
    corpus: Corpus,
    insights: pd.DataFrame | None = None,
    *,
    title: str | None = None,
    top_n: int = 6,
    seed: int = 0,
) -> Document:
    """Return the report as a :class:`~cxinsight.report.document.Document`."""
    ctx = _Context(corpus, insights, seed)
    size = (f"survey of {corpus.n_interviews} respondents" if ctx.survey
            else f"{corpus.n_interviews} interviews")
    doc = Document(
        title=title or ("Customer survey: findings" if ctx.survey else "Customer interview study: findings"),
        subtitle=f"{size} · report generated {_report_date()} by cxinsight",
    )
    _at_a_glance(doc, ctx)
    _overview(doc, ctx)
    _warnings(doc, ctx)
    _reading(doc, ctx)
    _anonymisation(doc, ctx)
    if ctx.journey:
        _journey(doc, ctx)
        _highs_lows(doc, ctx)
    else:
        _no_journey(doc, ctx)
    _pains_delights(doc, ctx, top_n)
    _themes(doc, ctx)
    _segments(doc, ctx)
    _method(doc, ctx)
    _provenance(doc, ctx)
    _limitations(doc, ctx)
    return doc


def _report_date() -> str:
    """Today's date, or the date of ``SOURCE_DATE_EPOCH`` (reproducible builds) when it is set."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.strip().isdigit():
        return _dt.datetime.fromtimestamp(int(epoch), _dt.timezone.utc).date().isoformat()
    return _dt.date.today().isoformat()


class _Context:
    """Lazily computed pieces shared by the sections."""

    def __init__(self, corpus: Corpus, insights: pd.DataFrame | None, seed: int) -> None:
        self.corpus = corpus
        self.seed = seed
        self.order = stage_order(corpus)
        self.journey, self.why_no_journey = journey_status(corpus)
        self.survey = study_kind(corpus) == "survey"
        self.people = people_noun(corpus)
        self.insights = insights
        self.contrasts: pd.DataFrame | None = corpus.tables.get("contrasts")
        self.missing: dict[str, str] = {}
        self._cache: dict[str, Any] = {}
        if self.insights is None:
            self.insights = corpus.tables.get("insights")
        if self.insights is None or self.contrasts is None:
            try:
                syn = run_synthesis(corpus, SynthesisParams(seed=seed))
                if self.insights is None:
                    self.insights = syn.insights
                if self.contrasts is None:
                    self.contrasts = syn.contrasts
            except MissingStepError as err:
                self.missing["insights"] = str(err)

    def curve(self, by: str | None) -> pd.DataFrame | None:
        if not self.journey:
            return None
        table = stored_curve(self.corpus, by)
        if table is not None:
            return table
        try:
            return stage_summary(self.corpus, by, seed=self.seed)
        except MissingStepError as err:
            self.missing["curve"] = str(err)
            return None

    def opportunities(self) -> pd.DataFrame | None:
        """The journey's highs and lows as opportunities (stored, or from ``cx.moments``)."""
        if not self.journey:
            return None
        if "opportunities" not in self._cache:
            opp = self.corpus.tables.get("opportunities")
            if opp is None:
                try:
                    opp = _opportunities(self.corpus, seed=self.seed)
                except MissingStepError as err:
                    self.missing["opportunities"] = str(err)
            self._cache["opportunities"] = opp
        return self._cache["opportunities"]

    def groups(self) -> list[str]:
        cands = group_columns(self.corpus.participants)
        preferred = [c for c in ("segment", "nps_group") if c in cands]
        return preferred or cands[:2]


# --------------------------------------------------------------------------------- sections
def _at_a_glance(doc: Document, ctx: _Context) -> None:
    doc.add(Heading(2, "At a glance", "glance"))
    ins = ctx.insights
    if ins is None or ins.empty:
        doc.add(Note("No ranked insights yet. " + ctx.missing.get(
            "insights", "Too few participants share a theme at any stage to call it an insight.")))
        return
    picks: list[str] = []
    for kind in ("pain point", "delight"):
        rows = ins[ins["type"] == kind].drop_duplicates("theme")  # two themes, not one theme twice
        picks += [str(s) for s in rows["statement"].head(2)]
    cited = ins[ins["contrast_p"].astype(float) < 0.05].sort_values("contrast_p", kind="mergesort")
    picks += [str(s) for s in cited["statement"].head(1) if str(s) not in picks]
    if not picks:
        picks = [str(s) for s in ins["statement"].head(3)]
    doc.add(Para("The strongest findings: the main pain points and delights (ranked by impact = "
                 f"share of {ctx.people} × mean valence) and the clearest difference between groups.",
                 "lead"))
    doc.add(Bullets(picks))
    opp = ctx.opportunities()
    if opp is not None and not opp.empty:
        overall = opp[opp["group_column"].isna()]
        highs, lows = overall[overall["kind"] == "elevate"], overall[overall["kind"] == "mitigate"]
        parts = []
        if not highs.empty:
            hi = highs.loc[highs["valence"].astype(float).idxmax()]
            parts.append(f"felt best at the {nice(hi['stage'])} stage (mean valence {fmt_num(hi['valence'])})")
        if not lows.empty:
            lo = lows.loc[lows["valence"].astype(float).idxmin()]
            parts.append(f"worst at the {nice(lo['stage'])} stage ({fmt_num(lo['valence'])})")
        if parts:
            doc.add(Para(f"Across the journey, {ctx.people} " + " and ".join(parts) + "."))


def _overview(doc: Document, ctx: _Context) -> None:
    c = ctx.corpus
    doc.add(Heading(2, "Study overview", "overview"))
    summary = c.summary()
    formats: dict[str, int] = {}
    for f in c.meta.get("files", []):
        formats[str(f.get("format", "?"))] = formats.get(str(f.get("format", "?")), 0) + 1
    n_part = c.participants["interview_id"].nunique()
    rows = [
        ("Survey responses" if ctx.survey else "Interviews", c.n_interviews),
        (ctx.people.capitalize(), n_part),
        ("Words (all speakers)", f"{int(summary['words'].sum()):,}"),
        (f"Words written or spoken by {ctx.people}", f"{int(summary['participant_words'].sum()):,}"),
        ("Segments (sentence-level units)", "" if c.segments is None else f"{len(c.segments):,}"),
        ("File formats", ", ".join(f"{k} ({v})" for k, v in sorted(formats.items())) or "not recorded"),
    ]
    skipped = c.meta.get("skipped", [])
    rows.append(("Files skipped", len(skipped)))
    doc.add(Table(pd.DataFrame(rows, columns=["", "value"])))
    if skipped:
        reasons: dict[str, int] = {}
        for s in skipped:
            r = str(s.get("reason", "unknown reason")).split(":")[0][:80]
            reasons[r] = reasons.get(r, 0) + 1
        doc.add(Note("Files not read: " + "; ".join(f"{r} ({n})" for r, n in sorted(reasons.items()))
                     + ". See corpus.meta['skipped'] for the file names.", "warning"))
    groups = ctx.groups()
    if groups:
        p = c.participants
        items = []
        for g in groups:
            values = group_values(p, g)
            counts = values.dropna().value_counts().sort_index()
            blank = int(values.isna().sum())
            item = f"{nice(g)}: " + ", ".join(f"{nice(k)} ({v})" for k, v in counts.items())
            items.append(item + (f"; no answer ({blank})" if blank else ""))
        doc.add(Para(f"{ctx.people.capitalize()} by group (blank answers are never a group):"),
                Bullets(items))
    else:
        doc.add(Note("No participant groups (segments, NPS groups) were given. Pass a manifest "
                     "with cx.read(path, manifest='manifest.csv') to compare groups."))


def _warnings(doc: Document, ctx: _Context) -> None:
    """Every warning recorded while the study was analysed, one line each (none: no section)."""
    raw = ctx.corpus.meta.get("warnings")
    if not raw:
        return
    if isinstance(raw, (str, dict)):
        raw = [raw]
    lines = []
    for w in raw:
        if isinstance(w, dict):
            w = w.get("message") or w.get("line") or "; ".join(f"{k}: {v}" for k, v in w.items())
        line = " ".join(str(w).split())
        if line:
            lines.append(line)
    if not lines:
        return
    doc.add(Heading(2, "Warnings", "warnings"))
    doc.add(Para(f"{len(lines)} warning{'s' if len(lines) != 1 else ''} raised while reading and "
                 "analysing the study, one per line. Read them before relying on a figure."))
    doc.add(Bullets(lines))


_FILE_ID = ("file", "path", "name", "source")
_FILE_FLAGS = ("red_flags", "flags", "warnings", "issues")


def _reading(doc: Document, ctx: _Context) -> None:
    """A summary of the per-file reading report (``corpus.tables["files"]``), when there is one."""
    files = ctx.corpus.tables.get("files")
    if files is None or len(files) == 0:
        return
    doc.add(Heading(2, "How the files were read", "reading"))
    facts = [f"{len(files)} file{'s' if len(files) != 1 else ''} read"]
    if "status" in files.columns:
        counts = files["status"].fillna("unknown").astype(str).value_counts()
        facts = [f"{len(files)} file{'s' if len(files) != 1 else ''}: "
                 + ", ".join(f"{v} {k}" for k, v in counts.items())]
    for col, what in (("turns", "turns"), ("words", "words"), ("words_raw", "words read"),
                      ("words_kept", "words kept")):
        if col in files.columns:
            total = pd.to_numeric(files[col], errors="coerce").sum()
            facts.append(f"{int(total):,} {what}")
    doc.add(Para("; ".join(facts) + "."))
    rows = []
    for col, what in (("format", "format"), ("encoding", "encoding")):
        if col in files.columns:
            counts = files[col].dropna().astype(str).value_counts()
            rows.append((what, ", ".join(f"{k} ({v})" for k, v in counts.items())))
    if "encoding_confidence" in files.columns:
        sure = pd.to_numeric(files["encoding_confidence"], errors="coerce")
        rows.append(("encoding uncertain (confidence below 0.9)", int((sure < 0.9).sum())))
    flag_col = next((c for c in _FILE_FLAGS if c in files.columns), None)
    flagged: dict[str, int] = {}
    n_flagged = 0
    if flag_col is not None:
        for v in files[flag_col]:
            items = _as_list(v)
            n_flagged += bool(items)
            for item in items:
                # "one speaker holds 81% of words" and "... 86% ..." are one kind of flag
                key = re.sub(r"\d+(?:[.,]\d+)?", "N", str(item).split(":")[0]).strip()
                flagged[key] = flagged.get(key, 0) + 1
        rows.append(("files with a red flag", n_flagged))
    if rows:
        doc.add(Table(pd.DataFrame(rows, columns=["", "value"]), "Reading report"))
    if flagged:
        doc.add(Note("Red flags: " + "; ".join(f"{k} ({v} file{'s' if v != 1 else ''})"
                                                for k, v in sorted(flagged.items()))
                     + ". See corpus.tables['files'] for each file.", "warning"))


def _as_list(v: Any) -> list[Any]:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return []
    if isinstance(v, str):
        return [p for p in (x.strip() for x in v.split(";")) if p]
    try:
        return [x for x in list(v) if x is not None and str(x).strip()]
    except TypeError:
        return [v]


def _flatten_counts(d: Any, prefix: str = "") -> list[tuple[str, int]]:
    out: list[tuple[str, int]] = []
    if isinstance(d, dict):
        for k, v in d.items():
            out += _flatten_counts(v, f"{prefix} · {k}" if prefix else str(k))
    elif isinstance(d, bool):
        return out
    elif isinstance(d, (int, float)) and not isinstance(d, bool) and float(d).is_integer():
        out.append((prefix, int(d)))
    return out


def _anonymisation(doc: Document, ctx: _Context) -> None:
    doc.add(Heading(2, "Anonymisation", "anonymisation"))
    info = ctx.corpus.meta.get("anonymisation")
    if not info and "anonymise" not in ctx.corpus.steps:
        doc.add(Note("These transcripts were NOT pseudonymised. Run cx.anonymise(corpus) (or the "
                     "command without --no-anonymise) before sharing this report.", "warning"))
        return
    doc.add(Para("Personal data (names, emails, phone numbers, addresses, order and card numbers) "
                 "was detected and replaced with consistent pseudonyms before any analysis. Speakers "
                 "appear as participant and interviewer codes. Only counts are shown here; the "
                 "re-identification key is kept apart from this report."))
    info = info or {}
    by_label, entities = info.get("by_label"), info.get("entities")
    if isinstance(by_label, dict) and by_label:
        labels = sorted(set(by_label) | set(entities or {}))
        doc.add(Table(pd.DataFrame({
            "kind of personal data": [nice(lab).lower() for lab in labels],
            "distinct items": [(entities or {}).get(lab, "") for lab in labels],
            "replacements in the text": [by_label.get(lab, 0) for lab in labels],
        }), "What was replaced"))
        facts = []
        if "replacements" in info:
            facts.append(f"{info['replacements']:,} replacements in total")
        if info.get("participants_coded") is not None:
            facts.append(f"{info['participants_coded']} participants and "
                         f"{info.get('interviewers_coded', 0)} interviewers given codes")
        det = info.get("by_detector")
        if isinstance(det, dict) and det:
            facts.append("found by " + ", ".join(f"{nice(k)} ({v})" for k, v in
                                                 sorted(det.items(), key=lambda kv: -kv[1])))
        if facts:
            doc.add(Para("; ".join(facts) + "."))
        return
    counts = _flatten_counts(info)
    counts = [(k, v) for k, v in counts if not any(w in k.lower() for w in ("seed", "version", "min_", "max_"))]
    if counts:
        doc.add(Table(pd.DataFrame(counts[:40], columns=["what was replaced", "count"])))


def _journey(doc: Document, ctx: _Context) -> None:
    doc.add(Heading(2, "Journey emotion curve", "journey"))
    curve = ctx.curve(None)
    if curve is None or curve.empty:
        doc.add(Note("No journey curve: " + ctx.missing.get(
            "curve", "no segment has both a stage and a valence. Run cx.assign_stages(corpus).")))
        return
    doc.add(Para("How participants felt at each stage of the customer journey. Each point is the "
                 "average feeling of the participants who talked about that stage (every participant "
                 "counts equally, however much they said), from −1 (very negative) to +1 (very "
                 "positive); the band shows the 95% confidence interval."))
    doc.add(Figure("journey_curve", figures.journey_curve_png(ctx.corpus, curve, None, ctx.order),
                   "Journey emotion curve, all participants.", "Journey emotion curve"))
    table = pd.DataFrame({
        "stage": curve["stage"].map(nice),
        "mean valence": curve["valence"].map(fmt_num),
        "95% CI": [f"{fmt_num(a)} to {fmt_num(b)}" for a, b in zip(curve.get("ci_low", curve["valence"] * float("nan")),
                                                                  curve.get("ci_high", curve["valence"] * float("nan")))],
        "participants": curve["n_participants"] if "n_participants" in curve.columns else "",
    })
    emo_col = next((c for c in ("emotions", "leading_emotions", "top_emotions", "emotion") if c in curve.columns), None)
    if emo_col:
        table["main emotions"] = curve[emo_col].map(lambda v: ", ".join(v) if isinstance(v, (list, tuple)) else v)
    doc.add(Table(table, "Mean valence by stage"))
    for by in ctx.groups():
        gcurve = ctx.curve(by)
        if gcurve is None or gcurve.empty:
            continue
        doc.add(Heading(3, f"By {nice(by)}"))
        doc.add(Figure(f"journey_curve_{by}", figures.journey_curve_png(ctx.corpus, gcurve, by, ctx.order),
                       f"Journey emotion curve by {nice(by)}.", f"Journey emotion curve by {nice(by)}"))


def _no_journey(doc: Document, ctx: _Context) -> None:
    doc.add(Heading(2, "Journey", "journey"))
    doc.add(Para(f"No journey curve or stage-level findings: the customer journey does not apply to "
                 f"this study ({ctx.why_no_journey}). Findings are reported per theme."))


def _highs_lows(doc: Document, ctx: _Context) -> None:
    doc.add(Heading(2, "Highs and lows", "highs-lows"))
    opp = ctx.opportunities()
    if opp is None:
        doc.add(Note("Highs and lows need journey stages and emotions: "
                     + ctx.missing.get("opportunities", "")))
        return
    if opp.empty:
        doc.add(Note("No stage has enough participants (5 or more) to call a high or a low."))
        return
    doc.add(Para("Where the journey dips, there is something to mitigate; where it peaks, something "
                 "to protect and elevate. Each is backed by the themes participants raised at that "
                 "stage and their own words."))
    overall = opp[opp["group_column"].isna()]
    for _, r in overall.iterrows():
        doc.add(Heading(3, ("Low: " if r["kind"] == "mitigate" else "High: ") + nice(r["stage"])))
        doc.add(Para(str(r["statement"]), "statement"))
        for q, who in zip(r["quotes"], r["quote_participants"]):
            doc.add(Quote(str(q), str(who)))
    groups = opp[opp["group_column"].notna()]
    if not groups.empty:
        doc.add(Heading(3, "Highs and lows within groups"))
        doc.add(Bullets([str(s) for s in groups["statement"]]))


def _insight_block(doc: Document, r: pd.Series) -> None:
    stage = "" if str(r["stage"]) == ALL_STAGES else f" — {nice(r['stage'])}"
    doc.add(Heading(3, f"{r['theme_label']}{stage}"))
    doc.add(Para(str(r["statement"]).split(" Caveat:")[0], "statement"))
    for q, who in zip(list(r["quotes"]), list(r["quote_participants"])):
        doc.add(Quote(str(q), str(who)))
    if r.get("caveats"):
        doc.add(Para(f"Caveat: {r['caveats']}.", "caveat"))


def _pains_delights(doc: Document, ctx: _Context, top_n: int) -> None:
    ins = ctx.insights
    who = ctx.people
    for kind, title, anchor, blurb in (
        ("pain point", "Top pain points", "pain-points",
         f"Themes {who} describe negatively, ranked by impact (share of {who} × how negative)."),
        ("delight", "Top delights", "delights",
         f"Themes {who} describe positively, ranked by impact (share of {who} × how positive)."),
    ):
        doc.add(Heading(2, title, anchor))
        if ins is None:
            doc.add(Note(ctx.missing.get("insights", "No insights.")))
            continue
        rows = ins[ins["type"] == kind].head(top_n)
        if rows.empty:
            doc.add(Note(f"No {kind}s: no theme was raised by enough {who} with a "
                         f"clearly {'negative' if kind == 'pain point' else 'positive'} tone."))
            continue
        doc.add(Para(blurb))
        for _, r in rows.iterrows():
            _insight_block(doc, r)
    if ins is not None:
        mixed = ins[ins["type"] == "mixed"].head(3)
        if not mixed.empty:
            doc.add(Heading(3, "Mixed feelings"))
            doc.add(Bullets([str(s) for s in mixed["statement"]]))
        asks = ins[ins["type"] == "request"].head(top_n)
        if not asks.empty:
            doc.add(Heading(2, "Requests and wishes", "requests"))
            doc.add(Para(f"Themes where {who} mostly ask for something (“please add…”, “I wish…”): "
                         "unmet needs, not delight."))
            doc.add(Bullets([str(s) for s in asks["statement"]]))


def _themes(doc: Document, ctx: _Context) -> None:
    doc.add(Heading(2, "Themes", "themes"))
    try:
        t = theme_summary(ctx.corpus, seed=ctx.seed)
    except MissingStepError as err:
        doc.add(Note(f"No themes yet: {err}"))
        return
    if t.empty:
        doc.add(Note("No themes were found (every segment is an outlier or unthemed)."))
        return
    seg = participant_segments(ctx.corpus)
    themed = pd.to_numeric(seg["theme"], errors="coerce")
    n_out = int((themed == -1).sum())
    doc.add(Para(f"{len(t)} themes were found in what {ctx.people} said. {n_out} of "
                 f"{int(themed.notna().sum())} themed segments fitted no theme (outliers). "
                 f"Prevalence counts {ctx.people}, not sentences."))
    doc.add(Figure("themes", figures.themes_png(t), f"Share of {ctx.people} raising each theme, "
                   "coloured by mean valence.", "Theme prevalence and sentiment"))
    table = pd.DataFrame({
        "theme": t["theme_label"],
        ctx.people: [f"{n} ({_pct(s)})" for n, s in zip(t["n_participants"], t["share"])],
        "segments": t["n_segments"],
        "mean valence": t["valence"].map(fmt_num),
        "95% CI": [f"{fmt_num(a)} to {fmt_num(b)}" if not math.isnan(a) else "" for a, b in zip(t["ci_low"], t["ci_high"])],
        "tone": t["tone"],
        "main emotions": t["emotions"],
        "stages": t["stages"],
    })
    if not ctx.journey:
        table = table.drop(columns="stages")
    doc.add(Table(table, "Themes by prevalence"))


def _segments(doc: Document, ctx: _Context) -> None:
    doc.add(Heading(2, "Differences between groups", "segments"))
    con = ctx.contrasts
    groups = ctx.groups()
    if not groups:
        doc.add(Note("No participant groups to compare: pass a manifest with a segment or NPS "
                     "group column, e.g. cx.read(path, manifest='manifest.csv')."))
        return
    if con is None or con.empty:
        doc.add(Note("No group comparisons could be made. " + ctx.missing.get("insights", "")))
        return
    m = int(con["testable"].sum())
    unit = "theme and stage" if ctx.journey else "theme"
    doc.add(Para(f"For every {unit}, we compared how many {ctx.people} in each group raise "
                 f"it, counting only those who answered the group question (Fisher's exact test), "
                 f"then corrected for making {m} comparisons at once "
                 "(Benjamini–Hochberg). With groups this small, only large differences can reach "
                 "significance; treat the others as leads to follow up."))
    shown = con[con["testable"]].sort_values(["p_value", "p_adj"], kind="mergesort").head(10)
    if shown.empty:
        doc.add(Note("No comparison had enough mentions to be testable."))
        return
    table = pd.DataFrame({
        "theme": shown["theme_label"],
        "stage": shown["stage"].map(nice),
        "comparison": [f"{group_phrase(col, a, ctx.people)} vs {group_phrase(col, b, ctx.people, other_than=a)}"
                       for col, a, b in zip(shown["column"], shown["group_a"], shown["group_b"])],
        "counts": [f"{a} of {na} vs {b} of {nb}" for a, na, b, nb in zip(shown["count_a"], shown["n_a"], shown["count_b"], shown["n_b"])],
        "ratio": ["∞" if math.isinf(r) else ("" if math.isnan(r) else f"{r:.1f}×") for r in shown["ratio"]],
        "p": [fmt_p(p).lstrip("= ") for p in shown["p_value"]],
        "adjusted p": [fmt_p(p).lstrip("= ") for p in shown["p_adj"]],
    })
    if not ctx.journey or set(shown["stage"].astype(str)) == {ALL_STAGES}:
        table = table.drop(columns="stage")
    doc.add(Table(table, "The ten largest differences between groups"))
    if ctx.journey:
        doc.add(Para("Each group's own highs and lows of the journey (where 5 or more of its "
                     "participants speak to a stage) are listed under Highs and lows."))


def _method(doc: Document, ctx: _Context) -> None:
    doc.add(Heading(2, "How this analysis was done", "method"))
    steps = ctx.corpus.steps
    text = {
        "read": "Transcripts were read from their original formats into one table of speaker turns.",
        "segment": "Turns were split into sentence-level segments; short back-channels (“yeah”, “mm-hmm”) were set aside.",
        "anonymise": "Personal data was detected with pattern and name rules and replaced by consistent pseudonyms.",
        "embed": "Each segment was turned into a sentence embedding by a small local language model (no data left this computer).",
        "tag_emotions": "Each segment received a valence (−1 to +1) and an emotion family from a classifier trained on the public GoEmotions data, combined with the VADER sentiment lexicon.",
        "extract_themes": "Themes were found by clustering the participants' segments (BERTopic) and labelled with key phrases.",
        "assign_stages": "Each segment was assigned to a journey stage using the interviewer's question, the segment's content and its place in the interview.",
        "synthesise": "Insights combine how many people raise a theme (split by journey stage where the journey applies) with how they feel about it; requests and wishes are counted as unmet needs, never delight; group differences use Fisher's exact test with Benjamini–Hochberg correction, among those who answered the group question; confidence intervals resample people.",
    }
    if not ctx.journey:
        text["assign_stages"] = ("The interview guide and the answers were checked against the "
                                 "customer journey map; the study does not follow it, so findings "
                                 "are not split by journey stage.")
    items = [text[s] for s in dict.fromkeys(steps) if s in text]
    if "synthesise" not in steps:
        items.append(text["synthesise"])
    doc.add(Bullets(items))


def _safe_params(params: dict[str, Any]) -> str:
    parts = []
    for k, v in (params or {}).items():
        if any(w in str(k).lower() for w in _SAFE_PARAM_WORDS):
            parts.append(f"{k}=[not shown]")
        elif isinstance(v, (list, tuple, dict)):
            parts.append(f"{k}=[{len(v)} item{'s' if len(v) != 1 else ''}]")
        elif isinstance(v, str) and len(v) > 60:
            parts.append(f"{k}={v[:57]}…")
        else:
            parts.append(f"{k}={v}")
    return ", ".join(parts)


def _provenance(doc: Document, ctx: _Context) -> None:
    doc.add(Heading(2, "Parameters and provenance", "provenance"))
    prov = ctx.corpus.provenance
    if not prov:
        doc.add(Note("No provenance recorded."))
        return
    doc.add(Para("Every step that produced this report, in order, with its parameters. Re-running "
                 "the same steps on the same transcripts with the same parameters gives the same results."))
    doc.add(Table(pd.DataFrame({
        "step": [p.get("step", "") for p in prov],
        "time (UTC)": [str(p.get("time", "")) for p in prov],
        "parameters": [_safe_params(p.get("params", {})) for p in prov],
    })))
    versions = prov[-1].get("versions", {}) or {}
    if versions:
        doc.add(Para("Software: " + ", ".join(f"{k} {v}" for k, v in sorted(versions.items()))))
    emb = ctx.corpus.meta.get("embedding", {})
    if isinstance(emb, dict) and emb.get("model"):
        doc.add(Para(f"Embedding model: {emb.get('model')} ({emb.get('dim', '?')} dimensions)."))


def _limitations(doc: Document, ctx: _Context) -> None:
    doc.add(Heading(2, "Limitations", "limitations"))
    c = ctx.corpus
    n = c.participants["interview_id"].nunique()
    if ctx.survey:
        scope = (f"This is a survey of {n} respondents, analysed from their written answers. "
                 "Percentages describe the respondents who answered, not a customer population; "
                 "themes raised by a small share of respondents are not reported as insights.")
    else:
        scope = (f"This is a qualitative study of {n} participants. Percentages describe these "
                 "participants, not a customer population; differences between small groups are "
                 "leads to test, not facts.")
    items = [
        scope,
        "Emotions and valence are machine estimates from the words used. They miss irony and tone of "
        "voice; read the quotes before acting on a number.",
        "Themes are found automatically and can merge or split topics a researcher would separate; "
        "check the labels against the quotes.",
        "Automatic anonymisation reduces but does not remove the risk of re-identification: review "
        "quotes before sharing them outside the research team.",
    ]
    if ctx.journey and _has(c, "stage_confidence"):
        seg = participant_segments(c)
        low = float((seg["stage_confidence"].fillna(0) < 0.5).mean()) if len(seg) else 0.0
        items.append(f"{low:.0%} of participant segments were assigned to a journey stage with low "
                     "confidence (below 0.5) or left without a stage.")
    if ctx.missing:
        items.append("Some sections are incomplete because a step was not run: "
                     + "; ".join(sorted(set(ctx.missing.values()))))
    doc.add(Bullets(items))


def _warn_once(msg: str) -> None:  # pragma: no cover - used by future sections
    warnings.warn(msg, stacklevel=3)
