"""The session store: one SQLite file, one transaction per turn, optional encryption.

Thread-safe: one connection (``check_same_thread=False``) guarded by a lock; every public
method is synchronous and short. See docs/privacy.md for what is stored and how.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import sqlite3
import threading
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from trainer.storage import keys
from trainer.storage.codec import (
    check_audio,
    decode_audio,
    encode_audio,
    from_json_bytes,
    json_dumps,
    to_json_bytes,
)
from trainer.storage.crypto import AesGcmSealer, ScryptParams, Sealer, unlock
from trainer.storage.db import (
    checkpoint,
    get_meta,
    open_connection,
    open_error,
    open_leftover_log_read_only,
    open_read_only,
    read_only_reason,
    storage_problem,
)
from trainer.storage.errors import (
    AudioDataError,
    DataFolderGoneError,
    DataIntegrityError,
    ReadOnlySessionError,
    SessionNotFoundError,
    StoreError,
)
from trainer.storage.liveness import process_alive, this_host
from trainer.storage.paths import DataPaths, passphrase_from_env, resolve_data_dir
from trainer.storage.records import SessionInfo, StoredSession
from trainer.storage.retention import expired_session_ids, from_iso, now_utc, to_iso, validate_retention_days
from trainer.storage.schema import SCHEMA_VERSION, check_compatible, migrate
from trainer.storage.sealed import PLAINTEXT_SETTINGS, TURN_FIELDS, TURN_KEYS, aad

AUDIO_ROLES = ("trainee", "client")
LAST = "last"
MIN_ID_PREFIX = 6  # shorter starts of an id match too many sessions to be meant

# Sessions being written by stores open in this process (to tell active from interrupted).
_ACTIVE_HERE: set[str] = set()
_ACTIVE_HERE_LOCK = threading.Lock()

_SETTING_DEFAULTS: dict[str, Any] = {"audio_retention": False, "retention_days": None}

log = logging.getLogger(__name__)


class SessionStore:
    """Sessions, turns, audio, settings and supervisor comments of one data folder."""

    def __init__(
        self,
        paths: DataPaths,
        conn: sqlite3.Connection,
        sealer: Sealer,
        kdf_params: ScryptParams | None = None,
        read_only: str | None = None,
    ) -> None:
        """Use :meth:`open`."""
        self.paths = paths
        self.read_only = read_only  # why nothing can be written, or None
        self._conn: sqlite3.Connection | None = conn
        self._file_id = _file_id(paths.db_file)  # to notice the folder being removed
        self._sealer = sealer
        self._kdf_params = kdf_params
        self._lock = threading.RLock()
        self._token = uuid.uuid4().hex
        self._writing: set[str] = set()

    # ----------------------------------------------------------------- opening
    @classmethod
    def open(
        cls,
        data_dir: Path | str | None = None,
        passphrase: str | None = None,
        *,
        kdf_params: ScryptParams | None = None,
        use_env: bool = True,
        read_only_ok: bool = False,
    ) -> "SessionStore":
        """Open (creating if needed) the store in ``data_dir``.

        ``data_dir`` defaults to ``$TRAINER_DATA_DIR`` or the platform's user data
        folder; ``passphrase`` defaults to ``$TRAINER_PASSPHRASE``. A passphrase given
        for an unencrypted folder encrypts it. Raises ``StoreError`` (foreign or damaged
        file, newer schema), ``PassphraseRequiredError`` or ``WrongPassphraseError``;
        in every error case nothing is changed. ``kdf_params`` sets the scrypt cost of
        a new key (tests use a low one); ``use_env=False`` ignores the environment.
        A read-only data folder raises ``StoreError`` saying so, unless ``read_only_ok``:
        then its sessions can be read (``read_only`` holds the reason) but not changed.
        """
        if passphrase is None and use_env:
            passphrase = passphrase_from_env()
        paths = DataPaths(resolve_data_dir(data_dir))
        try:
            paths.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as exc:
            raise StoreError(f"Cannot create the data folder {paths.data_dir}: {exc}") from exc
        reason = read_only_reason(paths.data_dir, paths.db_file)
        if reason is not None:
            if not read_only_ok:
                raise StoreError(reason)
            return cls._open_read_only(paths, passphrase, reason)
        # A wrong or missing passphrase must leave every file as it was, even with a
        # write-ahead log left over by a crash (see open_leftover_log_read_only).
        checked = _unlock_read_only(paths, passphrase)
        conn, version = open_connection(paths.db_file)
        try:
            if version == 0:
                migrate(conn)  # a new, empty file: create the tables
            # Unlock before any upgrade, so a wrong passphrase changes nothing.
            if checked is not None and get_meta(conn, "key_id") == checked.info.key_id:
                sealer: Sealer = checked
            else:
                sealer = keys.unlock_sealer(conn, paths, passphrase)
            if version != 0:
                migrate(conn)
            store = cls(paths, conn, sealer, kdf_params)
            if passphrase is not None and not sealer.encrypted:
                store.set_passphrase(passphrase)
        except sqlite3.OperationalError as exc:  # e.g. the disk is full: no traceback
            conn.close()
            raise open_error(paths.db_file, exc) from exc
        except BaseException:
            conn.close()
            raise
        return store

    @classmethod
    def _open_read_only(cls, paths: DataPaths, passphrase: str | None, reason: str) -> "SessionStore":
        """The store of a read-only folder, for reading; ``StoreError(reason)`` if there is
        nothing to read or it would need writing (an older schema)."""
        conn = open_read_only(paths.db_file) if paths.db_file.exists() else None
        if conn is None:
            raise StoreError(reason)
        try:
            if check_compatible(conn, paths.db_file) != SCHEMA_VERSION:
                raise StoreError(reason)
            return cls(paths, conn, keys.unlock_sealer(conn, paths, passphrase), read_only=reason)
        except sqlite3.Error as exc:
            conn.close()
            raise StoreError(reason) from exc
        except BaseException:
            conn.close()
            raise

    @property
    def encrypted(self) -> bool:
        return self._sealer.encrypted

    @property
    def encryption_description(self) -> str:
        return self._sealer.description

    def close(self) -> None:
        """Close; sessions started here and not finished will show as interrupted."""
        with self._lock:
            if self._conn is None:
                return
            with _ACTIVE_HERE_LOCK:
                _ACTIVE_HERE.difference_update(self._writing)
            self._writing.clear()
            try:
                if self.read_only is None:
                    checkpoint(self._conn)
            except sqlite3.Error as exc:
                # Nothing is lost: the log keeps every commit and the next open folds it in.
                log.debug("checkpoint on closing %s failed: %s", self.paths.db_file, exc)
            finally:
                try:
                    self._conn.close()
                except sqlite3.Error as exc:
                    log.debug("closing %s failed: %s", self.paths.db_file, exc)
                self._conn = None

    def __enter__(self) -> "SessionStore":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ----------------------------------------------------------------- helpers
    @property
    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            raise StoreError("The session store is closed.")
        return self._conn

    def _check_writable(self) -> None:
        """Refuse a write that cannot be kept: read-only store, or its folder removed
        (SQLite would go on writing into the deleted file and lose it all on closing)."""
        if self.read_only is not None:
            raise StoreError(self.read_only)
        if _file_id(self.paths.db_file) != self._file_id:
            raise DataFolderGoneError(
                f"The data folder {self.paths.data_dir} (or its database file) was removed while "
                "trainer was using it, so what was written since it was opened is not stored.")

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        conn = self._db
        self._check_writable()
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
        except sqlite3.Error as exc:  # a full disk or a read-only folder, said plainly
            problem = storage_problem(self.paths.data_dir, exc)
            if problem is None:
                raise
            raise StoreError(problem) from exc

    def _seal(self, value: Any, table: str, column: str, *identity: object) -> bytes:
        return self._sealer.seal(to_json_bytes(value), aad(table, column, *identity))

    def _unseal(self, blob: bytes | None, table: str, column: str, *identity: object) -> Any:
        if blob is None:
            return None
        try:
            return from_json_bytes(self._sealer.open(blob, aad(table, column, *identity)))
        except DataIntegrityError as exc:
            where = "/".join(str(part) for part in identity)
            raise DataIntegrityError(f"{table}.{column} of {where}: {exc}") from exc

    def _session_row(self, session_id: str) -> sqlite3.Row | tuple:
        row = self._db.execute(
            "SELECT id, read_only, ended_at FROM sessions WHERE id = ?", (session_id,)
        ).fetchone()
        if row is None:
            raise SessionNotFoundError(f"No session with id {session_id!r}.")
        return row

    def _resolve_id(self, session_id: str) -> str:
        if session_id == LAST:
            row = self._db.execute(
                "SELECT id FROM sessions ORDER BY started_at DESC, rowid DESC LIMIT 1"
            ).fetchone()
            if row is None:
                raise SessionNotFoundError("There are no stored sessions yet.")
            return row[0]
        if self._db.execute("SELECT 1 FROM sessions WHERE id = ?", (session_id,)).fetchone() is None \
                and len(session_id) >= MIN_ID_PREFIX and re.fullmatch(r"[0-9a-f-]+", session_id):
            # The start of an id, as people copy it from `sessions list` ("da1fcea9").
            rows = self._db.execute("SELECT id FROM sessions WHERE substr(id, 1, ?) = ? LIMIT 2",
                                    (len(session_id), session_id)).fetchall()
            if len(rows) == 2:
                raise SessionNotFoundError(f"More than one session's id starts with {session_id!r}; "
                                           "give more of it.")
            if rows:
                return rows[0][0]
        self._session_row(session_id)
        return session_id

    def _is_active(self, session_id: str, ended_at: str | None, pid: int | None, host: str | None) -> bool:
        if ended_at is not None:
            return False
        if pid == os.getpid() and host == this_host():
            with _ACTIVE_HERE_LOCK:
                return session_id in _ACTIVE_HERE
        return pid is not None and host == this_host() and process_alive(pid)

    # ----------------------------------------------------------------- writing
    def start_session(
        self,
        scenario_id: str,
        scenario_title: str,
        models: dict[str, Any],
        settings: dict[str, Any] | None = None,
    ) -> str:
        """A new session; returns its id (a UUID string)."""
        session_id = str(uuid.uuid4())
        with self._lock, self._transaction() as conn:
            conn.execute(
                "INSERT INTO sessions (id, scenario_id, scenario_title, started_at, models, "
                "settings, writer_pid, writer_host, writer_token) VALUES (?,?,?,?,?,?,?,?,?)",
                (
                    session_id,
                    scenario_id,
                    scenario_title,
                    to_iso(now_utc()),
                    json_dumps(models or {}),
                    self._seal(settings or {}, "sessions", "settings", session_id),
                    os.getpid(),
                    this_host(),
                    self._token,
                ),
            )
            self._writing.add(session_id)
            with _ACTIVE_HERE_LOCK:
                _ACTIVE_HERE.add(session_id)
        return session_id

    def add_turn(self, session_id: str, turn: dict[str, Any]) -> None:
        """Store one turn (and its audio if audio retention is on) in one transaction.

        ``turn`` keys: ``index`` (required), ``trainee_text``, ``client_text``, ``code``,
        ``confidence``, ``feedback``, ``timings``, ``client_state``, ``trainee_audio`` /
        ``client_audio`` (np.int16 arrays or None), ``sample_rates``
        (``{"trainee": 16000, "client": 22050}``), ``branch_of`` (the index of the turn
        this one tries again, or None). Storing an index again adds another attempt.
        """
        index = turn.get("index")
        if isinstance(index, bool) or not isinstance(index, (int, np.integer)):
            raise ValueError(f"turn['index'] must be an int, got {index!r}")
        index = int(index)
        branch_of = turn.get("branch_of")
        branch_of = None if branch_of is None else int(branch_of)
        with self._lock:
            row = self._session_row(session_id)
            if row[1]:
                raise ReadOnlySessionError(
                    f"Session {session_id} is an imported review copy; it cannot get new turns."
                )
            audio = self._audio_to_store(turn) if self.get_setting("audio_retention") else []
            with self._transaction() as conn:
                attempt = conn.execute(
                    "SELECT COALESCE(MAX(attempt) + 1, 0) FROM turns WHERE session_id = ? AND idx = ?",
                    (session_id, index),
                ).fetchone()[0]
                ident = (session_id, index, attempt)
                sealed = self._seal_turn_fields(turn, ident)
                conn.execute(
                    "INSERT INTO turns (session_id, idx, attempt, branch_of, trainee_text, "
                    "client_text, code, confidence, feedback, timings, client_state, extra, "
                    "created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (*ident, branch_of, *sealed, to_iso(now_utc())),
                )
                for role, rate, data in audio:
                    conn.execute(
                        "INSERT INTO audio (session_id, idx, attempt, role, sample_rate, data) "
                        "VALUES (?,?,?,?,?,?)",
                        (*ident, role, rate, self._sealer.seal(data, aad("audio", "data", *ident, role))),
                    )

    def _seal_turn_fields(self, turn: dict[str, Any], ident: tuple) -> list[bytes]:
        fields = {
            "trainee_text": turn.get("trainee_text") or "",
            "client_text": turn.get("client_text") or "",
            "code": turn.get("code"),
            "confidence": turn.get("confidence"),
            "feedback": turn.get("feedback") or {},
            "timings": turn.get("timings") or {},
            "client_state": turn.get("client_state") or {},
            "extra": {
                key: value for key, value in turn.items()
                if key not in TURN_KEYS and not key.endswith("_audio")
            },
        }
        return [self._seal(fields[name], "turns", name, *ident) for name in TURN_FIELDS]

    @staticmethod
    def _audio_to_store(turn: dict[str, Any]) -> list[tuple[str, int, bytes]]:
        rates = turn.get("sample_rates") or {}
        out = []
        for role in AUDIO_ROLES:
            samples = turn.get(f"{role}_audio")
            if samples is None:
                continue
            array = check_audio(samples, f"turn['{role}_audio']")
            rate = rates.get(role)
            if rate is None:
                raise ValueError(f"turn['sample_rates'] has no rate for the {role} audio")
            out.append((role, int(rate), encode_audio(array, int(rate))))
        return out

    def finish_session(self, session_id: str, summary: dict[str, Any]) -> None:
        with self._lock:
            row = self._session_row(session_id)
            if row[1]:
                raise ReadOnlySessionError(f"Session {session_id} is an imported review copy.")
            with self._transaction() as conn:
                conn.execute(
                    "UPDATE sessions SET ended_at = ?, summary = ? WHERE id = ?",
                    (to_iso(now_utc()), self._seal(summary or {}, "sessions", "summary", session_id), session_id),
                )
            self._writing.discard(session_id)
            with _ACTIVE_HERE_LOCK:
                _ACTIVE_HERE.discard(session_id)

    def add_comment(self, session_id: str, turn_index: int | None, author: str, text: str) -> str:
        """A supervisor comment on a turn (or the whole session if ``turn_index`` is None)."""
        if not text or not text.strip():
            raise ValueError("A comment needs some text.")
        with self._lock:
            self._session_row(session_id)
            comment_id = str(uuid.uuid4())
            self._insert_comment(session_id, comment_id, turn_index, author, text, to_iso(now_utc()))
        return comment_id

    def _insert_comment(
        self, session_id: str, comment_id: str, turn_index: int | None, author: str, text: str, created_at: str
    ) -> None:
        with self._transaction() as conn:
            conn.execute(
                "INSERT INTO comments (id, session_id, turn_index, author, text, created_at) "
                "VALUES (?,?,?,?,?,?)",
                (
                    comment_id,
                    session_id,
                    turn_index,
                    self._seal(author or "", "comments", "author", comment_id),
                    self._seal(text, "comments", "text", comment_id),
                    created_at,
                ),
            )

    # ----------------------------------------------------------------- reading
    _INFO_COLUMNS = (
        "id, scenario_id, scenario_title, started_at, ended_at, summary, writer_pid, "
        "writer_host, read_only, origin_session_id, "
        # trainee turns: row 0 is the client's opening line, which the trainee never answered
        "(SELECT COUNT(*) FROM turns t WHERE t.session_id = sessions.id AND t.idx > 0)"
    )

    def _info_from_row(self, row: tuple) -> SessionInfo:
        (sid, scenario_id, title, started, ended, summary_blob, pid, host, read_only, origin_id, count) = row
        damaged = False
        try:
            summary = self._unseal(summary_blob, "sessions", "summary", sid)
        except DataIntegrityError:
            summary, damaged = None, True  # listed anyway; loading it gives the details
        mean = summary.get("mean_attunement") if isinstance(summary, dict) else None
        active = self._is_active(sid, ended, pid, host)
        return SessionInfo(
            id=sid,
            scenario_id=scenario_id,
            scenario_title=title,
            started_at=from_iso(started),
            ended_at=from_iso(ended),
            turns=int(count),
            interrupted=ended is None and not active,
            active=active,
            mean_attunement=float(mean) if isinstance(mean, (int, float)) else None,
            read_only=bool(read_only),
            origin_session_id=origin_id,
            damaged=damaged,
        )

    def list_sessions(self) -> list[SessionInfo]:
        """All sessions, oldest first."""
        with self._lock:
            rows = self._db.execute(
                f"SELECT {self._INFO_COLUMNS} FROM sessions ORDER BY started_at, rowid"
            ).fetchall()
            return [self._info_from_row(row) for row in rows]

    def load_session(self, session_id: str) -> StoredSession:
        """A whole session by id, or the most recent with ``"last"``."""
        with self._lock:
            sid = self._resolve_id(session_id)
            conn = self._db
            info = self._info_from_row(
                conn.execute(f"SELECT {self._INFO_COLUMNS} FROM sessions WHERE id = ?", (sid,)).fetchone()
            )
            models_json, settings_blob, summary_blob, origin_blob = conn.execute(
                "SELECT models, settings, summary, origin FROM sessions WHERE id = ?", (sid,)
            ).fetchone()
            turns = tuple(self._load_turns(sid))
            comments = tuple(self._load_comments(sid))
            return StoredSession(
                info=info,
                models=from_json_bytes(models_json.encode("utf-8")),
                settings=self._unseal(settings_blob, "sessions", "settings", sid) or {},
                turns=turns,
                summary=self._unseal(summary_blob, "sessions", "summary", sid),
                comments=comments,
                origin=self._unseal(origin_blob, "sessions", "origin", sid),
            )

    def _load_turns(self, sid: str) -> Iterator[dict[str, Any]]:
        conn = self._db
        audio_roles: dict[tuple[int, int], set[str]] = {}
        for idx, attempt, role in conn.execute(
            "SELECT idx, attempt, role FROM audio WHERE session_id = ?", (sid,)
        ):
            audio_roles.setdefault((idx, attempt), set()).add(role)
        rows = conn.execute(
            f"SELECT idx, attempt, branch_of, created_at, {', '.join(TURN_FIELDS)} "
            "FROM turns WHERE session_id = ? ORDER BY idx, attempt",
            (sid,),
        ).fetchall()
        for row in rows:
            idx, attempt, branch_of, created_at = row[:4]
            values = {
                name: self._unseal(blob, "turns", name, sid, idx, attempt)
                for name, blob in zip(TURN_FIELDS, row[4:])
            }
            turn: dict[str, Any] = dict(values.pop("extra") or {})
            turn.update(values)
            turn.update({"index": idx, "attempt": attempt, "branch_of": branch_of, "created_at": created_at})
            turn["audio"] = sorted(audio_roles.get((idx, attempt), set()))
            yield turn

    def _load_comments(self, sid: str) -> Iterator[dict[str, Any]]:
        rows = self._db.execute(
            "SELECT id, turn_index, author, text, created_at FROM comments WHERE session_id = ? "
            "ORDER BY created_at, rowid",
            (sid,),
        ).fetchall()
        for cid, turn_index, author, text, created_at in rows:
            yield {
                "id": cid,
                "turn_index": turn_index,
                "author": self._unseal(author, "comments", "author", cid),
                "text": self._unseal(text, "comments", "text", cid),
                "created_at": created_at,
            }

    def load_turn_audio(
        self, session_id: str, index: int, role: str, attempt: int | None = None
    ) -> tuple[np.ndarray, int] | None:
        """``(samples, sample_rate)`` of one side of a turn (latest attempt by default),
        None if no audio was kept; ``AudioDataError`` if the recording is damaged."""
        if role not in AUDIO_ROLES:
            raise ValueError(f"role must be one of {AUDIO_ROLES}, got {role!r}")
        with self._lock:
            sid = self._resolve_id(session_id)
            query = "SELECT attempt, data FROM audio WHERE session_id = ? AND idx = ? AND role = ?"
            params: tuple = (sid, index, role)
            if attempt is not None:
                query += " AND attempt = ?"
                params += (attempt,)
            row = self._db.execute(query + " ORDER BY attempt DESC LIMIT 1", params).fetchone()
        if row is None:
            return None
        found_attempt, blob = row
        where = f"session {sid} turn {index} ({role})"
        try:
            data = self._sealer.open(blob, aad("audio", "data", sid, index, found_attempt, role))
        except DataIntegrityError as exc:
            raise AudioDataError(f"The audio for {where} is damaged or truncated: {exc}") from exc
        return decode_audio(data, where)

    def session_audio(self, session_id: str) -> list[dict[str, Any]]:
        """Every kept recording of a session: dicts with index, attempt, role, samples, sample_rate."""
        with self._lock:
            sid = self._resolve_id(session_id)
            rows = self._db.execute(
                "SELECT idx, attempt, role FROM audio WHERE session_id = ? ORDER BY idx, attempt, role",
                (sid,),
            ).fetchall()
        out = []
        for idx, attempt, role in rows:
            found = self.load_turn_audio(sid, idx, role, attempt)
            if found is not None:
                out.append({"index": idx, "attempt": attempt, "role": role, "samples": found[0], "sample_rate": found[1]})
        return out

    # ----------------------------------------------------------------- deleting
    def delete_session(self, session_id: str) -> None:
        """Delete a session with its turns, audio and comments, for good."""
        with self._lock:
            sid = self._resolve_id(session_id)
            self._delete_ids([sid])

    def _delete_ids(self, ids: list[str]) -> int:
        if not ids:
            return 0
        with self._transaction() as conn:
            for sid in ids:
                conn.execute("DELETE FROM sessions WHERE id = ?", (sid,))
        self._writing.difference_update(ids)
        with _ACTIVE_HERE_LOCK:
            _ACTIVE_HERE.difference_update(ids)
        # secure_delete zeroed the freed pages; the checkpoint empties the log too.
        checkpoint(self._db)
        return len(ids)

    def purge_older_than(self, days: int, now: datetime | None = None) -> int:
        """Delete sessions started more than ``days`` days ago (never one being written)."""
        with self._lock:
            ids = [
                sid
                for sid in expired_session_ids(self._db, days, now)
                if sid not in self._writing
            ]
            return self._delete_ids(ids)

    def apply_retention(self, now: datetime | None = None) -> int:
        """Apply the ``retention_days`` setting (called at app start); returns sessions deleted."""
        days = self.get_setting("retention_days")
        if days is None:
            return 0
        return self.purge_older_than(int(days), now)

    def recording_count(self) -> int:
        """How many recordings are kept (all sessions)."""
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM audio").fetchone()[0])

    def delete_audio(self, session_id: str | None = None) -> int:
        """Delete kept recordings (of one session, or all); transcripts stay."""
        with self._lock:
            with self._transaction() as conn:
                if session_id is None:
                    count = conn.execute("DELETE FROM audio").rowcount
                else:
                    count = conn.execute(
                        "DELETE FROM audio WHERE session_id = ?", (self._resolve_id(session_id),)
                    ).rowcount
            checkpoint(self._db)
            return count

    def delete_everything(self) -> None:
        """Remove the database, its logs and the key file; the store is closed after."""
        with self._lock:
            self.close()
            remove_store_files(self.paths)

    # ----------------------------------------------------------------- settings
    def get_setting(self, key: str, default: Any = None) -> Any:
        with self._lock:
            row = self._db.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        if row is None:
            return _SETTING_DEFAULTS.get(key, default) if default is None else default
        if key in PLAINTEXT_SETTINGS:
            return from_json_bytes(bytes(row[0][1:]))
        return self._unseal(row[0], "settings", "value", key)

    def set_setting(self, key: str, value: Any) -> None:
        if key == "retention_days":
            value = validate_retention_days(value)
        if key == "audio_retention" and not isinstance(value, bool):
            raise ValueError(f"audio_retention must be True or False, got {value!r}")
        if key in PLAINTEXT_SETTINGS:
            blob = b"\x00" + to_json_bytes(value)
        else:
            blob = self._seal(value, "settings", "value", key)
        with self._lock, self._transaction() as conn:
            conn.execute(
                "INSERT INTO settings (key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, blob),
            )

    # ----------------------------------------------------------------- passphrase
    def _refuse_while_recording(self, action: str) -> None:
        """A running practice keeps the key it opened with: re-keying under it left its later
        turns in plain text (set) or sealed with the old key and unreadable (change)."""
        running = [info for info in self.list_sessions() if info.active]
        if running:
            raise StoreError(
                f"A practice session ({running[0].scenario_title}, started "
                f"{running[0].started_at.astimezone():%H:%M}) is still being recorded; end it, then "
                f"{action}. Nothing was changed.")

    def set_passphrase(self, new_passphrase: str) -> None:
        """Encrypt an unencrypted folder (existing data included) under ``new_passphrase``."""
        with self._lock:
            self._check_writable()
            if self._sealer.encrypted:
                raise StoreError("This data folder already has a passphrase; change it instead.")
            self._refuse_while_recording("set a passphrase")
            self._sealer = keys.switch_key(self._db, self.paths, self._sealer, new_passphrase, self._kdf_params)

    def change_passphrase(self, old_passphrase: str, new_passphrase: str) -> None:
        """Re-encrypt everything under ``new_passphrase`` in one transaction.

        ``WrongPassphraseError`` (nothing changed) if ``old_passphrase`` is wrong.
        """
        with self._lock:
            self._check_writable()
            self._refuse_while_recording("change the passphrase")
            if not self._sealer.encrypted:
                raise StoreError("This data folder has no passphrase yet; set one instead.")
            unlock(self._sealer.info, old_passphrase, self.paths.key_file)
            self._sealer = keys.switch_key(self._db, self.paths, self._sealer, new_passphrase, self._kdf_params)

    # ----------------------------------------------------------------- checks
    def integrity_check(self, deep: bool = False) -> bool:
        """SQLite's integrity and foreign-key checks; ``deep`` also opens every blob."""
        with self._lock:
            conn = self._db
            ok = conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            ok = ok and not conn.execute("PRAGMA foreign_key_check").fetchall()
            if ok and deep:
                try:
                    for info in self.list_sessions():
                        self.load_session(info.id)
                        self.session_audio(info.id)
                except DataIntegrityError:
                    return False
            return ok

    # ----------------------------------------------------------------- packages
    def export_package(self, session_id: str, path: Path | str, package_passphrase: str) -> None:
        from trainer.storage.package import export_package

        export_package(self, session_id, Path(path), package_passphrase)

    def import_package(self, path: Path | str, package_passphrase: str) -> str:
        from trainer.storage.package import import_package

        return import_package(self, Path(path), package_passphrase)

    def export_comments(self, session_id: str, path: Path | str, passphrase: str) -> int:
        from trainer.storage.package import export_comments

        return export_comments(self, session_id, Path(path), passphrase)

    def import_comments(self, path: Path | str, passphrase: str) -> int:
        from trainer.storage.package import import_comments

        return import_comments(self, Path(path), passphrase)

    def _import_copy(self, record: dict[str, Any], audio: list[dict[str, Any]], origin: dict[str, Any]) -> str:
        """Insert a read-only review copy of a packaged session (used by package.py)."""
        new_id = str(uuid.uuid4())
        origin_id = record.get("origin_session_id") or record["id"]
        with self._lock:
            # A second import made a second copy; one's own package made a copy of itself.
            already = self._db.execute(
                "SELECT id FROM sessions WHERE id = ? OR origin_session_id = ?", (origin_id, origin_id)
            ).fetchone()
            if already is not None:
                raise StoreError(f"This package's session is already here (as session {already[0]}); "
                                 "nothing was imported.")
        with self._lock, self._transaction() as conn:
            conn.execute(
                "INSERT INTO sessions (id, scenario_id, scenario_title, started_at, ended_at, "
                "models, settings, summary, read_only, origin_session_id, origin) "
                "VALUES (?,?,?,?,?,?,?,?,1,?,?)",
                (
                    new_id,
                    str(record["scenario_id"]),
                    str(record.get("scenario_title") or record["scenario_id"]),
                    to_iso(datetime.fromisoformat(record["started_at"])),
                    to_iso(datetime.fromisoformat(record["ended_at"])) if record.get("ended_at") else None,
                    json_dumps(record.get("models") or {}),
                    self._seal(record.get("settings") or {}, "sessions", "settings", new_id),
                    None if record.get("summary") is None else self._seal(record["summary"], "sessions", "summary", new_id),
                    record.get("origin_session_id") or record["id"],
                    self._seal(origin, "sessions", "origin", new_id),
                ),
            )
            for turn in record.get("turns") or []:
                ident = (new_id, int(turn["index"]), int(turn.get("attempt") or 0))
                conn.execute(
                    "INSERT INTO turns (session_id, idx, attempt, branch_of, trainee_text, client_text, "
                    "code, confidence, feedback, timings, client_state, extra, created_at) "
                    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (
                        *ident,
                        turn.get("branch_of"),
                        *self._seal_turn_fields(turn, ident),
                        turn.get("created_at") or to_iso(now_utc()),
                    ),
                )
            for clip in audio:
                ident = (new_id, int(clip["index"]), int(clip.get("attempt") or 0))
                data = encode_audio(check_audio(clip["samples"], "packaged audio"), int(clip["sample_rate"]))
                conn.execute(
                    "INSERT INTO audio (session_id, idx, attempt, role, sample_rate, data) VALUES (?,?,?,?,?,?)",
                    (*ident, clip["role"], int(clip["sample_rate"]),
                     self._sealer.seal(data, aad("audio", "data", *ident, clip["role"]))),
                )
            for comment in record.get("comments") or []:
                cid = str(uuid.uuid4())
                conn.execute(
                    "INSERT INTO comments (id, session_id, turn_index, author, text, created_at) VALUES (?,?,?,?,?,?)",
                    (cid, new_id, comment.get("turn_index"),
                     self._seal(comment.get("author") or "", "comments", "author", cid),
                     self._seal(comment.get("text") or "", "comments", "text", cid),
                     comment.get("created_at") or to_iso(now_utc())),
                )
        return new_id

    def _merge_comments(self, session_id: str, comments: list[dict[str, Any]]) -> int:
        """Add comments not already present (same author, turn, text, time); used by package.py."""
        with self._lock:
            self._session_row(session_id)
            existing = {
                (c["turn_index"], c["author"], c["text"], c["created_at"]) for c in self._load_comments(session_id)
            }
            added = 0
            for comment in comments:
                key = (comment.get("turn_index"), comment.get("author") or "", comment.get("text") or "",
                       comment.get("created_at") or "")
                if key in existing or not key[2]:
                    continue
                self._insert_comment(session_id, str(uuid.uuid4()), key[0], key[1], key[2],
                                     key[3] or to_iso(now_utc()))
                existing.add(key)
                added += 1
            return added

    def find_sessions_by_origin(self, original_id: str) -> list[str]:
        """Ids of sessions that are ``original_id`` itself or review copies of it."""
        with self._lock:
            rows = self._db.execute(
                "SELECT id FROM sessions WHERE id = ? OR origin_session_id = ? ORDER BY read_only, rowid",
                (original_id, original_id),
            ).fetchall()
        return [row[0] for row in rows]


