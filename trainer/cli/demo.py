"""``trainer demo``: a whole session with no human, through the real audio input path."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from trainer.cli.common import (CommandError, add_model_arguments, fail, load_models_or_fail,
                                 load_scenario_or_fail, open_store_or_fail)


def _at_least_one(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:  # 0 used to mean "all of them"
        raise argparse.ArgumentTypeError("must be 1 or more (leave --turns out for all the lines)")
    return value


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "demo", help="run a whole session with synthesized trainee lines (no human needed)")
    parser.add_argument("--scenario", required=True, help="scenario id (see 'trainer scenarios list')")
    parser.add_argument("--trainee-audio", type=Path,
                        help="folder of WAV/FLAC files used as the trainee's turns, in name order")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a transcript")
    parser.add_argument("--output-device", default="null",
                        help="where the client's voice goes: 'null' (default, silent), 'default', or a device")
    parser.add_argument("--realtime", action="store_true",
                        help="feed the trainee audio in real time (otherwise as fast as it is processed)")
    parser.add_argument("--no-save", action="store_true", help="do not store this session")
    parser.add_argument("--turns", type=_at_least_one, help="use only the first N trainee lines")
    parser.add_argument("--seed", type=int, default=0)
    add_model_arguments(parser)
    parser.set_defaults(func=run)


class _ShownProblems:
    """The problems the transcript has already shown (as "!" lines), so they are not
    repeated as notes at the end."""

    def __init__(self) -> None:
        self.problems: set[str] = set()

    def note(self, event) -> None:
        from trainer.events import ErrorOccurred

        if isinstance(event, ErrorOccurred):
            self.problems.add(f"{event.message} {event.hint}".strip())


def run(args) -> int:
    from trainer.app import make_speaker, parse_device
    from trainer.audio.capture import AudioFileError
    from trainer.audio.devices import AudioDeviceError
    from trainer.demo import DemoError, recorded_lines, run_demo, synthesized_lines
    from trainer.storage.errors import StoreError
    from trainer.terminal import TranscriptPrinter

    store = None
    shown = _ShownProblems()
    try:
        scenario = load_scenario_or_fail(args.scenario)
        lines = recorded_lines(args.trainee_audio) if args.trainee_audio else None
        store = open_store_or_fail(not args.no_save)  # before the models: a locked store fails fast
        models = load_models_or_fail(args, need_speech_input=True, quiet=args.json)
        if lines is None:
            lines = synthesized_lines(list(scenario.demo), models.synthesizer)
        if args.turns:
            lines = lines[: args.turns]
        device = "null" if args.output_device == "null" else (
            None if args.output_device == "default" else parse_device(args.output_device))
        speaker = make_speaker(device, pace_null=args.realtime)
        printer = None if args.json else TranscriptPrinter(scenario)
        listeners = [] if printer is None else [printer, shown.note]
        record = run_demo(scenario, models, lines, speaker=speaker, pace=args.realtime,
                          recorder=store, listeners=listeners, seed=args.seed)
    except (CommandError, DemoError, AudioFileError) as error:
        return fail(str(error))
    except AudioDeviceError as error:
        return fail(f"{error} (the demo can run silently with --output-device null)")
    except StoreError as error:  # e.g. the disk filled up while saving a turn
        return fail(f"{error} (or run the demo with --no-save)")
    finally:
        if store is not None:
            store.close()  # checkpoints the write-ahead log into the (encrypted) db
    for problem in record.get("problems") or []:  # also in the JSON, as "problems"
        if problem not in shown.problems:  # a "!" line in the transcript already said it
            print(f"note: {problem}", file=sys.stderr)
    if args.json:
        print(json.dumps(record, indent=2))
    else:
        printer.print_summary(record["summary"])
        print(f"\nWord error rate of the trainee transcripts: {record['word_error_rate']}", file=sys.stderr)
        print(f"Median timings (ms): {record['median_timings_ms']}", file=sys.stderr)
    return 0
