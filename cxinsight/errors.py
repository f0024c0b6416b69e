"""Errors and warnings raised by cxinsight.

Every error says what was wrong, where, and which call fixes it, in the manner of
scikit-learn's parameter errors and spaCy's coded errors.
"""

from __future__ import annotations

from pathlib import Path


class CxInsightError(Exception):
    """Base class of every error raised on purpose by cxinsight.

    Attributes
    ----------
    bad_input : bool
        ``True`` when the error means the input, an option or the environment given by the user
        is wrong (the command line exits with status 2 and a one-line message); ``False`` when
        it can only come from a wrong order of calls inside cxinsight, i.e. a bug (status 1).
    """

    bad_input: bool = True


class TranscriptFormatError(CxInsightError, ValueError):
    """A transcript file could not be parsed.

    Parameters
    ----------
    message : str
        What was expected and what to do about it.
    path : str or Path, optional
        The file being read.
    line : int, optional
        1-based line number where the problem was found.
    column : int, optional
        1-based column, when known.
    """

    def __init__(
        self,
        message: str,
        path: str | Path | None = None,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        self.path = None if path is None else str(path)
        self.line = line
        self.column = column
        self.reason = message
        where = ""
        if self.path is not None:
            where = self.path
            if line is not None:
                where += f", line {line}"
                if column is not None:
                    where += f", column {column}"
            where += ": "
        super().__init__(where + message)


class MissingStepError(CxInsightError, RuntimeError):
    """A pipeline step was called before the step it depends on.

    The message names the call that fixes it, e.g. ``run cx.segment(corpus) first``.
    Inside :func:`cxinsight.analyse` it means a bug, so the command line treats it as internal.
    """

    bad_input = False


class NotFittedError(CxInsightError, ValueError, AttributeError):
    """An estimator was used before ``fit``."""

    bad_input = False


class ModelNotFoundError(CxInsightError, FileNotFoundError):
    """A model (embedding, NER, classifier) could not be found locally.

    cxinsight never downloads models; the message says how to provide one.
    """


class KeyMismatchError(CxInsightError, ValueError):
    """A re-identification key does not belong to the corpus it is applied to."""


class JourneyError(CxInsightError, ValueError):
    """A journey definition is invalid; the message names the stage and field at fault."""


class JourneyNotApplicableError(CxInsightError, RuntimeError):
    """The study does not follow the journey map, so it has no journey curve or moments.

    The message gives the reason and names ``cx.assign_stages(corpus, force=True)``.
    """


class TooLittleTextError(CxInsightError, ValueError):
    """Too few segments to find themes in."""


class InputError(CxInsightError, ValueError):
    """Bad input given on the command line or to :func:`cxinsight.analyse` (a path, a file, an
    option); the command-line tool reports it in one line and exits with status 2."""


class OptionError(CxInsightError, TypeError):
    """An unknown pipeline step, an unknown step parameter, or a parameter of the wrong type.

    The message lists what is accepted (see :func:`cxinsight.steps`).
    """


class OptionalDependencyError(CxInsightError, ImportError):
    """An optional extra is needed (``engine="dask"`` needs ``pip install "cxinsight[dask]"``);
    the message names it."""


class OutputError(CxInsightError, OSError):
    """An output folder or key file cannot be written: not writable, not empty without
    ``overwrite``, or in use by another run (its lock file names the process)."""


class CxInsightWarning(UserWarning):
    """Warnings about data that was skipped, merged or left out, never silently."""
