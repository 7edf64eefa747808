"""How long does the GUI thread ever stall during a real session in the window?

    QT_QPA_PLATFORM=offscreen python benchmarks/gui_stall.py [--input voice|text]
        [--scenario ID] [--turns N] [--json-only]

Runs a demo session in ``MainWindow`` with the real models and the real engine:

- ``--input voice`` (default): the scenario's demo lines, synthesized with the trainee
  voice, go through a paced ``ScriptedMicrophone`` (real time, 32 ms blocks) into the
  engine's VAD, turn detector and recognizer, exactly as a microphone would; the
  client's voice goes to a ``NullSpeaker`` that takes as long as the audio would.
- ``--input text``: the demo lines are typed into the window's text box after each turn.

A ``StallMonitor`` (5 ms timer on the GUI thread) measures every gap of the Qt event
loop from the moment the session is started until the Review is shown after it ends
(``longest_stall_ms``, ``p99_gap_ms``). Model loading is measured separately
(``loading_longest_stall_ms``): it runs on a worker thread but competes for the GIL.
Each long gap is split into GUI-thread CPU, time waiting for a CPU (Linux schedstat: the
machine was busy) and the rest (blocked: the GIL or a lock).
A watchdog thread samples the GUI thread's Python stack whenever a gap passes
``--sample-above-ms``, so each long stall comes with where the GUI thread was.

Prints one JSON object. The target is ``longest_stall_ms`` < 50.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TRAINER_DATA_DIR", tempfile.mkdtemp(prefix="gui-stall-"))

import trainer  # noqa: E402,F401  (offline switches first)
from trainer import app as app_module  # noqa: E402


def _runqueue_s() -> float:
    """Seconds this thread has spent runnable but waiting for a CPU (Linux schedstat)."""
    try:
        with open("/proc/thread-self/schedstat") as f:
            return int(f.read().split()[1]) / 1e9
    except (OSError, ValueError, IndexError):
        return 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--input", choices=("voice", "text"), default="voice")
    parser.add_argument("--scenario", default="burnout-nurse")
    parser.add_argument("--turns", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument("--sample-above-ms", type=float, default=30.0)
    parser.add_argument("--json-only", action="store_true")
    args = parser.parse_args()

    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from trainer.audio.capture import ScriptedMicrophone
    from trainer.audio.playback import NullSpeaker
    from trainer.ui.main_window import MainWindow
    from trainer.ui.stall_monitor import StallMonitor

    def log(text: str) -> None:
        if not args.json_only:
            print(text, file=sys.stderr, flush=True)

    microphones: list[ScriptedMicrophone] = []
    if args.input == "voice":
        # The benchmark's only substitution: a paced scripted microphone instead of a sound
        # card, and a speaker that takes real time but plays nothing.
        def scripted_microphone(_device):
            mic = ScriptedMicrophone(pace=True, silence_after_s=1.2)
            microphones.append(mic)
            return mic

        app_module.make_microphone = scripted_microphone
    app_module.make_speaker = lambda device, pace_null=False: NullSpeaker(pace=True)

    # Time the engine's heavy calls, to see which were running during a blocked gap.
    intervals: list[tuple[float, float, str]] = []

    def timed(owner, name: str, label: str) -> None:
        original = getattr(owner, name)

        def wrapper(*a, **k):
            began = time.perf_counter()
            try:
                return original(*a, **k)
            finally:
                intervals.append((began, time.perf_counter(), label))

        setattr(owner, name, wrapper)

    from trainer.audio.vad import SileroVad
    from trainer.feedback.blended_coder import BlendedCoder
    from trainer.speech.asr import WhisperRecognizer
    from trainer.speech.tts import PiperSynthesizer

    timed(WhisperRecognizer, "transcribe", "whisper transcribe")
    timed(PiperSynthesizer, "synthesize", "piper synthesize")
    timed(BlendedCoder, "code", "coder")
    timed(SileroVad, "probability", "vad block")
    try:
        from trainer.client.llama_backend import LlamaBackend

        stream = LlamaBackend.stream_chat

        def timed_stream(self, *a, **k):
            began = time.perf_counter()
            try:
                yield from stream(self, *a, **k)
            finally:
                intervals.append((began, time.perf_counter(), "llm reply (whole stream)"))

        LlamaBackend.stream_chat = timed_stream
    except Exception:  # noqa: BLE001
        pass

    qapp = QApplication.instance() or QApplication([sys.argv[0]])
    services = app_module.Services()

    class TimedMonitor(StallMonitor):
        """Also keeps when each gap ended and how much CPU the GUI thread used in it: a long
        gap with little GUI CPU means the thread was waiting (GIL, or the OS scheduler on a
        busy machine), not working."""

        def _record(self, now: float) -> None:
            cpu = time.thread_time()
            queued = _runqueue_s()
            self.ends.append(now)
            self.cpu_ms.append((cpu - self._cpu) * 1000)
            self.queued_ms.append((queued - self._queued) * 1000)
            self._cpu, self._queued = cpu, queued
            super()._record(now)

        def start(self) -> None:
            self.ends, self.cpu_ms, self.queued_ms = [], [], []
            self._cpu, self._queued = time.thread_time(), _runqueue_s()
            super().start()

    loading = TimedMonitor(interval_ms=5)
    monitor = TimedMonitor(interval_ms=5)
    samples: list[dict] = []
    main_ident = threading.main_thread().ident
    watching = threading.Event()
    watching.set()

    def watchdog() -> None:
        sampled_for = None
        while watching.is_set():
            time.sleep(0.002)
            for mon in (loading, monitor):
                last = mon._last
                if last is None or not mon.running:
                    continue
                if time.perf_counter() - last > args.sample_above_ms / 1000 and sampled_for != last:
                    sampled_for = last
                    frame = sys._current_frames().get(main_ident)
                    stack = traceback.extract_stack(frame) if frame is not None else []
                    where = [f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in stack[-8:]]
                    samples.append({"start": last, "where": where, "phase": "loading" if mon is loading else "session"})

    threading.Thread(target=watchdog, name="stall-watchdog", daemon=True).start()

    window = MainWindow(services)
    window.show()
    loading.start()
    loop = QEventLoop()
    result: dict = {"input": args.input, "scenario": args.scenario}
    state = {"turns": 0, "sent": 0, "lines": [], "session": None, "done": False}
    timeout = QTimer()
    timeout.setSingleShot(True)
    timeout.timeout.connect(lambda: finish(f"timed out after {args.timeout:.0f} s"))
    timeout.start(int(args.timeout * 1000))

    def finish(error: str | None = None) -> None:
        if state["done"]:
            return
        state["done"] = True
        if error:
            result["error"] = error
        monitor.stop()
        loop.quit()

    def start() -> None:
        if not (window.models_ready and window.scenarios) or state["session"] is not None:
            return
        loading.stop()
        scenario = next((s for s in window.scenarios if s.id == args.scenario), window.scenarios[0])
        result["scenario"] = scenario.id
        lines = list(scenario.demo)[: args.turns]
        state["lines"] = lines
        if args.input == "voice":
            from trainer.demo import synthesized_lines

            state["audio"] = synthesized_lines(lines, services.models.synthesizer)  # before measuring
        log(f"models ready; starting {scenario.id} ({args.input})")
        QTimer.singleShot(300, lambda: begin(scenario))

    def begin(scenario) -> None:
        monitor.start()
        window.sessionCreated.connect(attached)
        wall, cpu = time.perf_counter(), time.thread_time()
        state["session"] = window.start_session(scenario, mode=args.input) or "pending"
        result["start_session_call_ms"] = round((time.perf_counter() - wall) * 1000, 1)
        result["start_session_call_cpu_ms"] = round((time.thread_time() - cpu) * 1000, 1)

    def attached(session) -> None:
        state["session"] = session
        bridge = window.session_view.bridge
        bridge.turnCompleted.connect(turn_done)
        bridge.errorOccurred.connect(lambda m, h, f: log(f"engine: {m} {h}"))
        window.session_view.ended.connect(lambda _s: QTimer.singleShot(500, finish))
        if args.input == "voice":
            threading.Thread(target=speak, args=(session,), name="scripted-trainee", daemon=True).start()
        else:
            bridge.stateChanged.connect(first_listening)

    def first_listening(value) -> None:
        if state["sent"] == 0 and str(getattr(value, "value", value)) == "listening":
            type_next()

    def type_next() -> None:
        if state["sent"] >= len(state["lines"]):
            window.session_view.end_session()
            return
        view = window.session_view
        view.text_input.setText(state["lines"][state["sent"]])
        state["sent"] += 1
        log(f"typed line {state['sent']}")
        view.submit_text()

    def turn_done(index: int, _record) -> None:
        state["turns"] += 1
        log(f"turn {index} done")
        if args.input == "text":
            QTimer.singleShot(800, type_next)  # a typist's pause, in real time
        elif state["turns"] >= len(state["lines"]):
            QTimer.singleShot(300, window.session_view.end_session)

    def speak(session) -> None:
        """The trainee, through the microphone path, in real time (on its own thread)."""
        mic = microphones[-1]
        for number, line in enumerate(state["audio"], 1):
            while not session.wait_for_listening(0.05):
                mic.feed_silence(0.064)
            mic.feed_silence(0.4)
            mic.feed_utterance(line.samples_16k)
            while state["turns"] < number and not state["done"] and not session.wait_ended(0):
                mic.feed_silence(0.064)

    window.modelsReady.connect(start)
    window.scenariosLoaded.connect(lambda _n: start())
    window.modelsFailed.connect(lambda m: finish(f"models failed: {m}"))
    loop.exec()
    watching.clear()
    timeout.stop()
    window.close()
    for mic in microphones:
        mic.stop()

    def stalls(mon: TimedMonitor, phase: str) -> list[dict]:
        ordered = sorted(zip(mon.gaps_ms, mon.ends, mon.cpu_ms, mon.queued_ms), reverse=True)[:5]
        top = []
        for gap, end, cpu, queued in ordered:
            start_at = end - gap / 1000
            where = next((s["where"] for s in samples if s["phase"] == phase and abs(s["start"] - start_at) < 0.003),
                         None)
            # the rest of the gap: blocked (the GIL, a lock) or sleeping in the event loop
            running = sorted({label for a, b, label in intervals if a < end and b > start_at})
            top.append({"gap_ms": round(gap, 1), "gui_cpu_ms": round(cpu, 1), "engine_calls_running": running,
                        "waiting_for_a_cpu_ms": round(queued, 1),
                        "blocked_ms": round(max(0.0, gap - cpu - queued - mon.interval_ms), 1),
                        "gui_thread_was_in": where})
        return top

    result.update({
        "longest_stall_ms": round(monitor.longest_gap_ms, 1),
        "p99_gap_ms": round(monitor.p99_gap_ms, 1),
        "turns": state["turns"],
        "ticks": monitor.ticks,
        "gaps_over_50_ms": sum(1 for g in monitor.gaps_ms if g > 50),
        # CPU the GUI thread itself spent between two ticks: our own work, whatever the load
        "longest_gui_busy_ms": round(max(monitor.cpu_ms, default=0.0), 1),
        # the longest gap once time spent waiting for a CPU (other processes) is taken out
        "longest_stall_excluding_cpu_wait_ms": round(max(
            (g - q for g, q in zip(monitor.gaps_ms, monitor.queued_ms)), default=0.0), 1),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "seconds_measured": round(sum(monitor.gaps_ms) / 1000, 1),
        "loading_longest_stall_ms": round(loading.longest_gap_ms, 1),
        "loading_p99_gap_ms": round(loading.p99_gap_ms, 1),
        "top_stalls": stalls(monitor, "session"),
        "top_loading_stalls": stalls(loading, "loading"),
        "target_ms": 50,
    })
    print(json.dumps(result, indent=None if args.json_only else 2))
    try:
        services.close() if hasattr(services, "close") else None
    except Exception:  # noqa: BLE001
        pass
    return 0 if "error" not in result else 1


if __name__ == "__main__":
    sys.exit(main())
