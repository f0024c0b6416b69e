"""The ``cxinsight`` command line.

``cxinsight analyse DIR --out OUT`` runs the whole analysis and writes the report, the exports and
the saved corpus to ``OUT``; ``read``, ``anonymise``, ``themes`` and ``report`` expose single steps
for scripting. Bad input ends with exit status 2 and a one-line reason on stderr.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from collections.abc import Sequence
from pathlib import Path

from cxinsight.errors import InputError

EXIT_BAD_INPUT = 2
EXIT_FAILED = 1


def _debug_flag(p: argparse.ArgumentParser) -> None:
    p.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                   help="Show full tracebacks on errors.")


def _common_input(p: argparse.ArgumentParser) -> None:
    _debug_flag(p)
    p.add_argument("path", help="A transcript file or a folder of transcripts (read recursively).")
    p.add_argument("--manifest", metavar="F",
                   help="CSV/XLSX with one row per interview: its id and metadata such as segment, "
                        "nps, nps_group (used for group comparisons).")


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the ``cxinsight`` command."""
    parser = argparse.ArgumentParser(
        prog="cxinsight",
        description="Offline analysis of customer interviews: pseudonymisation, themes, emotions, "
                    "journey emotion curves, insights and a shareable report. Nothing is sent "
                    "over the network.",
        epilog="Example: cxinsight analyse data/sample_interviews --out out/sample_study",
    )
    parser.add_argument("--debug", action="store_true", help="Show full tracebacks on errors.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("analyse", help="Run the full analysis and write report, exports and corpus.",
                       description="Read, segment, pseudonymise, embed, tag emotions, find themes, "
                                   "assign journey stages, synthesise insights; write OUT/report.html, "
                                   "OUT/report.md, OUT/exports/ and OUT/corpus/.")
    _common_input(p)
    p.add_argument("--out", required=True, metavar="OUT", help="Folder to write the results to.")
    p.add_argument("--journey", metavar="F", help="YAML/JSON file with a custom journey (stages, "
                                                   "descriptions, example phrases).")
    p.add_argument("--codebook", metavar="F", help="CSV/YAML codebook of themes to guide theme "
                                                    "extraction.")
    p.add_argument("--no-anonymise", action="store_true",
                   help="Do not pseudonymise (only for data that is already anonymous).")
    p.add_argument("--key", metavar="PATH",
                   help="Save the re-identification key to PATH (must be outside OUT; never "
                        "overwritten). Without it no key is kept.")
    p.add_argument("--seed", type=int, default=0, metavar="N", help="Random seed (default 0).")
    p.add_argument("--overwrite", action="store_true",
                   help="Replace an existing, non-empty OUT whole (without it such a folder is "
                        "refused). OUT is always written atomically: a failed run leaves the "
                        "previous OUT as it was and no key.")
    p.add_argument("--force-stages", action="store_true",
                   help="Compute journey curves, highs and lows and opportunities even when the "
                        "study does not seem to follow the journey map.")
    p.add_argument("--no-xlsx", action="store_true", help="Skip the Excel workbook export.")
    p.add_argument("--quiet", action="store_true", help="No progress bar.")
    p.add_argument("--engine", choices=["local", "dask"], default="local",
                   help="Where the per-segment steps run: this process (default) or a Dask "
                        "cluster (needs `pip install \"cxinsight[dask]\"`); same results.")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="With --engine dask: a Dask scheduler address such as "
                        "tcp://10.0.0.5:8786 (default: a local cluster on this machine).")

    p = sub.add_parser("read", help="Read transcripts and print a summary per interview.",
                       description="Read transcripts and print the corpus summary (formats, "
                                   "speakers, turns, words, skipped files).")
    _common_input(p)
    p.add_argument("--save", metavar="DIR", help="Also save the corpus (Parquet) to DIR.")
    p.add_argument("--survey", action="store_true",
                   help="Read CSV/XLSX files as survey exports: one respondent per row; the "
                        "respondent id and open-ended columns are found automatically.")
    p.add_argument("--roles", metavar="FILE",
                   help="CSV (speaker,role[,interview_id]) or YAML naming who is the interviewer "
                        "and who the participant; overrides every other evidence.")

    p = sub.add_parser("anonymise", help="Pseudonymise transcripts; save corpus and text files.",
                       description="Read, segment and pseudonymise; save the corpus to OUT/corpus "
                                   "and the pseudonymised transcripts to OUT/transcripts.")
    _common_input(p)
    p.add_argument("--out", required=True, metavar="OUT", help="Folder to write to.")
    p.add_argument("--key", metavar="PATH", help="Save the re-identification key to PATH (outside OUT).")

    p = sub.add_parser("themes", help="Find themes and print them.",
                       description="Read, segment, pseudonymise, embed and extract themes; print the "
                                   "theme table (label, participants, quotes).")
    _common_input(p)
    p.add_argument("--codebook", metavar="F", help="Codebook of themes to guide extraction.")
    p.add_argument("--no-anonymise", action="store_true", help="Do not pseudonymise first.")
    p.add_argument("--seed", type=int, default=0, metavar="N", help="Random seed (default 0).")
    p.add_argument("--csv", metavar="F", help="Also write the theme table to this CSV file.")

    p = sub.add_parser("report", help="Write the report of a saved, analysed corpus.",
                       description="Load a corpus saved by `cxinsight analyse` (OUT/corpus) and "
                                   "write the HTML report and its Markdown twin.")
    _debug_flag(p)
    p.add_argument("corpus", help="Folder of a saved corpus (OUT/corpus).")
    p.add_argument("--out", required=True, metavar="FILE", help="report.html path or a folder.")
    p.add_argument("--title", help="Title of the report.")
    return parser


