from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_storage_fixtures import _clean_env, make_turn, open_store  # noqa: F401
from trainer.storage.audit import NETWORK_STATEMENT, privacy_audit
from trainer.storage.errors import StoreError


def test_audit_of_empty_folder(tmp_path: Path) -> None:
    text = privacy_audit(tmp_path)
    assert f"Data folder:   {tmp_path}" in text
    assert "not created yet" in text and "Sessions:      0" in text
    assert text.endswith(NETWORK_STATEMENT)
    assert not (tmp_path / "sessions.sqlite3").exists()  # auditing creates nothing


def test_audit_points_out_telemetry_an_earlier_version_left_behind(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert "Left over" not in privacy_audit(tmp_path / "data")
    (tmp_path / "home/.cache/Microsoft/DeveloperTools/.onnxruntime").mkdir(parents=True)
    text = privacy_audit(tmp_path / "data")
    assert "onnxruntime usage events" in text and f"rm -r {tmp_path / 'home'}" in text
    assert text.endswith(NETWORK_STATEMENT) and "ORT_DISABLE_TELEMETRY=1" in NETWORK_STATEMENT


def test_audit_says_what_to_do_about_a_missing_or_damaged_key_file(tmp_path: Path) -> None:
    with open_store(tmp_path, "pw") as store:
        store.start_session("s", "S", {})
    key_file = tmp_path / "keyinfo.json"
    key_file.write_text("{not json", encoding="utf-8")
    assert "PROBLEM:     The key file" in privacy_audit(tmp_path) and "restore keyinfo.json" in privacy_audit(tmp_path)
    key_file.unlink()
    assert f"The key file {key_file} is missing." in privacy_audit(tmp_path)


def test_audit_of_encrypted_store_without_passphrase(tmp_path: Path) -> None:
    with open_store(tmp_path, "pw") as store:
        store.set_setting("audio_retention", True)
        store.set_setting("retention_days", 90)
        sid = store.start_session("s", "S", {})
        store.add_turn(sid, make_turn(1, audio=True))
        store.start_session("s", "S", {})
    text = privacy_audit(tmp_path)
    assert "Encryption:    on. AES-256-GCM" in text and "scrypt (n=2^10, r=8, p=1)" in text
    assert "Not encrypted (metadata)" in text
    assert "Audio:         kept (audio retention on); 2 recordings stored." in text
    assert "deleted 90 days after" in text
    assert "Sessions:      2 (2 not finished)" in text


def test_audit_of_open_store_mentions_it(tmp_path: Path) -> None:
    with open_store(tmp_path) as store:
        text = privacy_audit(store)
    assert "Encryption:    off" in text and "Audio:         not kept" in text
    assert "Store opened:  encryption off." in text


def test_audit_refuses_foreign_file(tmp_path: Path) -> None:
    (tmp_path / "sessions.sqlite3").write_bytes(b"nope" * 200)
    with pytest.raises(StoreError, match="sessions.sqlite3"):
        privacy_audit(tmp_path)
