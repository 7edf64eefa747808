"""The practice session: turn-taking between the trainee and the simulated client.

LISTENING → TRANSCRIBING → CLIENT_THINKING → CLIENT_SPEAKING → LISTENING.

Threads (no Qt anywhere here):
- the *audio thread* reads microphone blocks, runs the VAD and the turn detector, and
  handles barge-in at once (stops the speaker, cancels generation) — it never waits on
  inference;
- the *turn worker* transcribes an utterance, asks the feedback engine, updates the
  client and streams its reply sentence by sentence;
- the *voice thread* (one per reply) synthesizes each sentence and queues it on the
  speaker while the next sentence is still being generated.

Everything leaves through events (``trainer/events.py``) sent to listeners, which are
called on these threads and must return quickly.
"""

from __future__ import annotations

import logging
import queue
from concurrent.futures import Future, ThreadPoolExecutor
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Iterator, Protocol

import numpy as np

from trainer import events as ev
from trainer.audio.capture import MicrophoneSource
from trainer.audio.devices import AudioDeviceError
from trainer.audio.playback import NullSpeaker, SpeakerSink
from trainer.audio.resample import dbfs, float_to_int16
from trainer.audio.vad import SpeechStart, TentativeEnd, TurnDetector, TurnDetectorOptions, UtteranceEnd
from trainer.client.sentences import split_sentences
from trainer.events import TurnState
from trainer.speech.tts import Synthesizer, VoiceParams
from trainer.storage.records import TRY_AGAIN_OF

log = logging.getLogger(__name__)

INPUT_MODES = ("voice", "push_to_talk", "text")


class ClientPort(Protocol):
    def opening_line(self) -> str: ...
    def observe_trainee_turn(self, trainee_text: str, feedback: dict) -> Any: ...
    def respond(self, trainee_text: str, cancel: threading.Event | None = None) -> Iterator[str]: ...
    def continue_after_silence(self, cancel: threading.Event | None = None) -> Iterator[str]: ...
    def snapshot(self) -> Any: ...
    def restore(self, snapshot: Any) -> None: ...
    def voice_params(self) -> dict: ...


class FeedbackPort(Protocol):
    def client_turn(self, text: str, start_s: float, end_s: float) -> None: ...
    def trainee_turn(self, text: str, start_s: float, end_s: float, interrupted: bool | None = None) -> dict: ...
    def silence_held(self, start_s: float, end_s: float | None) -> dict: ...
    def summary(self) -> dict: ...
    def snapshot(self) -> Any: ...
    def restore(self, snapshot: Any) -> None: ...


class RecorderPort(Protocol):
    def start_session(self, scenario_id: str, scenario_title: str, models: dict, settings: dict | None = None) -> str: ...
    def add_turn(self, session_id: str, turn: dict) -> None: ...
    def finish_session(self, session_id: str, summary: dict) -> None: ...


class VadPort(Protocol):
    def probability(self, block: np.ndarray) -> float: ...
    def reset(self) -> None: ...


@dataclass(frozen=True)
class SessionOptions:
    input_mode: str = "voice"
    end_silence_ms: int = 700
    speaking_rate: float = 1.0  # user setting, multiplies the persona's rate
    models: dict = field(default_factory=dict)  # names, for records and the demo JSON
    # Latency optimisations (docs/performance.md); switchable to measure their effect.
    early_transcription: bool = True
    prefill_client: bool = True
    barge_in_min_speech_ms: int = 96
    # After the client's line, a silence this long (seconds) brings the client to go on by
    # themselves, as clients do when a counsellor stays quiet; 0 = the client waits for ever.
    # Only while listening to a microphone: a typed session's silence is typing time.
    client_goes_on_after_s: float = 10.0


MAX_CONTINUATIONS_IN_A_ROW = 2
"""The client goes on after a held silence at most this often before waiting for the trainee."""

MICROPHONE_STALL_S = 3.0  # no block from a microphone stream this long: it is gone
LISTENING_STOPPED = "Listening stopped"  # how the error begins when the microphone fails mid-session

WAIT_COMMAND = "/wait"
"""Typed instead of words (terminal, reply box, try-again box): let the silence sit."""


def is_wait_command(text: str) -> bool:
    return text.strip().lower() == WAIT_COMMAND


def is_unknown_command(text: str) -> bool:
    """A line starting with "/" that is not /wait: a mistyped command (e.g. "/wiat", or a
    refused "/wait" with the next answer typed onto it), never to reach the client as words."""
    return text.strip().startswith("/") and not is_wait_command(text)


def unknown_command_text(text: str) -> str:
    shown = text.strip()
    shown = shown if len(shown) <= 30 else shown[:29] + "…"
    return f"“{shown}” was not sent: it is not a command. Type /wait on its own to let a silence sit."


def wait_refused_text(client_answering: bool) -> str:
    """Why ``Session.hold_silence()`` said no, in words for the trainee."""
    if client_answering:
        return "Let the client finish first; then /wait lets the silence sit."
    return "The client is waiting for you to say something."