def _one_line(err: BaseException) -> str:
    text = " ".join(str(err).split()) or type(err).__name__
    return text if len(text) <= 400 else text[:397] + "..."


def _existing(path: str, what: str) -> Path:
    p = Path(path)
    if not p.exists():
        raise InputError(f"{what} {path} does not exist.")
    return p


def _check_transcripts(path: Path) -> None:
    if path.is_dir() and not any(f.is_file() for f in path.rglob("*")):
        raise InputError(f"no transcripts found in {path}: the folder is empty.")


def _key_outside(key: str | None, out: Path) -> None:
    if key is None:
        return
    k = Path(key).resolve()
    o = out.resolve()
    if k == o or o in k.parents:
        raise InputError(f"--key {key} is inside the output folder {out}; keep the re-identification "
                         "key apart from the results (e.g. --key ~/keys/study.key).")
    if k.exists():
        raise InputError(f"--key {key} already exists; keys are never overwritten. Choose a new path.")


def _check_codebook(path: str) -> None:
    """Read the codebook before any work, so that a malformed one is bad input (status 2)."""
    from cxinsight.errors import CxInsightError
    from cxinsight.themes._codebook import read_codebook

    try:
        read_codebook(path)
    except CxInsightError:
        raise
    except (ValueError, TypeError, KeyError) as err:
        raise InputError(f"--codebook {path}: {' '.join(str(err).split())}") from err


