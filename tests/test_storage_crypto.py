from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.test_storage_fixtures import SECRET_PHRASE, _clean_env, grep_folder, make_turn, open_store  # noqa: F401
from trainer.storage.errors import (
    DataIntegrityError,
    PassphraseRequiredError,
    StoreError,
    WrongPassphraseError,
)


def _write_session(store, phrase: str = SECRET_PHRASE) -> str:
    store.set_setting("audio_retention", True)
    sid = store.start_session("s", "S", {"asr": "x"})
    store.add_turn(sid, make_turn(1, audio=True, text=phrase))
    store.add_comment(sid, 1, "Dr Supervisor", "Nice reflection of " + phrase)
    store.finish_session(sid, {"mean_attunement": 55.0, "strengths": [phrase]})
    return sid


def test_encrypted_store_round_trip_and_key_file(tmp_path: Path) -> None:
    with open_store(tmp_path, "correct horse") as store:
        assert store.encrypted
        sid = _write_session(store)
    info = json.loads((tmp_path / "keyinfo.json").read_text())
    assert info["cipher"] == "AES-256-GCM" and info["kdf"]["name"] == "scrypt"
    assert (tmp_path / "keyinfo.json").stat().st_mode & 0o077 == 0
    with open_store(tmp_path, "correct horse") as store:
        session = store.load_session(sid)
        assert session.turns[0]["trainee_text"] == SECRET_PHRASE
        assert session.comments[0]["author"] == "Dr Supervisor"
        assert store.load_turn_audio(sid, 1, "trainee")[1] == 16000


def test_no_phrase_in_any_file_when_encrypted(tmp_path: Path) -> None:
    store = open_store(tmp_path, "pw")
    _write_session(store)
    # While open, WAL has the recent pages: they must be ciphertext too.
    assert grep_folder(tmp_path, SECRET_PHRASE) == []
    assert grep_folder(tmp_path, "Dr Supervisor") == []
    store.close()
    assert grep_folder(tmp_path, SECRET_PHRASE) == []


def test_plain_store_does_contain_phrase(tmp_path: Path) -> None:
    """Control for the grep test: without encryption the phrase is findable."""
    with open_store(tmp_path) as store:
        _write_session(store)
    assert grep_folder(tmp_path, SECRET_PHRASE) != []