@dataclass
class _Utterance:
    """A trainee turn waiting for the worker: audio from the VAD, or typed text."""

    start_s: float
    end_s: float
    endpoint_at: float  # perf_counter when the end-of-turn detector fired
    samples: np.ndarray | None = None
    text: str | None = None
    reference: str | None = None
    interrupted: bool = False
    early_transcript: Future | None = None  # started at the tentative end, if still valid
    silence: bool = False  # no words: the trainee let the silence from start_s to end_s sit


@dataclass(frozen=True)
class SessionSnapshot:
    """The client and feedback state right after one client line (for "try it again").

    ``client_line`` is the text the trainee answers when resuming from here.
    """

    client: Any
    feedback: Any
    next_turn: int
    client_line: str = ""
    session_id: str | None = None  # the stored session it was taken in, if any


class _FirstTokenClock:
    """Wraps a chat backend to note when the first token of a reply arrives."""

    def __init__(self, backend):
        self._backend = backend
        self.first_token_at: float | None = None

    def __getattr__(self, name):
        return getattr(self._backend, name)

    def stream_chat(self, *args, **kwargs):
        for piece in self._backend.stream_chat(*args, **kwargs):
            if self.first_token_at is None and piece:
                self.first_token_at = time.perf_counter()
            yield piece


