"""The curated notebooks are committed executed: every code cell has run, in order, once.

nbval (``make test``) re-runs them and compares outputs; this cheap check fails first, with a
clear message, when a notebook was saved unexecuted, half-executed or run out of order.
"""

from __future__ import annotations

from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
EXPECTED = [
    "00_quickstart.ipynb",
    "01_ingest_and_anonymise.ipynb",
    "02_themes.ipynb",
    "03_emotions.ipynb",
    "04_journey_emotion_curves.ipynb",
    "05_insights_report.ipynb",
    "06_surveys_and_mixed_folders.ipynb",
]
nbformat = pytest.importorskip("nbformat", reason="nbformat is not installed (pip install -e '.[dev]')")


def _code_cells(path: Path):
    nb = nbformat.read(path, as_version=4)
    return [c for c in nb.cells if c.cell_type == "code" and c.source.strip()]


def test_the_curated_notebooks_are_all_there():
    present = sorted(p.name for p in NOTEBOOKS.glob("*.ipynb"))
    assert present == EXPECTED


@pytest.mark.parametrize("name", EXPECTED)
def test_notebook_was_executed_in_order(name):
    path = NOTEBOOKS / name
    if not path.exists():
        pytest.fail(f"{name} is missing; build it with `python tools/build_notebooks.py --execute`")
    cells = _code_cells(path)
    assert cells, f"{name} has no code cells"
    counts = [c.get("execution_count") for c in cells]
    unexecuted = [i for i, n in enumerate(counts) if n is None]
    assert not unexecuted, (f"{name}: code cells {unexecuted} were never executed; run "
                            "`python tools/build_notebooks.py --execute` and commit the result")
    assert counts == list(range(1, len(cells) + 1)), (
        f"{name}: cells were executed out of order or re-run (execution counts {counts}); "
        "restart the kernel and run all cells, or rebuild with tools/build_notebooks.py --execute")


@pytest.mark.parametrize("name", EXPECTED)
def test_notebook_outputs_are_present_and_clean(name):
    path = NOTEBOOKS / name
    if not path.exists():
        pytest.fail(f"{name} is missing")
    cells = _code_cells(path)
    for i, cell in enumerate(cells):
        for out in cell.get("outputs", []):
            assert out.get("output_type") != "error", f"{name}, code cell {i}: committed with an error"
            if out.get("output_type") == "stream" and out.get("name") == "stderr":
                pytest.fail(f"{name}, code cell {i}: warnings or progress bars on stderr:\n{out.get('text', '')[:500]}")
    with_output = sum(bool(c.get("outputs")) for c in cells)
    # a notebook is for reading: most steps show something (tables, figures, checks print)
    assert with_output >= len(cells) // 2, f"{name}: only {with_output} of {len(cells)} code cells have outputs"
    has_figure = any("image/png" in out.get("data", {}) for c in cells for out in c.get("outputs", []))
    if name != "01_ingest_and_anonymise.ipynb":
        assert has_figure, f"{name}: no figure in the committed outputs"
