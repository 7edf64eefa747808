"""``trainer scenarios list`` and ``trainer scenarios validate [PATH]``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO

from trainer.scenarios import (
    ScenarioError,
    check_scenario_file,
    default_scenario_dir,
    load_valid_scenarios,
    scenario_files,
)


def register(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``scenarios`` command and its ``list`` / ``validate`` sub-commands."""
    parser = subparsers.add_parser(
        "scenarios",
        help="list or check practice scenarios",
        description="List the practice scenarios or check scenario files for mistakes.",
    )
    actions = parser.add_subparsers(dest="scenarios_command", metavar="{list,validate}")

    list_parser = actions.add_parser("list", help="show the available scenarios")
    list_parser.add_argument(
        "--dir", dest="directory", type=Path, default=None,
        help="scenario folder (default: $TRAINER_SCENARIOS_DIR or the bundled scenarios/)",
    )
    list_parser.set_defaults(func=run, scenarios_command="list")

    validate_parser = actions.add_parser("validate", help="check scenario files and report problems")
    validate_parser.add_argument(
        "path", nargs="?", type=Path, default=None,
        help="a scenario file or a folder of them (default: the scenarios folder)",
    )
    validate_parser.set_defaults(func=run, scenarios_command="validate")

    parser.set_defaults(func=run, scenarios_command=None)
    return parser


def run(args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Run the chosen sub-command; returns the exit code."""
    out = out or sys.stdout
    err = err or sys.stderr
    command = getattr(args, "scenarios_command", None)
    if command == "list":
        return _list(getattr(args, "directory", None), out, err)
    if command == "validate":
        return _validate(getattr(args, "path", None), out, err)
    print("usage: trainer scenarios {list,validate} ...", file=err)
    print("Try 'trainer scenarios list' or 'trainer scenarios validate'.", file=err)
    return 2


def _list(directory: Path | None, out: TextIO, err: TextIO) -> int:
    try:
        scenarios, problems = load_valid_scenarios(directory)
    except ScenarioError as error:
        print(error, file=err)
        return 1
    for problem in problems:  # the others are still listed
        print(f"{problem}\n(left out of the list; 'trainer scenarios validate' shows every problem)", file=err)
    if not scenarios:
        print(f"No scenarios in {directory or default_scenario_dir()}.", file=out)
        return 1 if problems else 0
    rows = [("ID", "TITLE", "DIFFICULTY", "SKILLS")]
    rows += [(s.id, s.title, s.difficulty, ", ".join(s.skills)) for s in scenarios]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row, widths)]
        print("  ".join(cells + [row[3]]).rstrip(), file=out)
    return 1 if problems else 0


def _validate(path: Path | None, out: TextIO, err: TextIO) -> int:
    target = path if path is not None else default_scenario_dir()
    if target.is_dir():
        try:
            files = scenario_files(target)
        except ScenarioError as error:
            print(error, file=err)
            return 1
        if not files:
            print(f"No *.yaml scenario files in {target}.", file=err)
            return 1
    else:
        files = [target]

    # Files the library would never see: said, rather than skipped in silence.
    ignored = sorted(p for p in target.iterdir() if p.suffix.lower() in (".yml", ".json") and p.is_file()) \
        if target.is_dir() else []
    for file in ignored:
        print(f"{file}: not loaded: scenarios are read from *.yaml files only; rename it to "
              f"{file.with_suffix('.yaml').name} (YAML also reads JSON).", file=out)
    failed = len(ignored)
    for file in files:
        scenario, problems = check_scenario_file(file)
        if problems:
            failed += 1
            for problem in problems:
                print(problem, file=out)
        elif file.suffix != ".yaml":  # valid, but the library would never see it
            failed += 1
            print(f"{file}: the scenario is valid, but only *.yaml files are loaded; rename it to "
                  f"{file.with_suffix('.yaml').name}.", file=out)
        else:
            print(f"OK  {file}", file=out)
            note = _voice_note(scenario)
            if note:
                print(f"    note: {note}", file=out)
    total = len(files) + len(ignored)
    if failed:
        print(f"{failed} of {total} scenario file(s) have problems.", file=out)
        return 1
    print(f"All {total} scenario file(s) are valid.", file=out)
    return 0


def _voice_note(scenario) -> str | None:
    """A voice that is not installed here is no error (the file may be shared), but the
    author should know the app's own voice will speak instead."""
    from trainer.models import DEFAULT_VOICE_NAME, ModelError, resolve_voice, user_voices

    wanted = scenario.voice.id if scenario is not None else None
    if not wanted or wanted == DEFAULT_VOICE_NAME:
        return None
    try:
        resolve_voice(wanted)
    except ModelError as error:
        if any(candidate.stem == wanted for candidate in user_voices()):  # there, but broken
            return f"the app's voice will speak instead of voice '{wanted}': {error}"
        return (f"voice '{wanted}' is not installed here, so the app's voice will speak; put the "
                "Piper voice (.onnx and .onnx.json) in voices/ to use it.")
    return None
