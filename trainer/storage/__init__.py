"""Session storage: SQLite store, encryption at rest, retention, exports, privacy audit.

Public API::

    from trainer.storage import SessionStore, StoreError, WrongPassphraseError
    store = SessionStore.open()            # $TRAINER_DATA_DIR / $TRAINER_PASSPHRASE
    store.apply_retention()                # at app start
    sid = store.start_session(scenario_id, scenario_title, models, settings)
    store.add_turn(sid, turn_dict)         # one transaction per turn
    store.finish_session(sid, summary)

See docs/privacy.md for what is stored and how it is protected.
"""

from trainer.storage.errors import (
    AudioDataError,
    DataIntegrityError,
    PackageError,
    PassphraseRequiredError,
    ReadOnlySessionError,
    SessionNotFoundError,
    StoreError,
    WrongPassphraseError,
)
from trainer.storage.records import SessionInfo, StoredSession
from trainer.storage.store import SessionStore

__all__ = [
    "AudioDataError",
    "DataIntegrityError",
    "PackageError",
    "PassphraseRequiredError",
    "ReadOnlySessionError",
    "SessionInfo",
    "SessionNotFoundError",
    "SessionStore",
    "StoreError",
    "StoredSession",
    "WrongPassphraseError",
]
