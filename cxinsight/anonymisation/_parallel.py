"""Finding personal data turn by turn on worker processes, for large studies.

Detection in one turn (rules, known names, the recogniser on its candidate sentences) depends
on that turn's text and on settings fixed for the whole study, never on other turns; so the
turns can be split into blocks, each block detected in another process, and the blocks' lists
put back in order: the result is the one a single process finds. What is study-wide (the
vocabulary filter, spreading found names to every turn, pseudonym linking) stays in the caller.

A run engine lends its workers with :func:`detection_workers`; outside one, detection runs in
the caller's process.
"""

from __future__ import annotations

import pickle
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from cxinsight.anonymisation._spans import Detection

if TYPE_CHECKING:
    from cxinsight.anonymisation.anonymiser import Anonymiser

#: Studies with fewer turns are detected in the caller's process (sending costs more)
PARALLEL_FROM = 5_000
#: Turns per block sent to a worker
BLOCK_TURNS = 1_000

_SUBMIT: ContextVar[Callable[..., Future] | None] = ContextVar("cxinsight_detection_submit", default=None)


@contextmanager
def detection_workers(submit: Callable[..., Future] | None) -> Iterator[None]:
    """Let the anonymisation in this block send its per-turn detection to workers.

    Parameters
    ----------
    submit : callable or None
        ``submit(fn, *args) -> Future``, such as ``ProcessPoolExecutor.submit`` of a pool whose
        processes can import cxinsight. ``None`` keeps detection in this process.
    """
    token = _SUBMIT.set(submit)
    try:
        yield
    finally:
        _SUBMIT.reset(token)


def _sendable(anon: Anonymiser) -> bool:
    """A pipeline object given as ``ner=`` is not sent (it may be large); names and paths are."""
    return anon.ner is None or isinstance(anon.ner, str)


def detect_turns(anon: Anonymiser, texts: Sequence[str], known: Any, allow: Any) -> list[list[Detection]]:
    """The detections of every text of ``texts``, in order (as ``anon._detect`` finds them).

    Uses the workers lent by :func:`detection_workers` for large studies; the lists are the
    same either way.
    """
    submit = _SUBMIT.get()
    if submit is None or len(texts) < PARALLEL_FROM or not _sendable(anon):
        return [anon._detect(t, known, allow) for t in texts]
    payload = pickle.dumps((anon, known, allow), protocol=pickle.HIGHEST_PROTOCOL)
    token = uuid.uuid4().hex
    futures = []
    try:
        for i in range(0, len(texts), BLOCK_TURNS):
            futures.append(submit(_detect_block, token, payload, list(texts[i:i + BLOCK_TURNS])))
        out: list[list[Detection]] = []
        for f in futures:
            out += f.result()
    except BrokenProcessPool:  # the workers died (memory?): detect here instead
        for f in futures:
            f.cancel()
        return [anon._detect(t, known, allow) for t in texts]
    return out


_WORKER_STUDY: tuple[str, Any] | None = None  # (token, (anonymiser, known, allow)) in a worker


def _detect_block(token: str, payload: bytes, texts: list[str]) -> list[list[Detection]]:
    """Worker side: the study's settings are unpickled (and their pipelines loaded) once."""
    global _WORKER_STUDY
    if _WORKER_STUDY is None or _WORKER_STUDY[0] != token:
        _WORKER_STUDY = (token, pickle.loads(payload))
    anon, known, allow = _WORKER_STUDY[1]
    with anon._fixed_settings():
        return [anon._detect(t, known, allow) for t in texts]
