"""What the store hands back: plain frozen records."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class SessionInfo:
    """One line of the session list.

    ``interrupted`` is true for a session that never finished and whose writer is gone
    (the app crashed or was killed); its committed turns can still be reviewed.
    """

    id: str
    scenario_id: str
    scenario_title: str
    started_at: datetime
    ended_at: datetime | None
    turns: int  # the trainee's turns (the client's opening line is not one)
    interrupted: bool
    active: bool
    mean_attunement: float | None
    read_only: bool = False
    origin_session_id: str | None = None
    damaged: bool = False  # its summary failed the integrity check (see load_session)


@dataclass(frozen=True)
class StoredSession:
    """A whole session as loaded for review or export; turns and comments are dicts."""

    info: SessionInfo
    models: dict[str, Any]
    settings: dict[str, Any]
    turns: tuple[dict[str, Any], ...]
    summary: dict[str, Any] | None
    comments: tuple[dict[str, Any], ...] = ()
    origin: dict[str, Any] | None = field(default=None)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (the body of JSON exports and supervision packages)."""
        info = self.info
        return {
            "id": info.id,
            "scenario_id": info.scenario_id,
            "scenario_title": info.scenario_title,
            "started_at": info.started_at.isoformat(),
            "ended_at": info.ended_at.isoformat() if info.ended_at else None,
            "interrupted": info.interrupted,
            "read_only": info.read_only,
            "origin_session_id": info.origin_session_id,
            "origin": self.origin,
            "models": self.models,
            "settings": self.settings,
            "summary": self.summary,
            "turns": list(self.turns),
            "comments": list(self.comments),
        }


TRY_AGAIN_OF = "try_again_of"  # settings key of a "try it again" session
TRY_AGAIN_NOTE = ("A “try it again”: one of the client's lines answered anew. Its summary also "
                  "counts the original session's turns before that line, which this transcript does not show.")


def try_again_of(settings: Any) -> dict | None:
    """What a “try it again” session answered again (``{"session_id", "client_line"}``,
    from its settings), or None for a session practised from the start."""
    origin = settings.get(TRY_AGAIN_OF) if isinstance(settings, dict) else None
    return origin if isinstance(origin, dict) else None
