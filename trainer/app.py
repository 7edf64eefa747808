"""Composition root: builds the real components and hands them to the engine.

Nothing else constructs models or devices, so the terminal, the window, the demo, the
benchmarks and the tests differ only in what they pass in here.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from trainer import models as model_files
from trainer.audio.capture import MicrophoneSource, SoundDeviceMicrophone
from trainer.audio.devices import AudioDeviceError, chosen_device, list_devices
from trainer.audio.playback import NullSpeaker, SoundDeviceSpeaker, SpeakerSink
from trainer.models import ModelError
from trainer.session import Session, SessionOptions

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class ModelChoice:
    """Which models to use: names or paths ('default' for the shipped ones)."""

    llm: str | None = None
    asr: str | None = None
    voice: str | None = None
    scripted_client: bool = False  # answer from scenario lines, no language model
    llm_threads: int | None = None


@dataclass
class LoadedModels:
    recognizer: object | None = None
    synthesizer: object | None = None
    vad_path: Path | None = None
    llm_backend: object | None = None
    coder: object | None = None
    names: dict = field(default_factory=dict)
    scenario_voices: dict = field(default_factory=dict)  # voice id -> synthesizer, loaded on first use


def load_models(choice: ModelChoice = ModelChoice(), progress: Progress | None = None,
                need_speech_input: bool = True) -> LoadedModels:
    """Verify and load every model; raises ModelError with plain-words messages."""
    from trainer.client.llama_backend import LlamaBackend
    from trainer.feedback.blended_coder import BlendedCoder
    from trainer.speech.asr import WhisperRecognizer
    from trainer.speech.tts import PiperSynthesizer

    steps = ["voice", "feedback coder"]
    if need_speech_input:
        steps[:0] = ["speech recognition", "voice activity"]
    if not choice.scripted_client:
        steps.append("language model")
    loaded = LoadedModels()
    done = 0

    def step(what: str) -> None:
        if progress is not None:
            progress(what, done, len(steps))

    try:
        # Models named by the user are looked up before anything loads: a mistyped --llm was
        # reported only after the other models had taken their time.
        chosen_llm = model_files.resolve_llm(choice.llm) if choice.llm and not choice.scripted_client else None
        chosen_voice = model_files.resolve_voice(choice.voice) if choice.voice else None
        chosen_asr = model_files.resolve_asr(choice.asr) if choice.asr and need_speech_input else None
        if need_speech_input:
            step("speech recognition")
            asr_dir = chosen_asr or model_files.resolve_asr(choice.asr)
            loaded.recognizer = WhisperRecognizer(asr_dir)
            loaded.names["asr"] = asr_dir.name if asr_dir.name != "model" else model_files.DEFAULT_ASR_NAME
            done += 1
            step("voice activity")
            loaded.vad_path = model_files.vad_model_path()
            done += 1
        step("voice")
        voice_path = chosen_voice or model_files.resolve_voice(choice.voice)
        loaded.synthesizer = PiperSynthesizer(voice_path)
        loaded.names["voice"] = voice_path.stem
        done += 1
        step("feedback coder")
        loaded.coder = BlendedCoder.load()
        done += 1
        if not choice.scripted_client:
            step("language model")
            llm_path = chosen_llm or model_files.resolve_llm(choice.llm)
            loaded.llm_backend = LlamaBackend(llm_path, n_threads=choice.llm_threads)
            loaded.llm_backend.count_tokens("load")  # load now, so a bad file fails here
            loaded.names["llm"] = llm_path.stem
            done += 1
        else:
            loaded.names["llm"] = "scripted"
    except ModelError:
        raise
    except Exception as error:  # a damaged model file that passed no hash (user models)
        raise ModelError(f"A model could not be loaded: {error}") from error
    if progress is not None:
        progress("ready", len(steps), len(steps))
    log.info("models: %s", ", ".join(f"{kind} {name}" for kind, name in sorted(loaded.names.items())))  # with -v
    return loaded


def warm_up(models: LoadedModels, system_prompt: str | None = None) -> None:
    """Pay one-time start-up costs before the first turn (see docs/performance.md)."""
    for part in (models.recognizer, models.synthesizer):
        if part is not None and hasattr(part, "warm_up"):
            part.warm_up()
    if models.llm_backend is not None and hasattr(models.llm_backend, "warm_up"):
        models.llm_backend.warm_up(system_prompt)


def build_client(scenario, models: LoadedModels, seed: int = 0):
    from trainer.client.simulated import SimulatedClient

    return SimulatedClient(scenario, models.llm_backend, seed=seed)


def build_feedback(models: LoadedModels):
    from trainer.feedback.engine import FeedbackEngine

    return FeedbackEngine(models.coder)


def make_speaker(device: str | int | None, pace_null: bool = False) -> SpeakerSink:
    """``'null'`` plays nothing; otherwise a PortAudio device (None = default)."""
    if device == "null":
        return NullSpeaker(pace=pace_null)
    return SoundDeviceSpeaker(device=device)


def make_microphone(device: str | int | None) -> MicrophoneSource:
    return SoundDeviceMicrophone(device=device)


def parse_device(value: str | int | None) -> str | int | None:
    """A device as PortAudio takes it: an index or a name (part of one); None for the default.

    The command line gives text ("3", "USB"); the window's settings store the index as a
    number, which this once refused, so no session started with a device chosen in Settings.
    """
    if value is None or value == "":
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = str(value).strip()
    return int(text) if text.isdigit() else text


def open_store(save: bool = True):
    """The session store, or None when saving is off. Raises the store's own errors."""
    if not save:
        return None
    from trainer.storage.store import SessionStore

    return SessionStore.open()


