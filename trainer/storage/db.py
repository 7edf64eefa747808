"""Opening the SQLite file safely: refuse foreign files untouched, then set the pragmas."""

from __future__ import annotations

import logging
import os
import sqlite3
from pathlib import Path

from trainer.storage.errors import StoreError
from trainer.storage.schema import check_compatible

SQLITE_HEADER = b"SQLite format 3\x00"

log = logging.getLogger(__name__)


def _check_header(db_file: Path) -> None:
    if not db_file.exists() or db_file.stat().st_size == 0:
        return
    with db_file.open("rb") as handle:
        header = handle.read(len(SQLITE_HEADER))
    if header != SQLITE_HEADER:
        raise StoreError(
            f"{db_file} is not an SQLite database (damaged, or another program's file). "
            "Nothing was changed. Move it elsewhere, or set TRAINER_DATA_DIR to another "
            "folder, and start again."
        )


def open_connection(db_file: Path) -> tuple[sqlite3.Connection, int]:
    """A connection (autocommit mode, usable from any thread) and the schema version.

    The file is checked with read-only queries first; only a file that is empty or
    ours gets the WAL / secure-delete pragmas.
    """
    _check_header(db_file)
    is_new = not db_file.exists()
    conn = sqlite3.connect(
        str(db_file), check_same_thread=False, isolation_level=None, timeout=10.0
    )
    try:
        version = check_compatible(conn, db_file)
        _apply_pragmas(conn, db_file)
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise StoreError(
            f"{db_file} cannot be read as a session store ({exc}). Nothing was changed. "
            "Move it elsewhere, or set TRAINER_DATA_DIR to another folder, and start again."
        ) from exc
    except BaseException:
        conn.close()
        raise
    if is_new and db_file.exists():
        os.chmod(db_file, 0o600)
    return conn, version


def open_leftover_log_read_only(db_file: Path) -> sqlite3.Connection | None:
    """A read-only connection that changes no file, if a write-ahead log is left over.

    After a crash (or a process that never closed its store) the ``-wal`` file still
    holds committed transactions. Closing a read-write connection copies them into the
    database file and deletes the log, so a connection used only to find out that the
    passphrase is wrong would change the files. A read-only connection with a read-only
    log index cannot checkpoint and writes nothing. Returns None when there is no
    leftover log (a read-write open then changes nothing either) or it cannot be read
    this way; the caller then goes on as usual.
    """
    wal = db_file.with_name(db_file.name + "-wal")
    shm = db_file.with_name(db_file.name + "-shm")
    if not (db_file.exists() and wal.exists() and shm.exists()):
        return None
    try:
        conn = sqlite3.connect(
            f"{db_file.resolve().as_uri()}?mode=ro&readonly_shm=1", uri=True, timeout=10.0
        )
    except sqlite3.Error:
        return None
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.Error:
        conn.close()
        return None
    return conn


def _apply_pragmas(conn: sqlite3.Connection, db_file: Path) -> None:
    mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    if str(mode).lower() != "wal":
        raise StoreError(f"{db_file}: could not switch to write-ahead logging (got {mode}).")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA secure_delete = ON")
    conn.execute("PRAGMA temp_store = MEMORY")


def checkpoint(conn: sqlite3.Connection) -> bool:
    """Copy the write-ahead log into the database file and empty the log.

    Returns False (and logs a warning) if another reader kept part of the log alive;
    the next checkpoint (at the latest when the store closes) finishes the job.
    """
    busy, _, _ = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    if busy:
        log.warning("The write-ahead log could not be emptied yet (another reader is active).")
    return not busy


def scrub(conn: sqlite3.Connection) -> None:
    """Rewrite the file so no old page content survives (after deletion or re-keying)."""
    checkpoint(conn)
    conn.execute("VACUUM")
    checkpoint(conn)


def get_meta(conn: sqlite3.Connection, key: str) -> str | None:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return row[0] if row else None


def set_meta(conn: sqlite3.Connection, key: str, value: str) -> None:
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?, ?) "
        "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (key, value),
    )
