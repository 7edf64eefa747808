"""``trainer models``: what models and voices are available, verified or not."""

from __future__ import annotations

import json


def register(subparsers) -> None:
    parser = subparsers.add_parser("models", help="list language models, recognizers and voices")
    parser.add_argument("--json", action="store_true", help="print JSON rows")
    parser.set_defaults(func=run)


def human_size(size: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size} B"


def run(args) -> int:
    from trainer.models import list_models, models_dir, voices_dir

    entries = list_models()
    if args.json:
        print(json.dumps([e.as_row() for e in entries], indent=2))
        return 0
    kinds = {"llm": "Language models (client)", "asr": "Speech recognition", "voice": "Voices"}
    for kind, title in kinds.items():
        print(title)
        for e in (e for e in entries if e.kind == kind):
            verified = {True: "sha256 verified", False: "FAILED CHECK", None: "not verified (user-added)"}[e.verified]
            if e.problem:
                verified = f"NOT USABLE: {e.problem}"
            default = " [default]" if e.default else ""
            print(f"  {e.name}{default}  {human_size(e.size_bytes)}  {verified}")
            print(f"      {e.path}")
    if any(e.problem for e in entries):
        print("\nFiles marked NOT USABLE cannot be models: replace or remove them "
              "(a Piper voice needs its .onnx and .onnx.json from the same download).")
    print(f"\nAdd your own: *.gguf or faster-whisper folders in {models_dir()}, Piper voices in {voices_dir()}.")
    return 1 if any(e.verified is False for e in entries) else 0  # a failed check or an unusable file
