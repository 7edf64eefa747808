"""Where the store keeps its files, and where the passphrase may come from."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from trainer.storage.errors import StoreError

DATA_DIR_ENV = "TRAINER_DATA_DIR"
PASSPHRASE_ENV = "TRAINER_PASSPHRASE"
PACKAGE_PASSPHRASE_ENV = "TRAINER_PACKAGE_PASSPHRASE"

APP_NAME = "trainer"
DB_FILENAME = "sessions.sqlite3"
KEY_FILENAME = "keyinfo.json"


@dataclass(frozen=True)
class DataPaths:
    """The files of one install's data folder."""

    data_dir: Path

    @property
    def db_file(self) -> Path:
        return self.data_dir / DB_FILENAME

    @property
    def wal_file(self) -> Path:
        return self.data_dir / (DB_FILENAME + "-wal")

    @property
    def shm_file(self) -> Path:
        return self.data_dir / (DB_FILENAME + "-shm")

    @property
    def journal_file(self) -> Path:
        return self.data_dir / (DB_FILENAME + "-journal")

    @property
    def key_file(self) -> Path:
        return self.data_dir / KEY_FILENAME

    @property
    def pending_key_file(self) -> Path:
        """A new key file written before a passphrase change commits."""
        return self.data_dir / (KEY_FILENAME + ".new")

    def owned_files(self) -> tuple[Path, ...]:
        """Every file the store may create (removed by "delete everything")."""
        return (
            self.db_file,
            self.wal_file,
            self.shm_file,
            self.journal_file,
            self.key_file,
            self.pending_key_file,
        )


def resolve_data_dir(explicit: Path | str | None = None) -> Path:
    """The data folder: ``explicit``, else ``$TRAINER_DATA_DIR``, else the platform's."""
    if explicit is not None:
        return Path(explicit).expanduser()
    default = Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    from_env = os.environ.get(DATA_DIR_ENV)
    if from_env is not None and not from_env.strip():
        # Falling back to the real folder here once listed, and could have deleted, a
        # user's real sessions when a script meant a throwaway one.
        raise StoreError(f"{DATA_DIR_ENV} is set but empty. Set it to the folder for the sessions, "
                         f"or unset it to use {default}.")
    if from_env:
        return Path(from_env).expanduser()
    return default


def passphrase_from_env() -> str | None:
    """``$TRAINER_PASSPHRASE`` or None.

    Caveat (documented in docs/privacy.md): environment variables can be read by other
    processes running as the same user.
    """
    value = os.environ.get(PASSPHRASE_ENV)
    return value if value else None
