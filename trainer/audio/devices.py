"""Sound devices through sounddevice (PortAudio), with errors in plain words."""

from __future__ import annotations


class AudioDeviceError(Exception):
    """No usable sound device; the message suggests the way out (e.g. ``--text``)."""


def load_sounddevice():
    """Import sounddevice lazily: it needs the PortAudio system library."""
    try:
        import sounddevice
    except OSError as error:  # "PortAudio library not found"
        raise AudioDeviceError(
            "Sound is unavailable: the PortAudio library is not installed "
            f"({error}). Install it with 'sudo apt-get install libportaudio2', "
            "or practise by typing with --text."
        ) from None
    return sounddevice


def list_devices() -> dict[str, list[tuple[int, str]]]:
    sd = load_sounddevice()
    try:
        devices = sd.query_devices()
    except Exception as error:  # PortAudio errors are plain Exceptions
        raise AudioDeviceError(f"Could not list sound devices: {error}") from None
    inputs = [(i, d["name"]) for i, d in enumerate(devices) if d["max_input_channels"] > 0]
    outputs = [(i, d["name"]) for i, d in enumerate(devices) if d["max_output_channels"] > 0]
    return {"input": inputs, "output": outputs}


def resolve_device(device: int | str | None, kind: str) -> int | str | None:
    """Check a device exists (None means the system default) before a stream opens."""
    sd = load_sounddevice()
    try:
        info = sd.query_devices(device, kind=kind)
    except Exception as error:
        what = "microphone" if kind == "input" else "speaker or headphones"
        hint = "practise by typing with --text" if kind == "input" else "use --output-device null to run silently"
        label = "the default device" if device is None else f"device {device!r}"
        detail = "none is connected" if "querying device -1" in str(error) else str(error)  # PortAudio's words
        raise AudioDeviceError(f"No {what} found ({label}: {detail}). Connect one, or {hint}.") from None
    return device if device is not None else info.get("index", None)


def chosen_device(index: int | None, name: str | None, kind: str) -> int | None:
    """The device chosen in Settings, stored by index and name: the index while that device
    still has the name, else the one device with that name. PortAudio renumbers devices
    when one is plugged in or out, so the index alone could silently open another one."""
    if index is None or name is None:
        return index
    devices = list_devices()[kind]
    if (index, name) in devices:
        return index
    same_name = [i for i, n in devices if n == name]
    if len(same_name) == 1:
        return same_name[0]
    what = "microphone" if kind == "input" else "speaker or headphones"
    raise AudioDeviceError(f"The {what} chosen in Settings ({name}) is not connected. "
                           "Connect it, or choose another in Settings.")
