"""Which key unlocks a data folder, and switching a folder to a new key safely.

The database records the fingerprint (``key_id``) of the key its blobs are sealed with,
in the same transaction that seals them. A new key file is first written next to the old
one (``keyinfo.json.new``) and only renamed into place after the database commits, so a
crash at any moment leaves a key file that matches the data; ``find_key_info`` finishes
or rolls back an interrupted change on the next open.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from trainer.storage.crypto import (
    AesGcmSealer,
    KeyInfo,
    PlainSealer,
    ScryptParams,
    Sealer,
    new_key,
    read_key_info,
    unlock,
    write_key_info,
)
from trainer.storage.db import get_meta, scrub, set_meta
from trainer.storage.errors import PassphraseRequiredError, StoreError
from trainer.storage.paths import PASSPHRASE_ENV, DataPaths
from trainer.storage.rekey import reseal_all


def is_encrypted(conn: sqlite3.Connection) -> bool:
    return get_meta(conn, "encrypted") == "1"


def find_key_info(conn: sqlite3.Connection, paths: DataPaths) -> KeyInfo:
    """The key info matching the database, finishing an interrupted passphrase change."""
    key_id = get_meta(conn, "key_id")
    found: KeyInfo | None = None
    for path in (paths.key_file, paths.pending_key_file):
        if not path.exists():
            continue
        info = read_key_info(path)
        if info.key_id == key_id:
            found = info
            if path == paths.pending_key_file:
                os.replace(paths.pending_key_file, paths.key_file)
                _fsync_dir(paths.data_dir)
            break
    if found is None:
        raise StoreError(
            f"The sessions in {paths.db_file} are encrypted, but the key file "
            f"{paths.key_file} is missing or belongs to another data folder. Without it "
            "they cannot be read; restore keyinfo.json from a backup of this folder."
        )
    if paths.pending_key_file.exists():
        paths.pending_key_file.unlink()
    return found


def unlock_sealer(conn: sqlite3.Connection, paths: DataPaths, passphrase: str | None) -> Sealer:
    if not is_encrypted(conn):
        # A pending key file here is from a first encryption that never committed. (Only
        # if there is one: unlinking a missing file fails too on a read-only mount.)
        if paths.pending_key_file.exists():
            paths.pending_key_file.unlink()
        return PlainSealer()
    info = find_key_info(conn, paths)
    if passphrase is None:
        raise PassphraseRequiredError(
            f"The sessions in {paths.data_dir} are encrypted. Give the passphrase "
            f"(or set {PASSPHRASE_ENV})."
        )
    return AesGcmSealer(unlock(info, passphrase, paths.key_file), info)


def switch_key(
    conn: sqlite3.Connection,
    paths: DataPaths,
    old: Sealer,
    new_passphrase: str,
    params: ScryptParams | None = None,
) -> AesGcmSealer:
    """Re-seal everything under a key from ``new_passphrase`` in one transaction."""
    info, key = new_key(new_passphrase, params)
    new = AesGcmSealer(key, info)
    write_key_info(paths.pending_key_file, info)
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            reseal_all(conn, old, new)
            set_meta(conn, "encrypted", "1")
            set_meta(conn, "key_id", info.key_id)
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
    except BaseException:
        paths.pending_key_file.unlink(missing_ok=True)
        raise
    os.replace(paths.pending_key_file, paths.key_file)
    _fsync_dir(paths.data_dir)
    scrub(conn)
    return new


def _fsync_dir(directory: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
