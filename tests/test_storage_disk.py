"""The store on a full disk, in a read-only folder, and with its folder removed.

No mounts needed: SQLite's failures are simulated with a connection that raises what
SQLite raises on a full disk, and a read-only folder by saying the folder is not writable
(tests may run as root, where chmod does not stop writes).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.test_storage_fixtures import _clean_env, make_turn, open_store  # noqa: F401
from trainer.storage import db
from trainer.storage.errors import DataFolderGoneError, StoreError
from trainer.storage.store import SessionStore

FULL = "database or disk is full"


class FailingConnection:
    """A real connection whose statements containing one of ``fail_on`` raise ``error``."""

    def __init__(self, conn: sqlite3.Connection, *fail_on: str, error: str = FULL) -> None:
        self._conn = conn
        self.fail_on = fail_on
        self.error = error

    def execute(self, sql: str, *args):
        if any(words in sql for words in self.fail_on):
            raise sqlite3.OperationalError(self.error)
        return self._conn.execute(sql, *args)

    def __getattr__(self, name: str):
        return getattr(self._conn, name)


def failing(store: SessionStore, *fail_on: str, error: str = FULL) -> SessionStore:
    store._conn = FailingConnection(store._conn, *fail_on, error=error)
    return store


def test_closing_on_a_full_disk_does_not_raise(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    store.add_turn(store.start_session("s", "S", {}), make_turn(1))
    failing(store, "wal_checkpoint")
    store.close()  # raised sqlite3.OperationalError, after the practice summary was lost
    assert store._conn is None
    with open_store(tmp_path) as again:  # nothing lost: the log is folded in on the next open
        assert again.list_sessions()[0].turns == 1


def test_a_write_on_a_full_disk_says_the_disk_is_full(tmp_path: Path) -> None:
    with open_store(tmp_path) as store:
        sid = store.start_session("s", "S", {})
        failing(store, "INSERT INTO turns")
        with pytest.raises(StoreError, match=f"The disk holding the data folder {tmp_path} is full."):
            store.add_turn(sid, make_turn(1))
        store._conn = store._conn._conn
        store.add_turn(sid, make_turn(1))  # once there is space again, it goes on


def test_a_full_disk_at_first_start_is_named_and_leaves_no_file(tmp_path: Path, monkeypatch) -> None:
    real_connect = sqlite3.connect
    monkeypatch.setattr(db.sqlite3, "connect",
                        lambda *args, **kwargs: FailingConnection(real_connect(*args, **kwargs), "journal_mode"))
    with pytest.raises(StoreError) as caught:
        open_store(tmp_path)
    message = str(caught.value)
    assert f"The disk holding the data folder {tmp_path} is full" in message and "Free some space" in message
    assert "cannot be read" not in message  # it read as a damaged file
    assert not (tmp_path / "sessions.sqlite3").exists()


def test_an_empty_leftover_database_and_its_logs_are_private(tmp_path: Path) -> None:
    """A failed first start left a 0-byte file mode 644; once there was space it became the
    database, and SQLite gave its -wal and -shm files the same mode."""
    (tmp_path / "sessions.sqlite3").touch(mode=0o644)
    os.chmod(tmp_path / "sessions.sqlite3", 0o644)
    old_umask = os.umask(0o022)
    try:
        with open_store(tmp_path) as store:  # the empty file is a new store
            store.add_turn(store.start_session("s", "S", {}), make_turn(1))
            files = [tmp_path / name for name in ("sessions.sqlite3", "sessions.sqlite3-wal", "sessions.sqlite3-shm")]
            assert all(path.exists() for path in files)
            assert {path.name: oct(path.stat().st_mode & 0o777) for path in files} == {
                path.name: "0o600" for path in files}
            assert store.list_sessions()[0].turns == 1
    finally:
        os.umask(old_umask)


def test_a_new_database_is_private_from_the_start(tmp_path: Path, monkeypatch) -> None:
    modes = []
    real_connect = sqlite3.connect

    def connect(target, *args, **kwargs):  # what the file looks like when SQLite opens it
        modes.append(oct(os.stat(target).st_mode & 0o777))
        return real_connect(target, *args, **kwargs)

    monkeypatch.setattr(db.sqlite3, "connect", connect)
    open_store(tmp_path).close()
    assert modes == ["0o600"]


def test_a_read_only_folder_is_named_and_its_sessions_can_still_be_read(tmp_path: Path, monkeypatch) -> None:
    with open_store(tmp_path) as store:
        sid = store.start_session("s", "Stored", {})
        store.add_turn(sid, make_turn(1))
        store.finish_session(sid, {"mean_attunement": 50})
    monkeypatch.setattr(db, "folder_writable", lambda folder: False)
    with pytest.raises(StoreError) as caught:
        open_store(tmp_path)
    message = str(caught.value)
    assert f"The data folder {tmp_path} is read-only" in message and "TRAINER_DATA_DIR" in message
    assert "cannot be read" not in message and "Move it elsewhere" not in message

    store = SessionStore.open(tmp_path, read_only_ok=True)
    try:
        assert store.read_only is not None
        assert [info.scenario_title for info in store.list_sessions()] == ["Stored"]
        assert store.load_session(sid).turns[0]["trainee_text"] == make_turn(1)["trainee_text"]
        with pytest.raises(StoreError, match="read-only"):
            store.start_session("s", "New", {})
        with pytest.raises(StoreError, match="read-only"):
            store.set_setting("retention_days", 5)
    finally:
        store.close()


def test_a_read_only_database_says_so(tmp_path: Path) -> None:
    with open_store(tmp_path) as store:
        sid = store.start_session("s", "S", {})
        failing(store, "INSERT INTO turns", error="attempt to write a readonly database")
        with pytest.raises(StoreError, match="read-only"):
            store.add_turn(sid, make_turn(1))


def test_a_removed_data_folder_is_noticed_not_written_into(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    store = open_store(folder)
    try:
        sid = store.start_session("s", "S", {})
        store.add_turn(sid, make_turn(1))
        shutil.rmtree(folder)  # SQLite would go on writing into the deleted file
        with pytest.raises(DataFolderGoneError, match=f"The data folder {folder} .*was removed"):
            store.add_turn(sid, make_turn(2))
        with pytest.raises(DataFolderGoneError):
            store.finish_session(sid, {})
        assert not folder.exists()  # not silently made again
    finally:
        store.close()
    assert not folder.exists()


def test_typed_practice_on_a_full_disk_still_shows_the_summary(tmp_path: Path, monkeypatch, capsys) -> None:
    """The disk fills after the session starts: every turn and the summary fail to save, and
    closing the store (a checkpoint) fails too. It ended in a traceback, without the summary."""
    from tests.fakes import practise_with_fakes
    from trainer.__main__ import main
    from trainer.cli import practice

    def store_that_fills_up(save: bool) -> SessionStore:
        return failing(open_store(tmp_path), "INSERT INTO turns", "UPDATE sessions", "wal_checkpoint")

    monkeypatch.setattr(practice, "open_store_or_fail", store_that_fills_up)
    practise_with_fakes(monkeypatch, "You sound worn out.\n/end\n")
    assert main(["practice", "burnout-nurse", "--text", "--output-device", "null"]) == 1  # not all stored
    out, err = capsys.readouterr()
    assert "! Turn 1 could not be saved: The disk holding the data folder" in out
    assert out.count("The session could not be stored") == 1
    assert "Not saved: the client's opening line, turn 1 and the summary" in out and "in memory only" in out
    assert "Session summary" in out.split("The session could not be stored")[1]
    assert "Traceback" not in err and "ERROR" not in err


def test_the_demo_on_a_full_disk_shows_the_summary_and_says_each_problem_once(tmp_path, monkeypatch, capsys) -> None:
    import trainer.demo
    from trainer import events as ev
    from trainer.__main__ import main
    from trainer.cli import demo

    def run_demo(scenario, models, lines, *, recorder, listeners, **_):
        sid = recorder.start_session("s", "S", {})
        try:
            recorder.add_turn(sid, make_turn(1))
        except StoreError as error:
            problem = ev.ErrorOccurred(0.0, f"Turn 1 could not be saved: {error}", "Practice continues.", False)
            for listener in listeners:
                listener(problem)
        return {"summary": {"mean_attunement": 50}, "word_error_rate": 0.0, "median_timings_ms": {},
                "problems": [f"{problem.message} {problem.hint}", "No speech was heard in line 3; it was skipped."]}

    monkeypatch.setattr(demo, "open_store_or_fail",
                        lambda save: failing(open_store(tmp_path), "INSERT INTO turns", "wal_checkpoint"))
    monkeypatch.setattr(demo, "load_models_or_fail",
                        lambda args, need_speech_input, quiet: SimpleNamespace(synthesizer=None))
    monkeypatch.setattr(trainer.demo, "synthesized_lines", lambda lines, synthesizer: [])
    monkeypatch.setattr(trainer.demo, "run_demo", run_demo)
    assert main(["demo", "--scenario", "burnout-nurse"]) == 0  # the close() traceback came after
    out, err = capsys.readouterr()
    assert out.count("could not be saved") + err.count("could not be saved") == 1  # a "!" line, not a note too
    assert "! Turn 1 could not be saved: The disk holding the data folder" in out and "Session summary" in out
    assert "note: No speech was heard in line 3" in err and "Traceback" not in err
