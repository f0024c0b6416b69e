"""Figures for reports and slides: journey emotion curves, stage-by-emotion heatmaps, arcs.

Every function returns a :class:`matplotlib.figure.Figure` and never calls ``show()``: save it
with ``fig.savefig("curve.png", dpi=200)`` or let Jupyter display it. Figures are built
without pyplot, so they do not pile up in pyplot's figure list. Colours come from the Okabe-Ito
palette (safe for the common colour-vision deficiencies) and lines also differ by marker.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from cxinsight.corpus import Corpus
from cxinsight.errors import InputError, OptionError
from cxinsight.journey.curve import (
    GROUP,
    journey_curve,
    journey_of,
    require_applicable,
    shorten,
    stage_data,
    top_quotes,
)
from cxinsight.speech import participant_mask

#: Okabe & Ito (2008) colour-blind-safe palette, most distinct colours first.
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#F0E442",
             "#000000")
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
#: Emotion families in display order (negative, then positive, then others).
FAMILY_ORDER = ("frustration", "disappointment", "anxiety", "confusion", "surprise", "relief",
                "trust", "gratitude", "delight", "neutral")
_SLIDE_RC = {"font.size": 13, "axes.titlesize": 17, "axes.labelsize": 14, "xtick.labelsize": 13,
             "ytick.labelsize": 12, "legend.fontsize": 12}


def _new_axes(ax: Axes | None, size: tuple[float, float]) -> tuple[Figure, Axes]:
    if ax is not None:
        return ax.figure, ax
    _display_in_notebooks()
    fig = Figure(figsize=size, layout="constrained")
    return fig, fig.add_subplot()


def _display_in_notebooks() -> None:
    """Let Jupyter show a returned Figure as an image even when pyplot was never imported.

    Figures here are made without pyplot, so IPython may have no image formatter for them
    until ``%matplotlib inline`` runs. When running under IPython and no image formatter for
    ``Figure`` exists yet, a PNG one is registered; a format the user chose is left alone.
    """
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is None:
        return
    formatters = shell.display_formatter.formatters
    for mime in ("image/png", "image/svg+xml", "application/pdf", "image/jpeg"):
        formatter = formatters.get(mime)
        if formatter is None:
            continue
        try:
            formatter.lookup_by_type(Figure)
            return
        except KeyError:
            continue
    from IPython.core.pylabtools import select_figure_formats

    select_figure_formats(shell, {"png"})


def _rc():
    import matplotlib

    return matplotlib.rc_context(_SLIDE_RC)


def _signed(v: float) -> str:
    if abs(v) < 0.005:
        return "0.00"
    return f"{v:+.2f}".replace("-", "\u2212")


def _y_limit(curve: pd.DataFrame) -> float:
    """Symmetric y limit: +-1 for strong curves, zoomed (never below 0.5) for flat ones."""
    cols = [c for c in ("valence", "ci_low", "ci_high") if c in curve.columns]
    values = curve[cols].to_numpy(dtype=float)
    top = float(np.nanmax(np.abs(values))) if np.isfinite(values).any() else 1.0
    return float(min(1.05, max(0.5, np.ceil((top + 0.1) * 4) / 4)))


# ---------------------------------------------------------------------- journey curve
def plot_journey_curve(
    corpus_or_curve: Corpus | pd.DataFrame,
    by: str | None = None,
    ax: Axes | None = None,
    *,
    title: str | None = None,
    annotate: bool = True,
    quote_chars: int = 70,
    n_boot: int = 1000,
    seed: int = 0,
    ylim: tuple[float, float] | None = (-1.0, 1.0),
) -> Figure:
    """Plot the journey emotion curve: mean valence per stage, one line per group.

    Parameters
    ----------
    corpus_or_curve : Corpus or DataFrame
        A corpus with ``stage`` and ``valence`` (the curve is computed with
        :func:`cxinsight.journey_curve`), or a table returned by it.
    by : str, optional
        A participants column (``"segment"``, ``"nps_group"``): one line per group. Ignored
        when a curve table is passed (its ``group`` column decides).
    ax : matplotlib Axes, optional
        Draw into this axes; by default a new slide-sized figure (12 x 6.5 in).
    title : str, optional
    annotate : bool, default True
        Mark the highest and lowest points with a short quote (from the corpus, which should
        already be anonymised) or, for a curve table, with their value.
    quote_chars : int, default 70
        Longest annotation quote.
    n_boot, seed : int
        Passed to :func:`cxinsight.journey_curve`.
    ylim : (float, float) or None, default (-1, 1)
        The valence axis. Fixed at the full scale by default, so that curves of different
        studies and groups compare at a glance and small differences do not look dramatic;
        ``None`` zooms symmetrically to the data (never closer than +-0.5).

    Returns
    -------
    matplotlib.figure.Figure
        Stages in journey order on x (with the number of participants under each stage),
        valence on y with a zero line, a bootstrap confidence band per line, colour-blind-safe
        colours. Points resting on at least five participants (``reliable``) are filled; the
        others are drawn hollow with their ``n`` beside them and no band. The plotted line's
        data equal the curve table's ``valence`` column (NaN where a stage has no data: a
        gap, not a zero).

    Raises
    ------
    JourneyNotApplicableError
        Passed a corpus whose study does not follow the journey (see
        :func:`cxinsight.journey_curve`).
    """
    data = None
    if isinstance(corpus_or_curve, Corpus):
        curve = journey_curve(corpus_or_curve, by, n_boot=n_boot, seed=seed)
        data, _ = stage_data(corpus_or_curve, by)
    elif isinstance(corpus_or_curve, pd.DataFrame):
        curve = corpus_or_curve
        missing = [c for c in ("stage", "valence", "stage_order") if c not in curve.columns]
        if missing:
            raise InputError(
                f"The curve table has no column(s) {missing}; pass a corpus or the table "
                "returned by cx.journey_curve(corpus)."
            )
        by = curve.attrs.get("by") or (GROUP if GROUP in curve.columns else None)
    else:
        raise OptionError(
            "plot_journey_curve takes a Corpus or the DataFrame from cx.journey_curve, got "
            f"{type(corpus_or_curve).__name__}."
        )
    if GROUP not in curve.columns:
        curve = curve.assign(**{GROUP: "all"})
    groups = list(pd.unique(curve[GROUP]))
    stages = curve.drop_duplicates("stage").sort_values("stage_order")
    x_labels = stages["stage_label"] if "stage_label" in stages else stages["stage"]
    n_total = curve.groupby("stage", sort=False)["n_participants"].sum()

    with _rc():
        fig, ax = _new_axes(ax, (12, 6.5))
        ax.axhline(0, color="0.35", lw=1.2, ls="--", zorder=1)
        for g_i, group in enumerate(groups):
            c = curve[curve[GROUP] == group].sort_values("stage_order")
            colour = OKABE_ITO[g_i % len(OKABE_ITO)]
            x = c["stage_order"].to_numpy(dtype=float)
            y = c["valence"].to_numpy(dtype=float)
            n = int(c["n_participants"].max()) if len(c) else 0
            label = "All participants" if group == "all" else str(group)
            marker = MARKERS[g_i % len(MARKERS)]
            line, = ax.plot(x, y, color=colour, marker=marker, lw=2.6, ms=9,
                            markevery=list(np.flatnonzero(reliable_points(c))),
                            label=f"{label} (n={n})", zorder=3)
            line.set_gid(f"journey-curve:{group}")
            weak = ~reliable_points(c) & np.isfinite(y)
            if weak.any():
                pts = ax.scatter(x[weak], y[weak], s=81, marker=marker, facecolors="white",
                                 edgecolors=colour, linewidths=2.0, zorder=4)
                pts.set_gid(f"journey-curve-unreliable:{group}")
                for xi, yi, ni in zip(x[weak], y[weak], c["n_participants"].to_numpy()[weak]):
                    ax.annotate(f"n={int(ni)}", (xi, yi), xytext=(7, -4),
                                textcoords="offset points", fontsize=10, color=colour,
                                ha="left", va="top", zorder=4)
            if {"ci_low", "ci_high"} <= set(c.columns):
                lo = c["ci_low"].to_numpy(dtype=float)
                hi = c["ci_high"].to_numpy(dtype=float)
                ax.fill_between(x, lo, hi, color=colour, alpha=0.15, lw=0, zorder=2)
        ax.set_xticks(stages["stage_order"].to_numpy())
        ax.set_xticklabels(
            [f"{lab}\nn={int(n_total.get(s, 0))}" for lab, s in zip(x_labels, stages["stage"])]
        )
        ax.set_xlim(-0.4, len(stages) - 0.6)
        if ylim is None:
            lim = _y_limit(curve)
            ax.set_ylim(-lim, lim)
        else:
            ax.set_ylim(*ylim)
            lim = float(max(abs(ylim[0]), abs(ylim[1])))
        ax.set_ylabel("Mean valence  (\u22121 negative \u2026 +1 positive)")
        ax.grid(axis="y", color="0.9", zorder=0)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        who = f" by {by}" if by and len(groups) > 1 else ""
        ax.set_title(title or f"Journey emotion curve{who}", loc="left", fontweight="bold")
        if len(groups) > 1:
            ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False, title=by)
        else:
            ax.legend(loc="lower left", frameon=False)
        ax.text(1.0, -0.16, "n = participants with something to say at the stage; "
                "band: 95% bootstrap interval over participants; hollow point: fewer than "
                "5 participants, no interval",
                transform=ax.transAxes, ha="right", va="top", fontsize=10, color="0.35")
        if annotate:
            _annotate_extremes(ax, curve, data, quote_chars, lim)
    return fig


def reliable_points(curve: pd.DataFrame) -> np.ndarray:
    """Which rows of a curve table rest on enough participants for an interval.

    Uses the table's ``reliable`` column; a table without it (cxinsight 0.1) counts a point
    as reliable when it has at least five participants.
    """
    if "reliable" in curve.columns:
        return curve["reliable"].fillna(False).to_numpy(dtype=bool)
    from cxinsight.journey.applicability import MIN_PARTICIPANTS

    return curve["n_participants"].fillna(0).to_numpy() >= MIN_PARTICIPANTS


def _annotate_extremes(ax: Axes, curve: pd.DataFrame, data: pd.DataFrame | None,
                       quote_chars: int, lim: float = 1.0) -> None:
    # only points that rest on enough participants are called the highest or lowest
    valid = curve[reliable_points(curve)].dropna(subset=["valence"])
    if valid.empty:
        return
    picks = [("high", valid.loc[valid["valence"].idxmax()], 1)]
    low = valid.loc[valid["valence"].idxmin()]
    if low.name != picks[0][1].name:
        picks.append(("low", low, -1))
    multi = curve[GROUP].nunique() > 1
    for kind, row, direction in picks:
        text = None
        if data is not None:
            d = data[(data["stage"] == row["stage"]) & (data[GROUP] == row[GROUP])]
            q = top_quotes(d, direction, 1)
            if len(q):
                text = "\u201c" + shorten(q["text"].iloc[0], quote_chars) + "\u201d"
        head = f"{'Highest' if kind == 'high' else 'Lowest'}: {row['stage_label']}"
        if multi:
            head += f", {row[GROUP]}"
        head += f" ({_signed(float(row['valence']))})"
        label = head if text is None else head + "\n" + _wrap(text, 38)
        x, y = float(row["stage_order"]), float(row["valence"])
        n_st = int(curve["stage_order"].max()) + 1
        # beside the point, towards the middle of the plot; in the empty band above the
        # highest (below the lowest) point when there is room, else next to it
        right = x < n_st - 2.5
        xt, ha = (x + 0.2, "left") if right else (x - 0.2, "right")
        if direction > 0:
            yt, va = (0.93 * lim, "top") if y <= 0.45 * lim else (y - 0.12 * lim, "top")
        else:
            yt, va = (-0.93 * lim, "bottom") if y >= -0.45 * lim else (y + 0.12 * lim, "bottom")
        ann = ax.annotate(
            label, xy=(x, y), xytext=(xt, yt), fontsize=11, ha=ha, va=va,
            bbox={"boxstyle": "round,pad=0.4", "fc": "white", "ec": "0.6", "alpha": 0.92},
            arrowprops={"arrowstyle": "->", "color": "0.3", "lw": 1.2}, zorder=5,
        )
        ann.set_gid(f"journey-{kind}")


def _wrap(text: str, width: int) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width)) or text


# ---------------------------------------------------------------------- heatmap
def stage_emotion_table(corpus: Corpus, *, include_neutral: bool = False) -> pd.DataFrame:
    """Share of each emotion family per stage (participants weighted equally).

    Returns
    -------
    DataFrame
        Rows: emotion families; columns: stage labels in journey order; values in [0, 1]
        (each column sums to 1 over the families shown when ``include_neutral``).
    """
    corpus.require("segments", ["emotion"], "cx.tag_emotions(corpus)")
    require_applicable(corpus, "emotions by journey stage")
    data, journey = stage_data(corpus)
    data = data.dropna(subset=["emotion"])
    if not include_neutral:
        data = data[data["emotion"] != "neutral"]
    rows = {}
    for st in journey.stages:
        d = data[data["stage"] == st.name]
        if d.empty:
            rows[st.label] = pd.Series(dtype=float)
            continue
        shares = d.groupby("participant")["emotion"].value_counts(normalize=True)
        rows[st.label] = shares.unstack(fill_value=0).mean(axis=0)
    table = pd.DataFrame(rows).fillna(0.0)
    order = [f for f in FAMILY_ORDER if f in table.index] + sorted(set(table.index) - set(FAMILY_ORDER))
    table = table.reindex(order)
    for st in journey.stages:  # a stage without data stays visible as an empty column
        if st.label not in table.columns:
            table[st.label] = np.nan
    empty = [st.label for st in journey.stages if data[data["stage"] == st.name].empty]
    table[empty] = np.nan
    return table[[st.label for st in journey.stages]]


def plot_stage_emotions(corpus: Corpus, ax: Axes | None = None, *, include_neutral: bool = False,
                        title: str | None = None) -> Figure:
    """Heatmap of emotion families by journey stage.

    Parameters
    ----------
    corpus : Corpus
        With ``stage`` and ``emotion``.
    ax : matplotlib Axes, optional
    include_neutral : bool, default False
        Show ``neutral`` too (it usually dominates every stage).
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
        Cell = share of a stage's (non-neutral) segments tagged with the family, each
        participant weighted equally; printed as a percentage. Empty stages are grey.
    """
    table = stage_emotion_table(corpus, include_neutral=include_neutral)
    with _rc():
        fig, ax = _new_axes(ax, (12, 0.55 * len(table) + 2.5))
        values = table.to_numpy(dtype=float)
        masked = np.ma.masked_invalid(values)
        import matplotlib

        cmap = matplotlib.colormaps["cividis"].with_extremes(bad="0.88")
        vmax = max(float(np.nanmax(values)) if np.isfinite(values).any() else 1.0, 0.01)
        im = ax.imshow(masked, cmap=cmap, vmin=0, vmax=vmax, aspect="auto")
        ax.set_xticks(range(table.shape[1]), labels=list(table.columns))
        ax.set_yticks(range(table.shape[0]), labels=[f.capitalize() for f in table.index])
        ax.tick_params(top=False, bottom=True, length=0)
        for i in range(values.shape[0]):
            for j in range(values.shape[1]):
                v = values[i, j]
                if np.isfinite(v) and v >= 0.005:
                    ax.text(j, i, f"{v:.0%}", ha="center", va="center", fontsize=11,
                            color="black" if v > 0.6 * vmax else "white")
        for side in ax.spines.values():
            side.set_visible(False)
        cb = fig.colorbar(im, ax=ax, fraction=0.03, pad=0.02)
        cb.set_label("Share of segments")
        cb.ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
        what = "" if include_neutral else " (neutral left out)"
        ax.set_title(title or f"Emotions by journey stage{what}", loc="left", fontweight="bold")
    return fig


# ---------------------------------------------------------------------- emotional arc
def _stage_runs(stages: Sequence[Any], xs: Sequence[float]) -> list[tuple[str, float, float]]:
    """Contiguous runs of the same (non-missing) stage as ``(stage, x_start, x_end)``."""
    runs: list[tuple[str, float, float]] = []
    for st, x in zip(stages, xs):
        if pd.isna(st):
            continue
        if runs and runs[-1][0] == st:
            runs[-1] = (st, runs[-1][1], x)
        else:
            runs.append((str(st), x, x))
    return runs


def plot_emotional_arc(corpus: Corpus, interview_id: str, ax: Axes | None = None, *,
                       window: int = 5, title: str | None = None) -> Figure:
    """Valence over the course of one interview, with the journey stages as bands.

    Parameters
    ----------
    corpus : Corpus
        With ``valence`` and ``stage``.
    interview_id : str
        The interview to draw.
    ax : matplotlib Axes, optional
    window : int, default 5
        Segments in the centred rolling mean drawn as the arc.
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
        x: minutes into the interview when every participant segment has a start time, else
        segment order; points: participant segments; line: rolling mean; shaded bands: the
        stage of each stretch of the interview (interviewer questions included).
    """
    seg = corpus.require("segments", ["valence"], "cx.tag_emotions(corpus)")
    seg = corpus.require("segments", ["stage"], "cx.assign_stages(corpus)")
    known = sorted(seg["interview_id"].astype(str).unique())
    one = seg[seg["interview_id"].astype(str) == str(interview_id)]
    if one.empty:
        raise KeyError(f"No interview {interview_id!r} in the corpus; interviews are {known[:20]}.")
    journey = journey_of(corpus)
    one = one.sort_values(["turn", "sentence"] if "sentence" in one.columns else ["turn"])
    part = one[participant_mask(one) & one["valence"].notna().to_numpy()]
    use_time = "start" in one.columns and len(part) and part["start"].notna().all()
    if use_time:
        xs_all = (one["start"].astype(float) / 60).ffill().fillna(0).to_numpy()
        xlabel = "Minutes into the interview"
    else:
        xs_all = np.arange(len(one), dtype=float)
        xlabel = "Segment order in the interview"
    pos = pd.Series(xs_all, index=one.index)
    with _rc():
        fig, ax = _new_axes(ax, (13, 5.5))
        band_colours = {st: OKABE_ITO[i % len(OKABE_ITO)] for i, st in enumerate(journey.names)}
        step = float(np.median(np.diff(xs_all))) if len(xs_all) > 1 else 1.0
        for r, (st, x0, x1) in enumerate(_stage_runs(one["stage"].tolist(), xs_all)):
            ax.axvspan(x0 - step / 2, x1 + step / 2, color=band_colours.get(st, "0.7"), alpha=0.13,
                       lw=0, zorder=0)
            if x1 - x0 >= 2 * step:  # stagger labels so that short neighbouring bands stay legible
                ax.text((x0 + x1) / 2, 1.01 + 0.065 * (r % 2),
                        journey.label(st) if st in journey else st,
                        ha="center", va="bottom", fontsize=10, color="0.25",
                        transform=ax.get_xaxis_transform(), clip_on=False)
        ax.axhline(0, color="0.35", lw=1.2, ls="--", zorder=1)
        px = pos.loc[part.index].to_numpy()
        py = part["valence"].astype(float).to_numpy()
        ax.scatter(px, py, s=22, color="0.45", alpha=0.6, zorder=2, label="Participant segment")
        if len(py):
            smooth = pd.Series(py).rolling(window, center=True, min_periods=1).mean().to_numpy()
            line, = ax.plot(px, smooth, color=OKABE_ITO[0], lw=2.6, zorder=3,
                            label=f"Rolling mean ({window} segments)")
            line.set_gid("emotional-arc")
        ax.set_ylim(-1.05, 1.05)
        ax.set_xlabel(xlabel)
        ax.set_ylabel("Valence")
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        ax.legend(loc="upper left", bbox_to_anchor=(0.0, -0.13), ncol=2, frameon=False,
                  fontsize=10)
        ax.set_title(title or f"Emotional arc of interview {interview_id}", loc="left",
                     fontweight="bold", pad=34)
    return fig
