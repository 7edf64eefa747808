"""Encryption at rest: scrypt key derivation and AES-256-GCM sealed blobs.

Blob layout (first byte is a tag so plain and sealed data can never be confused):

* ``0x00 + payload``                     -- stored in the clear (no passphrase set)
* ``0x01 + nonce (12 bytes) + ciphertext`` -- AES-256-GCM, ciphertext includes the tag

Each sealed blob is bound to the row and column it belongs to through the associated
data (see ``trainer.storage.sealed.aad``), so a blob copied into another row fails to
open.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from trainer.storage.errors import DataIntegrityError, StoreError, WrongPassphraseError

CIPHER_NAME = "AES-256-GCM"
KDF_NAME = "scrypt"
KEY_BYTES = 32
NONCE_BYTES = 12
SALT_BYTES = 16

PLAIN_TAG = b"\x00"
SEALED_TAG = b"\x01"

_VERIFIER_PLAINTEXT = b"trainer key verifier v1"
_VERIFIER_AAD = b"trainer/keyinfo/verifier"
_KEYINFO_FORMAT = "trainer-keyinfo"


@dataclass(frozen=True)
class ScryptParams:
    """scrypt cost; the defaults take about 0.1 s and 32 MiB. Tests pass lower ``n``."""

    n: int = 2**15
    r: int = 8
    p: int = 1

    def reasonable(self) -> bool:
        """Within bounds we are willing to compute (a forged file must not exhaust memory)."""
        power_of_two = self.n >= 2 and self.n & (self.n - 1) == 0
        return power_of_two and self.n <= 2**20 and 1 <= self.r <= 32 and 1 <= self.p <= 16

    def describe(self) -> str:
        return f"scrypt (n=2^{self.n.bit_length() - 1}, r={self.r}, p={self.p})"


def derive_key(passphrase: str, salt: bytes, params: ScryptParams) -> bytes:
    if not passphrase:
        raise ValueError("The passphrase must not be empty.")
    kdf = Scrypt(salt=salt, length=KEY_BYTES, n=params.n, r=params.r, p=params.p)
    return kdf.derive(passphrase.encode("utf-8"))


def encrypt(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    """``nonce + ciphertext`` with a fresh random 96-bit nonce."""
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def decrypt(key: bytes, data: bytes, aad: bytes) -> bytes:
    """Inverse of :func:`encrypt`; raises ``InvalidTag`` on any tampering."""
    if len(data) < NONCE_BYTES + 16:
        raise InvalidTag()
    return AESGCM(key).decrypt(data[:NONCE_BYTES], data[NONCE_BYTES:], aad)


@dataclass(frozen=True)
class KeyInfo:
    """What is needed to re-derive and check the key: salt, KDF cost, verifier."""

    salt: bytes
    kdf: ScryptParams
    verifier: bytes

    @property
    def key_id(self) -> str:
        """A public fingerprint of this key file, recorded in the database."""
        return hashlib.sha256(self.salt + self.verifier).hexdigest()[:16]

    def to_json(self) -> str:
        return json.dumps(
            {
                "format": _KEYINFO_FORMAT,
                "version": 1,
                "cipher": CIPHER_NAME,
                "kdf": {"name": KDF_NAME, "n": self.kdf.n, "r": self.kdf.r, "p": self.kdf.p},
                "salt": base64.b64encode(self.salt).decode("ascii"),
                "verifier": base64.b64encode(self.verifier).decode("ascii"),
            },
            indent=2,
        )

    @classmethod
    def from_json(cls, text: str, source: Path) -> "KeyInfo":
        try:
            raw = json.loads(text)
            if not isinstance(raw, dict):
                raise ValueError("not a trainer key file")
            if raw.get("format") != _KEYINFO_FORMAT or raw["kdf"]["name"] != KDF_NAME:
                raise ValueError("not a trainer key file")
            kdf = ScryptParams(n=int(raw["kdf"]["n"]), r=int(raw["kdf"]["r"]), p=int(raw["kdf"]["p"]))
            if not kdf.reasonable():
                raise ValueError("key parameters out of range")
            return cls(
                salt=base64.b64decode(raw["salt"]),
                kdf=kdf,
                verifier=base64.b64decode(raw["verifier"]),
            )
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise StoreError(
                f"The key file {source} is damaged ({exc}). Without it the encrypted "
                "sessions cannot be read; restore it from a backup if you have one."
            ) from exc


def new_key(passphrase: str, params: ScryptParams | None = None) -> tuple[KeyInfo, bytes]:
    """A fresh salt and key for ``passphrase``; returns the key info and the key."""
    params = params or ScryptParams()
    salt = os.urandom(SALT_BYTES)
    key = derive_key(passphrase, salt, params)
    verifier = encrypt(key, _VERIFIER_PLAINTEXT, _VERIFIER_AAD)
    return KeyInfo(salt=salt, kdf=params, verifier=verifier), key


def unlock(info: KeyInfo, passphrase: str, source: Path) -> bytes:
    """The key for ``passphrase``, or ``WrongPassphraseError``."""
    try:
        key = derive_key(passphrase, info.salt, info.kdf)
        if decrypt(key, info.verifier, _VERIFIER_AAD) == _VERIFIER_PLAINTEXT:
            return key
    except (InvalidTag, ValueError):
        pass
    raise WrongPassphraseError(
        f"Wrong passphrase for the sessions in {source.parent}. Nothing was changed."
    )


def read_key_info(path: Path) -> KeyInfo:
    return KeyInfo.from_json(path.read_text(encoding="utf-8"), path)


def write_key_info(path: Path, info: KeyInfo) -> None:
    """Write atomically (temp file, fsync, rename) with owner-only permissions."""
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(info.to_json())
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


class PlainSealer:
    """No passphrase: blobs are tagged but not encrypted."""

    encrypted = False
    description = "off"

    def seal(self, data: bytes, aad: bytes) -> bytes:
        return PLAIN_TAG + data

    def open(self, blob: bytes, aad: bytes) -> bytes:
        if blob[:1] == PLAIN_TAG:
            return bytes(blob[1:])
        if blob[:1] == SEALED_TAG:
            raise DataIntegrityError(
                "Found encrypted data in a store opened without a passphrase."
            )
        raise DataIntegrityError("A stored value has an unknown format (damaged database?).")


class AesGcmSealer:
    """With a passphrase: every blob AES-256-GCM sealed, bound to its row."""

    encrypted = True

    def __init__(self, key: bytes, info: KeyInfo) -> None:
        self._key = key
        self.info = info
        self.description = f"on ({CIPHER_NAME}, key from {info.kdf.describe()})"

    def seal(self, data: bytes, aad: bytes) -> bytes:
        return SEALED_TAG + encrypt(self._key, data, aad)

    def open(self, blob: bytes, aad: bytes) -> bytes:
        if blob[:1] != SEALED_TAG:
            raise DataIntegrityError(
                "Found unencrypted data in an encrypted store; it was not written by "
                "this app and is refused."
            )
        try:
            return decrypt(self._key, bytes(blob[1:]), aad)
        except InvalidTag as exc:
            raise DataIntegrityError(
                "A stored value failed its integrity check: it was damaged, truncated "
                "or moved between records."
            ) from exc


Sealer = PlainSealer | AesGcmSealer
