"""Train the shipped emotion head on GoEmotions and write it to cxinsight/resources/emotions.

Reproducible: fixed seed, single-threaded training, data read by path (never copied), and
embeddings computed with ``cxinsight.embeddings.encode`` (cached on disk, so only the first run
pays for them). Prints every configuration tried with its dev figures.

    python tools/train_emotions.py                     # search, pick the best, write the head
    python tools/train_emotions.py --no-search         # train only the configuration on record
    python tools/train_emotions.py --check             # retrain the recorded one, compare to the file

Data: GoEmotions (Demszky et al. 2020), Apache-2.0, ``../shared/data/goemotions``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cxinsight.embeddings import encode, resolve_model  # noqa: E402
from cxinsight.emotions.events import CX_EVENTS, event_valence  # noqa: E402
from cxinsight.emotions.head import DEFAULT_HEAD_FILE, EmotionHead  # noqa: E402
from cxinsight.emotions.labels import CX_FAMILIES, GOEMOTIONS_LABELS  # noqa: E402
from cxinsight.emotions.lexicon import CX_LEXICON, lexicon_valence  # noqa: E402
from cxinsight.emotions.tagger import combine_valence, has_negation  # noqa: E402
from cxinsight.emotions.training import (  # noqa: E402
    ekman_eval,
    f1_per_class,
    group_matrix,
    read_goemotions,
    sentiment_gold,
    sentiment_macro_f1,
    train_head,
    tune_thresholds,
)

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "goemotions"
DEFAULT_OUT = ROOT / "cxinsight" / "resources" / "emotions"
SEED = 13

#: The configurations compared (name -> train_head keyword arguments).
CONFIGS: dict[str, dict] = {
    "linear-softmax": {"hidden": 0, "output": "softmax", "class_weight_power": 0.0,
                       "epochs": 25, "lr": 3e-3, "weight_decay": 1e-4},
    "linear-sigmoid (one-vs-rest)": {"hidden": 0, "output": "sigmoid", "class_weight_power": 0.0,
                                     "epochs": 25, "lr": 3e-3, "weight_decay": 1e-4},
    "mlp256-softmax-cw0.5": {"hidden": 256, "output": "softmax", "class_weight_power": 0.5,
                             "epochs": 25, "lr": 1e-3, "weight_decay": 1e-4, "dropout": 0.2},
    "mlp256-softmax": {"hidden": 256, "output": "softmax", "class_weight_power": 0.0,
                       "epochs": 25, "lr": 1e-3, "weight_decay": 1e-4, "dropout": 0.2},
    "mlp512-softmax": {"hidden": 512, "output": "softmax", "class_weight_power": 0.0,
                       "epochs": 25, "lr": 1e-3, "weight_decay": 1e-4, "dropout": 0.3},
}
#: Logit-adjustment strengths tried after training (see EmotionHead.log_prior).
PRIOR_POWERS = (0.0, 0.25, 0.5)
#: Event-lexicon weights tried (see tune_events).
EVENT_WEIGHTS = (0.0, 0.25, 0.5, 0.75, 1.0, 1.5)


def cx_sentences() -> tuple[list[str], np.ndarray]:
    """Our own customer-experience sentences with sign labels (tests/cx_event_sentences.py)."""
    sys.path.insert(0, str(ROOT / "tests"))
    from cx_event_sentences import CX_EVENT_SENTENCES, CX_NEUTRAL_SENTENCES

    texts = [t for t, _ in CX_EVENT_SENTENCES] + list(CX_NEUTRAL_SENTENCES)
    signs = np.array([y for _, y in CX_EVENT_SENTENCES] + [0] * len(CX_NEUTRAL_SENTENCES))
    return texts, signs


def tune_events(head: EmotionHead, weights: dict, dev: dict, gold_dev: np.ndarray) -> tuple[float, list]:
    """Choose the event-lexicon weight ``e``.

    GoEmotions (Reddit comments) has almost no service events, so ``e`` is chosen on our own
    customer-experience sentences: the smallest ``e`` that gets the most of their signs right,
    among weights that keep GoEmotions dev sentiment macro-F1 within 0.005 of ``e = 0``.
    """
    texts, signs = cx_sentences()
    from cxinsight.embeddings import encode as _encode

    P = head.predict_proba(_encode(texts))
    c = classifier_polarity(P)
    n = normalised(P)[:, GOEMOTIONS_LABELS.index("neutral")]
    lex, neg, ev = lexicon_valence(texts), has_negation(texts), event_valence(texts)
    rows = []
    for e in EVENT_WEIGHTS:
        w = {**weights, "events": e}
        f1 = sentiment_macro_f1(combine_valence(dev["c"], dev["lex"], w, dev["neg"], dev["n"], dev["ev"]), gold_dev)
        v = combine_valence(c, lex, w, neg, n, ev)
        polar = signs != 0
        rows.append({"events": e, "dev_sentiment_f1": round(f1, 4),
                     "cx_sign_accuracy": round(float((np.sign(v[polar]) == signs[polar]).mean()), 4),
                     "cx_neutral_max_abs": round(float(np.abs(v[~polar]).max()), 4)})
    base = rows[0]["dev_sentiment_f1"]
    ok = [r for r in rows if r["dev_sentiment_f1"] >= base - 0.005]
    top = max(r["cx_sign_accuracy"] for r in ok)
    chosen = min(r["events"] for r in ok if r["cx_sign_accuracy"] == top)
    return chosen, rows


def normalised(P: np.ndarray) -> np.ndarray:
    s = P.sum(1, keepdims=True)
    return np.divide(P, s, out=np.zeros_like(P), where=s > 0)


def classifier_polarity(P: np.ndarray) -> np.ndarray:
    from cxinsight.emotions.tagger import _NEG, _POS

    Pn = normalised(P.astype(np.float64))
    return Pn @ _POS - Pn @ _NEG


def tune_valence(c: np.ndarray, lex: np.ndarray, gold: np.ndarray,
                 negated: np.ndarray | None = None,
                 neutral: np.ndarray | None = None) -> tuple[dict, float, list]:
    """Grid-search the valence formula (classifier weight 1, scale 2) for positive / negative /
    neutral macro-F1 with the ±0.05 band.

    Among settings within 0.002 of the best F1, the one with the largest negation weight and
    then the smallest dead zones is kept: GoEmotions has few negated sentences, and embeddings
    are known to miss negation, so ties go to trusting VADER's negation rules and to keeping
    mild feelings visible.
    """
    rows = []
    for b in (0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5):
        for z0 in (0.0, 0.05, 0.1, 0.15, 0.2, 0.3):
            for z1 in ((0.0, 0.25, 0.5, 0.75, 1.0) if neutral is not None else (0.0,)):
                for neg in ((0.0, 0.5, 1.0) if negated is not None else (0.0,)):
                    w = {"classifier": 1.0, "lexicon": b, "dead_zone": z0, "neutral_zone": z1,
                         "scale": 2.0, "negation": neg, "lean": 0.04}
                    f1 = sentiment_macro_f1(combine_valence(c, lex, w, negated, neutral), gold)
                    rows.append((w, f1))
    top = max(f1 for _, f1 in rows)
    near = [(w, f1) for w, f1 in rows if f1 >= top - 0.002]
    best, best_f1 = max(near, key=lambda r: (r[0]["negation"], -r[0]["dead_zone"] - r[0]["neutral_zone"], r[1]))
    return best, best_f1, rows


def tune_family_threshold(P: np.ndarray, Y: np.ndarray, output: str) -> tuple[float, float]:
    """Threshold maximising macro-F1 of the families-above-threshold sets against gold families."""
    M = group_matrix(CX_FAMILIES)
    gold = (Y @ M) > 0
    if output == "softmax":
        F = P @ M
    else:
        F = 1 - np.exp(np.log1p(-np.clip(P, 0, 1 - 1e-6)) @ M)
    best_t, best_f1 = 0.3, -1.0
    for t in np.round(np.arange(0.1, 0.61, 0.025), 3):
        pred = F >= t
        # the top family always counts, as in the tagger's `emotions` column
        pred[np.arange(len(F)), F.argmax(1)] = True
        f1 = float(f1_per_class(gold, pred).mean())
        if f1 > best_f1 + 1e-9:
            best_t, best_f1 = float(t), f1
    return best_t, best_f1


def evaluate(head: EmotionHead, X: np.ndarray, Y: np.ndarray) -> dict:
    P = head.predict_proba(X)
    thr = tune_thresholds(P, Y)
    return {
        "P": P,
        "thresholds": thr,
        "ekman_f1": ekman_eval(P, Y)["macro_f1"],
        "labels28_f1": float(f1_per_class(Y.astype(bool), P >= thr).mean()),
    }


def sha1(path: Path) -> str:
    return hashlib.sha1(path.read_bytes()).hexdigest()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="GoEmotions folder")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="folder to write the head to")
    ap.add_argument("--no-search", action="store_true", help="train only the recorded config")
    ap.add_argument("--check", action="store_true",
                    help="retrain the recorded config and compare with the file in --out")
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    train_texts, Y_train = read_goemotions(args.data, "train")
    dev_texts, Y_dev = read_goemotions(args.data, "dev")
    spec = resolve_model(None)
    print(f"GoEmotions: {len(train_texts)} train, {len(dev_texts)} dev; embedding model {spec.identity}")
    X_train = encode(train_texts, batch_size=128)
    X_dev = encode(dev_texts, batch_size=128)
    print(f"embeddings ready in {time.perf_counter() - t0:.0f} s")

    card_path = args.out / "goemotions_head.json"
    if args.no_search or args.check:
        record = json.loads(card_path.read_text("utf-8"))
        configs = {record["config_name"]: record["train_config"]}
    else:
        configs = CONFIGS

    lex_dev = lexicon_valence(dev_texts)
    neg_dev = has_negation(dev_texts)
    ev_dev = event_valence(dev_texts)
    gold_dev = sentiment_gold(Y_dev)
    vader_dev = lexicon_valence(dev_texts, cx_words=False)
    print(f"VADER alone, dev sentiment macro-F1: {sentiment_macro_f1(vader_dev, gold_dev):.3f}; "
          f"VADER + CX lexicon: {sentiment_macro_f1(lex_dev, gold_dev):.3f}")

    results = []
    print("\n| config | Ekman+neutral F1 | 28-label F1 (tuned thr.) | sentiment F1 (clf only) | "
          "sentiment F1 (clf + lexicon) | epochs kept | seconds |")
    print("|---|---|---|---|---|---|---|")
    for name, cfg in configs.items():
        t1 = time.perf_counter()
        head, hist = train_head(X_train, Y_train, seed=SEED, X_dev=X_dev, Y_dev=Y_dev, **cfg)
        kept = int(np.argmin([h["dev_loss"] for h in hist])) + 1
        powers = (record["prior_power"],) if (args.no_search or args.check) else PRIOR_POWERS
        for power in powers:
            head.config = {"prior_power": power}
            ev = evaluate(head, X_dev, Y_dev)
            c = classifier_polarity(ev["P"])
            n = normalised(ev["P"])[:, GOEMOTIONS_LABELS.index("neutral")]
            _, f1_clf, _ = tune_valence(c, np.zeros_like(c), gold_dev, None, n)
            weights, f1_val, _ = tune_valence(c, lex_dev, gold_dev, neg_dev, n)
            secs = time.perf_counter() - t1
            results.append((name, cfg, head, ev, weights, f1_val, kept, power))
            print(f"| {name}, prior power {power} | {ev['ekman_f1']:.3f} | {ev['labels28_f1']:.3f} | "
                  f"{f1_clf:.3f} | {f1_val:.3f} | {kept}/{cfg['epochs']} | {secs:.0f} |", flush=True)

    # pick: best mean of the Ekman and sentiment figures (the two targets)
    name, cfg, head, ev, weights, f1_val, kept, power = max(
        results, key=lambda r: r[3]["ekman_f1"] + r[5])
    family_t, family_f1 = tune_family_threshold(ev["P"], Y_dev, head.output)
    dev_parts = {"c": classifier_polarity(ev["P"]), "lex": lex_dev, "neg": neg_dev,
                 "n": normalised(ev["P"])[:, GOEMOTIONS_LABELS.index("neutral")], "ev": ev_dev}
    weights = dict(weights)
    weights["events"], event_rows = tune_events(head, weights, dev_parts, gold_dev)
    print("event weight: " + "; ".join(
        f"e={r['events']}: dev F1 {r['dev_sentiment_f1']:.3f}, CX signs {r['cx_sign_accuracy']:.3f}"
        for r in event_rows) + f" -> {weights['events']}")
    f1_val = sentiment_macro_f1(combine_valence(dev_parts["c"], lex_dev, weights, neg_dev,
                                                dev_parts["n"], ev_dev), gold_dev)
    head.thresholds = ev["thresholds"]
    head.config = {
        "prior_power": power,
        "embedding_model": spec.identity,
        "valence_weights": weights,
        "family_threshold": family_t,
        "label_thresholds_note": "per-label thresholds maximising each label's F1 on GoEmotions dev",
    }
    print(f"\nchosen: {name}, prior power {power}; valence weights {weights}; family threshold {family_t} "
          f"(family macro-F1 {family_f1:.3f})")

    if args.check:
        shipped = EmotionHead.load(args.out / DEFAULT_HEAD_FILE)
        diffs = [float(np.abs(a - b).max()) for a, b in zip(shipped.weights + shipped.biases,
                                                            head.weights + head.biases)]
        same = max(diffs) < 1e-4 and shipped.config["valence_weights"] == weights \
            and shipped.config["family_threshold"] == family_t
        print(f"largest weight difference from the shipped head: {max(diffs):.2e} -> "
              f"{'REPRODUCED' if same else 'DIFFERENT'}")
        return 0 if same else 1

    args.out.mkdir(parents=True, exist_ok=True)
    npz = head.save(args.out / DEFAULT_HEAD_FILE)
    card = {
        "name": "cxinsight GoEmotions head",
        "file": npz.name,
        "sha1": sha1(npz),
        "config_name": name,
        "train_config": cfg,
        "prior_power": power,
        "seed": SEED,
        "epochs_kept": kept,
        "embedding_model": spec.identity,
        "output": head.output,
        "valence_formula": "clip(tanh(scale * (shrink(s, dead_zone + neutral_zone * P(neutral)) + events * E)) + lean * tanh(10 * (s + events * E)), -1, 1), s = a * (P(pos) - P(neg)) + lexicon * VADER_CX_compound, E = CX event score, shrink(x, z) = sign(x) * max(|x| - z, 0); a = classifier, times (1 - negation) when the text has a negation word and the two parts disagree in sign",
        "valence_weights": weights,
        "family_threshold": family_t,
        "families": {k: list(v) for k, v in CX_FAMILIES.items()},
        "labels": list(GOEMOTIONS_LABELS),
        "cx_lexicon_words": len(CX_LEXICON),
        "cx_events": len(CX_EVENTS),
        "event_weight_selection": event_rows,
        "training_data": {
            "name": "GoEmotions",
            "citation": "Demszky, D., Movshovitz-Attias, D., Ko, J., Cowen, A., Nemade, G., Ravi, S. "
                        "(2020). GoEmotions: A Dataset of Fine-Grained Emotions. ACL 2020.",
            "licence": "Apache-2.0",
            "url": "https://github.com/google-research/google-research/tree/master/goemotions",
            "splits": {"train": len(train_texts), "dev (tuning)": len(dev_texts)},
        },
        "dev_metrics": {
            "ekman_neutral_macro_f1": round(ev["ekman_f1"], 4),
            "labels28_macro_f1_tuned_thresholds": round(ev["labels28_f1"], 4),
            "sentiment_macro_f1": round(f1_val, 4),
            "sentiment_macro_f1_vader_alone": round(sentiment_macro_f1(vader_dev, gold_dev), 4),
            "family_macro_f1": round(family_f1, 4),
        },
        "experiments": record["experiments"] if args.no_search else [
            {"config": r[0], "prior_power": r[7], "ekman_f1": round(r[3]["ekman_f1"], 4),
             "labels28_f1": round(r[3]["labels28_f1"], 4), "sentiment_f1": round(r[5], 4)}
            for r in results
        ],
        "note": "Dev figures are tuning figures (thresholds and valence weights were chosen on dev).",
        "command": "python tools/train_emotions.py",
    }
    card_path.write_text(json.dumps(card, indent=2) + "\n", "utf-8")
    print(f"wrote {npz} ({npz.stat().st_size / 1024:.0f} KiB) and {card_path}")
    print(f"total {time.perf_counter() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
