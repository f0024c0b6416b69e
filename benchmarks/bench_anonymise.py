"""Benchmark of cxinsight.anonymisation: leak test, WNUT-17 person recall, throughput, Presidio.

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
  are printed next to ours.
"""

from __future__ import annotations

import logging
import re
import sys
import tempfile
import time
import warnings
from collections import defaultdict
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SAMPLE = ROOT / "data" / "sample_interviews"
SHARED = Path(__file__).parents[1].parent / "shared" / "data"
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
    summ = pseudo.meta["anonymisation"]
    row("sample: replacements (entities)", f"{summ['replacements']} ({sum(summ['entities'].values())})")
    row("sample: anonymise() wall time, s", f"{secs:.2f}")


#: false PERSON detections on the sample study before the casing-aware evidence (commit f9302ac)
FALSE_NAMES_BEFORE = 52


def false_names(corpus, pii) -> int:
    """PERSON detections (default settings, brands allowed) that overlap no planted person string."""
    values = sorted(pii.loc[pii["type"] == "PERSON", "value"], key=len, reverse=True)
    rx = re.compile("|".join(r"(?<!\w)" + re.escape(v) + r"(?!\w)" for v in values), re.IGNORECASE)
    anon = Anonymiser(allow_list=BRANDS)
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


def wnut(split: str, min_score: float):
    docs = load_conll(SHARED / "wnut17" / f"{split}.conll")
    anon = Anonymiser(labels=["PERSON"], min_score=min_score)
    tp = fp = fn = 0
    for doc in docs:
        text, offs = "", []
        for tok, _ in doc:
            if text:
                text += " "
            offs.append((len(text), len(text) + len(tok)))
            text += tok
        spans = [(d.start, d.end) for d in anon._detect(text, None) if d.label == "PERSON"]
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


def wnut_rows() -> None:
    if not (SHARED / "wnut17" / "dev.conll").exists():
        print(f"{SHARED / 'wnut17'} not available: WNUT-17 figures skipped")
        return
    for split in ("train", "dev"):
        for ms, label in ((0.4, "default min_score=0.4"), (0.3, "high recall min_score=0.3")):
            r, p, f2, n = wnut(split, ms)
            target = "≥ 0.85" if split == "dev" else ""
            row(f"WNUT-17 {split} person-token recall ({label}, {n} tokens)", r, target, (r >= 0.85) if split == "dev" else None)
            row(f"WNUT-17 {split} person-token precision ({label})", p)
            row(f"WNUT-17 {split} person-token F2 ({label})", f2)


# ----------------------------------------------------------------------------- throughput
def throughput(corpus) -> None:
    texts = corpus.turns["text"].astype(str).tolist() if corpus is not None else [
        "I spoke to Marcus at CrateCare on 07700 900123 about order GC-4471923, it was fine."] * 500
    reps = max(1, 3000 // len(texts))
    anon = Anonymiser(allow_list=BRANDS)
    anon.detect("warm up Sarah 07700 900123")
    t0 = time.process_time()
    n = 0
    for _ in range(reps):
        for t in texts:
            anon._detect(t, None)
            n += 1
    rate = n / (time.process_time() - t0)
    chars = sum(map(len, texts)) / len(texts)
    row(f"rule detectors, turns per CPU-second (one core, {chars:.0f} chars/turn)", f"{rate:,.0f}", "≥ 2,000", rate >= 2000)
    return texts, rate


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
    wnut_rows()
    _, rate = throughput(corpus)
    print("\n### Anonymisation\n")
    print("| measure | value | target | status |\n|---|---|---|---|")
    for m, v, t, s in ROWS:
        print(f"| {m} | {v} | {t} | {s} |")
    if corpus is not None:
        presidio(corpus, pii, rate)
    return 0

if __name__ == "__main__":
    raise SystemExit(main())