def test_set_passphrase_encrypts_existing_data_and_scrubs(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    sid = _write_session(store)
    store.set_setting("ui_note", SECRET_PHRASE)
    assert grep_folder(tmp_path, SECRET_PHRASE) != []
    store.set_passphrase("new pw")
    assert store.encrypted
    assert grep_folder(tmp_path, SECRET_PHRASE) == []
    store.close()
    assert grep_folder(tmp_path, SECRET_PHRASE) == []
    with open_store(tmp_path, "new pw") as again:
        assert again.load_session(sid).turns[0]["trainee_text"] == SECRET_PHRASE
        assert again.get_setting("ui_note") == SECRET_PHRASE
        assert again.get_setting("audio_retention") is True


def test_passphrase_given_to_plain_store_encrypts_it(tmp_path: Path) -> None:
    with open_store(tmp_path) as store:
        sid = _write_session(store)
    with open_store(tmp_path, "pw") as store:
        assert store.encrypted
    assert grep_folder(tmp_path, SECRET_PHRASE) == []
    with open_store(tmp_path, "pw") as store:
        assert store.load_session(sid).summary["strengths"] == [SECRET_PHRASE]


def test_wrong_passphrase_is_detected_and_changes_nothing(tmp_path: Path) -> None:
    with open_store(tmp_path, "right") as store:
        _write_session(store)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    with pytest.raises(WrongPassphraseError, match="Wrong passphrase"):
        open_store(tmp_path, "wrong")
    after = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    assert before == after


def test_missing_passphrase_on_encrypted_store(tmp_path: Path) -> None:
    with open_store(tmp_path, "right") as store:
        _write_session(store)
    with pytest.raises(PassphraseRequiredError, match="TRAINER_PASSPHRASE"):
        open_store(tmp_path)


def test_passphrase_from_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRAINER_PASSPHRASE", "env pw")
    with open_store(tmp_path) as store:
        assert store.encrypted
        _write_session(store)
    monkeypatch.delenv("TRAINER_PASSPHRASE")
    with open_store(tmp_path, "env pw") as store:
        assert len(store.list_sessions()) == 1


def test_change_passphrase(tmp_path: Path) -> None:
    with open_store(tmp_path, "old") as store:
        sid = _write_session(store)
        with pytest.raises(WrongPassphraseError):
            store.change_passphrase("not old", "new")
        store.change_passphrase("old", "new")
        assert store.load_session(sid).turns[0]["trainee_text"] == SECRET_PHRASE
    assert not (tmp_path / "keyinfo.json.new").exists()
    with pytest.raises(WrongPassphraseError):
        open_store(tmp_path, "old")
    with open_store(tmp_path, "new") as store:
        assert store.load_session(sid).comments[0]["text"].endswith(SECRET_PHRASE)
        assert store.integrity_check(deep=True)
    assert grep_folder(tmp_path, SECRET_PHRASE) == []


def test_interrupted_passphrase_change_recovers_either_way(tmp_path: Path) -> None:
    """A crash after the database committed but before the key file was renamed."""
    with open_store(tmp_path, "old") as store:
        sid = _write_session(store)
        old_key = (tmp_path / "keyinfo.json").read_bytes()
        store.change_passphrase("old", "new")
    new_key = (tmp_path / "keyinfo.json").read_bytes()
    # Simulate: new key still pending, old key file still in place.
    (tmp_path / "keyinfo.json.new").write_bytes(new_key)
    (tmp_path / "keyinfo.json").write_bytes(old_key)
    with open_store(tmp_path, "new") as store:
        assert store.load_session(sid).turns[0]["trainee_text"] == SECRET_PHRASE
    assert (tmp_path / "keyinfo.json").read_bytes() == new_key
    assert not (tmp_path / "keyinfo.json.new").exists()
    # Crash before the database committed: a stray pending key is discarded.
    (tmp_path / "keyinfo.json.new").write_bytes(old_key)
    with open_store(tmp_path, "new") as store:
        assert len(store.list_sessions()) == 1
    assert not (tmp_path / "keyinfo.json.new").exists()


def test_missing_key_file_is_a_clear_error(tmp_path: Path) -> None:
    with open_store(tmp_path, "pw") as store:
        _write_session(store)
    (tmp_path / "keyinfo.json").unlink()
    with pytest.raises(StoreError, match="keyinfo.json"):
        open_store(tmp_path, "pw")


def test_blob_swapped_between_rows_fails(tmp_path: Path) -> None:
    with open_store(tmp_path, "pw") as store:
        sid = store.start_session("s", "S", {})
        store.add_turn(sid, make_turn(1, text="first"))
        store.add_turn(sid, make_turn(2, text="second"))
        conn = store._db
        blob = conn.execute("SELECT trainee_text FROM turns WHERE idx = 2").fetchone()[0]
        conn.execute("UPDATE turns SET trainee_text = ? WHERE idx = 1", (blob,))
        with pytest.raises(DataIntegrityError, match="trainee_text"):
            store.load_session(sid)
        assert not store.integrity_check(deep=True)


def test_set_passphrase_twice_and_change_without_one(tmp_path: Path) -> None:
    with open_store(tmp_path) as store:
        with pytest.raises(StoreError, match="no passphrase"):
            store.change_passphrase("a", "b")
        store.set_passphrase("a")
        with pytest.raises(StoreError, match="already"):
            store.set_passphrase("b")


def test_damaged_summary_still_listed(tmp_path: Path) -> None:
    with open_store(tmp_path, "pw") as store:
        good = _write_session(store)
        bad = _write_session(store)
        blob = store._db.execute("SELECT summary FROM sessions WHERE id = ?", (bad,)).fetchone()[0]
        store._db.execute("UPDATE sessions SET summary = ? WHERE id = ?", (blob[:-3] + b"xyz", bad))
        infos = {info.id: info for info in store.list_sessions()}
        assert not infos[good].damaged and infos[good].mean_attunement == 55.0
        assert infos[bad].damaged and infos[bad].mean_attunement is None
        with pytest.raises(DataIntegrityError, match="summary"):
            store.load_session(bad)


def test_no_re_keying_while_a_session_is_being_recorded(tmp_path: Path) -> None:
    """A QA pass set a passphrase mid-practice: the practice's later turns were then stored in
    plain text (set), or sealed with the old key and unreadable (change)."""
    with open_store(tmp_path) as store:
        running = store.start_session("s", "Burnout", {})
        with pytest.raises(StoreError, match="still being recorded.*Nothing was changed"):
            store.set_passphrase("new")
        assert not store.encrypted
        store.finish_session(running, {})
        store.set_passphrase("first")
    with open_store(tmp_path, "first") as store:
        running = store.start_session("s", "Burnout", {})
        with pytest.raises(StoreError, match="still being recorded"):
            store.change_passphrase("first", "second")
        store.finish_session(running, {})
        store.change_passphrase("first", "second")
