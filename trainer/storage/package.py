"""Supervision packages: one encrypted file carrying a session (or comments) to a supervisor.

File layout::

    b"TRAINER-PACKAGE\\x00"           16 bytes, magic
    header length                     4 bytes, big-endian
    header                            JSON: format, version, kind, KDF params, salt
    nonce + AES-256-GCM ciphertext     of zlib(JSON body)

The key comes from scrypt(package passphrase, salt). The magic, length and header are
the associated data, so any change to any byte of the file is detected.
"""

from __future__ import annotations

import base64
import json
import os
import sqlite3
import struct
import zlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from cryptography.exceptions import InvalidTag

from trainer.storage.crypto import SALT_BYTES, ScryptParams, decrypt, derive_key, encrypt
from trainer.storage.errors import PackageError, StoreError
from trainer.storage.private_file import write_private_file
from trainer.storage.retention import now_utc, to_iso

if TYPE_CHECKING:
    from trainer.storage.store import SessionStore

MAGIC = b"TRAINER-PACKAGE\x00"
FORMAT = "trainer-package"
VERSION = 1
KIND_SESSION = "session"
KIND_COMMENTS = "comments"
_LENGTH = struct.Struct(">I")
_MAX_HEADER = 64 * 1024


def write_package(
    path: Path, kind: str, body: dict[str, Any], passphrase: str, kdf_params: ScryptParams | None = None
) -> None:
    if not passphrase:
        raise PackageError("A package passphrase is needed (it must not be empty).")
    params = kdf_params or ScryptParams()
    salt = os.urandom(SALT_BYTES)
    header = json.dumps(
        {
            "format": FORMAT,
            "version": VERSION,
            "kind": kind,
            "cipher": "AES-256-GCM",
            "kdf": {"name": "scrypt", "n": params.n, "r": params.r, "p": params.p},
            "salt": base64.b64encode(salt).decode("ascii"),
        },
        sort_keys=True,
    ).encode("utf-8")
    prefix = MAGIC + _LENGTH.pack(len(header)) + header
    key = derive_key(passphrase, salt, params)
    plaintext = zlib.compress(json.dumps(body, ensure_ascii=False).encode("utf-8"))
    try:
        write_private_file(path, prefix + encrypt(key, plaintext, prefix))
    except OSError as exc:
        raise PackageError(str(exc)) from exc  # names the file, and a full disk as such