class Session:
    """One practice session. Build it with real or fake parts; ``start()`` runs it."""

    def __init__(
        self,
        scenario,
        *,
        client: ClientPort,
        speaker: SpeakerSink,
        synthesizer: Synthesizer | None,
        microphone: MicrophoneSource | None = None,
        recognizer=None,
        vad: VadPort | None = None,
        feedback: FeedbackPort | None = None,
        recorder: RecorderPort | None = None,
        options: SessionOptions = SessionOptions(),
        resume_from: SessionSnapshot | None = None,
    ):
        if options.input_mode not in INPUT_MODES:
            raise ValueError(f"input_mode must be one of {INPUT_MODES}, not {options.input_mode!r}")
        if options.input_mode != "text" and (microphone is None or recognizer is None or vad is None):
            raise ValueError("voice input needs a microphone, a recognizer and a VAD; use input_mode='text'")
        self.scenario = scenario
        self.client = client
        self.speaker = speaker
        self.synthesizer = synthesizer
        self.microphone = microphone
        self.recognizer = recognizer
        self.vad = vad
        self.feedback = feedback
        self.recorder = recorder
        self.options = options
        self.session_id: str | None = None
        self.state = TurnState.IDLE
        self.turns: list[dict] = []
        self.summary: dict | None = None
        self.opening_text = ""
        self.jobs_done = 0  # trainee turns handled (completed or dropped)
        self._unsaved_turns: list[int] = []  # turns the recorder failed to store
        # What of this session the store lacks, in a sentence, once it has ended (None: all stored).
        self.storage_problem: str | None = None

        self._listeners: list[Callable[[ev.Event], None]] = []
        self._jobs: "queue.Queue[_Utterance | None]" = queue.Queue()
        detector_options = TurnDetectorOptions(end_silence_ms=options.end_silence_ms,
                                               barge_in_min_speech_ms=options.barge_in_min_speech_ms)
        if not options.early_transcription:
            detector_options = TurnDetectorOptions(**{**detector_options.__dict__,
                                                      "tentative_silence_ms": options.end_silence_ms})
        self._detector = TurnDetector(detector_options)
        self._input_mode = options.input_mode
        self._ptt_pressed: bool | None = None
        self._stop = threading.Event()
        self._resumed = threading.Event()
        self._resumed.set()
        self._cancel_reply = threading.Event()
        self._client_speaking = threading.Event()
        self._client_busy = threading.Event()  # thinking or speaking
        self._state_lock = threading.Lock()
        self._next_turn = 1
        self._branch_of: int | None = None
        self._snapshots: dict[int, SessionSnapshot] = {}
        # A branch of an earlier (possibly finished) session: start from its snapshot
        # instead of the opening line.
        self._resume_from = resume_from
        self.started_at: datetime | None = None  # set by start(); Review shows it
        self._threads: list[threading.Thread] = []
        self._ended = threading.Event()
        self._idle_after_turn = threading.Event()
        self._last_level_at = 0.0
        self._clock_offset = 0.0
        # Session time since when nobody has spoken (None: someone is speaking or a turn is
        # under way), and how often the client went on after a silence in a row.
        self._quiet_since: float | None = None
        self._continuations_in_a_row = 0
        self._quiet_before_pause: float | None = None
        # After "try it again" the client does not go on by itself (the trainee may take
        # time over the new answer), though the trainee may still choose to stay silent.
        self._client_waits = False
        # One recognition thread: tentative transcripts start while the trainee's
        # end-of-turn silence is still running, so little is left at the endpoint.
        self._asr_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="asr")
        self._tentative: Future | None = None
        self._backend_clock: _FirstTokenClock | None = None
        backend = getattr(client, "backend", None)
        if backend is not None:
            self._backend_clock = _FirstTokenClock(backend)
            client.backend = self._backend_clock

    # ------------------------------------------------------------------ public control

    def add_listener(self, listener: Callable[[ev.Event], None]) -> None:
        self._listeners.append(listener)

    def start(self) -> None:
        """Start the session threads; returns at once. The client speaks first.

        The microphone opens before anything is stored, so a session that cannot start
        (no microphone) leaves no empty "interrupted" session in the history.
        """
        listens = self.microphone is not None and self._input_mode != "text"
        if listens:
            self.microphone.start()
        self.started_at = datetime.now(timezone.utc)
        if self.recorder is not None:
            settings = {"input_mode": self._input_mode, "end_silence_ms": self.options.end_silence_ms,
                        "client_goes_on_after_s": self.options.client_goes_on_after_s}
            if self._resume_from is not None:  # a "try it again": which session and line it answers
                settings[TRY_AGAIN_OF] = {"session_id": self._resume_from.session_id,
                                            "client_line": self._resume_from.next_turn - 1,
                                            # its own turns start after it: kept so Review shows it
                                            "client_text": self._resume_from.client_line}
            try:
                self.session_id = self.recorder.start_session(
                    self.scenario.id, self.scenario.title, dict(self.options.models), settings)
                log.info("session %s started: %s, %s input", self.session_id, self.scenario.id, self._input_mode)
            except Exception as error:  # storage problems must not stop practice
                self._error(f"This session cannot be saved: {_sentence(error)}",
                            "Practice continues; nothing will be stored.")
                self.storage_problem = "Nothing of this session is stored: what is on screen is the only copy."
                self.recorder = None
        worker = threading.Thread(target=self._worker_loop, name="turn-worker", daemon=True)
        self._threads.append(worker)
        if listens:
            audio = threading.Thread(target=self._audio_loop, name="audio", daemon=True)
            self._threads.append(audio)
        for thread in self._threads:
            thread.start()

    def pause(self) -> None:
        since = self._quiet_since
        self._quiet_before_pause = None if since is None else max(0.0, self._clock() - since)
        self._resumed.clear()
        self._cancel_reply.set()
        self.speaker.stop()
        self._set_state(TurnState.PAUSED)

    def resume(self) -> None:
        self._resumed.set()
        if self._quiet_since is not None and self._quiet_before_pause is not None:
            # paused time is no silence held; the silence before the pause still counts
            self._quiet_since = self._clock() - self._quiet_before_pause
        self._set_state(TurnState.LISTENING)

    def end(self) -> None:
        """Finish the session (non-blocking); ``SessionEnded`` follows."""
        if self._stop.is_set():
            return
        self._stop.set()
        self._cancel_reply.set()
        self._resumed.set()
        self.speaker.stop()
        self._jobs.put(None)
        if not any(thread.is_alive() for thread in self._threads):
            self._ended.set()  # never started (or failed to start): nothing to wait for

    def wait_ended(self, timeout: float | None = None) -> bool:
        return self._ended.wait(timeout)

    @property
    def input_mode(self) -> str:
        return self._input_mode

    def set_input_mode(self, mode: str) -> None:
        if mode not in INPUT_MODES:
            raise ValueError(f"input mode must be one of {INPUT_MODES}")
        if mode != "text" and (self.microphone is None or self.recognizer is None):
            # Raised, not only reported: the caller (the window) must keep showing text mode
            # and must not remember voice as the user's choice.
            raise AudioDeviceError("Voice input is not available: this session started without a microphone.")
        self._input_mode = mode

    def push_to_talk(self, pressed: bool) -> None:
        self._ptt_pressed = pressed

    def set_end_silence_ms(self, value: int) -> None:
        self._detector.set_end_silence_ms(value)

    def submit_text(self, text: str, reference: str | None = None) -> None:
        """A typed trainee turn (text mode, tests, demos without audio)."""
        now = self._clock()
        self._quiet_since = None  # an answer, not a silence
        self._jobs.put(_Utterance(start_s=now, end_s=now, endpoint_at=time.perf_counter(),
                                  text=text, reference=reference))

    def hold_silence(self) -> bool:
        """The trainee has let the silence since the client's line sit: the client goes on.

        Called by the audio thread when the silence reaches ``client_goes_on_after_s``; a
        front end may call it too. Returns False (and does nothing) when nobody is waiting
        on a silence: the client has not finished, the trainee is speaking, a turn is under
        way, or the client already went on ``MAX_CONTINUATIONS_IN_A_ROW`` times.
        """
        since = self._quiet_since
        if (since is None or self._stop.is_set() or not self._resumed.is_set()
                or self.state != TurnState.LISTENING or self._client_busy.is_set()
                or self._detector.in_speech or not self._jobs.empty()
                or self._continuations_in_a_row >= MAX_CONTINUATIONS_IN_A_ROW):
            return False
        self._quiet_since = None
        self._jobs.put(_Utterance(start_s=since, end_s=max(since, self._clock()),
                                  endpoint_at=time.perf_counter(), silence=True))
        return True

    def snapshot_at(self, client_turn_index: int) -> SessionSnapshot:
        """The state just after client line ``client_turn_index`` (KeyError if none)."""
        snap = self._snapshots.get(client_turn_index)
        if snap is None:
            raise KeyError(f"no client line {client_turn_index} in this session")
        return snap

    def try_again_from(self, client_turn_index: int) -> None:
        """Return the client and feedback to just after client line ``client_turn_index``.

        The next trainee turn starts a branch; its records carry ``branch_of``.
        """
        snap = self._snapshots.get(client_turn_index)
        if snap is None:
            raise KeyError(f"no client line {client_turn_index} in this session")
        self._cancel_reply.set()
        self.speaker.stop()
        self.client.restore(snap.client)
        if self.feedback is not None:
            self.feedback.restore(snap.feedback)
        self._branch_of = snap.next_turn
        self._next_turn = snap.next_turn
        self._continuations_in_a_row = 0
        # The trainee chose to answer this line again and may take time over it: the client
        # does not go on by itself, but staying silent is still an answer they may give.
        self._quiet_since = self._clock()
        self._client_waits = True
        self._set_state(TurnState.LISTENING)

    def wait_for_listening(self, timeout: float | None = None) -> bool:
        """Block until the current turn is done and the engine listens again."""
        return self._idle_after_turn.wait(timeout)

    # ------------------------------------------------------------------ events

    def _emit(self, event: ev.Event) -> None:
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:  # a broken listener must not break the session
                log.exception("event listener failed on %s", type(event).__name__)

    def _set_state(self, state: TurnState) -> None:
        with self._state_lock:
            if self.state == state:
                return
            self.state = state
        if state == TurnState.LISTENING:
            self._idle_after_turn.set()
        else:
            self._idle_after_turn.clear()
        self._emit(ev.StateChanged(time.monotonic(), state))

    def _error(self, message: str, hint: str = "", fatal: bool = False) -> None:
        """Told once, through the event (the terminal and the window show it); only logged at
        info level, or the terminal printed it twice."""
        log.info("%s %s", message, hint)
        self._emit(ev.ErrorOccurred(time.monotonic(), message, hint, fatal))

    def _speaker_lost(self) -> None:
        """The speaker stopped taking sound mid-line (unplugged): the turn hung in "client
        speaking" for good, and the trainee's next words counted as an interruption. Go on
        silently, the client's words still shown."""
        lost = self.speaker
        # Not paced: a silent line that "played" in real time made a trainee who could not
        # hear it interrupt it.
        self.speaker = NullSpeaker(pace=False)
        try:
            lost.close()
        except Exception:  # noqa: BLE001 - the device is already gone; closing is best effort
            log.debug("closing the lost speaker failed", exc_info=True)
        message = ("The speaker stopped playing (it may have been unplugged), so the client's words "
                   "are shown but no longer heard.")
        self._error(message, "Plug it back in and choose it for your next session.")

    def _clock(self) -> float:
        """Session time in seconds: audio-stream time when a microphone runs."""
        return self._detector.clock_s + self._clock_offset

    # ------------------------------------------------------------------ audio thread

    def _audio_loop(self) -> None:
        mic = self.microphone
        streams = getattr(mic, "streams_continuously", False)  # a device; not a scripted source
        try:
            last_block_at = time.monotonic()
            while not self._stop.is_set():
                try:
                    block = mic.blocks.get(timeout=0.1)
                except queue.Empty:
                    # A stream sends a block every 32 ms, silence included: none for seconds
                    # means the device is gone, and the session sat deaf with no message.
                    if streams and time.monotonic() - last_block_at > MICROPHONE_STALL_S:
                        raise AudioDeviceError(f"no sound has come from the microphone for "
                                               f"{MICROPHONE_STALL_S:.0f} seconds (it may have been unplugged)")
                    continue
                last_block_at = time.monotonic()
                self._on_block(block)
        except Exception as error:
            if not isinstance(error, AudioDeviceError):  # a device gone is no bug: no traceback
                log.exception("audio thread failed")
            self._error(f"{LISTENING_STOPPED}: {error}", "You can keep practising by typing your answers.", fatal=False)
            self._input_mode = "text"
        finally:
            try:
                mic.stop()
            except Exception:
                log.exception("closing the microphone failed")

    def _on_block(self, block: np.ndarray) -> None:
        probability = self.vad.probability(block)
        now = time.perf_counter()
        if now - self._last_level_at >= 0.1:
            self._last_level_at = now
            self._emit(ev.MicLevel(time.monotonic(), dbfs(block), probability >= 0.5))
        if not self._resumed.is_set() or self._input_mode == "text":
            self._detector.feed(block, 0.0)  # keep the clock running, hear nothing
            return
        result = None
        if self._input_mode == "push_to_talk":
            pressed, self._ptt_pressed = self._ptt_pressed, None
            if pressed is True and not self._detector.in_speech:
                result = self._detector.force_start()
                self._detector.feed(block, 1.0)
            elif pressed is False:
                self._detector.feed(block, 1.0)
                result = self._detector.force_end()
            elif self._detector.in_speech:
                self._detector.feed(block, 1.0)
            else:
                self._detector.feed(block, 0.0)
        else:
            result = self._detector.feed(block, probability, client_speaking=self._client_speaking.is_set())
        if isinstance(result, SpeechStart):
            self._tentative = None
            self._on_speech_start(result)
        elif isinstance(result, TentativeEnd):
            if self.recognizer is not None:
                self._tentative = self._asr_pool.submit(self.recognizer.transcribe, result.samples)
        elif isinstance(result, UtteranceEnd):
            self._on_utterance(result, time.perf_counter())
        self._check_held_silence()

    def _check_held_silence(self) -> None:
        wait_s = self.options.client_goes_on_after_s
        since = self._quiet_since
        if (not wait_s or since is None or self._client_waits or self.state != TurnState.LISTENING
                or self._client_busy.is_set() or not hasattr(self.client, "continue_after_silence")):
            return
        if self._clock() - since >= wait_s:
            self.hold_silence()

    def _on_speech_start(self, start: SpeechStart) -> None:
        self._quiet_since = None
        barging = self._client_busy.is_set()
        self._emit(ev.TraineeSpeechStarted(time.monotonic(), barging))
        if barging:
            began = time.perf_counter()
            self._cancel_reply.set()
            self.speaker.stop()
            stop_ms = (time.perf_counter() - began) * 1000
            self._emit(ev.BargeIn(time.monotonic(), stop_ms))
        elif self.state == TurnState.LISTENING:
            pass

    def _on_utterance(self, utterance: UtteranceEnd, endpoint_at: float) -> None:
        early = self._tentative if utterance.tentative_still_valid else None
        self._tentative = None
        self._jobs.put(_Utterance(
            start_s=utterance.start_s + self._clock_offset,
            end_s=utterance.end_s + self._clock_offset,
            endpoint_at=endpoint_at,
            samples=utterance.samples,
            early_transcript=early,
        ))

    # ------------------------------------------------------------------ turn worker

    def _worker_loop(self) -> None:
        try:
            if self._resume_from is not None:
                self._resume(self._resume_from)
            else:
                self._opening()
            self._set_state(TurnState.LISTENING)
            self._prefill()
            while True:
                job = self._jobs.get()
                if job is None or self._stop.is_set():
                    break
                self._resumed.wait()
                if self._stop.is_set():
                    break
                try:
                    if job.silence:
                        self._silence_turn(job)
                    else:
                        self._trainee_turn(job)
                except Exception as error:
                    log.exception("turn failed")
                    self._error(f"That turn could not be completed: {error}", "Try saying it again.")
                finally:
                    self.jobs_done += 1
                if not self._stop.is_set() and self._resumed.is_set() and self._jobs.empty():
                    self._set_state(TurnState.LISTENING)
                    self._prefill()
        except Exception as error:
            log.exception("session worker failed")
            self._error(f"The session stopped unexpectedly: {error}", "Your completed turns are saved.", fatal=True)
        finally:
            self._finish()

    def _prefill(self) -> None:
        """While the trainee talks, let the client process what the next prompt will
        start with, so only the trainee's new words remain at the end of the turn."""
        prefill = getattr(self.client, "prefill", None)
        if prefill is None or not self.options.prefill_client or self._stop.is_set():
            return
        try:
            prefill()
        except Exception:  # an optimisation only: never stop the session for it
            log.exception("prefilling the language model's cache failed")

    def _opening(self) -> None:
        opening = self._client_line(turn_index=0, trainee_text=None)
        self.opening_text = opening["text"]
        self._record({"index": 0, "trainee_text": "", "client_text": opening["text"],
                      "code": "", "confidence": 0.0, "feedback": {}, "timings": {},
                      "client_state": {}, "client_speech": [opening["start_s"], opening["end_s"]],
                      "trainee_audio": None, "client_audio": opening["audio"],
                      "sample_rates": {"client": opening["sample_rate"]}})
        self._announce(0, opening)
        self._take_snapshot(0, opening["text"])
        self._quiet_after(opening)

    def _quiet_after(self, reply: dict) -> None:
        """The client's line is over: the trainee's silence is counted from its end."""
        self._client_waits = False
        if not reply["interrupted"] and reply["text"]:
            self._quiet_since = reply["end_s"]

    def _unanswered_try(self) -> bool:
        return (self._resume_from is not None and self._next_turn == self._resume_from.next_turn
                and callable(getattr(self.recorder, "delete_session", None)))

    def _resume(self, snap: SessionSnapshot) -> None:
        """Continue from another session's snapshot: no opening line, a branch."""
        self.client.restore(snap.client)
        if self.feedback is not None and snap.feedback is not None:
            self.feedback.restore(snap.feedback)
        self._next_turn = snap.next_turn
        self._branch_of = snap.next_turn
        self.opening_text = snap.client_line
        self._snapshots[snap.next_turn - 1] = snap
        self._quiet_since, self._client_waits = self._clock(), True  # as after "try it again"
        self._emit(ev.ClientSaid(time.monotonic(), snap.next_turn - 1, snap.client_line, 0.0, 0.0, False))

    def _trainee_turn(self, job: _Utterance) -> None:
        turn_index = self._next_turn
        timings: dict[str, float] = {}
        text = job.text
        if text is None:
            self._set_state(TurnState.TRANSCRIBING)
            future = job.early_transcript or self._asr_pool.submit(self.recognizer.transcribe, job.samples)
            text = future.result()
        transcript_at = time.perf_counter()
        timings["endpoint_to_transcript"] = (transcript_at - job.endpoint_at) * 1000
        text = text.strip()
        if not text:
            self._error("I didn't catch that.", "Please say it again, a little closer to the microphone.")
            self._quiet_since = job.end_s  # a cough or a mumble: the silence starts again after it
            return
        self._next_turn += 1
        self._emit(ev.TraineeSaid(time.monotonic(), turn_index, text, job.start_s, job.end_s, job.reference))

        feedback: dict = {}
        code, confidence = "", 0.0
        if self.feedback is not None:
            feedback = self.feedback.trainee_turn(text, job.start_s, job.end_s)
            code, confidence = feedback.get("code", ""), float(feedback.get("confidence", 0.0))
            timings["feedback_after_transcript"] = (time.perf_counter() - transcript_at) * 1000
            self._emit(ev.FeedbackReady(time.monotonic(), turn_index, code, confidence, feedback))
        client_state = self.client.observe_trainee_turn(text, feedback)
        state_dict = client_state.to_dict() if hasattr(client_state, "to_dict") else dict(client_state or {})
        self._emit(ev.ClientStateChanged(time.monotonic(), turn_index, state_dict))

        reply = self._client_line(turn_index, text, transcript_at=transcript_at,
                                  endpoint_at=job.endpoint_at, timings=timings)
        self._take_snapshot(turn_index, reply["text"])
        record = {
            "index": turn_index,
            "trainee_text": text,
            "trainee_reference": job.reference,
            "client_text": reply["text"],
            "client_interrupted": reply["interrupted"],
            "code": code,
            "confidence": confidence,
            "feedback": feedback,
            "client_state": state_dict,
            "timings": {k: round(v, 1) for k, v in timings.items()},
            "trainee_speech": [job.start_s, job.end_s],
            "client_speech": [reply["start_s"], reply["end_s"]],
            "branch_of": self._branch_of,
            "trainee_audio": float_to_int16(job.samples) if job.samples is not None else None,
            "client_audio": reply["audio"],
            "sample_rates": {"trainee": 16000, "client": reply["sample_rate"]},
        }
        self._continuations_in_a_row = 0
        self._complete_turn(record, reply)

    def _complete_turn(self, record: dict, reply: dict) -> None:
        """Store the turn, then announce it: what a front end shows as said is never lost
        by a crash a moment later. The trainee's silence is counted from the reply's end."""
        self._branch_of = None
        self.turns.append(record)
        self._record(record)
        self._announce(record["index"], reply)
        public = {k: v for k, v in record.items() if not k.endswith("_audio")}
        self._emit(ev.TurnCompleted(time.monotonic(), record["index"], public))
        self._quiet_after(reply)

    def _silence_turn(self, job: _Utterance) -> None:
        """The trainee let a silence sit: the client goes on by themselves.

        Recorded as a turn with no trainee words, ``silence_held`` and ``silence_s`` (None
        when typed: no clock ran, so its length is unknown); nothing is coded or
        scored (the feedback engine only counts it), and the client's state is unchanged.
        """
        turn_index = self._next_turn
        self._next_turn += 1
        self._continuations_in_a_row += 1
        self._emit(ev.SilenceHeld(time.monotonic(), turn_index, job.start_s, job.end_s))
        feedback: dict = {}
        timed = self._input_mode != "text"
        if self.feedback is not None:
            feedback = self.feedback.silence_held(job.start_s, job.end_s if timed else None)
        state = getattr(self.client, "state", None)
        state_dict = state.to_dict() if hasattr(state, "to_dict") else {}
        reply = self._client_line(turn_index, None, silence=True)
        self._take_snapshot(turn_index, reply["text"])
        record = {
            "index": turn_index,
            "trainee_text": "",
            "silence_held": True,
            "silence_s": round(job.end_s - job.start_s, 1) if timed else None,
            "client_text": reply["text"],
            "client_interrupted": reply["interrupted"],
            "code": "",
            "confidence": 0.0,
            "feedback": feedback,
            "client_state": state_dict,
            "timings": {},
            "client_speech": [reply["start_s"], reply["end_s"]],
            "branch_of": self._branch_of,
            "client_audio": reply["audio"],
            "sample_rates": {"client": reply["sample_rate"]},
        }
        self._complete_turn(record, reply)

    def _announce(self, turn_index: int, reply: dict) -> None:
        """The whole client line, sent only once its turn is stored: whatever a front
        end shows as said is never lost by a crash a moment later."""
        self._emit(ev.ClientSaid(time.monotonic(), turn_index, reply["text"], reply["start_s"],
                                 reply["end_s"], reply["interrupted"]))

    def _client_line(self, turn_index: int, trainee_text: str | None, *, transcript_at: float | None = None,
                     endpoint_at: float | None = None, timings: dict | None = None,
                     silence: bool = False) -> dict:
        """Generate, synthesize and play the client's line; returns what was said.

        ``trainee_text`` None: the opening line, or (``silence``) the client going on
        after a held silence."""
        self._cancel_reply.clear()
        self._client_busy.set()
        self._set_state(TurnState.CLIENT_THINKING)
        self._emit(ev.ClientReplyStarted(time.monotonic(), turn_index))
        if self._backend_clock is not None:
            self._backend_clock.first_token_at = None
        sentences: "queue.Queue[str | None]" = queue.Queue()
        voice = _VoiceThread(self, sentences, turn_index)
        voice.start()
        parts: list[str] = []
        try:
            if silence:
                source: Iterator[str] = self.client.continue_after_silence(cancel=self._cancel_reply)
            elif trainee_text is None:
                # in speakable pieces like any reply, so that a barge-in keeps only what was
                # heard (as one piece it was stored whole, however early it was cut)
                source = split_sentences([self.client.opening_line()])
            else:
                source = self.client.respond(trainee_text, cancel=self._cancel_reply)
            for sentence in source:
                if self._cancel_reply.is_set():
                    break
                sentence = sentence.strip()
                if not sentence:
                    continue
                if not parts and transcript_at is not None and timings is not None:
                    first_token = (self._backend_clock.first_token_at if self._backend_clock else None)
                    timings["transcript_to_first_token"] = ((first_token or time.perf_counter()) - transcript_at) * 1000
                parts.append(sentence)
                sentences.put(sentence)
        finally:
            close = getattr(source, "close", None)
            if close is not None:
                close()  # the client records its reply now, before it may be trimmed below
            sentences.put(None)
            voice.join()
        self._client_busy.clear()
        text = " ".join(parts)
        if endpoint_at is not None and timings is not None and voice.first_audio_at is not None:
            timings["endpoint_to_first_audio"] = (voice.first_audio_at - endpoint_at) * 1000
        interrupted = self._cancel_reply.is_set() and not self._stop.is_set()
        if interrupted and self.synthesizer is not None:
            heard = voice.heard_text()
            if heard != text:
                # Sentences generated but never played were not said: the transcript, the
                # feedback (was the client's feeling reflected?) and the client's memory
                # keep only what the trainee heard.
                trim = getattr(self.client, "trim_last_reply", None)
                if trim is not None:
                    trim(heard)
                text = heard
        end_s = voice.start_s + voice.seconds_played() if voice.start_s is not None else self._clock()
        start_s = voice.start_s if voice.start_s is not None else end_s
        if self._clock() < end_s:
            # No microphone clock ran while the client spoke (text mode, fast demos):
            # move session time past the client's line so timings stay ordered.
            self._clock_offset += end_s - self._clock()
        if self.feedback is not None and text:
            self.feedback.client_turn(text, start_s, end_s)
        audio = np.concatenate(voice.audio) if voice.audio else None
        sample_rate = self.synthesizer.sample_rate if self.synthesizer is not None else 0
        return {"text": text, "interrupted": interrupted, "start_s": start_s, "end_s": end_s,
                "audio": audio, "sample_rate": sample_rate}

    def _take_snapshot(self, client_turn_index: int, client_line: str) -> None:
        self._snapshots[client_turn_index] = SessionSnapshot(
            client=self.client.snapshot(),
            feedback=self.feedback.snapshot() if self.feedback is not None else None,
            next_turn=self._next_turn,
            client_line=client_line,
            session_id=self.session_id,
        )

    def _record(self, record: dict) -> None:
        if self.recorder is None or self.session_id is None:
            return
        try:
            self.recorder.add_turn(self.session_id, record)
        except Exception as error:
            self._unsaved_turns.append(record["index"])
            self._error(f"Turn {record['index']} could not be saved: {_sentence(error)}", "Practice continues.")

    def _finish(self) -> None:
        self._client_busy.clear()
        try:
            self.summary = self.feedback.summary() if self.feedback is not None else {}
        except Exception as error:
            log.exception("summary failed")
            self.summary = {}
            self._error(f"The session summary could not be computed: {error}")
        if self.recorder is not None and self.session_id is not None:
            try:
                if self._unanswered_try():
                    # A "try it again" closed without a new answer holds nothing of its
                    # own; kept, it showed in History with the figures of the session it
                    # branched from.
                    self.recorder.delete_session(self.session_id)
                else:
                    self.recorder.finish_session(self.session_id, self.summary)
            except Exception as error:
                self.storage_problem = self._unsaved_text(lost_all=getattr(error, "session_lost", False))
                self._error(f"The session could not be stored: {_sentence(error)}", self.storage_problem)
            else:
                if self._unsaved_turns:
                    self.storage_problem = f"Not saved: {_turns_text(self._unsaved_turns)}."
                    self._error(self.storage_problem, "The rest of the session and its summary are stored.")
        self._asr_pool.shutdown(wait=False, cancel_futures=True)
        self._set_state(TurnState.ENDED)
        self._emit(ev.SessionEnded(time.monotonic(), self.summary))
        self._idle_after_turn.set()
        self._ended.set()

    def _unsaved_text(self, lost_all: bool) -> str:
        """What is missing from the store after the summary failed to save."""
        if lost_all:
            return "Nothing of this session is stored: what is on screen is the only copy."
        turns = f"{_turns_text(self._unsaved_turns)} and " if self._unsaved_turns else ""
        return f"Not saved: {turns}the summary; they are in memory only and are lost when you close it."


