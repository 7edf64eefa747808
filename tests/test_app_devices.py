"""The devices chosen in the window's Settings reach PortAudio as chosen."""

from __future__ import annotations

import pytest

import trainer.app
from trainer.app import Services, parse_device
from trainer.ui.app_settings import AppSettings, SettingKey


class _SettingsStore:
    def __init__(self) -> None:
        self.settings: dict = {}

    def get_setting(self, key, default=None):
        return self.settings.get(key, default)

    def set_setting(self, key, value) -> None:
        self.settings[key] = value


def test_parse_device_takes_an_index_as_text_or_number_and_a_name():
    assert parse_device(None) is None and parse_device("") is None
    assert parse_device("3") == 3 and parse_device(3) == 3 and parse_device(0) == 0
    assert parse_device("USB headset") == "USB headset"


def test_a_session_opens_the_microphone_and_speaker_chosen_in_settings(monkeypatch):
    # Settings store the device index as a number; create_session called "3".isdigit() on
    # it, so no voice session started once a device had been chosen.
    settings = AppSettings(_SettingsStore())
    settings.set(SettingKey.INPUT_DEVICE, 3)
    settings.set(SettingKey.OUTPUT_DEVICE, 1)
    opened = {}

    class Opened(Exception):
        pass

    def fake_microphone(device):
        opened["microphone"] = device
        return object()

    def fake_speaker(device):
        opened["speaker"] = device
        raise Opened  # far enough: both devices were asked for

    monkeypatch.setattr(trainer.app, "make_microphone", fake_microphone)
    monkeypatch.setattr(trainer.app, "make_speaker", fake_speaker)
    services = Services()
    services.models = object()
    with pytest.raises(Opened):
        services.create_session(object(), dict(settings.session_options(), input_mode="voice"))
    assert opened == {"microphone": 3, "speaker": 1}

    # chosen by name too: after a replug renumbered the devices, the same headset opens
    import trainer.audio.devices as devices

    settings.set(SettingKey.INPUT_DEVICE_NAME, "USB headset")
    monkeypatch.setattr(devices, "list_devices", lambda: {"input": [(0, "Built-in"), (5, "USB headset")],
                                                          "output": [(1, "Speakers")]})
    with pytest.raises(Opened):
        services.create_session(object(), dict(settings.session_options(), input_mode="voice"))
    assert opened == {"microphone": 5, "speaker": 1}


def test_a_device_chosen_in_settings_is_found_by_name_after_the_devices_are_renumbered(monkeypatch):
    import trainer.audio.devices as devices
    from trainer.audio.devices import AudioDeviceError, chosen_device

    monkeypatch.setattr(devices, "list_devices", lambda: {
        "input": [(0, "Built-in microphone"), (4, "USB headset")], "output": [(1, "Built-in speakers")]})
    assert chosen_device(4, "USB headset", "input") == 4
    assert chosen_device(3, "USB headset", "input") == 4  # plugged in again: renumbered
    assert chosen_device(3, None, "input") == 3 and chosen_device(None, "USB headset", "input") is None
    with pytest.raises(AudioDeviceError, match=r"The microphone chosen in Settings \(Desk mic\) is not connected"):
        chosen_device(3, "Desk mic", "input")  # index 3 is no longer it, and nothing has its name
