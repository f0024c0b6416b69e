"""Tests for the journey figures: plotted data equal the tables, annotations, saved PNGs."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

import cxinsight as cx  # noqa: E402
from cxinsight.corpus import Corpus  # noqa: E402
from cxinsight.plots import (  # noqa: E402
    OKABE_ITO,
    plot_emotional_arc,
    plot_stage_emotions,
    stage_emotion_table,
)

PLAN = {"discovery": 0.3, "consideration": 0.2, "purchase": 0.8, "onboarding": -0.6,
        "everyday_use": 0.5, "renewal": -0.8}  # no support: a gap
QUOTES = {
    "purchase": "Signing up took two minutes and the welcome discount was lovely.",
    "onboarding": "The first delivery turned up a day late with half of it missing.",
    "renewal": "They charged me again after I had cancelled, which made me furious.",
}


def _corpus(n_participants: int = 6) -> Corpus:
    rng = np.random.default_rng(0)
    rows = []
    for p in range(n_participants):
        iid = f"p{p:02d}"
        turn = 0
        for stage, val in PLAN.items():
            for k in range(2 + p % 2):  # participants talk different amounts
                text = QUOTES.get(stage, f"Some words about {stage.replace('_', ' ')} number {k}.")
                v = float(np.clip(val + rng.normal(0, 0.1), -1, 1))
                rows.append({
                    "segment_id": f"{iid}:{turn}:0", "interview_id": iid, "turn": turn,
                    "sentence": 0, "speaker": iid, "role": "participant",
                    "start": turn * 20.0, "end": turn * 20.0 + 15, "text": text,
                    "n_words": len(text.split()), "is_backchannel": False, "stage": stage,
                    "valence": v, "emotion": "delight" if v > 0.2 else "frustration" if v < -0.2 else "neutral",
                })
                turn += 1
    seg = pd.DataFrame(rows)
    turns = seg[["interview_id", "turn", "speaker", "role", "start", "end", "text"]].assign(source="x")
    parts = pd.DataFrame({"interview_id": [f"p{p:02d}" for p in range(n_participants)],
                          "segment": ["family", "retiree"] * (n_participants // 2) + ["family"] * (n_participants % 2)})
    return Corpus(turns, participants=parts, segments=seg)


def _curve_lines(fig: Figure):
    ax = fig.axes[0]
    return {ln.get_gid(): ln for ln in ax.get_lines() if (ln.get_gid() or "").startswith("journey-curve")}


def test_plotted_curve_equals_the_curve_table(tmp_path):
    corpus = _corpus()
    curve = cx.journey_curve(corpus)
    fig = cx.plot_journey_curve(corpus)
    assert isinstance(fig, Figure)
    lines = _curve_lines(fig)
    assert list(lines) == ["journey-curve:all"]
    line = lines["journey-curve:all"]
    np.testing.assert_array_equal(line.get_xdata(), curve["stage_order"].to_numpy(dtype=float))
    np.testing.assert_allclose(line.get_ydata(), curve["valence"].to_numpy(dtype=float), equal_nan=True)
    # the support stage has no data: a gap in the line, not a zero
    assert np.isnan(line.get_ydata()[5])
    assert line.get_color().lower() == OKABE_ITO[0].lower()
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels[0] == "Discovery\nn=6" and labels[4] == "Everyday use\nn=6" and labels[5] == "Support\nn=0"
    assert ax.get_ylim() == (-1.0, 1.0)  # the full valence scale by default
    assert any(ln.get_ydata()[0] == 0 for ln in ax.get_lines() if ln.get_gid() is None)  # zero line
    texts = {t.get_gid(): t.get_text() for t in ax.texts if t.get_gid()}
    assert "Highest: Purchase" in texts["journey-high"] and "welcome discount" in texts["journey-high"]
    assert "Lowest: Renewal" in texts["journey-low"] and "charged me again" in texts["journey-low"]
    out = tmp_path / "journey_curve.png"
    fig.savefig(out, dpi=100)
    assert out.stat().st_size > 10_000


def test_one_line_per_group_and_curve_table_input(tmp_path):
    corpus = _corpus(10)
    curve = cx.journey_curve(corpus, by="segment")
    fig = cx.plot_journey_curve(corpus, by="segment")
    lines = _curve_lines(fig)
    assert set(lines) == {"journey-curve:family", "journey-curve:retiree"}
    for group, line in lines.items():
        c = curve[curve["group"] == group.split(":")[1]]
        np.testing.assert_allclose(line.get_ydata(), c["valence"], equal_nan=True)
    colours = {ln.get_color() for ln in lines.values()}
    assert len(colours) == 2 and colours <= set(OKABE_ITO)
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert legend == ["family (n=5)", "retiree (n=5)"]
    # a curve table works too; its extremes are annotated with values (no corpus, no quotes)
    fig2 = cx.plot_journey_curve(curve)
    texts = [t.get_text() for t in fig2.axes[0].texts if t.get_gid() == "journey-high"]
    assert texts and "+0." in texts[0]
    fig.savefig(tmp_path / "journey_curve_by_segment.png", dpi=100)


def test_plot_into_given_axes_and_never_show(monkeypatch):
    import matplotlib.pyplot as plt

    monkeypatch.setattr(plt, "show", lambda *a, **k: pytest.fail("show() was called"))
    before = plt.get_fignums()
    fig = cx.plot_journey_curve(_corpus())
    assert plt.get_fignums() == before  # not registered with pyplot
    own_fig, ax = plt.subplots()
    try:
        assert cx.plot_journey_curve(_corpus(), ax=ax) is own_fig
    finally:
        plt.close(own_fig)
    assert fig.get_size_inches()[0] >= 10  # slide-sized


def test_one_participant_plots_without_band():
    fig = cx.plot_journey_curve(_corpus(n_participants=1))
    line = _curve_lines(fig)["journey-curve:all"]
    assert np.isfinite(line.get_ydata()).sum() == 6


def test_bad_input_is_explained():
    with pytest.raises(TypeError, match="Corpus or the DataFrame"):
        cx.plot_journey_curve([1, 2, 3])
    with pytest.raises(ValueError, match="no column"):
        cx.plot_journey_curve(pd.DataFrame({"x": [1]}))


def test_stage_emotion_heatmap(tmp_path):
    corpus = _corpus()
    table = stage_emotion_table(corpus)
    assert list(table.columns) == cx.JourneyMap.default().labels
    assert table["Support"].isna().all()  # no data: grey, not zero
    assert table.at["delight", "Purchase"] == pytest.approx(1.0)
    assert table.at["frustration", "Renewal"] == pytest.approx(1.0)
    fig = plot_stage_emotions(corpus)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Frustration", "Delight"]
    assert "100%" in [t.get_text() for t in ax.texts]
    fig.savefig(tmp_path / "stage_emotions.png", dpi=100)


def test_emotional_arc(tmp_path):
    corpus = _corpus()
    fig = plot_emotional_arc(corpus, "p01")
    ax = fig.axes[0]
    line = next(ln for ln in ax.get_lines() if ln.get_gid() == "emotional-arc")
    seg = corpus.segments[corpus.segments["interview_id"] == "p01"]
    assert len(line.get_ydata()) == len(seg)
    np.testing.assert_allclose(line.get_xdata(), seg["start"] / 60)
    assert len(ax.patches) == 6  # one band per stage run
    assert "Minutes" in ax.get_xlabel()
    fig.savefig(tmp_path / "emotional_arc.png", dpi=100)
    with pytest.raises(KeyError, match="No interview"):
        plot_emotional_arc(corpus, "nobody")


def test_returned_figure_displays_in_ipython_without_pyplot(monkeypatch):
    """A notebook shows the returned Figure as a PNG even if `%matplotlib inline` never ran."""
    from IPython.core.interactiveshell import InteractiveShell
    from matplotlib.figure import Figure

    from cxinsight.plots import _display_in_notebooks

    shell = InteractiveShell.instance()
    png = shell.display_formatter.formatters["image/png"]
    monkeypatch.setattr(png, "type_printers", {k: v for k, v in png.type_printers.items() if k is not Figure})
    monkeypatch.setattr("IPython.get_ipython", lambda: shell)
    fig = Figure()
    fig.add_subplot().plot([0, 1], [0, 1])
    assert "image/png" not in shell.display_formatter.format(fig)[0]
    _display_in_notebooks()
    import base64

    data, _ = shell.display_formatter.format(fig)
    image = data["image/png"]
    raw = base64.b64decode(image) if isinstance(image, str) else image
    assert raw[:8] == b"\x89PNG\r\n\x1a\n"
