"""Errors raised by the session store, its encryption and its exports.

Every message names the file involved and what the user can do about it, because the
message is shown as-is by the command line and the window.
"""

from __future__ import annotations


class StoreError(Exception):
    """The session store cannot be used as asked (bad file, unknown session, ...)."""


class DataFolderGoneError(StoreError):
    """The data folder (or its database file) was removed while the store was open: what
    was written since then went into a deleted file, so the session is not stored."""

    session_lost = True  # read by the engine, which does not import the store


class SessionNotFoundError(StoreError):
    """No session with the given id (or no sessions at all for ``"last"``)."""


class ReadOnlySessionError(StoreError):
    """The session is an imported supervision copy and cannot get new turns."""


class PassphraseRequiredError(StoreError):
    """The data folder is encrypted and no passphrase was given."""


class WrongPassphraseError(StoreError):
    """The passphrase does not unlock this data folder (nothing was changed)."""


class DataIntegrityError(StoreError):
    """A stored blob failed authentication or is truncated."""


class AudioDataError(DataIntegrityError):
    """A stored audio recording is damaged or truncated."""


class PackageError(Exception):
    """A supervision package or comments file cannot be read or written."""
