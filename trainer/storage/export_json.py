"""Plain JSON export of one session (unencrypted: the user chose to take it out)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from trainer.storage.codec import json_dumps
from trainer.storage.records import StoredSession

EXPORT_FORMAT = "trainer-session-export"
EXPORT_VERSION = 1


def export_json(stored_session: StoredSession, path: Path | str) -> Path:
    """Write the session (turns, feedback, summary, comments; no audio) to ``path``."""
    path = Path(path)
    document = {"format": EXPORT_FORMAT, "version": EXPORT_VERSION, **stored_session.to_dict()}
    text = json.dumps(json.loads(json_dumps(document)), indent=2, ensure_ascii=False)
    tmp = path.with_name(path.name + ".part")
    tmp.write_text(text + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return path
