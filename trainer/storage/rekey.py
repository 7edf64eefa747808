"""Re-sealing every blob with another sealer (set or change the passphrase)."""

from __future__ import annotations

import sqlite3

from trainer.storage.crypto import Sealer
from trainer.storage.sealed import PLAINTEXT_SETTINGS, SEALED_TABLES, aad


def reseal_all(conn: sqlite3.Connection, old: Sealer, new: Sealer) -> int:
    """Open each blob with ``old`` and seal it with ``new``; the caller holds a transaction.

    Returns the number of blobs rewritten. Any blob that fails to open aborts the whole
    change (the caller rolls back), so data is never half re-encrypted.
    """
    rewritten = 0
    for table in SEALED_TABLES:
        ids = ", ".join(table.identity)
        rowids = [row[0] for row in conn.execute(f"SELECT rowid FROM {table.name}")]
        for rowid in rowids:
            for column in table.columns:
                row = conn.execute(
                    f"SELECT {ids}, {column} FROM {table.name} WHERE rowid = ?", (rowid,)
                ).fetchone()
                identity, blob = row[:-1], row[-1]
                if blob is None:
                    continue
                if table.name == "settings" and identity[0] in PLAINTEXT_SETTINGS:
                    continue
                where = aad(table.name, column, *identity)
                resealed = new.seal(old.open(blob, where), where)
                conn.execute(
                    f"UPDATE {table.name} SET {column} = ? WHERE rowid = ?", (resealed, rowid)
                )
                rewritten += 1
    return rewritten
