"""Plain JSON export of one session (unencrypted: the user chose to take it out)."""

from __future__ import annotations

import json
from pathlib import Path

from trainer.storage.codec import json_dumps
from trainer.storage.private_file import write_private_file
from trainer.storage.records import StoredSession

EXPORT_FORMAT = "trainer-session-export"
EXPORT_VERSION = 1


def export_text(stored_session: StoredSession) -> str:
    """The session (turns, feedback, summary, comments; no audio) as JSON text."""
    document = {"format": EXPORT_FORMAT, "version": EXPORT_VERSION, **stored_session.to_dict()}
    return json.dumps(json.loads(json_dumps(document)), indent=2, ensure_ascii=False)


def export_json(stored_session: StoredSession, path: Path | str) -> Path:
    """Write ``export_text`` to ``path``, private (0600) and never half-written."""
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(f"{path} is a folder; give a file name, e.g. {path / 'session.json'}")
    # 0600 like the packages: the transcript is as private as the store it came from
    write_private_file(path, (export_text(stored_session) + "\n").encode("utf-8"))
    return path
