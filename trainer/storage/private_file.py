"""Writing an exported file so that it is private (0600) and never half-written."""

from __future__ import annotations

import errno
import os
from pathlib import Path


def write_private_file(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file beside it, then rename.

    A full disk or any other write error leaves no partial file behind (and an older
    file at ``path`` untouched) and raises an OSError that names ``path``.
    """
    tmp = path.with_name(path.name + ".part")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        tmp.unlink(missing_ok=True)  # never leave a stray plaintext copy behind
        if not isinstance(exc, OSError):
            raise
        reason = "the disk is full" if exc.errno == errno.ENOSPC else (exc.strerror or str(exc))
        error = OSError(f"Cannot write {path}: {reason}.")  # one argument: no "[Errno 28]" in front
        error.errno = exc.errno  # callers still tell a full disk by it
        raise error from exc
