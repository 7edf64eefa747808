"""The coder on what the recogniser hears, not on what was written; prints JSON.

    .venv/bin/python benchmarks/coder_spoken.py [--limit N]

In the app the coder never sees the trainee's written words: it sees faster-whisper's
transcript, with the recogniser's own punctuation, casing and mistakes. Stripping
punctuation (benchmarks/coder.py) is only a stand-in for that. Here the hand-coded trainee
lines (the counselling lines and the scenarios' demo lines) are spoken by the default
Piper voice with the demo's trainee voice settings, transcribed by the default
recogniser with the app's options, and coded; group and code accuracy are reported for
the text as written, with punctuation and casing removed, and as recognised, together
with the recogniser's word error rate and the lines whose group changed on the way.

One synthetic voice, no room noise: an optimistic view of recognition, but the same
transcripts the app would code for that audio. Piper's synthesis is stochastic, so a word
or two of the transcripts, and the figures with them, differ between runs.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Sequence

BENCHMARKS = Path(__file__).resolve().parent
ROOT = BENCHMARKS.parent
for folder in (ROOT, BENCHMARKS):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

import trainer  # noqa: E402,F401  (offline switches first)
from coder import COUNSELLING_LINE_SETS, hand_coded_accuracy, read_counselling_lines, read_demo_lines  # noqa: E402
from trainer.audio.capture import synthesized_to_16k  # noqa: E402
from trainer.demo import TRAINEE_VOICE  # noqa: E402
from trainer.feedback.blended_coder import BlendedCoder  # noqa: E402
from trainer.feedback.coder import ANNOMI_MAPPING, CodingMethods  # noqa: E402
from trainer.feedback.text_features import strip_punctuation_and_case  # noqa: E402
from trainer.wer import word_error_rate  # noqa: E402

Row = tuple[str, str, str]  # (client turn, code, trainee text)


def recognised_rows(rows: Sequence[Row], speak, transcribe) -> list[Row]:
    """The same rows with each trainee text replaced by what the recogniser heard."""
    return [(client, code, transcribe(speak(text))) for client, code, text in rows]


def changed_groups(coder: CodingMethods, written: Sequence[Row], heard: Sequence[Row]) -> list[str]:
    """Lines coded in another group once recognised: 'written' => 'heard' (was -> now)."""
    changes = []
    for (client, _code, text), (_, _, recognised) in zip(written, heard):
        before = coder.code(text, [("client", client)]).code
        after = coder.code(recognised, [("client", client)]).code
        if ANNOMI_MAPPING[before] != ANNOMI_MAPPING[after]:
            changes.append(f"{text!r} => {recognised!r} ({before} -> {after})")
    return changes


def spoken_check(coder: CodingMethods, rows: Sequence[Row], heard: Sequence[Row]) -> dict:
    return {
        "n_lines": len(rows),
        "asr_word_error_rate": round(word_error_rate([(t, h) for (_, _, t), (_, _, h) in zip(rows, heard)]), 4),
        "as_written": hand_coded_accuracy(coder, rows),
        "punctuation_and_casing_removed": hand_coded_accuracy(
            coder, [(client, code, strip_punctuation_and_case(text)) for client, code, text in rows]),
        "as_recognised": hand_coded_accuracy(coder, heard),
        "group_changed_by_recognition": changed_groups(coder, rows, heard),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Code hand-coded trainee lines as the recogniser hears them.")
    parser.add_argument("--limit", type=int, default=None, help="only the first N lines of each set")
    args = parser.parse_args(argv)
    from trainer.models import default_asr_dir, default_voice_path
    from trainer.speech.asr import WhisperRecognizer
    from trainer.speech.tts import PiperSynthesizer

    start = time.perf_counter()
    synthesizer = PiperSynthesizer(default_voice_path())
    recognizer = WhisperRecognizer(default_asr_dir())
    coder = BlendedCoder.load()

    def speak(text: str):
        return synthesized_to_16k(synthesizer.synthesize(text, TRAINEE_VOICE), synthesizer.sample_rate)

    sets = {path.stem: read_counselling_lines(path)[0] for path in COUNSELLING_LINE_SETS}
    sets["demo_lines"] = read_demo_lines()
    result: dict = {"voice": default_voice_path().name, "recogniser": default_asr_dir().name}
    for name, rows in sets.items():
        rows = rows[: args.limit] if args.limit else rows
        heard = recognised_rows(rows, speak, recognizer.transcribe)
        result[name] = spoken_check(coder, rows, heard)
    result["seconds"] = round(time.perf_counter() - start, 1)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
