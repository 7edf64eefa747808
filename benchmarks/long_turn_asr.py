"""Long trainee turns (over Whisper's 30 s window) through the recogniser: words kept.

Whisper decodes 30 s windows. Without timestamps it cannot tell where the last complete
word of a window ends, so it jumps a whole window ahead; on a long turn it sometimes
returned almost nothing for the first window. ``WhisperRecognizer`` therefore asks for
timestamps on audio over 30 s only (short turns keep the faster setting).

Each run synthesizes the passages with the default Piper voice (its synthesis is
stochastic, so every run hears slightly different audio) and transcribes them with the
default faster-whisper model both ways. Prints JSON; asserts nothing.

    .venv/bin/python benchmarks/long_turn_asr.py --runs 5
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from trainer import offline  # noqa: E402,F401  (Hugging Face libraries offline before they load)

PASSAGES = [
    "I want to tell you about the week I have had, because it has been a long one. "
    "On Monday my manager asked me to cover two extra shifts, and I said yes, like I always do. "
    "On Tuesday my daughter rang to say she was moving to Leeds with the children. "
    "On Wednesday I forgot my own mother's birthday for the first time in forty years. "
    "By Thursday I was so tired that I sat in the car park for an hour before I could go in. "
    "And on Friday I cried in the supply cupboard and nobody noticed I was gone. "
    "I keep telling myself it will get better next month, but it never does. "
    "My sister says I should just hand in my notice, but she does not pay my mortgage.",
    "What I am hearing is that you have been holding everything together for everyone else "
    "for a very long time, at work and at home, and that nobody has really asked how you are. "
    "You said you cried in the cupboard and nobody noticed, and I wonder whether that is what "
    "hurts most, not the extra shifts themselves but the feeling of being invisible. "
    "And part of you is angry with your sister for making it sound simple, while another part "
    "of you is wondering whether she might be right. "
    "I would like to understand more about what a good week would even look like for you now, "
    "and what would need to change, at work or at home, for you to feel seen again.",
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)

    from trainer import models
    from trainer.audio.capture import synthesized_to_16k
    from trainer.speech.asr import RecognizerOptions, WhisperRecognizer
    from trainer.speech.tts import PiperSynthesizer
    from trainer.wer import word_error_rate

    synthesizer = PiperSynthesizer(models.default_voice_path())
    recognizers = {
        "timestamps_over_30s": WhisperRecognizer(models.default_asr_dir()),
        "never_timestamps": WhisperRecognizer(models.default_asr_dir(),
                                              RecognizerOptions(timestamps_over_s=None)),
    }
    results: dict[str, dict[str, list[float]]] = {name: {"wer": [], "seconds": []} for name in recognizers}
    durations = []
    for _ in range(args.runs):
        for text in PASSAGES:
            audio = synthesized_to_16k(synthesizer.synthesize(text), synthesizer.sample_rate)
            durations.append(len(audio) / 16000)
            for name, recognizer in recognizers.items():
                started = time.perf_counter()
                heard = recognizer.transcribe(audio)
                results[name]["seconds"].append(time.perf_counter() - started)
                results[name]["wer"].append(word_error_rate([(text, heard)]))
    print(json.dumps({
        "turns": len(durations),
        "turn_seconds": [round(min(durations), 1), round(max(durations), 1)],
        "turns_over_30s": sum(d > 30 for d in durations),
        **{name: {"wer_mean": round(statistics.mean(r["wer"]), 3), "wer_max": round(max(r["wer"]), 3),
                  "recognition_s_median": round(statistics.median(r["seconds"]), 2)}
           for name, r in results.items()},
    }, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
