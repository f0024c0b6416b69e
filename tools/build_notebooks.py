"""Build (and optionally execute) the curated notebooks in ``notebooks/``.

The notebooks are product, not examples: they are how most researchers meet cxinsight. Their
cells live here as Python strings so that a change is reviewed as code and the notebooks can be
rebuilt exactly. Each notebook stands alone, runs on ``data/sample_interviews`` and is checked by
nbval in ``make test`` (outputs compared, ``notebooks/sanitize.cfg`` masks volatile text).

    .venv/bin/python tools/build_notebooks.py              # write the notebooks, no outputs
    .venv/bin/python tools/build_notebooks.py --execute    # write and execute them in place
    .venv/bin/python tools/build_notebooks.py --execute 03 # only notebooks whose name has "03"

Executing uses the ``python3`` kernel of the environment that runs this script (the venv's).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from textwrap import dedent

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"


def md(text: str):
    return new_markdown_cell(dedent(text).strip("\n"))


def code(text: str):
    return new_code_cell(dedent(text).strip("\n"))


# Every notebook starts the same way: progress bars off (they would clutter the saved outputs;
# tqdm reads TQDM_DISABLE when it is first imported), a fixed display, and the data folder.
SETUP = code('''
    import os
    os.environ.setdefault("TQDM_DISABLE", "1")                    # no progress bars in the
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")    # saved notebook

    import warnings
    from pathlib import Path

    warnings.filterwarnings("ignore", category=FutureWarning)   # third-party deprecation notices
    warnings.filterwarnings("ignore", message=r"Themes: \d+ segment")  # filler count: corpus.meta["themes"]

    import matplotlib.pyplot as plt
    import numpy as np
    import pandas as pd

    import cxinsight as cx

    %matplotlib inline

    DATA = Path("../data/sample_interviews")     # the fictional GreenCrate study
    OUT = Path("../out/notebooks")               # git-ignored; safe to delete
    pd.set_option("display.float_format", lambda x: f"{x:.2f}".replace("-0.00", "0.00"))
    pd.set_option("display.max_colwidth", 100)
    pd.set_option("display.width", 120)
    plt.rcParams["figure.dpi"] = 90
''')

# cx.analyse warns about what it had to guess (for example speaker aliases it merged). The
# ingest notebook explains these; elsewhere they are collected and printed as one short note.
ANALYSE = code('''
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        corpus = cx.analyse(DATA, seed=0)
    for w in caught:
        if issubclass(w.category, cx.CxInsightWarning):
            print("note:", w.message)
    corpus
''')


# ============================================================================ 00 quickstart
QUICKSTART = [
    md('''
    # Quickstart: a whole interview study in a dozen lines

    This notebook runs the complete cxinsight analysis of a small customer-interview study and
    ends where most research read-outs start: **the journey emotion curve** and **the top
    insights**, each backed by participant counts, statistics and quotes.

    **The study.** GreenCrate is a *fictional* meal-kit subscription. Its research team
    interviewed 14 customers (families, young professionals and retirees; promoters, passives
    and detractors by NPS) about their whole journey, from hearing about GreenCrate to renewing
    or cancelling. The transcripts in `data/sample_interviews/` come in nine formats, exactly as
    recording tools produce them (Zoom and Teams WebVTT, Otter, Word, SRT, CSV, Markdown, plain
    text), with a `manifest.csv` that gives each participant's segment and NPS.

    **The research question.** Where in the journey do customers feel good or bad, why, and how
    does it differ by segment and NPS group?

    The later notebooks open up each step; this one shows the destination.
    '''),
    SETUP,
    md('''
    ## 1. One call does the whole analysis

    `cx.analyse` reads every transcript and the manifest, splits turns into sentence-level
    segments, **pseudonymises** names and other personal data (before anything else sees the
    text), embeds each segment once (cached on disk), tags emotions, finds themes, assigns
    journey stages, and computes the journey curves, their highs and lows, and ranked insights.
    A fixed `seed` makes the result repeatable.
    '''),
    ANALYSE,
    md('''
    The corpus is one object holding everything: the turns, the participants from the manifest
    (now with codes such as `P01` instead of names), the segments with a column per analysis
    step, and result tables. Every step and its parameters are recorded, so the analysis can be
    reproduced and reported.
    '''),
    code('''
    corpus.steps
    '''),
    code('''
    corpus.segments[["interview_id", "speaker", "text", "stage", "theme_label", "valence", "emotion"]].iloc[40:46]
    '''),
    md('''
    ## 2. The journey emotion curve

    Each point is the mean **valence** (−1 very negative, +1 very positive) of what participants
    said about that stage. Every participant weighs the same however much they talk, and the
    band is a bootstrap confidence interval over participants, so a wide band means participants
    disagree or few spoke about the stage.
    '''),
    code('''
    cx.plot_journey_curve(corpus)
    '''),
    code('''
    curve = corpus.tables["journey_curve"].set_index("stage")
    curve[["valence", "ci_low", "ci_high", "n_participants", "leading_emotions"]]
    '''),
    md('''
    Read it as a story: a high at **purchase** (easy sign-up, the intro offer), a fall at
    **onboarding** (the first box), a recovery in **everyday use** and **support**, and a second
    low at **renewal** (price rises, cancelling). **Consideration** also sits low: asked "did you
    have any doubts?", people describe their doubts, and valence reads an answer in the light of
    its question. Notice how close to zero most points are:
    interview talk is mostly calm description, so differences between stages matter more than
    the absolute values.

    The figure is not compared when the notebooks are tested, so the numbers behind it are
    checked here:
    '''),
    code('''
    assert curve["valence"].idxmax() == "purchase"
    assert "onboarding" in set(curve["valence"].nsmallest(2).index)
    assert "renewal" in set(curve["valence"].nsmallest(3).index)
    assert curve.loc["everyday_use", "valence"] > curve.loc["onboarding", "valence"]
    '''),
    md('''
    The same curve by segment shows *who* feels what. Groups here have 4 or 5 participants, so
    read these lines as illustrations to follow up, not as estimates.
    '''),
    code('''
    cx.plot_journey_curve(corpus, by="segment")
    '''),
    md('''
    ## 3. The top insights

    An insight is a theme at a journey stage that several participants speak to. Each comes with
    the number of participants behind it, mean valence with a confidence interval, the emotions
    that dominate, group differences with adjusted p-values, and quotes. The `statement` column
    is generated only from those figures: no claim without its numbers.
    '''),
    code('''
    insights = corpus.tables["insights"]
    insights[["theme_label", "stage", "type", "n_participants", "valence_mean"]].head(6)
    '''),
    code('''
    for statement in insights["statement"].head(4):
        print("-", statement, end="\\n\\n")
    '''),
    md('''
    ## 4. A report to share

    `cx.write_report` writes one self-contained HTML file (figures embedded, opens offline) and a
    Markdown twin. It contains no names or other detected personal data.
    '''),
    code('''
    import shutil

    shutil.rmtree(OUT / "quickstart", ignore_errors=True)
    report = cx.write_report(corpus, OUT / "quickstart" / "report.html")
    sorted(p.name for p in report.parent.iterdir())
    '''),
    md('''
    ## Before you present any of this

    - **Read the quotes.** Theme labels are lists of distinctive words, drafted by the machine;
      name a theme only after reading its segments (notebook 02).
    - **Count people, not sentences.** Every figure here is per participant; keep it that way
      when you quote numbers.
    - **Small groups, wide intervals.** 14 participants, 4-5 per segment: differences between
      groups are leads to follow up, unless the statistics in notebook 05 say otherwise.
    - **Check the pseudonymisation** before sharing anything (notebook 01).

    ## Where next

    - `01_ingest_and_anonymise`: what was read, and how the personal data was found and replaced.
    - `02_themes`: how themes are found, checked, merged and renamed.
    - `03_emotions`: what valence and emotion families mean, and when not to trust them.
    - `04_journey_emotion_curves`: stages, their confidence, corrections, and the curves.
    - `05_insights_report`: the statistics behind insights, the report, exports and QDA tools.

    From the shell the same analysis is `cxinsight analyse data/sample_interviews --out out/study`.
    '''),
]


# ============================================================================ 01 ingest + anonymise
INGEST = [
    md('''
    # Reading transcripts and pseudonymising them

    Before any analysis, two things must be right: **what was read** (every interview, the right
    speakers, interviewer and participant told apart, the manifest attached) and **what personal
    data is in it** (found, reviewed by a person, replaced consistently, with the key stored
    safely). This notebook walks through both on the GreenCrate sample study.

    Everything here runs in a few seconds: no model is needed.
    '''),
    SETUP,
    md('''
    ## 1. Reading a folder of mixed formats

    `cx.read` takes a file or a folder. For each file it recognises the format from the
    extension *and* the content (a `.txt` can be a plain transcript, an Otter export or a
    timestamped log), detects the encoding, merges consecutive lines of one speaker into turns,
    and uses `manifest.csv` at the folder's root when there is one.

    Reading can involve judgement calls, such as merging a speaker label that changes mid-file
    (`Chloe Martin:` becomes `CM:`). `read` says so with a warning; here we collect and print
    them.
    '''),
    code('''
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        corpus = cx.read(DATA)
    for w in caught:
        print(w.category.__name__ + ":", w.message)
    corpus
    '''),
    md('''
    **Check what was read.** One row per interview: the detected format, the number of speakers
    and turns, and the words spoken by the participant. An interview with one speaker, or with
    far fewer words than the others, is worth opening.
    '''),
    code('''
    corpus.summary()
    '''),
    code('''
    files = pd.DataFrame(corpus.meta["files"])
    files[["interview_id", "format", "encoding", "turns"]].head(8)
    '''),
    md('''
    ## 2. Speakers, roles and aliases

    Later steps analyse **participant** speech; interviewer questions are used only as context
    (for example to tell which journey stage an answer is about). The reader decides roles from
    labels (`Interviewer 1`, `Interviewee`), from the manifest's interviewer column, and from
    who asks the questions. Check it: each interview should have one interviewer and one
    participant, and the participant should do most of the talking.
    '''),
    code('''
    words = corpus.turns.assign(words=corpus.turns["text"].str.split().str.len())
    roles = words.pivot_table(index="interview_id", columns="role", values="words", aggfunc="sum")
    roles.head(6)
    '''),
    code('''
    assert (roles["participant"] > roles["interviewer"]).all()
    pd.DataFrame(corpus.meta["aliases"])
    '''),
    md('''
    `int11` is an auto-transcript whose labels drift (`Interviewer 1:` / `Interviewer:`, and the
    participant's full name then her initials). The reader merged them. If a merge is wrong, read
    again with `merge_aliases=False` and fix the labels in the file.

    ## 3. The manifest

    The manifest links each interview to what you know about the participant: segment, plan,
    NPS. Group comparisons later (segments, promoters vs detractors) come from these columns.
    Unmatched rows are listed in `meta["manifest"]`.
    '''),
    code('''
    corpus.participants[["interview_id", "participant_id", "segment", "plan", "nps", "nps_group"]].head()
    '''),
    code('''
    {k: corpus.meta["manifest"][k] for k in ("key", "unmatched") if k in corpus.meta["manifest"]}
    '''),
    md('''
    ## 4. What was skipped, and why

    Real project folders hold more than transcripts: consent forms, empty files, audio. `read`
    never fails silently on them; it lists each skipped file with the reason. The sample study has
    nothing to skip, so here is a small messy folder.
    '''),
    code('''
    import shutil
    import tempfile

    messy = Path(tempfile.mkdtemp())
    shutil.copy(DATA / "int01.txt", messy / "int01.txt")
    (messy / "empty.txt").write_text("")
    (messy / "recording.m4a").write_bytes(b"not a transcript")
    (messy / "notes.txt").write_text("Remember to send the voucher.\\n")

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        small = cx.read(messy)
    skipped = pd.DataFrame(small.meta["skipped"])
    skipped.assign(path=skipped["path"].map(lambda p: Path(p).name))
    '''),
    code('''
    shutil.rmtree(messy)
    '''),
    md('''
    ## 5. Segments

    Emotions, themes and stages are computed per **segment**: a sentence, with very short
    fragments merged into a neighbour. Back-channels ("Yeah.", "Mm-hmm.") are flagged so that
    they do not form themes or dilute emotions.
    '''),
    code('''
    corpus = cx.segment(corpus)
    print(corpus.meta["segmentation"])
    corpus.segments.loc[corpus.segments["is_backchannel"], "text"].value_counts().head(5)
    '''),
    md('''
    ## 6. Finding personal data

    The anonymiser combines validated patterns (emails, phone numbers in UK, Irish and US
    formats, card numbers with a checksum, postcodes, addresses, order numbers), spoken forms from
    speech-to-text ("sarah dot collins at gmail dot com"), the speaker labels and manifest names,
    and a name detector based on cues ("my husband Gareth"), name lists and capitalisation.

    Brand and product words must *not* be replaced: a study of GreenCrate is useless if
    "GreenCrate" becomes `[ORG 1]`. Pass them as an `allow_list`.

    `review` returns every detection **before** anything is replaced. The table contains the
    original personal data: keep it (and this notebook's outputs, on a real study) private.
    '''),
    code('''
    BRAND = ["GreenCrate", "CrateCare", "Crate Plus", "Family Crate", "Solo Crate", "GreenCrate app"]
    anonymiser = cx.Anonymiser(allow_list=BRAND, seed=0)
    review = anonymiser.review(corpus)
    review.groupby("label").agg(detections=("text", "size"),
                                detectors=("detector", lambda d: ", ".join(sorted(set(d)))))
    '''),
    md('''
    **How to review.** Sort by `score`: the lowest-scoring detections are the ones most likely to
    be wrong (a capitalised word that is not a name) and the ones to read. The `context` column
    shows the words around each detection.
    '''),
    code('''
    review.sort_values("score")[["interview_id", "text", "label", "detector", "score", "context"]].head(6)
    '''),
    md('''
    ## 7. Editing the review table

    The table is a plain DataFrame: drop rows that are not personal data, correct labels, and add
    rows for anything that was missed. Edit **row by row**, not by whole labels: dropping every
    `LOCATION` row, say, would also drop a child's name that the detector took for a place.

    Here we drop capitalised words that are not names, and add a neighbourhood that the detector
    missed and that, with the participant's city, narrows down where she lives. A row with only
    `text` and `label` replaces that string everywhere in the study.
    '''),
    code('''
    not_personal = ["Fourteen", "Lemons", "Adverts"]      # capitalised words, not names
    print("dropped:", review.loc[review["text"].isin(not_personal), "text"].tolist())
    edited = review[~review["text"].isin(not_personal)]
    missed = pd.DataFrame([{"text": "Ranelagh", "label": "LOCATION"}])
    edited = pd.concat([edited, missed], ignore_index=True)
    print(f"{len(review)} detections, {len(edited)} after review")
    '''),
    md('''
    ## 8. Applying it, and keeping the key apart

    `apply` replaces every reviewed detection consistently across the whole study (the same
    person is the same pseudonym in every interview) and returns the new corpus and a **key**
    that maps pseudonyms back to the originals. The key is never stored in the corpus. Save it
    somewhere only you can read, away from the data you share: `save` writes it readable by its
    owner only and refuses to overwrite an existing key.
    '''),
    code('''
    anon, key = anonymiser.apply(corpus, edited)
    replaced = anon.segments[anon.segments["text"].str.contains("[", regex=False)]
    replaced[["interview_id", "speaker", "text"]].head(6)
    '''),
    code('''
    vault = Path(tempfile.mkdtemp())            # on a real study: an encrypted, access-controlled folder
    key_file = key.save(vault / "greencrate_key.json")
    print(key_file.name, oct(key_file.stat().st_mode & 0o777))
    assert key_file.stat().st_mode & 0o077 == 0     # nobody else can read it
    '''),
    code('''
    pd.Series(anon.meta["anonymisation"]["by_label"], name="replacements")
    '''),
    md('''
    ## 9. Checking that nothing leaked

    Never take the anonymiser's word for it. The sample study comes with the list of every
    personal-data string its authors planted (`_ground_truth/pii.csv`), so we can search the
    pseudonymised text for each one. On your own study, search for the participants' and staff
    names you know from your recruitment records, and for digits-heavy strings.
    '''),
    code('''
    import re

    planted = pd.read_csv(DATA / "_ground_truth" / "pii.csv")
    text = "\\n".join(anon.turns["text"]) + "\\n" + "\\n".join(anon.turns["speaker"])
    found = [re.search(r"\\b" + re.escape(v) + r"\\b", text) is not None for v in planted["value"]]
    leaks = planted[found]
    print(f"{len(planted)} planted strings, {len(leaks)} found in the pseudonymised text")
    assert leaks.empty, leaks["type"].value_counts()
    '''),
    md('''
    Pseudonymised data is still personal data: indirect details (a job, a town, an incident) can
    identify someone, and the key reverses everything. `cx.reidentify(anon, key)` restores the
    original text exactly, for example to check a quote with the participant.
    '''),
    code('''
    restored = cx.reidentify(anon, key)
    assert restored.turns["text"].tolist() == corpus.turns["text"].tolist()
    shutil.rmtree(vault)
    '''),
]


# ============================================================================ 02 themes
THEMES = [
    md('''
    # Themes: what participants talk about

    A theme is a group of segments that talk about the same thing: late deliveries, the
    recipes, the price rise after the intro offer. cxinsight finds them by clustering the
    sentence embeddings (BERTopic inside), names them with their most distinctive words, and
    counts them by **participant**, the unit that matters in qualitative research.

    Machine themes are a first draft of a codebook, not the result. This notebook shows how to
    read them, check their stability, merge and rename them, guide them with your own codebook,
    and compare them across segments.
    '''),
    SETUP,
    md('''
    ## 1. A pseudonymised, embedded corpus

    Themes need segments and their embeddings. Embeddings are computed once and cached on disk,
    so this is quick once any notebook has embedded the study.
    '''),
    code('''
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cx.CxInsightWarning)   # reading notes: see notebook 01
        corpus = cx.segment(cx.read(DATA))
        corpus, key = cx.anonymise(corpus, seed=0)
    corpus = cx.embed(corpus)
    corpus.embeddings.shape
    '''),
    md('''
    ## 2. Fitting themes

    `ThemeModel` is a scikit-learn style estimator: settings are given when it is created, it
    learns in `fit`, and what it learned sits in attributes ending in `_` (`themes_`,
    `labels_`). Only the participants' segments are used: interviewer questions, back-channels
    and very short segments are left out, and counted. A fixed `random_state` makes the themes
    repeatable.
    '''),
    code('''
    model = cx.ThemeModel(random_state=0).fit(corpus)
    themed = cx.extract_themes(corpus, model=model)
    themes = themed.tables["themes"]
    print(len(themes), "themes;", themed.meta["themes"]["excluded"])
    themes[["theme", "label", "size", "n_participants"]].head(10)
    '''),
    md('''
    ## 3. Reading a theme

    A label is a summary of words, not a finding. Read the quotes before you name a theme: they
    show whether the segments share a topic or only share words. `n_participants` matters more
    than `size`: a theme raised 30 times by one talkative participant is one person's story.
    '''),
    code('''
    for row in themes.head(3).itertuples():
        print(f"{row.label}  ({row.size} segments, {row.n_participants} participants)")
        for quote in row.quotes[:3]:
            print("   >", quote)
    '''),
    md('''
    ## 4. Stability

    Clustering depends on its random seed. Refit with other seeds and compare the assignments
    with the adjusted Rand index (ARI: 1 = identical, 0 = chance). Values well below 1 are
    normal on a small study: the broad themes hold, their edges move. Report themes that hold
    across seeds; treat the others as tentative.
    '''),
    code('''
    from sklearn.metrics import adjusted_rand_score

    base = themed.segments["theme"].dropna().astype(int)
    stability = {}
    for seed in (1,):
        other = cx.extract_themes(corpus, model=cx.ThemeModel(random_state=seed))
        stability[seed] = adjusted_rand_score(base, other.segments.loc[base.index, "theme"].astype(int))
    pd.Series(stability, name="ARI vs seed 0").round(2)
    '''),
    code('''
    assert min(stability.values()) > 0.3, "themes barely agree across seeds"
    '''),
    md('''
    ## 5. Merging and renaming

    When two themes are one thing to a researcher, merge them; when a label is a list of words,
    give it a name a stakeholder understands. `merge` and `rename` return a new model (the
    original is unchanged), and `extract_themes` then uses its assignments as they are.
    `model.hierarchy()` lists which themes are closest, a good place to look for merges.
    '''),
    code('''
    closest = model.hierarchy().iloc[0]
    closest
    '''),
    code('''
    pair = [int(closest["left"]), int(closest["right"])]
    print("merging:", [model.label_of(t) for t in pair])
    delivery = int(themes.loc[themes["label"].str.contains("deliver"), "theme"].iloc[0])
    edited = model.rename({delivery: "Delivery windows and tracking"}).merge(pair)
    revised = cx.extract_themes(corpus, model=edited)
    print(len(themes), "themes before,", len(revised.tables["themes"]), "after")
    changed = revised.tables["themes"]["theme"].isin([delivery, min(pair)])
    revised.tables["themes"].loc[changed, ["theme", "label", "size", "n_participants"]]
    '''),
    md('''
    ## 6. Guiding themes with a codebook

    Most teams start with a codebook. Pass it as `{name: description}`: segments close to a
    code's description are assigned to it, and the rest are clustered as usual, so themes
    nobody expected can still emerge. Write descriptions the way participants talk.
    '''),
    code('''
    codebook = {
        "Delivery and tracking": "the box came late, no tracking or updates, a wide delivery window, left outside",
        "Missing or wilted ingredients": "an ingredient was missing from the box, wilted or squashed vegetables",
        "Recipes the household loves": "tasty and easy recipes, the kids enjoy cooking and eating the meals",
        "Price rises and charges": "the price went up after the offer, charged for a week I skipped",
        "Hard to pause or cancel": "cancelling or pausing the subscription was hard, could not find the cancel button",
    }
    guided = cx.extract_themes(corpus, model=cx.ThemeModel(random_state=0), codebook=codebook)
    guided.tables["themes"][["label", "size", "n_participants"]].head(8)
    '''),
    code('''
    coded = guided.tables["themes"].set_index("label").loc[list(codebook), "n_participants"]
    assert (coded >= 3).all(), coded          # every code is found in several interviews
    coded
    '''),
    md('''
    ## 7. Prevalence by segment

    How many participants of each segment mention each theme. With groups of four or five, one
    person is 20-25 percentage points: read the counts, not just the shares, and test
    differences before claiming them (notebook 05).
    '''),
    code('''
    from cxinsight.themes import theme_prevalence

    prevalence = theme_prevalence(guided, by="segment")
    prevalence.head(8)
    '''),
    code('''
    shares = prevalence.pivot_table(index="theme_label", columns="segment", values="share").loc[list(codebook)]
    fig, ax = plt.subplots(figsize=(7, 3.2))
    im = ax.imshow(shares.to_numpy(), cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(shares.shape[1]), shares.columns)
    ax.set_yticks(range(shares.shape[0]), shares.index)
    for (i, j), v in np.ndenumerate(shares.to_numpy()):
        ax.text(j, i, f"{v:.0%}", ha="center", va="center", color="black" if v < 0.6 else "white")
    ax.set_title("Share of each segment's participants who raise each code")
    fig.colorbar(im, ax=ax, shrink=0.8)
    plt.show()
    '''),
]


# ============================================================================ 03 emotions
EMOTIONS = [
    md('''
    # Emotions: valence and emotion families

    For every segment cxinsight estimates

    - **`valence`** in [−1, 1]: how positive or negative the *wording* is;
    - **`emotion`**: the dominant customer-experience emotion family (frustration,
      disappointment, anxiety, confusion, delight, gratitude, relief, trust, surprise, or
      neutral), with its probability `emotion_score`;
    - **`emotions`**: every family above a threshold, so mixed feelings show;
    - `p_<emotion>`: the probability of each of the 28 GoEmotions labels behind the families.

    Scores describe words, not people. This notebook shows what they look like, checks them
    against hand labels, and shows where they fail.
    '''),
    SETUP,
    code('''
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cx.CxInsightWarning)   # alias notes: see notebook 01
        corpus = cx.segment(cx.read(DATA))
        # keep the file-based interview ids (int01, ...) to join the hand labels below; by
        # default they are replaced by codes (I01, ...) and the key maps them back
        corpus, key = cx.anonymise(corpus, seed=0, interview_ids="keep")
    corpus = cx.tag_emotions(cx.embed(corpus))
    participant = corpus.segments[(corpus.segments["role"] == "participant") & ~corpus.segments["is_backchannel"]]
    participant[["text", "valence", "emotion", "emotions"]].iloc[20:26]
    '''),
    md('''
    ## 1. How emotions are distributed

    Most of what people say in an interview is neutral description. The interesting part is the
    minority of clearly charged sentences, and where they sit.
    '''),
    code('''
    families = participant["emotion"].value_counts()
    ax = families.plot.barh(figsize=(6, 3.5), color="#0072B2")
    ax.invert_yaxis()
    ax.set_xlabel("participant segments")
    ax.set_title("Dominant emotion family per segment")
    plt.show()
    '''),
    code('''
    assert families.index[0] == "neutral"
    participant.groupby("emotion")["valence"].mean().sort_values().round(2)
    '''),
    md('''
    ## 2. Checking the tagger against hand labels

    Always check a sample by hand before trusting automatic codes. The sample study comes with a
    few hundred sentences labelled by its authors with a valence (−1, 0, +1) and an emotion
    family. We find the segment that holds each labelled sentence and compare.
    '''),
    code('''
    labels = pd.read_csv(DATA / "_ground_truth" / "segments.csv")
    by_turn = dict(list(corpus.segments.groupby(["interview_id", "turn"])))
    rows = []
    for lab in labels.itertuples():
        segs = by_turn.get((lab.interview_id, lab.turn))
        if segs is None:
            continue
        hits = segs[[lab.text in t or t in lab.text for t in segs["text"]]]
        if len(hits):
            rows.append({"text": lab.text, "human": lab.valence, "human_emotion": lab.emotion,
                         "valence": hits["valence"].mean(), "emotion": hits["emotion"].iloc[0]})
    checked = pd.DataFrame(rows)
    print(f"{len(checked)} of {len(labels)} labelled sentences found (a sentence with a name differs once pseudonymised)")
    '''),
    md('''
    A handful first, as a researcher would read them:
    '''),
    code('''
    checked.sample(8, random_state=3)[["text", "human", "valence", "human_emotion", "emotion"]]
    '''),
    md('''
    Then the whole set. On the sentences the human marked positive or negative, does the sign
    of the valence agree? And with a neutral band of ±0.1, how do the three classes cross?
    '''),
    code('''
    polar = checked[checked["human"] != 0]
    print(f"sign agreement on {len(polar)} positive/negative sentences: {(np.sign(polar['valence']) == polar['human']).mean():.2f}")
    checked["machine"] = np.select([checked["valence"] > 0.1, checked["valence"] < -0.1], [1, -1], 0)
    pd.crosstab(checked["human"], checked["machine"], rownames=["human"], colnames=["machine"])
    '''),
    code('''
    # positive sentences score higher than negative ones, on average and by a clear margin
    means = checked.groupby("human")["valence"].mean()
    assert means.loc[1] > means.loc[0] > means.loc[-1]
    means.round(2)
    '''),
    md('''
    ## 3. Negation and mixed feelings

    The tagger can also be used on any sentence. Negation ("not happy at all", "it wasn't bad")
    and mixed feelings ("the food's lovely but the price...") are where word-counting methods
    fail.
    '''),
    code('''
    tagger = cx.EmotionTagger()
    examples = [
        "I was happy with the first box.",
        "I was not happy at all with the first box.",
        "Honestly, it wasn't bad.",
        "The food's lovely but the price has gone up twice and I feel a bit cheated.",
        "The lad at CrateCare sorted it in five minutes, I was so relieved.",
        "Oh great, another box left in the rain.",
    ]
    pd.DataFrame({"text": examples}).join(tagger.predict(examples)[["valence", "emotion", "emotions"]])
    '''),
    md('''
    ## 4. When not to trust it

    - **Sarcasm and irony** ("Oh great, another box left in the rain") are often read at face
      value.
    - **Reported speech and hypotheticals** ("my husband was furious", "I'd be annoyed if...")
      score the words, not the speaker's feeling.
    - **Single sentences** are noisy; averages over many sentences and participants are far more
      reliable. Use scores to *find* passages to read and to compare stages and groups, never to
      judge a person.
    - The classifier learned from Reddit comments (GoEmotions); interview speech is calmer, so
      absolute values are small. Compare within a study, not across studies.

    The sentences where tagger and human disagree most are the ones to read:
    '''),
    code('''
    checked.assign(gap=(checked["valence"] - checked["human"]).abs()).nlargest(5, "gap")[["text", "human", "valence"]]
    '''),
]


# ============================================================================ 04 journey
JOURNEY = [
    md('''
    # Journey stages and journey emotion curves

    A journey map's emotional lane plots one score per stage: where customers are delighted and
    where they struggle. cxinsight builds it from the interviews in three steps:

    1. a **journey map**: the ordered stages (the built-in customer journey, or yours);
    2. **stage assignment**: which stage each segment is about, with a confidence;
    3. the **curve**: mean valence per stage, participants weighted equally, with confidence
       intervals; and its **moments**, the highs and lows with the themes and quotes behind them.
    '''),
    SETUP,
    code('''
    # interview ids kept as file names (int01, ...) so that we can compare with the hand-labelled
    # stages below; by default cx.analyse replaces them by codes (I01, ...) kept in the key
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        corpus = cx.analyse(DATA, seed=0, anonymise_options={"interview_ids": "keep"})
    for w in caught:
        if issubclass(w.category, cx.CxInsightWarning):
            print("note:", w.message)
    corpus
    '''),
    md('''
    ## 1. The journey map

    The built-in journey has seven stages. Each has a description and example phrases that the
    stage assigner compares segments with. For another journey (a bank account, a hospital stay)
    write your own `JourneyMap` or a YAML file with the same fields.
    '''),
    code('''
    journey = cx.JourneyMap.default()
    pd.DataFrame([{"stage": s.name, "label": s.label, "description": s.description} for s in journey.stages])
    '''),
    md('''
    ## 2. Stage assignment and its confidence

    Four kinds of evidence are combined: the interviewer's question before the answer (guides
    follow the journey), the segment's own words, its place in the interview (stages mostly move
    forward), and keyword rules. Segments that no stage explains well (small talk, back-channels)
    are left without a stage rather than forced into one.
    '''),
    code('''
    seg = corpus.segments[corpus.segments["role"] == "participant"]
    seg[["interview_id", "text", "stage", "stage_confidence"]].iloc[60:66]
    '''),
    code('''
    ax = seg["stage_confidence"].plot.hist(bins=20, figsize=(6, 3), color="#0072B2")
    ax.set_xlabel("stage confidence")
    ax.set_title("Most segments are assigned with high confidence")
    plt.show()
    '''),
    md('''
    **Checking the machine's work.** The sample study records the stage of every turn, so we can
    measure agreement directly. On your own study, read a sample of the low-confidence segments
    instead.
    '''),
    code('''
    truth = pd.read_csv(DATA / "_ground_truth" / "turns.csv")
    truth = truth[(truth["role"] == "participant") & (truth["stage"] != "none")]
    merged = seg.merge(truth[["interview_id", "turn", "stage"]], on=["interview_id", "turn"],
                       suffixes=("", "_true"))
    accuracy = (merged["stage"].astype(str).fillna("none") == merged["stage_true"]).mean()   # <NA> is a miss
    print(f"stage accuracy on {len(merged)} participant segments: {accuracy:.2f}")
    assert accuracy >= 0.75
    '''),
    code('''
    seg.nsmallest(5, "stage_confidence")[["interview_id", "text", "stage", "stage_confidence"]]
    '''),
    md('''
    ## 3. Manual corrections

    Where you disagree with a stage, set it yourself. Put the stage in the `stage` column and
    mark the row `manual` in `stage_source`; running `assign_stages` again keeps every manual row
    and recomputes the others around it (its sequence model uses your corrections as anchors).

    Here we look at where the machine disagrees with the study's own coding, and correct the
    first of those turns as a researcher would after reading it.
    '''),
    code('''
    wrong = merged[merged["stage"].astype(str).fillna("none") != merged["stage_true"]]
    print(f"{len(wrong)} of {len(merged)} segments disagree with the study's coding")
    wrong[["interview_id", "turn", "text", "stage", "stage_true"]].head(4)
    '''),
    code('''
    first = wrong.iloc[0]
    fixed = corpus.segments.copy()
    rows = (fixed["interview_id"] == first["interview_id"]) & (fixed["turn"] == first["turn"])
    fixed.loc[rows, "stage"] = first["stage_true"]
    fixed.loc[rows, "stage_source"] = "manual"
    restaged = cx.assign_stages(corpus.replace(segments=fixed))
    restaged.segments.loc[rows, ["text", "stage", "stage_source", "stage_confidence"]].head(3)
    '''),
    code('''
    assert (restaged.segments.loc[rows, "stage"] == first["stage_true"]).all()
    '''),
    md('''
    ## 4. The curve, overall

    Every participant weighs the same: the curve is the mean of the participants' own stage
    means, and its interval is a bootstrap over participants. `n_participants` says how many
    people spoke about each stage.
    '''),
    code('''
    curve = cx.journey_curve(corpus, seed=0).set_index("stage")
    curve[["valence", "ci_low", "ci_high", "n_participants", "n_segments"]]
    '''),
    code('''
    cx.plot_journey_curve(corpus)
    '''),
    code('''
    assert curve["valence"].idxmax() == "purchase"                               # the high
    assert "onboarding" in set(curve["valence"].nsmallest(2).index)        # the first low
    assert "renewal" in set(curve["valence"].nsmallest(3).index)           # the second low
    assert (curve["n_participants"] >= 13).all()             # nearly everyone speaks to every stage
    '''),
    md('''
    ## 5. The curve by segment

    Families, young professionals and retirees have different journeys. With 4-5 participants
    per segment the intervals are wide: these lines point to what to explore, they do not prove a
    difference.
    '''),
    code('''
    cx.plot_journey_curve(corpus, by="segment")
    '''),
    code('''
    by_segment = cx.journey_curve(corpus, by="segment", seed=0)
    wide = by_segment.pivot(index="stage", columns="group", values="valence").loc[journey.names]
    wide.round(2)
    '''),
    code('''
    # every segment falls from purchase to onboarding: the first box disappoints across the board
    assert (wide.loc["onboarding"] < wide.loc["purchase"]).all()
    '''),
    md('''
    ## 6. Which emotions make up each stage

    Valence says how good or bad a stage feels; the emotion families say *how*: frustration and
    disappointment call for different fixes than confusion or anxiety. Each column shows the
    share of each family among the non-neutral segments of a stage, participants weighted
    equally.
    '''),
    code('''
    from cxinsight.plots import plot_emotional_arc, plot_stage_emotions, stage_emotion_table

    plot_stage_emotions(corpus)
    '''),
    code('''
    shares = stage_emotion_table(corpus)
    shares.idxmax().to_frame("leading emotion family")
    '''),
    md('''
    A single interview's **emotional arc** (valence over the course of the conversation, stages
    as bands) is a good way to read one participant's story before quoting it.
    '''),
    code('''
    plot_emotional_arc(corpus, "int02")
    '''),
    md('''
    ## 7. Highs and lows, with the quotes behind them

    `cx.moments` finds the peaks and troughs of the curve and, for each, the themes that drive
    it and quotes from different participants. This is the evidence a journey map needs: a pain
    point without a quote is an opinion.
    '''),
    code('''
    moments = cx.moments(corpus, seed=0)
    moments[["kind", "stage", "valence", "n_participants"]]
    '''),
    code('''
    for m in moments.itertuples():
        print(f"{m.kind.upper()} at {m.stage} (mean valence {m.valence:+.2f})")
        for quote in m.quotes[:2]:
            print("   >", quote)
    '''),
]


# ============================================================================ 05 insights + report
INSIGHTS = [
    md('''
    # Insights, statistics and the report

    The last step turns the analysed corpus into what a researcher hands over: ranked insights,
    each with the figures behind it, group differences with honest statistics, opportunities
    for each high and low of the journey, a report a non-technical reader can open, and exports
    for spreadsheets and QDA programs.
    '''),
    SETUP,
    ANALYSE,
    md('''
    ## 1. Ranked insights

    One row per theme at a journey stage that at least two participants speak to. The unit of
    evidence is the participant: `n_participants` of `n_total`, and mean valence computed per
    participant first. `impact` is share × mean valence (prevalence times emotional weight),
    negative for pain points and positive for delights; insights are ranked by its size.
    '''),
    code('''
    insights = cx.synthesise(corpus, seed=0)
    insights[["theme_label", "stage", "type", "n_participants", "share", "valence_mean", "impact"]].head(8)
    '''),
    code('''
    top = insights.head(12).iloc[::-1]
    fig, ax = plt.subplots(figsize=(8, 4.5))
    ax.barh(top["theme_label"] + "  @ " + top["stage"], top["impact"],
            color=np.where(top["impact"] < 0, "#D55E00", "#009E73"))
    ax.axvline(0, color="grey", lw=1)
    ax.set_xlabel("impact = share of participants × mean valence")
    ax.set_title("Top insights: pain points (left) and delights (right)")
    plt.show()
    '''),
    md('''
    Each statement is built from its row's figures, so it can be checked against them. We check
    that every statement quotes its own participant count:
    '''),
    code('''
    assert all(f"{r.n_participants} of {r.n_total}" in r.statement for r in insights.itertuples())
    insights["type"].value_counts()
    '''),
    code('''
    for row in insights.head(3).itertuples():
        print(row.statement)
        for quote in row.quotes[:2]:
            print("   >", quote)
        print()
    '''),
    md('''
    ## 2. Segment contrasts and their statistics

    For every insight and every grouping in the manifest (segment, plan, NPS group), cxinsight
    compares how many participants in one group raise it against the rest with **Fisher's exact
    test**, then corrects for the many comparisons with **Benjamini–Hochberg**. With groups of
    five, the smallest p-value a test can reach is itself large (`min_attainable_p`), so most
    contrasts cannot be significant: that is the data speaking, not the method failing.
    '''),
    code('''
    contrasts = corpus.tables["contrasts"]
    nps = contrasts[(contrasts["column"] == "nps_group") & (contrasts["group_a"] == "detractor")]
    table = nps.nsmallest(5, "p_value")[["theme_label", "stage", "count_a", "n_a", "count_b", "n_b",
                                         "p_value", "min_attainable_p", "p_adj"]]
    p_columns = ["p_value", "min_attainable_p", "p_adj"]
    table.assign(**{c: table[c].map("{:.3f}".format) for c in p_columns})
    '''),
    md('''
    Read the top row carefully. It is the clearest difference in the study, and still not
    "significant" after correction: with five detractors and five promoters, even the most
    extreme split possible only reaches the p-value in `min_attainable_p`, and hundreds of
    comparisons were made. Report it as what it is: a strong, consistent pattern in a small
    sample, worth confirming with a larger one (a survey, or behavioural data).
    '''),
    code('''
    best = table.iloc[0]
    print(f"{best.theme_label!r} at {best.stage}: {best.count_a} of {best.n_a} detractors vs "
          f"{best.count_b} of {best.n_b} promoters; p = {best.p_value:.3f} "
          f"(smallest possible {best.min_attainable_p:.3f}), adjusted p = {best.p_adj:.2f}")
    assert best.count_a >= 4 and best.count_b <= 1    # detractors raise it, promoters hardly ever
    '''),
    md('''
    ## 3. Opportunities

    For each low of the journey curve an opportunity to **mitigate**, for each high one to
    **elevate**, with the themes that drive it and quotes.
    '''),
    code('''
    opportunities = corpus.tables["opportunities"]
    opportunities[["kind", "moment", "group", "stage", "valence", "n_participants"]].head(6)
    '''),
    code('''
    print(opportunities["statement"].iloc[0])
    '''),
    md('''
    ## 4. The report

    One self-contained HTML file (figures embedded, no external assets, opens offline) and a
    Markdown twin: study overview, anonymisation summary (counts only), journey curves, highs and
    lows, pain points and delights with quotes, themes, segment differences, method, parameters,
    provenance and limitations.
    '''),
    code('''
    import shutil

    folder = OUT / "insights_report"
    shutil.rmtree(folder, ignore_errors=True)      # start clean, so the listing below is the report's
    report = cx.write_report(corpus, folder / "report.html")
    sorted(p.name for p in folder.iterdir())
    '''),
    code('''
    html = report.read_text(encoding="utf-8")
    assert "<img" in html and "http://" not in html.replace("http://www.w3.org", "")
    print((folder / "report.md").read_text(encoding="utf-8")[:600])
    '''),
    md('''
    ## 5. Exports

    Every computed column and table as CSV (and one XLSX workbook), and the pseudonymised
    transcripts as text files, for analysts who work in spreadsheets or other tools.
    '''),
    code('''
    written = cx.export(corpus, folder / "exports")
    sorted(written)
    '''),
    md('''
    ## 6. Working with QDA programs (REFI-QDA)

    NVivo, ATLAS.ti, MAXQDA and QualCoder exchange projects in the REFI-QDA format. Export the
    automatic coding (themes, stages, emotions) as a `.qdpx` project for human review, and the
    theme codebook alone as `.qdc`.
    '''),
    code('''
    from cxinsight import qda

    project = cx.export_qdpx(corpus, folder / "greencrate.qdpx", overwrite=True)
    codebook_file = cx.export_qdc(corpus, folder / "themes.qdc", overwrite=True)
    codes = qda.read_codebook(codebook_file)
    print(len(codes), "codes, for example:", list(codes)[:3])
    '''),
    md('''
    After the team has reviewed the coding in their program, read it back and compare it with the
    machine's: `apply_codings` adds the team's code to each segment, and `coding_agreement` gives
    Cohen's kappa per code. Here we read back the project we just exported, which must agree with
    the machine exactly: a round-trip check that offsets and codes survive the exchange.
    '''),
    code('''
    human = qda.apply_codings(corpus, project)
    agreement = qda.coding_agreement(human)
    print(human.meta["qda_import"])
    agreement.head()
    '''),
]


# ============================================================================ 06 surveys
SURVEY = [
    md('''
    # Surveys and mixed folders: a study with no journey

    Not every study is a journey. An in-app survey asks a few open questions of many people; a
    round of research interviews may be about how people work, not about becoming a customer.
    cxinsight reads such material as it is, finds its themes and how people feel about them,
    and **decides for itself whether journey stages apply**, instead of forcing an onboarding or
    a renewal onto answers that are about neither.

    **The study.** Lumen Energy is a *fictional* UK energy supplier. 180 app users answered a
    Qualtrics-style survey (`data/sample_survey/`): three open questions (what they like, what
    makes the app difficult, what they wish it could do), an NPS rating, their tariff, region
    and tenure, and the survey tool's own fields (status, progress, dates, duration).

    We analyse it on its own, then side by side with the GreenCrate interviews, and finally read
    a folder that mixes both kinds of material.
    '''),
    SETUP,
    code('''
    SURVEY = Path("../data/sample_survey")
    survey_raw = cx.read(SURVEY, format="survey")
    survey_raw
    '''),
    md('''
    ## 1. What was read, and how each column was understood

    The reader finds the respondent id and every open-ended column by itself. Ratings and
    categories become participant variables; the survey tool's own fields are kept as metadata
    but never used as comparison groups; blank answers are missing, never a group. The reading
    report lists every file, its format and encoding, and any red flags.
    '''),
    code('''
    survey_raw.tables["files"][["path", "status", "format", "encoding", "interviews", "turns", "words_kept", "red_flags"]]
    '''),
    code('''
    survey_raw.turns.groupby("question").size().rename("answers").to_frame()
    '''),
    code('''
    survey_raw.participants.drop(columns=["StartDate", "EndDate", "RecordedDate"], errors="ignore").head(3)
    '''),
    md('''
    ## 2. The whole analysis, and the journey decision

    `cx.analyse` runs every step as for interviews. Before assigning stages it checks whether
    the study follows the journey map; here it does not, so stages, journey curves and
    stage-based insights are skipped, and the reason is recorded (and printed in the report).
    '''),
    code('''
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        survey = cx.analyse(SURVEY, read={"format": "survey"}, seed=0)
    for w in caught:
        if issubclass(w.category, cx.CxInsightWarning):
            print("note:", w.message)
    survey.meta["journey"]["applicable"], survey.meta["journey"]["reason"]
    '''),
    code('''
    assert survey.meta["journey"]["applicable"] is False
    assert "journey_curve" not in survey.tables
    '''),
    md('''
    ## 3. How people feel, question by question

    Valence is **question-aware**: an answer to "what makes it difficult?" is a pain point unless
    it says otherwise, even when it uses no emotion words ("My smart meter stopped sending
    readings"). Wishes and requests are their own kind, never counted as delight.
    '''),
    code('''
    seg = survey.segments
    by_question = seg.groupby("question").agg(
        answers=("text", "size"), mean_valence=("valence", "mean"),
        share_negative=("valence", lambda v: (v < -0.05).mean()),
    )
    by_question
    '''),
    code('''
    liked = by_question.filter(like="like most", axis=0)["mean_valence"].iloc[0]
    difficult = by_question.filter(like="difficult", axis=0)["mean_valence"].iloc[0]
    assert difficult < 0 < liked
    '''),
    md('''
    ## 4. Themes across the answers

    Themes are found over all answers together; each has a short label drafted from its own
    quotes, its keywords, and the number of respondents behind it. Read the quotes before you
    rename a theme for your report.
    '''),
    code('''
    themes = survey.tables["themes"]
    themes[["label", "keywords", "n_participants"]].head(10)
    '''),
    code('''
    assert 3 <= len(themes) <= 30
    '''),
    md('''
    ## 5. Ranked insights, without stages

    With no journey, insights are themes ranked by how many respondents raise them and how they
    feel; comparisons between groups use the real variables (tariff, region, tenure, NPS group),
    never the survey tool's Status or Finished fields.
    '''),
    code('''
    for statement in survey.tables["insights"]["statement"].head(4):
        print("-", statement, end="\\n\\n")
    '''),
    md('''
    ## 6. Side by side with an interview study

    The GreenCrate interviews follow a customer journey (the interviewer's questions walk
    through it, and answers cover every stage), so there the curve is drawn.
    '''),
    ANALYSE,
    code('''
    side = pd.DataFrame({
        study.meta.get("title", name): {
            "participants": len(study.participants),
            "segments": len(study.segments),
            "themes": study.segments["theme"].nunique(),
            "journey applies": study.meta["journey"]["applicable"],
            "why": study.meta["journey"]["reason"],
        }
        for name, study in [("Lumen survey", survey), ("GreenCrate interviews", corpus)]
    })
    side
    '''),
    code('''
    assert corpus.meta["journey"]["applicable"] is True
    cx.plot_journey_curve(corpus)
    '''),
    md('''
    ## 7. A folder that mixes both

    Studies often arrive as a mix: interview transcripts in several formats and a survey export
    in one folder. Each file is read in its own way, and the reading report says how.
    '''),
    code('''
    import shutil, tempfile

    mixed = Path(tempfile.mkdtemp()) / "mixed"
    shutil.copytree(DATA, mixed)
    shutil.copy(SURVEY / "lumen_app_survey_export.csv", mixed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cx.CxInsightWarning)   # alias notes: see notebook 01
        both = cx.read(mixed)
    both.tables["files"].groupby(["status", "format"]).size().rename("files").to_frame()
    '''),
    code('''
    files = both.tables["files"]
    assert (files.loc[files["status"] == "read", "format"] == "survey").sum() == 1
    '''),
    md('''
    ## Before you present any of this

    - **A survey is not a qualitative study of hundreds of participants.** Answers are short;
      theme sizes count respondents, and small themes in large surveys are held back.
    - **Check the journey decision.** If your study does follow a journey but the decision says
      otherwise, pass your own journey map or `stages=True` to `cx.analyse`, and say so.
    - **Question wording shapes valence.** Compare answers to the same question across groups
      rather than pooling all questions.
    '''),
]


NOTEBOOK_CELLS = {
    "00_quickstart": QUICKSTART,
    "01_ingest_and_anonymise": INGEST,
    "02_themes": THEMES,
    "03_emotions": EMOTIONS,
    "04_journey_emotion_curves": JOURNEY,
    "05_insights_report": INSIGHTS,
    "06_surveys_and_mixed_folders": SURVEY,
}


def build(name: str) -> nbformat.NotebookNode:
    nb = new_notebook(cells=[nbformat.from_dict(dict(c)) for c in NOTEBOOK_CELLS[name]])
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"{name[:2]}-{i:02d}"
    return nb


def execute(nb: nbformat.NotebookNode, timeout: int = 600, allow_errors: bool = False) -> nbformat.NotebookNode:
    from nbclient import NotebookClient

    # the same environment as `make test` runs them in (see the Makefile's test target)
    os.environ["CXINSIGHT_CACHE_DIR"] = str(ROOT / ".cache-notebooks")   # as `make test` runs them
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    client = NotebookClient(nb, kernel_name="python3", timeout=timeout, record_timing=False,
                            allow_errors=allow_errors, resources={"metadata": {"path": str(NOTEBOOKS)}})
    client.execute()
    nb.metadata.pop("widgets", None)
    return nb


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the curated notebooks.")
    parser.add_argument("only", nargs="*", help="build only notebooks whose name contains these")
    parser.add_argument("--execute", action="store_true", help="execute them in place")
    parser.add_argument("--allow-errors", action="store_true", help="keep executing after an error (drafting)")
    args = parser.parse_args(argv)
    NOTEBOOKS.mkdir(exist_ok=True)
    names = [n for n in NOTEBOOK_CELLS if not args.only or any(o in n for o in args.only)]
    for name in names:
        nb = build(name)
        path = NOTEBOOKS / f"{name}.ipynb"
        if args.execute:
            t0 = time.perf_counter()
            nb = execute(nb, allow_errors=args.allow_errors)
            print(f"{name}: executed in {time.perf_counter() - t0:.1f} s", flush=True)
        nbformat.validate(nb)
        nbformat.write(nb, path)
        print(f"wrote {path.relative_to(ROOT)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
