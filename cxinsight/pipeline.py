"""One call for the whole analysis: :func:`analyse`.

``analyse`` reads a folder of transcripts (or continues from a corpus) and walks the table of
steps in :mod:`cxinsight.step_table` (``cx.steps()`` shows it), recording each step's parameters and
package versions in ``corpus.provenance``::

    read -> segment -> anonymise -> embed -> emotions -> themes -> stages
         -> curve (overall and by group) -> moments -> insights -> opportunities

Options for a step are passed as a dict named after the step (``themes={"min_theme_size": 8}``);
``themes=False`` skips a step. Every option is checked before any work: an unknown step, an
unknown parameter or a value of the wrong type raises :class:`~cxinsight.errors.OptionError`
listing what is accepted. With ``out=`` the results are written atomically (see
:class:`OutputFolder`).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import sys
import tempfile
import time
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cxinsight.corpus import Corpus
from cxinsight.errors import CxInsightWarning, OptionError, OutputError, TranscriptFormatError
from cxinsight.step_table import JOURNEY_STEPS, STEPS, Context, Step, check_options

__all__ = ["analyse", "OutputFolder", "write_results"]

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


# ---------------------------------------------------------------------------- progress
def _in_notebook() -> bool:
    shell = sys.modules.get("IPython")
    if shell is None or "ipykernel" not in sys.modules:
        return False
    try:
        ip = shell.get_ipython()  # type: ignore[attr-defined]
    except Exception:  # pragma: no cover
        return False
    return ip is not None and "IPKernelApp" in getattr(ip, "config", {})


def _duration(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    return f"{seconds // 60} min {seconds % 60:02d} s" if seconds >= 60 else f"{seconds} s"


class _Progress:
    """Progress over the steps, weighted by each step's typical cost, with the time left.

    A tqdm bar in Jupyter or on an interactive terminal (one bar, described by the current step;
    long steps such as ``embed`` add their own bar); one ``cxinsight: [k/n] step (about T
    left)`` line per step otherwise.
    """

    def __init__(self, enabled: bool, todo: list[Step]) -> None:
        self.enabled = enabled
        self.todo = todo
        self.cost = {s.name: s.cost for s in todo}
        self.total = sum(self.cost.values()) or 1.0
        self.done_cost = 0.0
        self.count = 0
        self.t0 = time.perf_counter()
        self.stream = sys.stderr
        self.bar = None
        if enabled and (_in_notebook() or getattr(self.stream, "isatty", lambda: False)()):
            from tqdm.auto import tqdm

            self.bar = tqdm(total=round(self.total, 2), leave=False, dynamic_ncols=True,
                            bar_format="{desc}: {percentage:3.0f}%|{bar}| {elapsed}<{remaining}")

    def left(self) -> str:
        if self.done_cost <= 0:
            return ""
        spent = time.perf_counter() - self.t0
        rest = spent / self.done_cost * (self.total - self.done_cost)
        return f" (about {_duration(rest)} left)"

    def start(self, s: Step) -> None:
        if self.bar is not None:
            self.bar.set_description(f"cxinsight: {s.description}")
        elif self.enabled:
            print(f"cxinsight: [{self.count + 1}/{len(self.todo)}] {s.description}{self.left()}",
                  file=self.stream, flush=True)

    def done(self, s: Step) -> None:
        self.count += 1
        c = self.cost.get(s.name, 0.0)
        self.done_cost += c
        if self.bar is not None:
            self.bar.update(round(c, 2))

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


# ---------------------------------------------------------------------------- warnings
def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _pseudonymise_line(text: str, key: Any) -> str:
    """Replace every original value of ``key`` found in ``text`` by its pseudonym."""
    try:
        table = key.table()
    except Exception:  # pragma: no cover - no key, nothing to replace
        return text
    pairs: list[tuple[str, str]] = []
    for row in table.itertuples(index=False):
        new = str(row.code or row.pseudonym or f"[{row.label}]")
        for old in [row.original, *str(row.variants).split("; ")]:
            if isinstance(old, str) and old.strip():
                pairs.append((old, new))
    for old, new in sorted(pairs, key=lambda p: -len(p[0])):
        text = re.sub(rf"(?<!\w){re.escape(old)}(?!\w)", new, text)
    return text


class _WarningLog:
    """Every warning of a run, one line each, pseudonymised when the study is."""

    def __init__(self) -> None:
        self.lines: list[tuple[type[Warning], str, bool]] = []
        self.where: dict[tuple[type[Warning], str, bool], tuple[str, int]] = {}

    @staticmethod
    def ours(w: warnings.WarningMessage) -> bool:
        """Raised by cxinsight (third-party warnings are re-issued but not stored)."""
        return issubclass(w.category, CxInsightWarning) or \
            str(w.filename).startswith(_PACKAGE_DIR)

    def add(self, caught: list[warnings.WarningMessage], transform=None) -> None:
        for w in caught:
            line = _one_line(w.message)
            if transform is not None:
                line = transform(line)
            item = (w.category, line, self.ours(w))
            if item not in self.lines:
                self.lines.append(item)
                self.where[item] = (str(w.filename), int(w.lineno or 0))

    def stored(self, previous: list[str]) -> list[str]:
        """``previous`` (of a corpus being continued) followed by this run's own warnings."""
        out = list(previous)
        for _, line, ours in self.lines:
            if ours and line not in out:
                out.append(line)
        return out

    def reissue(self) -> None:
        for item in self.lines:
            cat, line, ours = item
            if ours:
                warnings.warn(line, cat, stacklevel=3)
            else:  # a third-party warning keeps its origin (and is not printed by the CLI)
                filename, lineno = self.where[item]
                warnings.warn_explicit(line, cat, filename, lineno)


