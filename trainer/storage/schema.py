"""The database schema as an ordered list of migrations (``PRAGMA user_version``)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from trainer.storage.errors import StoreError

APP_MARKER = "trainer-sessions"

_V1 = (
    """CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)""",
    f"""INSERT INTO meta (key, value) VALUES ('app', '{APP_MARKER}'), ('encrypted', '0')""",
    """CREATE TABLE sessions (
        id TEXT PRIMARY KEY,
        scenario_id TEXT NOT NULL,
        scenario_title TEXT NOT NULL,
        started_at TEXT NOT NULL,
        ended_at TEXT,
        models TEXT NOT NULL,
        settings BLOB NOT NULL,
        summary BLOB,
        writer_pid INTEGER,
        writer_host TEXT,
        writer_token TEXT,
        read_only INTEGER NOT NULL DEFAULT 0,
        origin_session_id TEXT,
        origin BLOB
    )""",
    """CREATE TABLE turns (
        session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        idx INTEGER NOT NULL,
        attempt INTEGER NOT NULL DEFAULT 0,
        branch_of INTEGER,
        trainee_text BLOB NOT NULL,
        client_text BLOB NOT NULL,
        code BLOB NOT NULL,
        confidence BLOB NOT NULL,
        feedback BLOB NOT NULL,
        timings BLOB NOT NULL,
        client_state BLOB NOT NULL,
        extra BLOB NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (session_id, idx, attempt)
    )""",
    """CREATE TABLE audio (
        session_id TEXT NOT NULL,
        idx INTEGER NOT NULL,
        attempt INTEGER NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('trainee', 'client')),
        sample_rate INTEGER NOT NULL,
        data BLOB NOT NULL,
        PRIMARY KEY (session_id, idx, attempt, role),
        FOREIGN KEY (session_id, idx, attempt)
            REFERENCES turns(session_id, idx, attempt) ON DELETE CASCADE
    )""",
    """CREATE TABLE settings (key TEXT PRIMARY KEY, value BLOB NOT NULL)""",
    """CREATE TABLE comments (
        id TEXT PRIMARY KEY,
        session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        turn_index INTEGER,
        author BLOB NOT NULL,
        text BLOB NOT NULL,
        created_at TEXT NOT NULL
    )""",
    """CREATE INDEX comments_by_session ON comments(session_id)""",
    """CREATE INDEX sessions_by_start ON sessions(started_at)""",
)

# MIGRATIONS[i] takes the schema from version i to version i + 1. Append, never edit.
MIGRATIONS: tuple[tuple[str, ...], ...] = (_V1,)
SCHEMA_VERSION = len(MIGRATIONS)


def check_compatible(conn: sqlite3.Connection, db_file: Path) -> int:
    """The file's schema version, or ``StoreError`` if it is not ours / too new.

    Only reads; a foreign file is never modified.
    """
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    tables = {
        row[0]
        for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    }
    what_to_do = (
        "Nothing was changed. Move the file elsewhere, or set TRAINER_DATA_DIR to another "
        "folder, and start again."
    )
    if version == 0:
        if tables:
            raise StoreError(
                f"{db_file} is an SQLite database but not a trainer session store "
                f"(it has tables {', '.join(sorted(tables))}). {what_to_do}"
            )
        return 0
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"{db_file} was written by a newer version of trainer (schema {version}, "
            f"this version understands up to {SCHEMA_VERSION}). Update trainer to read it. "
            "Nothing was changed."
        )
    marker = None
    if "meta" in tables:
        row = conn.execute("SELECT value FROM meta WHERE key = 'app'").fetchone()
        marker = row[0] if row else None
    if marker != APP_MARKER:
        raise StoreError(
            f"{db_file} is an SQLite database but not a trainer session store. {what_to_do}"
        )
    return version


def migrate(conn: sqlite3.Connection) -> None:
    """Apply the missing migrations in one transaction (connection in autocommit mode)."""
    conn.execute("BEGIN IMMEDIATE")
    from_version = conn.execute("PRAGMA user_version").fetchone()[0]
    if from_version >= SCHEMA_VERSION:
        conn.execute("ROLLBACK")
        return
    try:
        for version in range(from_version, SCHEMA_VERSION):
            for statement in MIGRATIONS[version]:
                conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
