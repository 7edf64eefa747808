"""Every command fails clearly, with a non-zero exit, on bad input (no tracebacks)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.virtual_alsa import NO_PULSE
from trainer.__main__ import main


def run_cli(args, env_extra=None, timeout=300):
    env = {**os.environ, **(env_extra or {})}
    return subprocess.run([sys.executable, "-m", "trainer", *args], capture_output=True, text=True,
                          env=env, timeout=timeout)


def test_unknown_scenario_lists_the_available_ones(capsys):
    assert main(["demo", "--scenario", "no-such-client", "--no-save"]) == 2
    err = capsys.readouterr().err
    assert "No scenario called 'no-such-client'" in err and "burnout-nurse" in err


def test_malformed_scenario_names_file_field_and_line(tmp_path, capsys, monkeypatch):
    bad = tmp_path / "broken.yaml"
    source = Path("scenarios/burnout-nurse.yaml").read_text().replace("id: burnout-nurse", "id: broken")
    lines = source.splitlines()
    age_line = next(i for i, l in enumerate(lines) if l.strip().startswith("age:"))
    lines[age_line] = lines[age_line].split("age:")[0] + "age: forty"
    bad.write_text("\n".join(lines) + "\n")
    monkeypatch.setenv("TRAINER_SCENARIOS_DIR", str(tmp_path))
    assert main(["practice", "broken", "--text", "--no-save"]) == 2
    err = capsys.readouterr().err
    assert f"broken.yaml:{age_line + 1}: persona.age" in err


def test_missing_language_model_is_named(tmp_path, capsys):
    assert main(["demo", "--scenario", "burnout-nurse", "--no-save", "--llm", str(tmp_path / "gone.gguf")]) == 2
    err = capsys.readouterr().err
    assert "gone.gguf" in err
    assert "loading speech recognition" not in err  # said before the other models take their time


@pytest.mark.integration
def test_corrupt_language_model_is_refused_without_a_traceback(tmp_path, capsys):
    fake = tmp_path / "broken.gguf"
    fake.write_bytes(b"GGUF" + os.urandom(4096))
    assert main(["demo", "--scenario", "burnout-nurse", "--no-save", "--llm", str(fake)]) == 2
    err = capsys.readouterr().err
    assert "could not be loaded" in err and "Traceback" not in err


def test_no_audio_device_suggests_text_mode(tmp_path):
    config = tmp_path / "asoundrc"
    config.write_text('pcm.!default { type hw card 7 }\nctl.!default { type hw card 7 }\n')
    result = run_cli(["practice", "burnout-nurse", "--no-save"],
                     {"ALSA_CONFIG_PATH": f"/usr/share/alsa/alsa.conf:{config}", **NO_PULSE})
    assert result.returncode == 2, result.stderr
    assert "No microphone found" in result.stderr and "--text" in result.stderr
    assert "Traceback" not in result.stderr


def test_typed_practice_without_a_speaker_goes_on_silently(tmp_path):
    config = tmp_path / "asoundrc"
    config.write_text('pcm.!default { type hw card 7 }\nctl.!default { type hw card 7 }\n')
    env = {**os.environ, "ALSA_CONFIG_PATH": f"/usr/share/alsa/alsa.conf:{config}", **NO_PULSE}
    result = subprocess.run([sys.executable, "-m", "trainer", "practice", "burnout-nurse", "--text", "--scripted",
                             "--no-save", "--client-goes-on-after", "0"],
                            input="What brings you in today?\n/end\n", capture_output=True, text=True,
                            env=env, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "the client's lines are shown but not spoken" in result.stdout
    assert "Session summary" in result.stdout and "Traceback" not in result.stderr
    named = subprocess.run([sys.executable, "-m", "trainer", "practice", "burnout-nurse", "--text", "--scripted",
                            "--no-save", "--output-device", "7"], input="/end\n", capture_output=True, text=True,
                           env=env, timeout=300)
    assert named.returncode == 2 and "No speaker or headphones found (device 7" in named.stderr  # asked for: missing
    assert "querying device -1" not in named.stderr + result.stdout  # PortAudio's words


def test_unreadable_trainee_audio_is_named(tmp_path, capsys):
    folder = tmp_path / "turns"
    folder.mkdir()
    (folder / "01.wav").write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunk")
    assert main(["demo", "--scenario", "burnout-nurse", "--no-save", "--scripted",
                 "--trainee-audio", str(folder)]) == 2
    assert "01.wav" in capsys.readouterr().err


def test_empty_trainee_audio_folder(tmp_path, capsys):
    assert main(["demo", "--scenario", "burnout-nurse", "--no-save", "--trainee-audio", str(tmp_path)]) == 2
    assert "No .wav or .flac files" in capsys.readouterr().err


def test_models_command_lists_the_verified_defaults(capsys):
    assert main(["models"]) == 0
    out = capsys.readouterr().out
    assert "qwen2.5-coder-0.5b-instruct-q4_k_m [default]" in out and "sha256 verified" in out
    assert "tiny.en [default]" in out and "en_US-joe-medium [default]" in out


def test_the_window_without_a_display_says_what_to_do_instead_of_aborting():
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    result = subprocess.run([sys.executable, "-m", "trainer"], capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 2
    assert "No display found" in result.stderr and "trainer practice" in result.stderr


@pytest.mark.parametrize("command", [["practice", "burnout-nurse", "--text", "--scripted", "--output-device", "null"],
                                     ["demo", "--scenario", "burnout-nurse", "--scripted", "--output-device", "null"]])
def test_an_encrypted_store_without_its_passphrase_is_a_clear_error(command, tmp_path, monkeypatch, capsys):
    """Both used to load the models and then crash with a PassphraseRequiredError traceback."""
    monkeypatch.setenv("TRAINER_NEW_PASSPHRASE", "pw one two")
    assert main(["passphrase", "set", "--data-dir", str(tmp_path)]) == 0
    monkeypatch.setenv("TRAINER_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("TRAINER_PASSPHRASE", raising=False)
    capsys.readouterr()
    assert main(command) == 2
    err = capsys.readouterr().err
    assert "encrypted" in err and "TRAINER_PASSPHRASE" in err and "--no-save" in err
    monkeypatch.setenv("TRAINER_PASSPHRASE", "not it")
    assert main(command) == 2
    assert "Wrong passphrase" in capsys.readouterr().err


def test_a_closed_output_pipe_is_not_a_traceback():
    # `true` exits at once, long before Python has started, so every write meets a closed pipe
    result = subprocess.run(f"'{sys.executable}' -m trainer scenarios list | true", shell=True,
                            capture_output=True, text=True, timeout=120)
    assert "Traceback" not in result.stderr and "BrokenPipe" not in result.stderr, result.stderr


def test_an_impossible_end_of_turn_silence_is_refused(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["practice", "burnout-nurse", "--text", "--end-silence-ms", "-5"])
    assert exit_info.value.code == 2
    assert "between 200 and 3000 ms" in capsys.readouterr().err


def test_a_closed_pipe_after_a_session_command_is_quiet(tmp_path):
    env = {**os.environ, "TRAINER_DATA_DIR": str(tmp_path)}
    result = subprocess.run(f"'{sys.executable}' -m trainer privacy | true", shell=True, env=env,
                            capture_output=True, text=True, timeout=120)
    assert "Broken pipe" not in result.stderr and "Traceback" not in result.stderr, result.stderr


@pytest.mark.parametrize("value", ["2", "121", "-1", "abc", "nan", "inf"])
def test_an_impossible_wait_before_the_client_goes_on_is_refused(value, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["practice", "burnout-nurse", "--text", "--client-goes-on-after", value])
    assert exit_info.value.code == 2
    assert "--client-goes-on-after" in capsys.readouterr().err


def test_demo_turns_must_be_one_or_more(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["demo", "--turns", "0", "--no-save"])
    assert exit_info.value.code == 2 and "must be 1 or more" in capsys.readouterr().err


def test_typed_practice_shows_the_scenarios_content_notes_before_it_starts(monkeypatch, capsys, caplog):
    import io
    import logging

    caplog.set_level(logging.INFO)
    monkeypatch.setattr("sys.stdin", io.StringIO("/end\n"))
    assert main(["-v", "practice", "hidden-risk", "--text", "--scripted", "--no-save", "--output-device", "null",
                 "--client-goes-on-after", "0"]) == 0
    out = capsys.readouterr().out
    assert "Content notes: " in out and out.index("Content notes: ") < out.index("Mark:")
    assert any(r.getMessage().startswith("models: llm scripted, voice ") for r in caplog.records)  # what -v adds
