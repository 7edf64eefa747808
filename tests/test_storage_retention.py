from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from tests.test_storage_fixtures import SECRET_PHRASE, _clean_env, grep_folder, make_turn, open_store  # noqa: F401


def _backdate(store, sid: str, days: float) -> None:
    when = datetime.now(timezone.utc) - timedelta(days=days)
    store._db.execute("UPDATE sessions SET started_at = ? WHERE id = ?", (when.isoformat(), sid))


def _finished(store, text: str = "ok") -> str:
    sid = store.start_session("s", "S", {})
    store.add_turn(sid, make_turn(1, audio=True, text=text))
    store.finish_session(sid, {})
    return sid


def test_delete_session_removes_turns_audio_comments_for_good(tmp_path: Path) -> None:
    with open_store(tmp_path) as store:
        store.set_setting("audio_retention", True)
        keep = _finished(store, "keep this one")
        gone = _finished(store, SECRET_PHRASE)
        store.add_comment(gone, 1, "sup", "comment")
        assert grep_folder(tmp_path, SECRET_PHRASE) != []
        store.delete_session(gone)
        assert [info.id for info in store.list_sessions()] == [keep]
        conn = store._db
        for table in ("turns", "audio", "comments"):
            assert conn.execute(f"SELECT COUNT(*) FROM {table} WHERE session_id = ?", (gone,)).fetchone()[0] == 0
        assert store.load_turn_audio(keep, 1, "trainee") is not None
        # secure_delete + checkpoint: not even the plaintext store keeps the words.
        assert grep_folder(tmp_path, SECRET_PHRASE) == []
        assert grep_folder(tmp_path, "keep this one") != []


def test_purge_older_than(tmp_path: Path) -> None:
    with open_store(tmp_path) as store:
        old = _finished(store)
        recent = _finished(store)
        _backdate(store, old, 40)
        _backdate(store, recent, 5)
        assert store.purge_older_than(30) == 1
        assert [info.id for info in store.list_sessions()] == [recent]
        assert store.purge_older_than(30) == 0


def test_apply_retention_reads_setting_and_spares_active_session(tmp_path: Path) -> None:
    with open_store(tmp_path) as store:
        assert store.apply_retention() == 0  # no setting: keep forever
        old = _finished(store)
        _backdate(store, old, 10)
        writing = store.start_session("s", "S", {})
        _backdate(store, writing, 10)
        assert store.apply_retention() == 0
        store.set_setting("retention_days", 7)
        assert store.apply_retention() == 1
        assert [info.id for info in store.list_sessions()] == [writing]
        later = datetime.now(timezone.utc) + timedelta(days=1)
        assert store.apply_retention(now=later) == 0


def test_delete_audio_keeps_transcript(tmp_path: Path) -> None:
    with open_store(tmp_path) as store:
        store.set_setting("audio_retention", True)
        sid = _finished(store)
        assert store.delete_audio() == 2
        assert store.load_turn_audio(sid, 1, "trainee") is None
        assert store.load_session(sid).turns[0]["trainee_text"]


def test_delete_everything_removes_db_and_key(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    store = open_store(folder, "pw")
    _finished(store)
    assert (folder / "keyinfo.json").exists()
    store.delete_everything()
    assert not folder.exists()
    with open_store(folder) as fresh:
        assert fresh.list_sessions() == [] and not fresh.encrypted


def test_delete_everything_leaves_foreign_files(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    _finished(store)
    (tmp_path / "models.txt").write_text("not ours")
    store.delete_everything()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["models.txt"]
