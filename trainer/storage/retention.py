"""Which sessions have outlived the retention period."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta, timezone
from typing import Any


def now_utc() -> datetime:
    return datetime.now(timezone.utc)


def to_iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="microseconds")


def from_iso(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def validate_retention_days(value: Any) -> int | None:
    """``None`` (keep forever) or a whole number of days >= 1; ValueError otherwise."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"retention_days must be a whole number of days (>= 1) or None, got {value!r}")
    return value


def expired_session_ids(
    conn: sqlite3.Connection, days: int, now: datetime | None = None
) -> list[str]:
    """Sessions that started more than ``days`` days before ``now``."""
    if days < 0:
        raise ValueError(f"days must not be negative, got {days}")
    cutoff = to_iso((now or now_utc()) - timedelta(days=days))
    rows = conn.execute("SELECT id FROM sessions WHERE started_at < ?", (cutoff,))
    return [row[0] for row in rows]
