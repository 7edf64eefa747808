"""Which columns hold sealed (possibly encrypted) blobs, and the row identity bound to each.

The associated data of every blob is ``trainer/v1/<table>/<column>/<identity...>``, so a
blob moved to another row or column no longer opens.
"""

from __future__ import annotations

from dataclasses import dataclass

# Settings that describe the privacy policy stay readable without the passphrase, so the
# audit and retention can report them. They hold no personal data.
PLAINTEXT_SETTINGS = frozenset({"audio_retention", "retention_days"})


# Sealed columns of a turn, in table order; "extra" holds any other keys the engine sends.
TURN_FIELDS = (
    "trainee_text", "client_text", "code", "confidence", "feedback", "timings", "client_state", "extra",
)
# Keys of a turn dict that are columns or derived on load (everything else goes to "extra").
TURN_KEYS = frozenset({*TURN_FIELDS, "index", "attempt", "branch_of", "created_at", "audio", "sample_rates"})


@dataclass(frozen=True)
class SealedTable:
    name: str
    identity: tuple[str, ...]
    columns: tuple[str, ...]


SEALED_TABLES = (
    SealedTable("sessions", ("id",), ("settings", "summary", "origin")),
    SealedTable(
        "turns",
        ("session_id", "idx", "attempt"),
        TURN_FIELDS,
    ),
    SealedTable("audio", ("session_id", "idx", "attempt", "role"), ("data",)),
    SealedTable("comments", ("id",), ("author", "text")),
    SealedTable("settings", ("key",), ("value",)),
)


def aad(table: str, column: str, *identity: object) -> bytes:
    parts = ["trainer", "v1", table, column, *(str(part) for part in identity)]
    return "/".join(parts).encode("utf-8")