def scenario_voice(scenario, models: LoadedModels) -> tuple[object | None, str | None]:
    """The synthesizer for ``scenario`` and its voice's name.

    A scenario that names a voice of its own (``voice.id``, not the default) gets it when
    it is installed, so a teenager need not sound like the nurse; the default voice in a
    scenario means "the app's voice", which Settings may have changed. A voice that is not
    installed falls back to the app's voice, with a warning in the log.
    """
    wanted = getattr(getattr(scenario, "voice", None), "id", None)
    if not wanted or wanted in (model_files.DEFAULT_VOICE_NAME, models.names.get("voice")):
        return models.synthesizer, models.names.get("voice")
    synthesizer = models.scenario_voices.get(wanted)
    if synthesizer is None:
        try:
            from trainer.speech.tts import PiperSynthesizer

            synthesizer = PiperSynthesizer(model_files.resolve_voice(wanted))
        except Exception as error:  # noqa: BLE001 - missing or damaged: the app's voice still works
            log.warning("scenario %s asks for voice %r, which cannot be used (%s); using %s",
                        getattr(scenario, "id", "?"), wanted, error, models.names.get("voice"))
            return models.synthesizer, models.names.get("voice")
        models.scenario_voices[wanted] = synthesizer
    return synthesizer, wanted


def build_session(scenario, models: LoadedModels, *, speaker: SpeakerSink,
                  microphone: MicrophoneSource | None, recorder=None,
                  options: SessionOptions = SessionOptions(), seed: int = 0,
                  resume_from=None) -> Session:
    """``resume_from``: a ``SessionSnapshot`` to continue from (a “try it again” branch)."""
    from trainer.audio.vad import SileroVad

    vad = SileroVad(models.vad_path) if (microphone is not None and models.vad_path) else None
    synthesizer, voice_name = scenario_voice(scenario, models)
    names = {**models.names, **({"voice": voice_name} if voice_name else {})}
    return Session(
        scenario,
        client=build_client(scenario, models, seed=seed),
        speaker=speaker,
        synthesizer=synthesizer,
        microphone=microphone,
        recognizer=models.recognizer if microphone is not None else None,
        vad=vad,
        feedback=build_feedback(models),
        recorder=recorder,
        options=SessionOptions(**{**options.__dict__, "models": names}),
        resume_from=resume_from,
    )


