"""Opening the SQLite file safely: refuse foreign files untouched, then set the pragmas."""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import shutil
import sqlite3
from pathlib import Path

from trainer.storage.errors import StoreError
from trainer.storage.paths import DB_FILENAME
from trainer.storage.schema import check_compatible

SQLITE_HEADER = b"SQLite format 3\x00"
PRIVATE_MODE = 0o600
# Below this much free space an "unable to open" or "disk I/O error" means the disk is full
# (SQLite cannot create its log files); the real SQLITE_FULL says "full" itself.
NEARLY_FULL_BYTES = 64 * 1024
_OPEN_OR_IO_ERRORS = ("unable to open database file", "disk i/o error")

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
    ours gets the WAL / secure-delete pragmas. A new database file is created mode 0600
    before SQLite opens it (SQLite gives its -wal and -shm files the database's mode).
    """
    _check_header(db_file)
    created = _create_private(db_file)
    conn = None
    try:
        conn = sqlite3.connect(
            str(db_file), check_same_thread=False, isolation_level=None, timeout=10.0
        )
        version = check_compatible(conn, db_file)
        _apply_pragmas(conn, db_file)
    except BaseException as exc:
        if conn is not None:
            conn.close()
        if created:  # a failed first start leaves no empty file behind
            with contextlib.suppress(OSError):
                if db_file.stat().st_size == 0:
                    db_file.unlink()
        if isinstance(exc, sqlite3.DatabaseError):
            raise open_error(db_file, exc) from exc
        raise
    make_private(db_file)
    return conn, version


def open_error(db_file: Path, exc: sqlite3.Error) -> StoreError:
    """What to tell the user when opening (or first setting up) ``db_file`` failed."""
    problem = storage_problem(db_file.parent, exc)  # a full disk is not a damaged file
    if problem is None:
        problem = f"{db_file} cannot be read as a session store ({exc})."
        advice = "Move it elsewhere, or set TRAINER_DATA_DIR to another folder, and start again."
    elif disk_full(db_file.parent, exc):
        advice = "Free some space, or set TRAINER_DATA_DIR to a folder on another disk, and try again."
    else:
        advice = ""  # the read-only message says what to do
    return StoreError(f"{problem} Nothing was changed. {advice}".rstrip())


def _create_private(db_file: Path) -> bool:
    """Create an empty database file readable by its owner only; True if created here."""
    try:
        fd = os.open(db_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_MODE)
    except OSError:  # it exists, or cannot be made: SQLite's open says why
        return False
    os.close(fd)
    return True


def make_private(db_file: Path) -> None:
    """Mode 0600 for the database and its log files (also ones left by older versions)."""
    for path in (db_file, db_file.with_name(db_file.name + "-wal"), db_file.with_name(db_file.name + "-shm")):
        with contextlib.suppress(OSError):  # missing, or someone else's file
            if path.stat().st_mode & 0o077:
                os.chmod(path, PRIVATE_MODE)


def folder_writable(folder: Path) -> bool:
    """Whether files can be made in ``folder`` (False on a read-only mount or folder)."""
    return os.access(folder, os.W_OK | os.X_OK)


def read_only_reason(data_dir: Path, db_file: Path) -> str | None:
    """Why the store in ``data_dir`` cannot be written to, or None if it can."""
    if not folder_writable(data_dir):
        return (f"The data folder {data_dir} is read-only, so trainer cannot store sessions there. "
                "Make it writable, or set TRAINER_DATA_DIR to another folder, and try again.")
    if db_file.exists() and not os.access(db_file, os.W_OK):
        return (f"{db_file} is read-only, so trainer cannot store sessions in it. "
                "Make it writable, or set TRAINER_DATA_DIR to another folder, and try again.")
    return None


def storage_problem(folder: Path, exc: BaseException) -> str | None:
    """Plain words for an error caused by a full disk or a read-only folder, else None."""
    if disk_full(folder, exc):
        return f"The disk holding the data folder {folder} is full."
    text = str(exc).lower()
    if "readonly" in text or (_open_or_io(exc) and not folder_writable(folder)):
        return read_only_reason(folder, folder / DB_FILENAME) or (
            f"The data folder {folder} or its database is read-only ({exc}). Make them writable, "
            "or set TRAINER_DATA_DIR to another folder, and try again.")
    return None


def disk_full(folder: Path, exc: BaseException) -> bool:
    """Whether ``exc`` (from SQLite or the OS) means the disk holding ``folder`` is full."""
    if "full" in str(exc).lower() or getattr(exc, "errno", None) == errno.ENOSPC:
        return True
    if not _open_or_io(exc):
        return False
    try:
        return shutil.disk_usage(folder).free < NEARLY_FULL_BYTES
    except OSError:
        return False


def _open_or_io(exc: BaseException) -> bool:
    text = str(exc).lower()
    return any(words in text for words in _OPEN_OR_IO_ERRORS)


def open_read_only(db_file: Path) -> sqlite3.Connection | None:
    """A connection that cannot write, for a store in a read-only folder, or None.

    A WAL database needs its ``-shm`` index, which a read-only folder cannot hold; without
    a log that still holds data the file alone is complete and is opened as immutable.
    """
    uri = db_file.resolve().as_uri()
    wal = db_file.with_name(db_file.name + "-wal")
    tries = [f"{uri}?mode=ro"]
    if not wal.exists() or wal.stat().st_size == 0:
        tries.append(f"{uri}?mode=ro&immutable=1")
    for target in tries:
        conn = None
        try:
            conn = sqlite3.connect(target, uri=True, check_same_thread=False, isolation_level=None)
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            return conn
        except sqlite3.Error:
            if conn is not None:
                conn.close()
    return None


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
    the next checkpoint (at the latest when the store closes) finishes the job. Raises
    ``sqlite3.Error`` if it cannot be done (e.g. the disk is full).
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