# ---------------------------------------------------------------------------- outputs
def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # pragma: no cover - someone else's live process
        return True
    return True


def _writable_folder(folder: Path, what: str) -> None:
    """Raise OutputError unless ``folder`` (or the ancestor it would be created in) is writable."""
    probe = folder
    while not probe.exists():
        if probe.parent == probe:
            break
        probe = probe.parent
    if probe.exists() and not probe.is_dir():
        raise OutputError(f"{what} {folder}: {probe} is a file, not a folder.")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise OutputError(f"{what} {folder} cannot be written ({probe} is not writable); "
                          "choose a folder you can write to.")


class OutputFolder:
    """Write a run's results into a temporary folder and rename it into place.

    ``OUT`` is never left half-written: results go to ``.OUT.tmp-<pid>-*`` beside it and are
    renamed to ``OUT`` only when complete (an existing ``OUT`` is then replaced whole). A lock
    file ``.OUT.lock`` beside it refuses a second run on the same folder while the first is
    alive; leftovers of a killed run (its lock and temporary folder) are cleaned by the next.

    Parameters
    ----------
    out : str or path-like
        The folder to write.
    overwrite : bool, default False
        Replace an existing, non-empty ``out``. Without it such a folder raises
        :class:`~cxinsight.errors.OutputError`.
    """

    def __init__(self, out: str | os.PathLike, *, overwrite: bool = False) -> None:
        self.out = Path(os.path.abspath(out))
        self.overwrite = overwrite
        self.lock = self.out.parent / f".{self.out.name}.lock"
        self.staging: Path | None = None
        self._locked = False

    # -- checks and lock, before any work
    def open(self) -> Path:
        """Check ``out``, take the lock and create the temporary folder; return the latter."""
        out = self.out
        _writable_folder(out.parent, "--out")
        if out.exists() and not out.is_dir():
            raise OutputError(f"--out {out} is a file; give a folder.")
        if out.is_dir() and any(out.iterdir()) and not self.overwrite:
            raise OutputError(f"--out {out} already exists and is not empty; pass --overwrite "
                              "(overwrite=True) to replace it whole, or choose a new folder.")
        if out.is_dir() and not os.access(out, os.W_OK | os.X_OK):
            raise OutputError(f"--out {out} is not writable.")
        out.parent.mkdir(parents=True, exist_ok=True)
        self._take_lock()
        try:
            self._clean_leftovers()
            self.staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-{os.getpid()}-",
                                                 dir=out.parent))
            mask = os.umask(0)
            os.umask(mask)
            os.chmod(self.staging, 0o777 & ~mask)  # mkdtemp's 0o700 would stick to OUT
        except BaseException:
            self.release()
            raise
        return self.staging

    def _take_lock(self) -> None:
        for _ in range(2):
            try:
                fd = os.open(self.lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                try:
                    pid = int(self.lock.read_text().split()[0])
                except (OSError, ValueError, IndexError):
                    pid = -1
                if _pid_alive(pid) and pid != os.getpid():
                    raise OutputError(
                        f"--out {self.out} is being written by another cxinsight run (process "
                        f"{pid}); wait for it to finish, or delete {self.lock} if it is not "
                        "running.") from None
                if pid == os.getpid():
                    raise OutputError(f"--out {self.out} is already being written by this process.") from None
                try:  # a killed run's lock: take it over
                    self.lock.unlink()
                except FileNotFoundError:
                    pass
                continue
            with os.fdopen(fd, "w") as fh:
                fh.write(f"{os.getpid()}\n")
            self._locked = True
            return
        raise OutputError(f"could not take the lock {self.lock}; another run is starting on {self.out}.")

    def _clean_leftovers(self) -> None:
        for pattern in (f".{self.out.name}.tmp-*", f".{self.out.name}.old-*"):
            for d in self.out.parent.glob(pattern):
                m = re.match(r"\.(?:.*)\.(?:tmp|old)-(\d+)", d.name)
                if m and not _pid_alive(int(m.group(1))):
                    if ".old-" in d.name and not self.out.exists():
                        os.rename(d, self.out)  # killed between the two renames of commit
                    else:
                        shutil.rmtree(d, ignore_errors=True)

    # -- finishing
    def commit(self) -> Path:
        """Rename the temporary folder to ``out`` (replacing an existing one whole)."""
        assert self.staging is not None
        out = self.out
        if out.exists():
            old = out.parent / f".{out.name}.old-{os.getpid()}"
            os.rename(out, old)
            os.rename(self.staging, out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(self.staging, out)
        self.staging = None
        return out

    def abort(self) -> None:
        """Remove the temporary folder of a failed run."""
        if self.staging is not None:
            shutil.rmtree(self.staging, ignore_errors=True)
            self.staging = None

    def release(self) -> None:
        """Remove the lock file (only if this process holds it)."""
        if not self._locked:
            return
        try:
            if self.lock.read_text().split()[0] == str(os.getpid()):
                self.lock.unlink()
        except (OSError, IndexError):
            pass
        self._locked = False


def write_results(corpus: Corpus, folder: str | os.PathLike, *, xlsx: bool = True,
                  seed: int = 0) -> Path:
    """Write the report, the exports and the corpus of an analysed study to ``folder``.

    The corpus is saved last, so a folder holding ``corpus/corpus.json`` is complete.

    Returns
    -------
    Path
        ``folder / "report.html"``.
    """
    from cxinsight.exports import start_export
    from cxinsight.report import write_report

    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        # a large workbook is written by a second process while the report is made
        _, finish = start_export(corpus, folder / "exports", xlsx=xlsx)
        try:
            report = write_report(corpus, folder / "report.html", seed=seed)
        except BaseException:
            with contextlib.suppress(Exception):
                finish()
            raise
        finish()
        corpus.save(folder / "corpus", overwrite=True)
    except OSError as err:
        reason = " ".join(str(err).split())
        message = f"could not write the results ({reason}); is the disk full or the file size limited?"
        raise (OSError(err.errno, message) if err.errno else OSError(message)) from err
    return Path(report)


def _check_key_path(key_path: str | os.PathLike | None, skip_anonymise: bool) -> Path | None:
    if key_path is None:
        return None
    if skip_anonymise:
        raise OptionError("key_path was given but anonymisation is switched off: there is no key to save.")
    path = Path(key_path)
    if path.exists():
        raise OutputError(f"key_path {path} already exists; choose a new file (keys are never overwritten).")
    _writable_folder(path.parent, "the key's folder")
    return path


# ---------------------------------------------------------------------------- analyse
def _done(s: Step, corpus: Corpus | None, skip: set[str] = frozenset()) -> bool:
    """Whether a corpus to continue already has the step's output (so it is not re-run)."""
    if corpus is None:
        return False
    seg = set(corpus.segments.columns) if corpus.segments is not None else set()
    embed_needed = corpus.segments is None or any(
        col not in seg and step not in skip
        for col, step in (("valence", "emotions"), ("theme", "themes"), ("stage", "stages")))
    return {
        "read": True,
        "segment": corpus.segments is not None,
        "anonymise": "anonymise" in corpus.steps,
        "embed": corpus.embeddings is not None or not embed_needed,
        "emotions": "valence" in seg,
        "themes": "theme" in seg,
        "stages": "stage" in seg,
    }.get(s.name, False)


def analyse(
    path_or_corpus: str | os.PathLike | Corpus,
    *,
    manifest: str | os.PathLike | None = None,
    journey: Any = None,
    codebook: Any = None,
    anonymise: bool = True,
    seed: int = 0,
    return_key: bool = False,
    key_path: str | os.PathLike | None = None,
    out: str | os.PathLike | None = None,
    overwrite: bool = False,
    xlsx: bool = True,
    progress: bool = False,
    engine: str = "local",
    scheduler: Any = None,
    **options: Any,
) -> Corpus | tuple[Corpus, Any]:
    """Run the whole analysis of a study and return the analysed corpus.

    Parameters
    ----------
    path_or_corpus : str, path-like or Corpus
        A transcript file or folder (read with :func:`cxinsight.read`), or a corpus to continue:
        steps whose output the corpus already has are not run again.
    manifest : str or path-like, optional
        CSV/XLSX with one row per interview (segment, NPS, ...), passed to ``read``.
    journey : JourneyMap, dict or path, optional
        Custom journey for :func:`cxinsight.assign_stages` (default: the built-in journey).
        Giving one also forces the journey steps on a study judged not to follow it.
    codebook : dict, DataFrame or path, optional
        Researcher codebook for :func:`cxinsight.extract_themes`.
    anonymise : bool, default True
        Pseudonymise before anything else is computed. The re-identification key is never put
        into the corpus: get it with ``return_key=True`` or save it with ``key_path=``.
    seed : int, default 0
        Given to every step that draws random numbers (surrogate names, theme clustering,
        bootstraps); ``cx.steps()["seed"]`` names the parameter of each.
    return_key : bool, default False
        Return ``(corpus, key)`` instead of the corpus (``key`` is ``None`` when not anonymised).
    key_path : str or path-like, optional
        Save the key there (owner-only permissions; an existing file is refused before any
        work). It is written only when the run succeeds.
    out : str or path-like, optional
        Also write ``report.html``, ``report.md``, ``exports/`` and ``corpus/`` to this folder,
        atomically (see :class:`OutputFolder`): checked and locked before any work, written to a
        temporary folder and renamed into place; a failed run leaves neither output nor key.
    overwrite : bool, default False
        Replace an existing, non-empty ``out`` whole.
    xlsx : bool, default True
        With ``out``: also write the Excel workbook.
    progress : bool, default False
        Show progress with the time left on stderr (tqdm in Jupyter and on terminals).
    engine : {"local", "dask"}, default "local"
        ``"dask"`` runs the per-segment and per-interview steps on a Dask cluster, with the
        same results (see :mod:`cxinsight.distributed`; ``pip install "cxinsight[dask]"``).
    scheduler : None, str or distributed.Client, optional
        With ``engine="dask"``: a scheduler address (``"tcp://host:8786"``), a Client, or
        ``None`` for a local cluster started (and closed) by the run.
    **options : dict, True or False
        Per-step options, named as in ``cx.steps()``: ``read``, ``segment``,
        ``anonymise_options`` (parameters of :class:`cxinsight.Anonymiser`), ``embed``
        (e.g. ``{"model": "/models/minilm"}``: the one embedding model of the run),
        ``emotions`` (parameters of :class:`cxinsight.EmotionTagger`), ``themes`` (of
        :func:`cxinsight.extract_themes` and :class:`cxinsight.ThemeModel`, e.g.
        ``{"min_theme_size": 8}``), ``stages`` (``True`` forces the journey steps), ``curve``
        (``{"by": [...]}``), ``moments``, ``insights`` (see :func:`cxinsight.synthesise`),
        ``opportunities``. ``False`` skips an optional step.

    Returns
    -------
    Corpus, or (Corpus, Key) with ``return_key=True``
        Tables added: ``journey_curve``, ``journey_curve_<group>`` for each group column,
        ``moments``, ``insights``, ``contrasts``, ``opportunities`` (when their steps ran).
        ``meta["pipeline"]`` holds the time each step took, the steps skipped and why, and
        ``meta["warnings"]`` every warning of the run, one pseudonymised line each.

    Raises
    ------
    OptionError
        Unknown step names or step parameters, or values of the wrong type.
    OutputError
        ``out`` or the key's folder not writable, ``out`` not empty without ``overwrite``,
        ``out`` locked by another run, or ``key_path`` already existing.
    TranscriptFormatError, FileNotFoundError
        Bad input, from the reader.
    """
    if "anonymise_options" in options:
        options["anonymise"] = options.pop("anonymise_options")
    force_stages = options.get("stages") is True or journey is not None
    opts_of = check_options(options)
    skip = {name for name, o in opts_of.items() if o is False}
    if not anonymise:
        skip.add("anonymise")
    key_file = _check_key_path(key_path, "anonymise" in skip)
    if not isinstance(path_or_corpus, Corpus):
        path = Path(path_or_corpus)
        if not path.exists():
            raise FileNotFoundError(f"{path} does not exist: pass a transcript file or a folder of transcripts.")
    folder = OutputFolder(out, overwrite=overwrite) if out is not None else None
    staging = folder.open() if folder is not None else None
    from cxinsight.distributed import engine_for

    try:  # started once every check has passed, so that a refused run starts no cluster
        runner = engine_for(engine, scheduler)  # the step runner (local, or Dask workers)
    except BaseException:
        if folder is not None:
            folder.abort()
            folder.release()
        raise

    log = _WarningLog()
    previous = list(path_or_corpus.meta.get("warnings", [])) if isinstance(path_or_corpus, Corpus) else []
    ctx = Context(seed=seed, journey=journey, codebook=codebook, manifest=manifest,
                  force_stages=force_stages)
    given = path_or_corpus if isinstance(path_or_corpus, Corpus) else None
    todo = [s for s in STEPS if s.name not in skip and not _done(s, given, skip)]
    bar = _Progress(progress, todo)
    timings: dict[str, float] = {}
    skipped: dict[str, str] = {s: "switched off" for s in sorted(skip)}
    key = None
    key_written = False
    anonymised_at: int | None = None  # warnings before this index were raised on raw text
    journey_info: dict[str, Any] | None = None

    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            corpus = given
            for s in STEPS:
                if s.name in skip or _done(s, given, skip):
                    continue
                if corpus is not None and s.name in JOURNEY_STEPS + ("insights",):
                    cols = set(corpus.segments.columns)
                    need = {"insights": {"theme", "valence"}}.get(s.name, {"stage", "valence"})
                    if not need <= cols:
                        skipped[s.name] = f"needs segments columns {sorted(need - cols)}"
                        bar.done(s)
                        continue
                    if s.name in JOURNEY_STEPS and journey_info is None:
                        corpus = _force_journey(corpus) if force_stages else corpus
                        journey_info = _journey_not_applicable(corpus, force_stages)
                    if s.name in JOURNEY_STEPS and journey_info is not None:
                        skipped[s.name] = "journey not applicable"
                        bar.done(s)
                        continue
                if s.name == "embed" and corpus is not None:
                    wanted = any(c not in corpus.segments.columns and st not in skip
                                 for c, st in (("valence", "emotions"), ("theme", "themes"),
                                               ("stage", "stages")))
                    if not wanted:
                        skipped["embed"] = "nothing left to embed for"
                        bar.done(s)
                        continue
                runner.start_early(corpus, {t.name: opts_of[t.name] if isinstance(opts_of[t.name], Mapping)
                                            else {} for t in todo[todo.index(s):]}, ctx)
                bar.start(s)
                t = time.perf_counter()
                if s.name == "anonymise":
                    n_raw = len(caught)
                    raw = list(caught)
                    log_meta = dict(corpus.meta)
                    log_meta["warnings"] = previous + [_one_line(w.message) for w in raw]
                    corpus = corpus.replace(meta=log_meta)  # scrubbed by the anonymiser
                corpus, extra = runner.execute(s, corpus if corpus is not None else Path(path_or_corpus),
                                        opts_of[s.name] or {}, ctx)
                timings[s.name] = round(time.perf_counter() - t, 3)
                if s.name == "read" and corpus.turns.empty:
                    raise TranscriptFormatError(
                        f"no transcripts found in {path_or_corpus} (no readable turns); supported "
                        "formats are .txt, .md, .vtt, .srt, .docx, .csv, .xlsx.", path_or_corpus)
                if s.name == "anonymise":
                    key = extra
                    every = list(corpus.meta.get("warnings", []))
                    previous, scrubbed = every[:len(previous)], every[len(previous):]
                    during = caught[n_raw:]
                    for w, line in zip(raw, scrubbed):
                        log.add([warnings.WarningMessage(line, w.category, w.filename, w.lineno)])
                    log.add(during, transform=lambda line, k=key: _pseudonymise_line(line, k))
                    anonymised_at = len(caught)
                bar.done(s)
            if journey_info is not None:
                warnings.warn(journey_info["message"], CxInsightWarning, stacklevel=2)
    except BaseException:
        bar.close()
        runner.close()
        if folder is not None:
            folder.abort()
            folder.release()
        if key_written and key_file is not None:
            key_file.unlink(missing_ok=True)
        _flush_on_error(caught, anonymised_at, "anonymise" in skip)
        raise
    bar.close()
    runner.close()

    if anonymised_at is not None:
        log.add(caught[anonymised_at:])
    else:
        log.add(caught)  # not pseudonymised: the data was declared anonymous
    meta = dict(corpus.meta)
    meta["warnings"] = log.stored(previous)
    meta["pipeline"] = {
        "timings_s": timings,
        "skipped_steps": sorted(skipped),
        "skipped_reasons": skipped,
        "anonymised": "anonymise" in corpus.steps,
        "seed": seed,
        "engine": runner.info,
    }
    if journey_info is not None:
        meta["pipeline"]["journey"] = {k: v for k, v in journey_info.items() if k != "message"}
    corpus = corpus.replace(meta=meta)
    log.reissue()

    try:
        if staging is not None:
            write_results(corpus, staging, xlsx=xlsx, seed=seed)
        if key_file is not None and key is not None:
            key.save(key_file)
            key_written = True
        if folder is not None:
            folder.commit()
    except BaseException:
        if folder is not None:
            folder.abort()
        if key_written and key_file is not None:
            key_file.unlink(missing_ok=True)
        raise
    finally:
        if folder is not None:
            folder.release()
    if return_key:
        return corpus, key
    return corpus


def _force_journey(corpus: Corpus) -> Corpus:
    """Mark a journey judged not applicable as applied anyway (``stages=True``, ``journey=``)."""
    info = corpus.meta.get("journey")
    if not isinstance(info, Mapping) or info.get("applicable", True) is not False:
        return corpus
    meta = dict(corpus.meta)
    meta["journey"] = {**info, "applicable": True, "forced": True}
    return corpus.replace(meta=meta)


def _journey_not_applicable(corpus: Corpus, forced: bool) -> dict[str, Any] | None:
    """Why the journey steps are skipped, or ``None`` when they run."""
    info = corpus.meta.get("journey")
    if forced or not isinstance(info, Mapping) or info.get("applicable", True) is not False:
        return None
    reason = _one_line(info.get("reason") or "the study does not follow the journey map")
    return {
        "applicable": False,
        "reason": reason,
        "skipped": list(JOURNEY_STEPS) + ["stage-based insights"],
        "message": (f"Journey steps skipped (curves, highs and lows, opportunities and "
                    f"stage-based insights): {reason}. Force them with analyse(stages=True), a "
                    "journey= map, or --force-stages / --journey on the command line."),
    }


def _flush_on_error(caught: list, anonymised_at: int | None, raw_ok: bool) -> None:
    """Re-issue the warnings of a failed run without quoting raw transcripts."""
    if anonymised_at is not None:
        for w in caught[anonymised_at:]:
            warnings.warn(_one_line(w.message), w.category, stacklevel=3)
        return
    if raw_ok:
        for w in caught:
            warnings.warn(_one_line(w.message), w.category, stacklevel=3)
        return
    n = sum(1 for w in caught if issubclass(w.category, (CxInsightWarning, UserWarning)))
    if n:
        warnings.warn(
            f"{n} warning(s) from reading the transcripts are not repeated here because the run "
            "stopped before pseudonymisation and they can quote personal data; "
            "`cxinsight read PATH` (or cx.read(path)) lists them.", CxInsightWarning, stacklevel=3)
