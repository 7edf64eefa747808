"""Command line: ``trainer`` opens the window; sub-commands for everything else.

Each area registers its own sub-commands from ``trainer/cli/<area>.py``; this module
only collects them, so adding a command never touches the others.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys

import trainer  # noqa: F401  (forces offline mode before any model library loads)

# Sub-command modules, in the order they appear in --help.
COMMAND_MODULES = (
    "trainer.cli.gui",
    "trainer.cli.practice",
    "trainer.cli.demo",
    "trainer.cli.scenarios",
    "trainer.cli.models",
    "trainer.cli.code",
    "trainer.cli.eval",
    "trainer.cli.storage",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="trainer",
        description="Practise counselling skills out loud with a simulated client, offline. "
        "With no command, the desktop window opens.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log details to stderr")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as error:
            if error.name == name:
                continue  # an optional area that is not installed
            raise
        module.register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    if args.command is None:
        args = parser.parse_args(["gui", *(argv or [])])
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("\nStopped.", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`trainer scenarios list | head -1`): nothing left to say.
        # Point stdout at devnull so the interpreter's final flush does not fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


if __name__ == "__main__":
    sys.exit(main())
