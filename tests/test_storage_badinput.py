from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.test_storage_fixtures import _clean_env, open_store  # noqa: F401
from trainer.storage.errors import StoreError
from trainer.storage.schema import SCHEMA_VERSION


def _db(tmp_path: Path) -> Path:
    return tmp_path / "sessions.sqlite3"


def test_not_sqlite_file_is_refused_untouched(tmp_path: Path) -> None:
    junk = b"this is my shopping list, not a database\n" * 20
    _db(tmp_path).write_bytes(junk)
    with pytest.raises(StoreError) as caught:
        open_store(tmp_path)
    message = str(caught.value)
    assert str(_db(tmp_path)) in message and "not an SQLite database" in message
    assert "TRAINER_DATA_DIR" in message
    assert _db(tmp_path).read_bytes() == junk
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sessions.sqlite3"]


def test_corrupt_sqlite_body_is_refused(tmp_path: Path) -> None:
    with open_store(tmp_path) as store:
        store.start_session("s", "S", {})
    data = bytearray(_db(tmp_path).read_bytes())
    data[100:4096] = b"\xff" * (4096 - 100)  # wipe the schema page after the header
    _db(tmp_path).write_bytes(bytes(data))
    with pytest.raises(StoreError, match="sessions.sqlite3"):
        open_store(tmp_path)
    assert _db(tmp_path).read_bytes() == bytes(data)


def test_foreign_sqlite_database_is_refused_untouched(tmp_path: Path) -> None:
    conn = sqlite3.connect(_db(tmp_path))
    conn.execute("CREATE TABLE recipes (name TEXT)")
    conn.execute("INSERT INTO recipes VALUES ('soup')")
    conn.commit()
    conn.close()
    before = _db(tmp_path).read_bytes()
    with pytest.raises(StoreError, match="not a trainer session store") as caught:
        open_store(tmp_path)
    assert "recipes" in str(caught.value)
    assert _db(tmp_path).read_bytes() == before
    check = sqlite3.connect(_db(tmp_path))
    assert check.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    check.close()


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    with open_store(tmp_path) as store:
        store.start_session("s", "S", {})
    conn = sqlite3.connect(_db(tmp_path))
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="newer version of trainer"):
        open_store(tmp_path)
    conn = sqlite3.connect(_db(tmp_path))
    assert conn.execute("SELECT COUNT(*) FROM sessions").fetchone()[0] == 1
    conn.close()


def test_damaged_key_file_is_a_clear_error(tmp_path: Path) -> None:
    with open_store(tmp_path, "pw") as store:
        store.start_session("s", "S", {})
    (tmp_path / "keyinfo.json").write_text("{not json")
    with pytest.raises(StoreError, match="keyinfo.json is damaged"):
        open_store(tmp_path, "pw")


def test_migrations_upgrade_only_after_unlock(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from trainer.storage import schema
    from trainer.storage.errors import WrongPassphraseError

    with open_store(tmp_path, "pw") as store:
        store.start_session("s", "S", {})
    upgraded = schema.MIGRATIONS + (("ALTER TABLE sessions ADD COLUMN note TEXT",),)
    monkeypatch.setattr(schema, "MIGRATIONS", upgraded)
    monkeypatch.setattr(schema, "SCHEMA_VERSION", len(upgraded))

    def version_and_columns() -> tuple[int, set[str]]:
        conn = sqlite3.connect(_db(tmp_path))
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            columns = {row[1] for row in conn.execute("PRAGMA table_info(sessions)")}
        finally:
            conn.close()
        return version, columns

    with pytest.raises(WrongPassphraseError):
        open_store(tmp_path, "wrong")
    assert version_and_columns()[0] == 1
    with open_store(tmp_path, "pw") as store:
        assert len(store.list_sessions()) == 1
    version, columns = version_and_columns()
    assert version == 2 and "note" in columns