def _file_id(path: Path) -> tuple[int, int] | None:
    """Which file ``path`` is now (device, inode), or None if it is gone."""
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return stat.st_dev, stat.st_ino


def _unlock_read_only(paths: DataPaths, passphrase: str | None) -> Sealer | None:
    """Check the passphrase of an encrypted store with a leftover write-ahead log on a
    read-only connection; raises ``WrongPassphraseError`` / ``PassphraseRequiredError``
    without changing any file. None if there is nothing to check this way."""
    conn = open_leftover_log_read_only(paths.db_file)
    if conn is None:
        return None
    try:
        if not keys.is_encrypted(conn):
            return None
        sealer = keys.unlock_sealer(conn, paths, passphrase)
        return sealer if isinstance(sealer, AesGcmSealer) else None
    except sqlite3.Error:
        return None  # not ours, damaged, or busy: the normal open deals with it
    finally:
        conn.close()


def remove_store_files(paths: DataPaths) -> list[Path]:
    """Delete the database, its logs and key files without opening them (no passphrase
    needed: this is also the way out for a forgotten passphrase). Other files in the data
    folder are left alone; the folder is removed if it ends up empty. Returns what was
    removed."""
    removed = []
    candidates = list(paths.owned_files()) + sorted(paths.data_dir.glob("keyinfo.json*"))
    for path in dict.fromkeys(candidates):
        if path.exists():
            _remove_file(path, overwrite=path.name.startswith("keyinfo"))
            removed.append(path)
    with contextlib.suppress(OSError):
        paths.data_dir.rmdir()  # only if nothing else lives there
    return removed


def _remove_file(path: Path, overwrite: bool) -> None:
    if not path.exists():
        return
    if overwrite:
        with contextlib.suppress(OSError):
            size = path.stat().st_size
            with path.open("r+b") as handle:
                handle.write(b"\x00" * size)
                handle.flush()
                os.fsync(handle.fileno())
    path.unlink()
