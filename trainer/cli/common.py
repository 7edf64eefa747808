"""Helpers shared by the commands: loading a scenario and models with clear errors."""

from __future__ import annotations

import sys

from trainer.models import ModelError


class CommandError(Exception):
    """A user-facing failure: printed as-is, exit code 2."""


def fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2


def load_scenario_or_fail(scenario_id: str):
    from trainer.scenarios import ScenarioError, UnknownScenarioError, find_scenario

    try:
        return find_scenario(scenario_id)
    except (UnknownScenarioError, ScenarioError) as error:
        raise CommandError(str(error)) from None


def open_store_or_fail(save: bool):
    """The session store for a practice or demo run (None with ``save`` off).

    Opened before the models load, so a locked or broken store costs no waiting. An
    encrypted store takes ``$TRAINER_PASSPHRASE`` or asks on the terminal. Sessions past
    the retention period are deleted, as the window does at start-up.
    """
    if not save:
        return None
    from trainer.cli import storage as storage_cli
    from trainer.storage.errors import PassphraseRequiredError, StoreError

    hint = "You can also practise without saving: add --no-save."
    try:
        store, _ = storage_cli.open_store_asking(None)
    except PassphraseRequiredError as error:  # its message already names the variable
        raise CommandError(f"{error} On a terminal you are asked for it. {hint}") from None
    except storage_cli.CommandError as error:  # e.g. Ctrl+D or an empty answer at the prompt
        raise CommandError(f"{error} {hint}") from None
    except StoreError as error:
        raise CommandError(f"{error} {hint}") from None
    storage_cli.apply_retention_quietly(store)
    return store


def add_model_arguments(parser) -> None:
    parser.add_argument("--llm", help="language model: a .gguf path or a name in models/ (default: shipped)")
    parser.add_argument("--asr", help="speech recognition model folder or name in models/")
    parser.add_argument("--voice", help="Piper voice: an .onnx path or a name in voices/")
    parser.add_argument("--scripted", action="store_true",
                        help="no language model: the client answers from the scenario's lines")


def model_choice(args):
    from trainer.app import ModelChoice

    return ModelChoice(llm=args.llm, asr=args.asr, voice=args.voice, scripted_client=args.scripted)


def progress_printer(quiet: bool = False):
    def progress(what: str, done: int, total: int) -> None:
        if not quiet and what != "ready":
            print(f"  loading {what} ({done + 1}/{total})...", file=sys.stderr, flush=True)
    return progress


def load_models_or_fail(args, need_speech_input: bool, quiet: bool = False):
    from trainer.app import load_models

    try:
        return load_models(model_choice(args), progress_printer(quiet), need_speech_input=need_speech_input)
    except ModelError as error:
        raise CommandError(str(error)) from None