def _sentence(error: BaseException) -> str:
    """An error's message as a sentence, so a hint can follow it."""
    text = str(error).strip() or type(error).__name__
    return text if text.endswith((".", "!", "?")) else text + "."


def _turns_text(indices: list[int]) -> str:
    """'turn 2', '3 turns (2, 3 and 5)', "the client's opening line, turn 1"."""
    opening = ["the client's opening line"] if 0 in indices else []
    turns = [i for i in indices if i != 0]
    if len(turns) == 1:
        opening.append(f"turn {turns[0]}")
    elif turns:
        numbers = ", ".join(str(i) for i in turns[:-1]) + f" and {turns[-1]}"
        opening.append(f"{len(turns)} turns ({numbers})")
    return ", ".join(opening)


class _VoiceThread(threading.Thread):
    """Synthesizes queued sentences and plays them while the model keeps writing."""

    def __init__(self, session: Session, sentences: "queue.Queue[str | None]", turn_index: int):
        super().__init__(name="voice", daemon=True)
        self.session = session
        self.sentences = sentences
        self.turn_index = turn_index
        self.first_audio_at: float | None = None
        self.start_s: float | None = None
        self.audio: list[np.ndarray] = []
        self.queued: list[tuple[str, float]] = []  # (sentence, seconds of sound) on the speaker
        self._seconds_queued = 0.0
        self._stopped_at: float | None = None
        self._play_started_wall: float | None = None

    def run(self) -> None:
        session = self.session
        synthesizer = session.synthesizer
        while True:
            sentence = self.sentences.get()
            if sentence is None:
                break
            if session._cancel_reply.is_set():
                continue
            session._emit(ev.ClientSaidPart(time.monotonic(), self.turn_index, sentence))
            if synthesizer is None:
                continue
            params = VoiceParams.from_dict(session.client.voice_params())
            if session.options.speaking_rate and session.options.speaking_rate != 1.0:
                params = VoiceParams(**{**params.__dict__,
                                        "length_scale": params.length_scale / session.options.speaking_rate})
            samples = synthesizer.synthesize(sentence, params)
            if session._cancel_reply.is_set() or samples.size == 0:
                continue
            if self.first_audio_at is None:
                self.first_audio_at = time.perf_counter()
                self.start_s = session._clock()
                self._play_started_wall = time.monotonic()
                session._client_speaking.set()
                session._set_state(TurnState.CLIENT_SPEAKING)
            session.speaker.play(samples, synthesizer.sample_rate)
            self.audio.append(samples)
            self.queued.append((sentence, samples.size / synthesizer.sample_rate))
            self._seconds_queued += samples.size / synthesizer.sample_rate
        # Wait for playback to finish, unless the trainee barges in (speaker.stop()).
        while session.speaker.playing and not session._cancel_reply.is_set():
            session.speaker.wait_idle(0.05)
            if getattr(session.speaker, "stalled", lambda: False)():
                session._speaker_lost()
                break
        if session._cancel_reply.is_set() and self._play_started_wall is not None:
            self._stopped_at = time.monotonic()
        session._client_speaking.clear()

    def heard_text(self) -> str:
        """The sentences whose sound had begun when playback stopped (all that were
        played if it was not stopped); a sentence never synthesized was never heard."""
        played, begins, heard = self.seconds_played(), 0.0, []
        for sentence, seconds in self.queued:
            if begins >= played:
                break
            heard.append(sentence)
            begins += seconds
        return " ".join(heard)

    def seconds_played(self) -> float:
        if self._stopped_at is not None and self._play_started_wall is not None:
            return min(self._seconds_queued, self._stopped_at - self._play_started_wall)
        return self._seconds_queued
