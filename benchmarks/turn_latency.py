"""Where the time goes in a turn, with the default models on this machine.

    python benchmarks/turn_latency.py [--turns N] [--json] [--barge-ins N]

Runs demo sessions through the engine's audio input path (the scenarios' demo lines,
synthesized, fed through the VAD and recognizer like a microphone) with a null output,
until N trainee turns are done, and prints medians and 95th percentiles:

- endpoint_to_transcript_ms: end-of-turn detector fired → transcript ready
- transcript_to_first_token_ms: transcript → the language model's first token
- endpoint_to_first_audio_ms: end-of-turn → first client audio handed to the speaker
- feedback_after_transcript_ms: transcript → feedback computed (coder + measures)
- barge_in_stop_ms: trainee speech onset during client playback → playback stopped
- peak_rss_mb: peak resident memory of the whole process

The end-of-turn silence itself (the wait before the detector fires) is reported
separately as ``end_of_turn_silence_ms``. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

import trainer  # noqa: E402,F401  (offline switches first)
from trainer import events as ev  # noqa: E402
from trainer.app import ModelChoice, build_session, load_models, warm_up  # noqa: E402
from trainer.audio.capture import ScriptedMicrophone  # noqa: E402
from trainer.audio.playback import NullSpeaker  # noqa: E402
from trainer.demo import run_demo, synthesized_lines  # noqa: E402
from trainer.scenarios import load_scenarios  # noqa: E402
from trainer.session import SessionOptions  # noqa: E402

END_SILENCE_MS = 700


def stats(values: list[float]) -> dict:
    if not values:
        return {"median": None, "p95": None, "n": 0}
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return {"median": round(statistics.median(ordered), 1), "p95": round(p95, 1), "n": len(ordered)}


OPTIMISED = SessionOptions(end_silence_ms=END_SILENCE_MS)
# What the engine did before the latency work: transcription only after the endpoint,
# no cache prefill while the trainee talks, barge-in after 224 ms of speech.
BASELINE = SessionOptions(end_silence_ms=END_SILENCE_MS, early_transcription=False,
                          prefill_client=False, barge_in_min_speech_ms=224)


def measure_turns(models, turns_wanted: int, configs: dict, log) -> dict[str, list[dict]]:
    """Interleave the configurations scenario by scenario, so machine noise hits both."""
    collected: dict[str, list[dict]] = {name: [] for name in configs}
    scenarios = load_scenarios()
    round_number = 0
    while min(len(turns) for turns in collected.values()) < turns_wanted:
        for scenario in scenarios:
            lines = synthesized_lines(list(scenario.demo), models.synthesizer)
            for name, options in configs.items():
                wanted = lines[: turns_wanted - len(collected[name])]
                if not wanted:
                    continue
                # The trainee speaks in real time, as a person would; the client's
                # voice goes to a null sink.
                record = run_demo(scenario, models, wanted, speaker=NullSpeaker(), pace=True,
                                  options=options, seed=round_number)
                collected[name].extend(record["turns"])
                log(f"[{name}] {scenario.id}: {len(record['turns'])} turns, medians {record['median_timings_ms']}")
        round_number += 1
    return collected


class _Onsets:
    """Listener that pairs barge-in events with when the trainee started talking."""

    def __init__(self) -> None:
        self.speaking = threading.Event()
        self.barge_ins: list[float] = []
        self.condition = threading.Condition()

    def __call__(self, event) -> None:
        if isinstance(event, ev.StateChanged):
            if event.state == ev.TurnState.CLIENT_SPEAKING:
                self.speaking.set()
        elif isinstance(event, ev.BargeIn):
            with self.condition:
                self.barge_ins.append(event.t)
                self.condition.notify_all()


def voice_onset_s(samples: np.ndarray, threshold_dbfs: float = -20.0) -> float:
    """Start of the first 10 ms frame loud enough to be voice."""
    frames = samples[: samples.size // 160 * 160].reshape(-1, 160)
    levels = 20 * np.log10(np.sqrt(np.mean(frames ** 2, axis=1)) + 1e-9)
    loud = np.nonzero(levels > threshold_dbfs)[0]
    return float(loud[0]) * 0.01 if loud.size else 0.0


def measure_barge_in(models, repeats: int, options: SessionOptions, log) -> list[float]:
    """Interrupt the client mid-sentence ``repeats`` times, in real time."""
    scenario = load_scenarios()[0]
    lines = synthesized_lines(["Sorry, can I stop you there for a moment?"], models.synthesizer)
    speech = lines[0].samples_16k
    # Piper starts a clip with a little breath noise: count from where the voice starts.
    onset_offset_s = voice_onset_s(speech)
    microphone = ScriptedMicrophone(pace=True, silence_after_s=END_SILENCE_MS / 1000 + 0.3)
    speaker = NullSpeaker(pace=True)
    session = build_session(scenario, models, speaker=speaker, microphone=microphone,
                            options=SessionOptions(**{**options.__dict__, "input_mode": "voice"}))
    onsets = _Onsets()
    session.add_listener(onsets)
    session.start()
    results: list[float] = []
    try:
        for _ in range(repeats):
            deadline = time.monotonic() + 120
            while not (onsets.speaking.is_set() and speaker.playing):
                microphone.feed_silence(0.064)
                if time.monotonic() > deadline:
                    raise RuntimeError("the client never started speaking")
            microphone.feed_silence(0.3)  # interrupt a little way into the line
            onsets.speaking.clear()
            before = len(onsets.barge_ins)
            onset = time.monotonic() + onset_offset_s
            microphone.feed_utterance(speech)
            with onsets.condition:
                onsets.condition.wait_for(lambda: len(onsets.barge_ins) > before, 10)
            if len(onsets.barge_ins) > before:
                results.append((onsets.barge_ins[before] - onset) * 1000)
                log(f"barge-in stop after {results[-1]:.0f} ms from speech onset")
    finally:
        session.end()
        session.wait_ended(30)
        microphone.stop()
    return results


def summarize(turns: list[dict], barge: list[float]) -> dict:
    def field(key: str) -> list[float]:
        return [t["timings_ms"][key] for t in turns if t["timings_ms"].get(key) is not None]

    return {
        "turns": len(turns),
        "end_of_turn_silence_ms": END_SILENCE_MS,
        "endpoint_to_transcript_ms": stats(field("endpoint_to_transcript")),
        "transcript_to_first_token_ms": stats(field("transcript_to_first_token")),
        "endpoint_to_first_audio_ms": stats(field("endpoint_to_first_audio")),
        "feedback_after_transcript_ms": stats(field("feedback_after_transcript")),
        "barge_in_stop_ms": stats(barge),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--turns", type=int, default=20)
    parser.add_argument("--barge-ins", type=int, default=10)
    parser.add_argument("--compare", action="store_true",
                        help="also run the engine without its latency optimisations, interleaved")
    parser.add_argument("--json", action="store_true", help="print only the JSON result")
    args = parser.parse_args()

    def log(message: str) -> None:
        if not args.json:
            print(message, file=sys.stderr, flush=True)

    started = time.perf_counter()
    models = load_models(ModelChoice())
    warm_up(models)
    log(f"models loaded and warmed up in {time.perf_counter() - started:.1f} s")
    configs = {"optimised": OPTIMISED}
    if args.compare:
        configs["baseline"] = BASELINE
    turns = measure_turns(models, args.turns, configs, log)
    results = {}
    for name, options in configs.items():
        barge = measure_barge_in(models, args.barge_ins, options, log) if args.barge_ins else []
        results[name] = summarize(turns[name], barge)
    result = dict(results["optimised"])
    if args.compare:
        result["baseline"] = results["baseline"]
    result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    result["models"] = models.names
    print(json.dumps(result, indent=None if args.json else 2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
