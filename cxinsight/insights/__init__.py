"""Insight synthesis: from an analysed corpus to ranked, evidenced findings.

Public functions
----------------
synthesise
    Ranked insights, one row per (theme, journey stage) with enough evidence.
segment_contrasts
    Every group comparison behind the insights (Fisher's exact test, Benjamini–Hochberg).
opportunities
    "Mitigate" each low and "elevate" each high of the journey curve, with evidence.
theme_summary, stage_summary
    Prevalence and sentiment per theme; mean valence per stage (and group).
benjamini_hochberg, bootstrap_mean_ci, fisher_exact, spearman
    The statistics, usable on their own.

The method is described in ``docs/insights.md``.
"""

from cxinsight.insights.stats import (
    benjamini_hochberg,
    bootstrap_mean_ci,
    fisher_exact,
    min_attainable_p,
    spearman,
)
from cxinsight.insights.summaries import (
    OPPORTUNITY_COLUMNS,
    opportunities,
    stage_summary,
    stored_curve,
    theme_summary,
)
from cxinsight.insights.synthesis import (
    CONTRAST_COLUMNS,
    INSIGHT_COLUMNS,
    Synthesis,
    SynthesisParams,
    run_synthesis,
    segment_contrasts,
    synthesise,
)

__all__ = [
    "CONTRAST_COLUMNS", "INSIGHT_COLUMNS", "OPPORTUNITY_COLUMNS", "Synthesis", "SynthesisParams",
    "benjamini_hochberg", "bootstrap_mean_ci", "fisher_exact", "min_attainable_p", "opportunities",
    "run_synthesis", "segment_contrasts", "spearman", "stage_summary", "stored_curve", "synthesise", "theme_summary",
]