def read_header(path: Path) -> tuple[dict[str, Any], bytes, bytes]:
    """The plaintext header, the authenticated prefix and the encrypted rest."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise PackageError(f"Cannot read {path}: {exc}") from exc
    if not data.startswith(MAGIC) or len(data) < len(MAGIC) + _LENGTH.size:
        raise PackageError(f"{path} is not a trainer supervision package.")
    (length,) = _LENGTH.unpack_from(data, len(MAGIC))
    start = len(MAGIC) + _LENGTH.size
    if length > _MAX_HEADER or start + length > len(data):
        raise PackageError(f"{path} is damaged (its header is cut off).")
    try:
        header = json.loads(data[start : start + length].decode("utf-8"))
        if header.get("format") != FORMAT:
            raise ValueError("wrong format")
    except (ValueError, UnicodeDecodeError) as exc:
        raise PackageError(f"{path} is damaged (unreadable header).") from exc
    if header.get("version") != VERSION:
        raise PackageError(
            f"{path} was made by another version of trainer (package version "
            f"{header.get('version')}); update trainer to open it."
        )
    return header, data[: start + length], data[start + length :]


def package_kind(path: Path) -> str:
    """``"session"`` or ``"comments"`` (from the authenticated, unencrypted header)."""
    return str(read_header(path)[0].get("kind"))


def read_package(path: Path, passphrase: str, expected_kind: str) -> dict[str, Any]:
    header, prefix, sealed = read_header(path)
    if header.get("kind") != expected_kind:
        raise PackageError(
            f"{path} holds {header.get('kind')!r}, not {expected_kind!r}; "
            f"use the matching import."
        )
    try:
        kdf = header["kdf"]
        params = ScryptParams(n=int(kdf["n"]), r=int(kdf["r"]), p=int(kdf["p"]))
        salt = base64.b64decode(header["salt"])
        # The header is only authenticated after the key is derived: refuse a cost that
        # would exhaust memory before we get that far.
        if not params.reasonable():
            raise ValueError("key parameters out of range")
    except (KeyError, TypeError, ValueError) as exc:
        raise PackageError(f"{path} is damaged (bad key parameters).") from exc
    try:
        if not passphrase:
            raise InvalidTag()
        plaintext = decrypt(derive_key(passphrase, salt, params), sealed, prefix)
    except (InvalidTag, ValueError) as exc:
        raise PackageError(
            f"Cannot open {path}: wrong package passphrase, or the file was changed or "
            "damaged. Nothing was imported."
        ) from exc
    try:
        return json.loads(zlib.decompress(plaintext).decode("utf-8"))
    except (zlib.error, ValueError) as exc:
        raise PackageError(f"{path} is damaged (unreadable contents).") from exc


def _audio_to_json(clip: dict[str, Any]) -> dict[str, Any]:
    return {
        "index": clip["index"],
        "attempt": clip["attempt"],
        "role": clip["role"],
        "sample_rate": clip["sample_rate"],
        "pcm16le": base64.b64encode(clip["samples"].astype("<i2").tobytes()).decode("ascii"),
    }


def _audio_from_json(item: dict[str, Any]) -> dict[str, Any]:
    raw = base64.b64decode(item["pcm16le"])
    if len(raw) % 2:
        raise ValueError("odd audio length")
    return {
        "index": int(item["index"]),
        "attempt": int(item.get("attempt") or 0),
        "role": str(item["role"]),
        "sample_rate": int(item["sample_rate"]),
        "samples": np.frombuffer(raw, dtype="<i2").astype(np.int16),
    }


def export_package(
    store: "SessionStore",
    session_id: str,
    path: Path,
    package_passphrase: str,
    kdf_params: ScryptParams | None = None,
) -> None:
    """Write one session (and its kept audio) as an encrypted package file."""
    session = store.load_session(session_id)
    body = {
        "session": session.to_dict(),
        "audio": [_audio_to_json(clip) for clip in store.session_audio(session.info.id)],
        "exported_at": to_iso(now_utc()),
    }
    write_package(path, KIND_SESSION, body, package_passphrase, kdf_params)


def import_package(store: "SessionStore", path: Path, package_passphrase: str) -> str:
    """Import a package as a read-only review copy; returns the new session id."""
    body = read_package(path, package_passphrase, KIND_SESSION)
    try:
        record = body["session"]
        audio = [_audio_from_json(item) for item in body.get("audio") or []]
        origin = {
            "package": path.name,
            "imported_at": to_iso(now_utc()),
            "exported_at": body.get("exported_at"),
            "original_session_id": record.get("origin_session_id") or record["id"],
        }
        return store._import_copy(record, audio, origin)
    except (KeyError, TypeError, ValueError, sqlite3.Error) as exc:
        raise PackageError(f"{path} is damaged (session record incomplete: {exc}). Nothing was imported.") from exc


def export_comments(
    store: "SessionStore",
    session_id: str,
    path: Path,
    passphrase: str,
    kdf_params: ScryptParams | None = None,
) -> int:
    """Write the comments on a session (usually a review copy) for the trainee; returns count."""
    session = store.load_session(session_id)
    original = session.info.origin_session_id or session.info.id
    comments = [
        {key: comment[key] for key in ("turn_index", "author", "text", "created_at")}
        for comment in session.comments
    ]
    write_package(path, KIND_COMMENTS, {"original_session_id": original, "comments": comments}, passphrase, kdf_params)
    return len(comments)


def import_comments(store: "SessionStore", path: Path, passphrase: str) -> int:
    """Add a supervisor's comments to the trainee's own session; returns comments added."""
    body = read_package(path, passphrase, KIND_COMMENTS)
    original = body.get("original_session_id")
    comments = body.get("comments")
    if not isinstance(original, str) or not isinstance(comments, list):
        raise PackageError(f"{path} is damaged (comments record incomplete).")
    candidates = store.find_sessions_by_origin(original)
    if not candidates:
        raise PackageError(
            f"The comments in {path} are for session {original}, which is not in this data folder."
        )
    try:
        return store._merge_comments(candidates[0], comments)
    except StoreError as exc:
        raise PackageError(f"Cannot import the comments in {path}: {exc}") from exc
