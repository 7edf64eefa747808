"""Typed settings, persisted through the session store's get_setting/set_setting."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any


class SettingKey(str, enum.Enum):
    INPUT_DEVICE = "ui.input_device"
    OUTPUT_DEVICE = "ui.output_device"
    INPUT_DEVICE_NAME = "ui.input_device_name"  # with the index: devices are renumbered on a replug
    OUTPUT_DEVICE_NAME = "ui.output_device_name"
    INPUT_MODE = "ui.input_mode"
    SHOW_FEEDBACK = "ui.show_feedback"
    LLM_MODEL = "models.llm"
    ASR_MODEL = "models.asr"
    VOICE = "models.voice"
    SPEAKING_RATE = "voice.speaking_rate"
    END_SILENCE_MS = "turn.end_silence_ms"
    CLIENT_GOES_ON_AFTER_S = "turn.client_goes_on_after_s"  # 0 = the client waits for ever
    # These two are the session store's own keys: it applies them (trainer/storage).
    AUDIO_RETENTION = "audio_retention"
    RETENTION_DAYS = "retention_days"  # None = keep sessions until deleted


@dataclass(frozen=True)
class _Spec:
    type: type
    default: Any
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] | None = None


INPUT_MODES = ("voice", "push_to_talk", "text")

SPECS: dict[SettingKey, _Spec] = {
    SettingKey.INPUT_DEVICE: _Spec(int, None),
    SettingKey.OUTPUT_DEVICE: _Spec(int, None),
    SettingKey.INPUT_DEVICE_NAME: _Spec(str, None),
    SettingKey.OUTPUT_DEVICE_NAME: _Spec(str, None),
    SettingKey.INPUT_MODE: _Spec(str, "voice", choices=INPUT_MODES),
    SettingKey.SHOW_FEEDBACK: _Spec(bool, True),
    SettingKey.LLM_MODEL: _Spec(str, None),
    SettingKey.ASR_MODEL: _Spec(str, None),
    SettingKey.VOICE: _Spec(str, None),
    SettingKey.SPEAKING_RATE: _Spec(float, 1.0, 0.5, 2.0),
    SettingKey.END_SILENCE_MS: _Spec(int, 700, 200, 3000),
    SettingKey.CLIENT_GOES_ON_AFTER_S: _Spec(int, 10, 0, 120),
    SettingKey.AUDIO_RETENTION: _Spec(bool, False),
    SettingKey.RETENTION_DAYS: _Spec(int, None, 1, 3650),
}


def _coerce(spec: _Spec, value: Any) -> Any:
    if value is None or value == "":
        return spec.default
    try:
        if spec.type is bool:
            if isinstance(value, str):
                return value.strip().lower() in ("1", "true", "yes", "on")
            return bool(value)
        converted = spec.type(value)
    except (TypeError, ValueError):
        return spec.default
    if spec.choices is not None and converted not in spec.choices:
        return spec.default
    if spec.minimum is not None and converted < spec.minimum:
        converted = spec.type(spec.minimum)
    if spec.maximum is not None and converted > spec.maximum:
        converted = spec.type(spec.maximum)
    return converted


class AppSettings:
    """``settings.get(SettingKey.END_SILENCE_MS) -> int``; unknown or bad values fall back."""

    def __init__(self, store: Any) -> None:
        self._store = store

    def get(self, key: SettingKey) -> Any:
        spec = SPECS[key]
        try:
            raw = self._store.get_setting(key.value, spec.default)
        except Exception:  # noqa: BLE001 - a broken store must not stop the window
            return spec.default
        return _coerce(spec, raw)

    def set(self, key: SettingKey, value: Any) -> None:
        spec = SPECS[key]
        self._store.set_setting(key.value, None if value is None else _coerce(spec, value))

    def client_goes_on_after_s(self) -> int:
        """0 (never) or 3-120 s; 1-2 s shows as "never" in Settings, so it means never."""
        seconds = self.get(SettingKey.CLIENT_GOES_ON_AFTER_S)
        return seconds if seconds >= 3 else 0

    def session_options(self) -> dict[str, Any]:
        """Options for ``services.create_session``."""
        return {
            "input_mode": self.get(SettingKey.INPUT_MODE),
            "input_device": self.get(SettingKey.INPUT_DEVICE),
            "output_device": self.get(SettingKey.OUTPUT_DEVICE),
            "input_device_name": self.get(SettingKey.INPUT_DEVICE_NAME),
            "output_device_name": self.get(SettingKey.OUTPUT_DEVICE_NAME),
            "show_feedback": self.get(SettingKey.SHOW_FEEDBACK),
            "speaking_rate": self.get(SettingKey.SPEAKING_RATE),
            "end_silence_ms": self.get(SettingKey.END_SILENCE_MS),
            "client_goes_on_after_s": self.client_goes_on_after_s(),
            "keep_audio": self.get(SettingKey.AUDIO_RETENTION),
            "retention_days": self.get(SettingKey.RETENTION_DAYS),
            "llm_model": self.get(SettingKey.LLM_MODEL),
            "asr_model": self.get(SettingKey.ASR_MODEL),
            "voice": self.get(SettingKey.VOICE),
        }
