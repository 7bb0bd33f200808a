"""The ``arabic-news-tagger`` command: one subcommand per job, each a thin layer over a function."""

from __future__ import annotations

import argparse
import sys


def _validate(args) -> int:
    from .data.validate import validate_directory

    status = 0
    for directory in args.dirs:
        problems = validate_directory(directory)
        for p in problems:
            print(p)
        if problems:
            status = 1
            print(f"{directory}: {len(problems)} problem(s)", file=sys.stderr)
        else:
            print(f"{directory}: ok")
    return status


def _stats(args) -> int:
    from .data.corpus import read_corpus
    from .data.stats import corpus_counts, format_counts

    documents, _ = read_corpus(args.dir)
    print(format_counts(corpus_counts(documents)))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="arabic-news-tagger", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("validate", help="check brat corpus directories against their text and annotation.conf")
    p.add_argument("dirs", nargs="*", default=["data"], metavar="DIR")
    p.set_defaults(func=_validate)

    p = sub.add_parser("stats", help="counts per entity type, event type and role")
    p.add_argument("dir", nargs="?", default="data", metavar="DIR")
    p.set_defaults(func=_stats)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (ValueError, TypeError, FileNotFoundError, OSError) as e:
        # Errors of ours carry the file, line or key at fault; print them without a traceback.
        print(f"arabic-news-tagger {args.command}: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
