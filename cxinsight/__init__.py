"""cxinsight: offline qualitative interview analysis for customer-experience research.

Read transcripts into one :class:`Corpus`, pseudonymise them, and find themes, emotions,
journey stages and journey emotion curves, all without a network connection::

    import cxinsight as cx
    corpus = cx.analyse("data/sample_interviews")
    cx.plot_journey_curve(corpus, by="segment")

Public names are imported lazily, so ``import cxinsight`` is fast and a heavy dependency
(BERTopic, sentence-transformers) is loaded only by the step that needs it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.2.0"

#: public name -> module that defines it
_EXPORTS: dict[str, str] = {
    "Corpus": "cxinsight.corpus",
    "CxInsightError": "cxinsight.errors",
    "InputError": "cxinsight.errors",
    "OptionError": "cxinsight.errors",
    "OutputError": "cxinsight.errors",
    "JourneyError": "cxinsight.errors",
    "JourneyNotApplicableError": "cxinsight.errors",
    "TooLittleTextError": "cxinsight.errors",
    "TranscriptFormatError": "cxinsight.errors",
    "MissingStepError": "cxinsight.errors",
    "NotFittedError": "cxinsight.errors",
    "ModelNotFoundError": "cxinsight.errors",
    "KeyMismatchError": "cxinsight.errors",
    "CxInsightWarning": "cxinsight.errors",
    "read": "cxinsight.ingest",
    "segment": "cxinsight.segmentation",
    "Anonymiser": "cxinsight.anonymisation",
    "Key": "cxinsight.anonymisation",
    "anonymise": "cxinsight.anonymisation",
    "reidentify": "cxinsight.anonymisation",
    "embed": "cxinsight.embeddings",
    "EmotionTagger": "cxinsight.emotions",
    "tag_emotions": "cxinsight.emotions",
    "ThemeModel": "cxinsight.themes",
    "extract_themes": "cxinsight.themes",
    "theme_prevalence": "cxinsight.themes",
    "JourneyMap": "cxinsight.journey",
    "assign_stages": "cxinsight.journey",
    "journey_curve": "cxinsight.journey",
    "moments": "cxinsight.journey",
    "plot_journey_curve": "cxinsight.plots",
    "plot_stage_emotions": "cxinsight.plots",
    "plot_emotional_arc": "cxinsight.plots",
    "synthesise": "cxinsight.insights",
    "opportunities": "cxinsight.insights",
    "segment_contrasts": "cxinsight.insights",
    "export": "cxinsight.exports",
    "write_report": "cxinsight.report",
    "analyse": "cxinsight.pipeline",
    "steps": "cxinsight.step_table",
    "export_qdpx": "cxinsight.qda",
    "export_qdc": "cxinsight.qda",
    "read_codebook": "cxinsight.qda",
}

__all__ = sorted(_EXPORTS) + ["__version__"]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'cxinsight' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__


if TYPE_CHECKING:  # pragma: no cover
    from cxinsight.corpus import Corpus  # noqa: F401
