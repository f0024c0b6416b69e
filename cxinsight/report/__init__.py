"""The study report: one self-contained HTML page and its Markdown twin.

>>> import cxinsight as cx
>>> cx.write_report(corpus, "out/report.html")   # doctest: +SKIP

The HTML embeds its figures (base64 PNG) and styles, loads nothing from the network and opens
offline; the Markdown twin references the same figures saved as PNG files beside it. Sections and
options are described in ``docs/report.md``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cxinsight.corpus import Corpus
from cxinsight.report.builder import build_document
from cxinsight.report.document import render_html, render_markdown

__all__ = ["write_report", "build_document"]


def write_report(
    corpus: Corpus,
    path: str | Path,
    insights: pd.DataFrame | None = None,
    *,
    title: str | None = None,
    top_n: int = 6,
    markdown: bool = True,
    seed: int = 0,
) -> Path:
    """Write the study report as self-contained HTML (and a Markdown twin).

    Parameters
    ----------
    corpus : Corpus
        An analysed corpus (ideally from :func:`cxinsight.analyse`). Missing steps do not fail:
        their sections say which call produces them.
    path : str or Path
        ``report.html`` path, or a folder (then ``<folder>/report.html``).
    insights : DataFrame, optional
        From :func:`cxinsight.synthesise`; by default ``corpus.tables["insights"]`` or computed.
    title : str, optional
        Title of the report.
    top_n : int, default 6
        Pain points and delights shown in full.
    markdown : bool, default True
        Also write ``<stem>.md`` with its figures in ``<stem>_figures/``.
    seed : int, default 0
        Seed of any bootstrap computed for the report.

    Returns
    -------
    Path
        The HTML file written.
    """
    path = Path(path)
    if path.suffix.lower() not in (".html", ".htm"):
        path = path / "report.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = build_document(corpus, insights, title=title, top_n=top_n, seed=seed)
    path.write_text(render_html(doc), encoding="utf-8")
    if markdown:
        fig_dir = path.with_name(f"{path.stem}_figures")
        md = render_markdown(doc, fig_dir, fig_dir.name)
        path.with_suffix(".md").write_text(md, encoding="utf-8")
    return path
