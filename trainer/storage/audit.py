"""``trainer privacy``: a plain statement of what is stored, where, and how it is protected."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from trainer.storage.crypto import read_key_info
from trainer.storage.db import open_leftover_log_read_only
from trainer.storage.errors import StoreError
from trainer.storage.liveness import process_alive, this_host
from trainer.storage.paths import DataPaths, resolve_data_dir

if TYPE_CHECKING:
    from trainer.storage.store import SessionStore

NETWORK_STATEMENT = (
    "Network: none. The app opens no network connections; models load from local files; "
    "HF_HUB_OFFLINE=1 and ORT_DISABLE_TELEMETRY=1 are set at start-up."
)
# Where onnxruntime 1.29+ kept its telemetry (a device id, queued events naming model
# files) before the app turned it off; an install that ran an older version may have it.
ORT_TELEMETRY_DIR = Path("~/.cache/Microsoft/DeveloperTools/.onnxruntime")

PLAINTEXT_METADATA = (
    "session ids, scenario ids and titles, start and end times, turn numbers, attempts "
    "and times, model names, the writing process id and host name, the original id of "
    "review copies, audio sample rates, comment turn numbers and times, how many "
    "sessions, turns and recordings there are and how large each value is, the "
    "audio-retention and retention-days settings"
)


@dataclass(frozen=True)
class _Facts:
    schema: int | None
    encrypted: bool
    sessions: int
    unfinished: int
    recordings: int
    audio_retention: bool
    retention_days: int | None


def _open_read_only(db_file: Path) -> sqlite3.Connection:
    # Change nothing: a plain read-only open of a WAL database writes its -shm index
    # and creates -wal/-shm files when there are none.
    conn = open_leftover_log_read_only(db_file)
    if conn is None:
        # Without a write-ahead log the file holds everything; "immutable" reads it
        # without creating the log files.
        query = "mode=ro" if Path(f"{db_file}-wal").exists() else "mode=ro&immutable=1"
        try:
            conn = sqlite3.connect(f"{db_file.resolve().as_uri()}?{query}", uri=True)
        except sqlite3.Error as exc:
            raise StoreError(f"Cannot read {db_file}: {exc}") from exc
    return conn


def sessions_being_recorded(db_file: Path) -> int:
    """How many sessions a live process on this machine is still writing (plaintext
    columns, so no passphrase is needed); 0 when there is no store."""
    if not db_file.exists():
        return 0
    conn = _open_read_only(db_file)
    try:
        rows = conn.execute("SELECT writer_pid, writer_host FROM sessions WHERE ended_at IS NULL").fetchall()
    except sqlite3.DatabaseError:
        return 0  # not a store we can read: delete-all may still clear it
    finally:
        conn.close()
    return sum(1 for pid, host in rows
               if pid and host == this_host() and process_alive(int(pid)))


def _read_facts(db_file: Path) -> _Facts | None:
    """Plaintext facts straight from the file, read-only and without the passphrase."""
    if not db_file.exists():
        return None
    import json

    conn = _open_read_only(db_file)
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not {"meta", "sessions", "audio", "settings"} <= tables:
            raise StoreError(f"{db_file} is not a trainer session store.")
        setting = {}
        for key, value in conn.execute(
            "SELECT key, value FROM settings WHERE key IN ('audio_retention', 'retention_days')"
        ):
            setting[key] = json.loads(bytes(value[1:]).decode("utf-8"))
        meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
        return _Facts(
            schema=conn.execute("PRAGMA user_version").fetchone()[0],
            encrypted=meta.get("encrypted") == "1",
            sessions=conn.execute("SELECT COUNT(*) FROM sessions").fetchone()[0],
            unfinished=conn.execute("SELECT COUNT(*) FROM sessions WHERE ended_at IS NULL").fetchone()[0],
            recordings=conn.execute("SELECT COUNT(*) FROM audio").fetchone()[0],
            audio_retention=bool(setting.get("audio_retention", False)),
            retention_days=setting.get("retention_days"),
        )
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{db_file} cannot be read as a session store ({exc}).") from exc
    finally:
        conn.close()


def folder_is_encrypted(paths: DataPaths) -> bool:
    """Whether the store in ``paths`` has a passphrase, read without it."""
    facts = _read_facts(paths.db_file)
    return facts is not None and facts.encrypted


def _size(path: Path) -> str:
    size = sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.exists())
    return f"{size / 1024:.0f} KiB" if size >= 1024 else f"{size} bytes"


def privacy_audit(store_or_paths: "SessionStore | DataPaths | Path | str | None" = None) -> str:
    """The audit text. Works on an open store, or on a data folder without its passphrase."""
    store = None
    if isinstance(store_or_paths, DataPaths):
        paths = store_or_paths
    elif store_or_paths is None or isinstance(store_or_paths, (str, Path)):
        paths = DataPaths(resolve_data_dir(store_or_paths))
    else:
        store = store_or_paths
        paths = store.paths
    facts = _read_facts(paths.db_file)
    lines = ["Trainer privacy audit", ""]
    lines.append(f"Data folder:   {paths.data_dir}")
    if facts is None:
        lines.append(f"Database file: {paths.db_file} (not created yet: nothing stored)")
    else:
        lines.append(f"Database file: {paths.db_file} ({_size(paths.db_file)}, SQLite, schema {facts.schema})")
    lines.append(
        "What is stored: transcripts of what the trainee and the simulated client said, "
        "utterance codes and per-turn feedback, session summaries, settings, supervisor comments."
    )
    if facts is None:
        lines.append("Audio:         not kept (audio retention is off by default).")
    else:
        state = "on" if facts.audio_retention else "off"
        lines.append(f"Audio:         {'kept' if facts.audio_retention else 'not kept'} "
                     f"(audio retention {state}); {facts.recordings} recordings stored.")
    if facts is not None and facts.encrypted:
        key_problem = None
        try:
            kdf = read_key_info(paths.key_file).kdf.describe()
        except FileNotFoundError:
            kdf, key_problem = "scrypt", f"The key file {paths.key_file} is missing."
        except (OSError, StoreError) as exc:
            kdf, key_problem = "scrypt", str(exc).split(". Without it")[0] + "."
        lines.append(f"Encryption:    on. AES-256-GCM, key derived with {kdf} and a per-install "
                     f"random salt; key file {paths.key_file}.")
        if key_problem:
            lines.append(f"  PROBLEM:     {key_problem} Without it the encrypted sessions cannot be read, "
                         "even with the right passphrase: restore keyinfo.json from a backup of this folder.")
        lines.append("  Encrypted:   transcripts, codes, feedback, client state, timings, "
                     "summaries, audio, comments, session settings, other settings.")
        lines.append(f"  Not encrypted (metadata): {PLAINTEXT_METADATA}.")
    else:
        lines.append("Encryption:    off. Anyone who can read the data folder can read the "
                     "transcripts. Turn it on with `trainer passphrase set`.")
    if facts is None or facts.retention_days is None:
        lines.append("Retention:     sessions are kept until you delete them "
                     "(`trainer sessions delete ID`, `trainer sessions delete-all --yes`).")
    else:
        lines.append(f"Retention:     sessions are deleted {facts.retention_days} days after they "
                     "started (checked whenever the app or a session command opens them).")
    if facts is None:
        lines.append("Sessions:      0")
    else:
        detail = f" ({facts.unfinished} not finished)" if facts.unfinished else ""
        lines.append(f"Sessions:      {facts.sessions}{detail}")
    if store is not None:
        lines.append(f"Store opened:  encryption {store.encryption_description}.")
    leftover = ORT_TELEMETRY_DIR.expanduser()
    if leftover.is_dir():
        lines.append(f"Left over:     {leftover} holds onnxruntime usage events queued by an earlier "
                     "version of this app (model file names, the OS; none are sent now). Safe to delete: "
                     f"rm -r {leftover}")
    lines.append(NETWORK_STATEMENT)
    return "\n".join(lines)