class Services:
    """Everything the desktop window needs, injected (see trainer/ui)."""

    def __init__(self, choice: ModelChoice | None = None):
        self.choice = choice or ModelChoice()
        self.models: LoadedModels | None = None
        self._store = None
        self.scenario_problems: list = []  # ScenarioErrors of the files left out of scenarios()

    @property
    def store(self):
        """The session store; ``PassphraseRequiredError`` when it is encrypted and not yet
        unlocked (the window asks, then calls ``unlock``)."""
        if self._store is None:
            self._store = self._cleaned(open_store(True))
        return self._store

    def unlock(self, passphrase: str) -> None:
        """Open the encrypted store; ``WrongPassphraseError`` leaves it locked."""
        from trainer.storage.store import SessionStore

        self._store = self._cleaned(SessionStore.open(passphrase=passphrase))

    @staticmethod
    def _cleaned(store):
        try:
            store.apply_retention()
        except Exception:
            log.exception("retention clean-up failed")
        return store

    def load_models(self, progress: Progress) -> None:
        self.models = load_models(self.chosen_models(), progress)
        progress("warming up", 0, 1)
        warm_up(self.models)
        progress("ready", 1, 1)

    def chosen_models(self) -> ModelChoice:
        """Models picked in Settings (keys ``models.*``) unless given explicitly."""
        if self.choice != ModelChoice():
            return self.choice
        try:
            get = self.store.get_setting
            return ModelChoice(llm=get("models.llm", None), asr=get("models.asr", None),
                               voice=get("models.voice", None))
        except Exception:  # no readable store (e.g. locked): the defaults still work
            log.warning("model settings unavailable; using the default models", exc_info=True)
            return self.choice

    def scenarios(self):
        """The scenarios that load; the errors of the files that do not are kept in
        ``scenario_problems`` for the window to show."""
        from trainer.scenarios import load_valid_scenarios

        scenarios, self.scenario_problems = load_valid_scenarios()
        return scenarios

    def create_session(self, scenario, options: dict) -> Session:
        """Build (not start) a session. ``options["resume_from"]``: a ``SessionSnapshot`` from
        an earlier session's ``snapshot_at(i)``; the new session starts at that client line."""
        if self.models is None:
            raise ModelError("The models are still loading; wait for them to finish.")
        mode = options.get("input_mode", "voice")
        microphone = None
        if mode != "text":
            microphone = make_microphone(chosen_device(parse_device(options.get("input_device")),
                                                       options.get("input_device_name"), "input"))
        output = options.get("output_device")
        try:
            speaker = make_speaker("null" if output == "null" else chosen_device(
                parse_device(output), options.get("output_device_name"), "output"))
        except AudioDeviceError:
            speaker = NullSpeaker(pace=True)
            log.warning("no output device; the client's voice is silent")
        recorder = self.store if options.get("save", True) else None
        session = build_session(
            scenario, self.models, speaker=speaker, microphone=microphone, recorder=recorder,
            options=SessionOptions(input_mode=mode,
                                   end_silence_ms=int(options.get("end_silence_ms", 700)),
                                   client_goes_on_after_s=float(options.get("client_goes_on_after_s", 10)),
                                   speaking_rate=float(options.get("speaking_rate", 1.0))),
            resume_from=options.get("resume_from"),
        )

        def release_speaker(event) -> None:
            # SessionEnded is the engine's last event (its threads are done with the
            # speaker): close the output stream, or every session would leave one open.
            from trainer.events import SessionEnded

            if isinstance(event, SessionEnded):
                try:
                    speaker.close()
                except Exception:
                    log.warning("closing the speaker failed", exc_info=True)

        session.add_listener(release_speaker)
        return session

    def models_table(self) -> list[dict]:
        return [entry.as_row() for entry in model_files.list_models()]

    def audio_devices(self) -> dict:
        return list_devices()

    def test_input_device(self, index, seconds: float = 2.0):
        from trainer.audio.devices import load_sounddevice

        sd = load_sounddevice()
        try:
            recording = sd.rec(int(seconds * 16000), samplerate=16000, channels=1, dtype="int16", device=index)
            sd.wait()
        except Exception as error:
            raise AudioDeviceError(f"Could not record from the microphone: {error}") from None
        return recording[:, 0]

    def play(self, samples, sample_rate: int, device=None) -> None:
        from trainer.audio.devices import load_sounddevice

        sd = load_sounddevice()
        try:
            sd.play(samples, samplerate=sample_rate, device=device)
            sd.wait()
        except Exception as error:
            raise AudioDeviceError(f"Could not play sound: {error}") from None


def env_flag(name: str) -> bool:
    return os.environ.get(name, "").lower() in ("1", "true", "yes")
