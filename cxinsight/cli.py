"""The ``cxinsight`` command line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the ``cxinsight`` command."""
    parser = argparse.ArgumentParser(
        prog="cxinsight",
        description="Offline analysis of customer interviews: themes, emotions, journey curves.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("analyse", help="Run the full analysis of a folder of transcripts.")
    p.add_argument("path", help="A transcript file or a folder of transcripts.")
    p.add_argument("--out", required=True, help="Folder to write the results to.")
    p.add_argument("--manifest", help="CSV/XLSX with one row per interview (segment, NPS, ...).")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = build_parser().parse_args(argv)
    if args.command == "analyse":
        import cxinsight as cx

        try:
            corpus = cx.read(args.path, manifest=args.manifest)
        except (OSError, ValueError) as err:
            print(f"cxinsight: error: {err}", file=sys.stderr)
            return 2
        corpus = cx.segment(corpus)
        print(corpus)
        corpus.save(args.out, overwrite=True)
        print(f"Saved corpus to {args.out}")
    return 0
