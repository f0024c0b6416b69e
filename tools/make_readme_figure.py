"""Draw the README's journey emotion curve from the sample study.

Runs :func:`cxinsight.analyse` on ``data/sample_interviews`` (embedding cache reused), then
draws the journey emotion curve with :func:`cxinsight.plot_journey_curve` into
``docs/img/journey_curve.png`` (used by the README and the documentation's home page).

    .venv/bin/python tools/make_readme_figure.py [--out docs/img/journey_curve.png]
"""

from __future__ import annotations

import argparse
import os
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TQDM_DISABLE", "1")
os.environ.setdefault("MPLBACKEND", "Agg")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(ROOT / "data" / "sample_interviews"))
    parser.add_argument("--out", default=str(ROOT / "docs" / "img" / "journey_curve.png"))
    args = parser.parse_args(argv)

    import cxinsight as cx

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        corpus = cx.analyse(args.data, seed=0)

    fig = cx.plot_journey_curve(
        corpus, title="Journey emotion curve: GreenCrate sample study (fictional, 14 interviews)")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    # no timestamps in the PNG metadata, so the file only changes when the figure does
    fig.savefig(out, dpi=100, facecolor="white", metadata={"Software": None})
    print(f"wrote {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
