"""`trainer code --in IN.csv --out OUT.csv`: code the trainee rows of a conversation CSV."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from trainer.feedback.code_csv import CodeCsvError, code_csv
from trainer.feedback.blended_coder import BlendedCoder
from trainer.feedback.coder import CoderModelError


def register(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "code",
        help="code trainee utterances in a CSV (speaker,text[,session])",
        description=(
            "Add `code` and `confidence` columns to a conversation CSV with columns "
            "speaker (trainee/therapist/client) and text, in conversation order; an "
            "optional session column restarts the context when it changes."
        ),
    )
    parser.add_argument("--in", dest="in_path", type=Path, required=True, metavar="IN.csv", help="input CSV")
    parser.add_argument("--out", dest="out_path", type=Path, required=True, metavar="OUT.csv", help="output CSV")
    parser.add_argument("--model", type=Path, default=None,
                        help="linear coder model, .npz (default: the shipped one)")
    parser.add_argument("--transformer-model", type=Path, default=None,
                        help="transformer coder model, .onnx with coder_tokenizer.json beside it (default: the shipped one)")
    parser.set_defaults(func=run)
    return parser


def run(args: argparse.Namespace) -> int:
    try:
        coder = BlendedCoder.load(getattr(args, "model", None), getattr(args, "transformer_model", None))
        coded = code_csv(args.in_path, args.out_path, coder)
    except (CodeCsvError, CoderModelError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"coded {coded} trainee utterance(s) into {args.out_path}")
    return 0
