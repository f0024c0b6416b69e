"""Figures for the report, as PNG bytes.

The journey curve comes from :func:`cxinsight.plot_journey_curve` when the journey module is
installed; otherwise (or if it fails) a plain fallback drawn here from the same numbers.
"""

from __future__ import annotations

import io
import warnings

import numpy as np
import pandas as pd

from cxinsight.errors import CxInsightWarning
from cxinsight.insights._common import nice

#: Okabe–Ito colour-blind safe palette.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]


def _png(fig) -> bytes:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight", facecolor="white")
    plt.close(fig)
    return buf.getvalue()


def _figure(figsize=(9, 4.6)):
    import matplotlib

    if matplotlib.get_backend().lower() not in ("agg", "module://matplotlib_inline.backend_inline"):
        try:
            matplotlib.use("Agg", force=False)
        except Exception:  # pragma: no cover - backend already fixed by the session
            pass
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=figsize)


def journey_curve_png(corpus, curve: pd.DataFrame, by: str | None, order: list[str]) -> bytes:
    """The journey emotion curve (overall or one line per group) as PNG bytes."""
    try:
        from cxinsight.plots import plot_journey_curve
    except ImportError:
        plot_journey_curve = None
    if plot_journey_curve is not None:
        try:
            fig = plot_journey_curve(corpus, by=by)
            return _png(fig)
        except Exception as err:  # keep the report usable; say why the simple plot is shown
            warnings.warn(f"plot_journey_curve failed ({type(err).__name__}: {err}); the report "
                          "uses a simple curve instead.", CxInsightWarning, stacklevel=2)
    return fallback_curve_png(curve, by, order)


def fallback_curve_png(curve: pd.DataFrame, by: str | None, order: list[str]) -> bytes:
    """Mean valence per stage with its confidence band; one line per group with ``by``."""
    fig, ax = _figure()
    stages = [s for s in order if s in set(curve["stage"].astype(str))]
    stages += sorted(set(curve["stage"].astype(str)) - set(stages))
    x = {s: i for i, s in enumerate(stages)}
    groups = [(None, curve)] if by is None else list(curve.groupby(by, sort=True))
    for k, (name, g) in enumerate(groups):
        g = g.assign(_x=g["stage"].astype(str).map(x)).sort_values("_x")
        colour = PALETTE[k % len(PALETTE)]
        label = None if name is None else f"{nice(name)}"
        ax.plot(g["_x"], g["valence"], marker="o", lw=2.2, color=colour, label=label)
        if {"ci_low", "ci_high"} <= set(g.columns) and by is None:
            ax.fill_between(g["_x"].to_numpy(dtype=float), g["ci_low"].to_numpy(dtype=float),
                            g["ci_high"].to_numpy(dtype=float), color=colour, alpha=0.15, lw=0)
        if by is None and "n_participants" in g.columns:
            for xi, yi, n in zip(g["_x"], g["valence"], g["n_participants"]):
                ax.annotate(f"n={int(n)}", (xi, yi), textcoords="offset points", xytext=(0, 8),
                            ha="center", fontsize=8, color="#52606d")
    ax.axhline(0, color="#7b8794", lw=1, ls="--")
    ax.set_xticks(range(len(stages)))
    ax.set_xticklabels([nice(s) for s in stages], rotation=0)
    ax.set_ylabel("mean valence (−1 negative … +1 positive)")
    ax.set_ylim(*_limits(curve, by is None))
    ax.set_title("Journey emotion curve" + ("" if by is None else f" by {nice(by)}"), loc="left")
    ax.grid(axis="y", alpha=0.3)
    if by is not None:
        ax.legend(frameon=False, ncol=min(4, len(groups)), loc="upper left", bbox_to_anchor=(0, -0.12))
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return _png(fig)


def _limits(curve: pd.DataFrame, with_ci: bool) -> tuple[float, float]:
    """Y limits symmetric around zero that fit the curve (and its band), at least ±0.25."""
    cols = ["valence"] + (["ci_low", "ci_high"] if with_ci else [])
    vals = np.concatenate([curve[c].to_numpy(dtype=float) for c in cols if c in curve.columns])
    vals = vals[~np.isnan(vals)]
    top = float(np.abs(vals).max()) if vals.size else 1.0
    top = min(1.05, max(0.25, top * 1.25))
    return -top, top


def themes_png(themes: pd.DataFrame, top: int = 12) -> bytes:
    """Horizontal bars: share of participants raising each theme, coloured by mean valence."""
    import matplotlib.pyplot as plt
    from matplotlib.colors import TwoSlopeNorm

    t = themes.head(top).iloc[::-1]
    fig, ax = _figure(figsize=(9, 0.45 * len(t) + 1.4))
    cmap = plt.get_cmap("RdBu")
    norm = TwoSlopeNorm(vmin=-1, vcenter=0, vmax=1)
    colours = [cmap(norm(v)) if not np.isnan(v) else "#999999" for v in t["valence"].astype(float)]
    ax.barh(range(len(t)), t["share"].astype(float) * 100, color=colours, edgecolor="#52606d", lw=0.5)
    ax.set_yticks(range(len(t)))
    ax.set_yticklabels([str(s)[:48] for s in t["theme_label"]])
    for i, (share, n, v) in enumerate(zip(t["share"], t["n_participants"], t["valence"])):
        ax.text(float(share) * 100 + 1, i, f"{int(n)} participants, valence {v:+.2f}".replace("-", "−"),
                va="center", fontsize=8, color="#1f2933")
    ax.set_xlabel("participants raising the theme (%)")
    ax.set_xlim(0, 130)
    ax.set_title("Themes: how widespread, and how they feel (red negative, blue positive)", loc="left")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    sm = plt.cm.ScalarMappable(norm=norm, cmap=cmap)
    fig.colorbar(sm, ax=ax, fraction=0.03, pad=0.01, label="mean valence")
    return _png(fig)
