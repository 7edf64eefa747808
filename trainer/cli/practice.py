"""``trainer practice``: a spoken (or typed) session in the terminal."""

from __future__ import annotations

import sys

from trainer.cli.common import (CommandError, add_model_arguments, fail, load_models_or_fail,
                                 load_scenario_or_fail, open_store_or_fail)


def register(subparsers) -> None:
    parser = subparsers.add_parser("practice", help="practise with a simulated client in the terminal")
    parser.add_argument("scenario", help="scenario id (see 'trainer scenarios list')")
    parser.add_argument("--input-device", help="microphone (index or name; default: system default)")
    parser.add_argument("--output-device", help="speaker (index or name, or 'null' for silence)")
    parser.add_argument("--text", action="store_true", help="type your answers instead of speaking")
    parser.add_argument("--end-silence-ms", type=_silence_ms, default=700,
                        help="silence that ends your turn (default 700 ms)")
    parser.add_argument("--client-goes-on-after", type=_goes_on_after_s, default=10.0, metavar="SECONDS",
                        help="when you stay silent this long after the client's line, the client "
                             "goes on by themselves (default 10; 0 = never; typed: /wait)")
    parser.add_argument("--no-save", action="store_true", help="do not store this session")
    add_model_arguments(parser)
    parser.set_defaults(func=run)


def _silence_ms(text: str) -> int:
    """200-3000 ms, as in Settings: shorter cuts a trainee off mid-breath, longer feels dead."""
    import argparse

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"a whole number of milliseconds, not {text!r}") from None
    if not 200 <= value <= 3000:
        raise argparse.ArgumentTypeError(f"must be between 200 and 3000 ms, not {value}")
    return value


def _goes_on_after_s(text: str) -> float:
    """0 (never) or 3-120 s, as in Settings: sooner gives no time to think."""
    import argparse

    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"a number of seconds, not {text!r}") from None
    if value != 0 and not 3 <= value <= 120:
        raise argparse.ArgumentTypeError(f"must be 0 (never) or between 3 and 120 seconds, not {text}")
    return value


def run(args) -> int:
    from trainer.app import build_session, make_microphone, make_speaker, parse_device, warm_up
    from trainer.audio.devices import AudioDeviceError, resolve_device
    from trainer.session import SessionOptions
    from trainer.terminal import TranscriptPrinter, read_typed_turns

    store = None
    try:
        scenario = load_scenario_or_fail(args.scenario)
        microphone = None
        if not args.text:
            device = parse_device(args.input_device)
            resolve_device(device, "input")  # fail before loading models
            microphone = make_microphone(device)
        output = args.output_device
        try:
            speaker = make_speaker("null" if output == "null" else parse_device(output), pace_null=True)
        except AudioDeviceError:
            if output is not None:
                raise  # a device asked for by name or number: say it is missing
            # No speaker at all (a server, a laptop with sound off): practise on, reading.
            speaker = make_speaker("null", pace_null=True)
            print("(No speaker or headphones found: the client's lines are shown but not spoken.)", flush=True)
        store = open_store_or_fail(not args.no_save)  # before the models: a locked store fails fast
        notes = f"Content notes: {', '.join(scenario.content_notes)}\n" if scenario.content_notes else ""
        print(f"{scenario.title}\n{scenario.brief}\n{notes}", flush=True)  # notes before it starts, as the window
        models = load_models_or_fail(args, need_speech_input=not args.text)
        warm_up(models)
        session = build_session(
            scenario, models, speaker=speaker, microphone=microphone, recorder=store,
            options=SessionOptions(input_mode="text" if args.text else "voice",
                                   end_silence_ms=args.end_silence_ms,
                                   client_goes_on_after_s=args.client_goes_on_after))
    except (CommandError, AudioDeviceError) as error:
        if store is not None:
            store.close()
        return fail(str(error))
    printer = TranscriptPrinter(scenario, show_states=not args.text)
    session.add_listener(printer)
    session.start()
    try:
        if args.text:
            print("Type your answers. /wait lets a silence sit (the client goes on); "
                  "/end or Ctrl+D finishes.\n", flush=True)
            read_typed_turns(session)
        else:
            wait = args.client_goes_on_after
            goes_on = (f" Stay silent and after {wait:g} s the client goes on by themselves." if wait else "")
            print(f"Speak when the client has finished.{goes_on} Press Ctrl+C to end the session.\n", flush=True)
            while not session.wait_ended(0.5):
                if session.input_mode == "text":  # the microphone stopped: go on by typing
                    printer.show_states = False  # "(listening to you...)" after each typed answer misled
                    print("Type your answers from here on. /wait lets a silence sit; /end or Ctrl+D "
                          "finishes.\n", flush=True)
                    read_typed_turns(session)
                    break
    except KeyboardInterrupt:
        pass
    session.end()
    session.wait_ended(30)
    printer.print_summary(session.summary or {})  # kept in memory: shown even if storing failed
    if store is not None:
        store.close()
    return 1 if session.storage_problem else 0  # a script learns that not all was stored
