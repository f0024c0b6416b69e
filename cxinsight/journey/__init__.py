"""Journey stages and journey emotion curves.

- :class:`JourneyMap`: the ordered stages of a customer journey (default or your own).
- :func:`assign_stages`: first decides whether the study follows the journey at all
  (``corpus.meta["journey"]``), then gives a stage to every segment, from the interviewer's
  question, the segment's own words, its place in the interview and keyword rules.
- :func:`journey_curve`: mean valence per stage (and group), participants weighted equally,
  with bootstrap confidence intervals where at least five participants speak.
- :func:`moments`: the peaks and troughs of the curve with the themes and quotes behind them.

See ``docs/journey.md``.
"""

from cxinsight.journey.applicability import MIN_PARTICIPANTS
from cxinsight.journey.curve import journey_curve, moments, require_applicable
from cxinsight.journey.maps import JourneyError, JourneyMap, Stage
from cxinsight.journey.stages import StageSettings, assign_stages

__all__ = [
    "JourneyError",
    "JourneyMap",
    "MIN_PARTICIPANTS",
    "Stage",
    "StageSettings",
    "assign_stages",
    "journey_curve",
    "moments",
    "require_applicable",
]
