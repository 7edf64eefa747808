"""Plain JSON export of one session (unencrypted: the user chose to take it out)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from trainer.storage.codec import json_dumps
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
    text = export_text(stored_session)
    tmp = path.with_name(path.name + ".part")
    try:
        # 0600 like the packages: the transcript is as private as the store it came from
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text + "\n")
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)  # never leave a stray plaintext copy behind
        raise
    return path
