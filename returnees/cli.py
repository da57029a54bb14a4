"""`returnees`: the command-line interface (each subcommand in its own module of returnees/commands)."""

from __future__ import annotations

import argparse
import logging
import sys

from returnees.commands import audit, console, export, generate, quality, queue, run, score, train

COMMANDS = (generate, run, score, train, quality, console, audit, export, queue)


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface."""
    parser = argparse.ArgumentParser(prog="returnees", description="留学回国人才主数据平台")
    sub = parser.add_subparsers(dest="command", required=True)
    for command in COMMANDS:
        command.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `returnees` console script."""
    logging.basicConfig(level=logging.WARNING)
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