def _note(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def cmd_analyse(args: argparse.Namespace) -> int:
    import cxinsight as cx

    path = _existing(args.path, "input")
    _check_transcripts(path)
    if args.manifest:
        _existing(args.manifest, "manifest")
    for opt in ("journey", "codebook"):
        if getattr(args, opt):
            _existing(getattr(args, opt), f"--{opt} file")
    if args.codebook:
        _check_codebook(args.codebook)
    out = Path(args.out)
    _key_outside(args.key, out)
    t0 = time.perf_counter()
    options = {"stages": True} if args.force_stages else {}
    corpus = cx.analyse(
        path, manifest=args.manifest, journey=args.journey, codebook=args.codebook,
        anonymise=not args.no_anonymise, seed=args.seed, key_path=args.key,
        out=out, overwrite=args.overwrite, xlsx=not args.no_xlsx,
        progress=not args.quiet, engine=args.engine, scheduler=args.scheduler, **options,
    )
    secs = time.perf_counter() - t0
    print(corpus)
    journey = corpus.meta.get("pipeline", {}).get("journey")
    if journey:
        print(f"\nJourney steps skipped: {journey.get('reason')} (force them with --force-stages).")
    ins = corpus.tables.get("insights")
    if ins is not None and len(ins):
        print("\nTop insights:")
        for s in ins["statement"].head(3):
            print(f"  - {s}")
    print(f"\nAnalysed {corpus.n_interviews} interviews in {secs:.1f} s.")
    n_warn = len(corpus.meta.get("warnings", []))
    if n_warn:
        print(f"Warnings: {n_warn} (listed on stderr and in the report)")
    if not args.no_anonymise:
        print(f"Re-identification key: {args.key}" if args.key else
              "No re-identification key kept (pass --key PATH outside the output folder to keep one).")
    print(f"Exports: {out / 'exports'}")
    print(f"Report: {out / 'report.html'}")
    return 0


def _read_study(args: argparse.Namespace):
    """Check the input path and manifest of ``args``, then read the study."""
    import cxinsight as cx

    path = _existing(args.path, "input")
    _check_transcripts(path)
    if args.manifest:
        _existing(args.manifest, "manifest")
    extra = {}
    if getattr(args, "roles", None):
        extra["roles"] = str(_existing(args.roles, "roles file"))
    if getattr(args, "survey", False):
        extra["format"] = "survey"
    corpus = cx.read(path, manifest=args.manifest, **extra)
    if corpus.turns.empty:
        raise InputError(f"no transcripts found in {path}.")
    return corpus


def cmd_read(args: argparse.Namespace) -> int:
    import pandas as pd

    corpus = _read_study(args)
    print(corpus)
    with pd.option_context("display.width", 120, "display.max_columns", 20):
        print()
        print(corpus.summary().to_string(index=False))
    files = corpus.tables.get("files")
    if files is not None and len(files):
        cols = ["path", "status", "format", "encoding", "encoding_confidence", "roles", "turns",
                "words_kept", "kept_share", "red_flags", "reason"]
        shown = files[[c for c in cols if c in files.columns]].copy()
        shown["path"] = shown["path"].map(lambda x: Path(str(x)).name)
        with pd.option_context("display.width", 200, "display.max_columns", 20, "display.max_colwidth", 60):
            print()
            print("Reading report (one row per file; corpus.tables['files']):")
            print(shown.fillna("").to_string(index=False))
    for s in corpus.meta.get("skipped", []):
        print(f"skipped: {s.get('path')}: {s.get('reason')}")
    if args.save:
        corpus.save(args.save, overwrite=True)
        print(f"Saved corpus to {args.save}")
    return 0


def cmd_anonymise(args: argparse.Namespace) -> int:
    import cxinsight as cx
    from cxinsight.exports import export_transcripts

    out = Path(args.out)
    _key_outside(args.key, out)
    path = _existing(args.path, "input")
    _check_transcripts(path)
    if args.manifest:
        _existing(args.manifest, "manifest")
    later = {s: False for s in ("embed", "emotions", "themes", "stages", "curve", "moments",
                                "insights", "opportunities")}
    corpus = cx.analyse(path, manifest=args.manifest, key_path=args.key, **later)
    out.mkdir(parents=True, exist_ok=True)
    corpus.save(out / "corpus", overwrite=True)
    export_transcripts(corpus, out / "transcripts")
    print(corpus)
    print(f"Pseudonymised transcripts: {out / 'transcripts'}")
    print(f"Key: {args.key}" if args.key else "No key kept (pass --key PATH to keep one).")
    return 0


def cmd_themes(args: argparse.Namespace) -> int:
    import pandas as pd

    import cxinsight as cx

    path = _existing(args.path, "input")
    _check_transcripts(path)
    if args.manifest:
        _existing(args.manifest, "manifest")
    if args.codebook:
        _existing(args.codebook, "--codebook file")
    corpus = cx.analyse(path, manifest=args.manifest, codebook=args.codebook,
                        anonymise=not args.no_anonymise, seed=args.seed, emotions=False,
                        stages=False, curve=False, moments=False, insights=False,
                        opportunities=False)
    table = corpus.tables.get("themes")
    if table is None:
        raise InputError("no theme table was produced (is cxinsight.themes installed?).")
    wanted = ("theme", "label", "theme_label", "n_participants", "share", "size", "keyphrases", "keywords")
    cols = [c for c in wanted if c in table.columns] or list(table.columns)
    shown = table[cols].copy()
    for c in shown.columns:
        shown[c] = shown[c].map(lambda v: ", ".join(map(str, list(v)[:5]))
                                if hasattr(v, "__len__") and not isinstance(v, str) else v)
    with pd.option_context("display.width", 160, "display.max_colwidth", 60, "display.max_columns", 12):
        print(shown.to_string(index=False))
    if args.csv:
        from cxinsight.exports import flatten_for_export, neutralise_cells

        neutralise_cells(flatten_for_export(table)).to_csv(args.csv, index=False)
        print(f"Saved theme table to {args.csv}")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    import cxinsight as cx

    src = _existing(args.corpus, "corpus folder")
    corpus = cx.Corpus.load(src)
    path = cx.write_report(corpus, args.out, title=args.title)
    print(f"Report: {path}")
    return 0


COMMANDS = {"analyse": cmd_analyse, "read": cmd_read, "anonymise": cmd_anonymise,
            "themes": cmd_themes, "report": cmd_report}


def _is_bad_input(err: BaseException) -> bool:
    """Bad input (exit 2) as opposed to an internal error (exit 1)."""
    from cxinsight.errors import CxInsightError

    if isinstance(err, CxInsightError):
        return bool(getattr(err, "bad_input", True))
    return isinstance(err, (FileNotFoundError, FileExistsError, NotADirectoryError,
                            IsADirectoryError, PermissionError, UnicodeDecodeError))


def _print_warnings(caught: list) -> None:
    """One line per warning of cxinsight (already pseudonymised by analyse), no duplicates."""
    from cxinsight.errors import CxInsightWarning

    seen = set()
    for w in caught:
        if not (issubclass(w.category, CxInsightWarning)
                or str(w.filename).startswith(os.path.dirname(os.path.abspath(__file__)))):
            continue
        line = " ".join(str(w.message).split())
        if line not in seen:
            seen.add(line)
            print(f"cxinsight: warning: {line}", file=sys.stderr)


def _terminate(signum, frame):  # pragma: no cover - exercised by benchmarks/bench_faults.py
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status.

    Exit status 0 on success, 2 on bad input (a one-line message), 1 on an internal error (a
    one-line message pointing to ``--debug``), 130 when interrupted.
    """
    args = build_parser().parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("MPLBACKEND", "Agg")
    import signal

    previous = None
    try:
        previous = signal.signal(signal.SIGTERM, _terminate)  # clean up like Ctrl-C
    except ValueError:  # pragma: no cover - not the main thread
        pass
    caught: list = []
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            code = COMMANDS[args.command](args)
        _print_warnings(caught)
        return code
    except KeyboardInterrupt:
        _print_warnings(caught)
        print("cxinsight: interrupted; no partial output was kept", file=sys.stderr)
        return 130
    except Exception as err:
        _print_warnings(caught)
        if args.debug:
            raise
        if _is_bad_input(err):
            print(f"cxinsight: error: {_one_line(err)}", file=sys.stderr)
            return EXIT_BAD_INPUT
        if isinstance(err, OSError):  # the system refused (a full disk, a lost mount): no bug
            print(f"cxinsight: error: {_one_line(err)}; nothing partial was kept (run again with "
                  "--debug for the traceback)", file=sys.stderr)
            return EXIT_FAILED
        print(f"cxinsight: error: internal error {type(err).__name__}: {_one_line(err)} (this is "
              "a bug in cxinsight; run again with --debug for the traceback)", file=sys.stderr)
        return EXIT_FAILED
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
