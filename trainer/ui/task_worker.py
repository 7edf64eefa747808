"""Run one blocking call (model loading, a device test, store queries) on a QThread.

Lifecycle is explicit: ``thread.started -> worker.run``; ``worker.finished -> thread.quit``
(direct: quit is thread-safe); ``thread.finished -> relay.done`` on the GUI thread, which
waits for the (already finished) thread, drops the worker and ``deleteLater``s the thread.
The thread is parented to the runner (C++ owns it). The worker is parentless (moveToThread
needs that) and Python-owned, so it must not also get ``deleteLater``: a Python-owned
object deleted by both Qt and the garbage collector crashes PySide. Results and errors come
back as signals, delivered on the GUI thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot

log = logging.getLogger(__name__)


class TaskWorker(QObject):
    """Calls ``fn(progress)`` if ``with_progress`` else ``fn()`` on its thread."""

    progress = Signal(str, int, int)
    succeeded = Signal(object)
    failed = Signal(object)  # the exception
    finished = Signal()

    def __init__(self, fn: Callable[..., Any], with_progress: bool = False) -> None:
        super().__init__()
        self._fn = fn
        self._with_progress = with_progress

    def _report(self, what: str, done: int, total: int) -> None:
        self.progress.emit(str(what), int(done), int(total))

    @Slot()
    def run(self) -> None:
        try:
            result = self._fn(self._report) if self._with_progress else self._fn()
        except BaseException as exc:  # noqa: BLE001 - every failure becomes a signal
            log.warning("background task failed: %s", exc, exc_info=True)
            self.failed.emit(exc)
        else:
            self.succeeded.emit(result)
        finally:
            self.finished.emit()


class _Relay(QObject):
    """Lives on the GUI thread; its slots receive the worker's queued signals."""

    def __init__(self, parent, on_success, on_error, on_progress, on_done) -> None:
        super().__init__(parent)
        self._on_success = on_success
        self._on_error = on_error
        self._on_progress = on_progress
        self._on_done = on_done

    @Slot(object)
    def success(self, result: object) -> None:
        if self._on_success is not None:
            self._on_success(result)

    @Slot(object)
    def error(self, exc: object) -> None:
        if self._on_error is not None:
            self._on_error(exc)

    @Slot(str, int, int)
    def progress(self, what: str, done: int, total: int) -> None:
        if self._on_progress is not None:
            self._on_progress(what, done, total)

    @Slot()
    def done(self) -> None:
        self._on_done()
        self.deleteLater()


class TaskRunner(QObject):
    """Owns the running tasks of one view so they can be awaited on shutdown."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._running: dict[int, tuple[QThread, TaskWorker]] = {}
        self._next = 0
        self._closed = False

    def close(self) -> None:
        """Refuse new tasks (shutdown): a task started after the final ``wait_all`` would
        still run when its owner is deleted, and Qt aborts on a QThread destroyed while
        running. Call before ``wait_all``."""
        self._closed = True

    def start(
        self,
        fn: Callable[..., Any],
        on_success: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        on_progress: Callable[[str, int, int], None] | None = None,
    ) -> TaskWorker | None:
        if self._closed:
            log.info("task refused: shutting down")
            return None
        thread = QThread(self)
        worker = TaskWorker(fn, with_progress=on_progress is not None)
        worker.moveToThread(thread)
        key = self._next
        self._next += 1
        self._running[key] = (thread, worker)
        relay = _Relay(self, on_success, on_error, on_progress, lambda: self._release(key))
        queued = Qt.ConnectionType.QueuedConnection
        worker.succeeded.connect(relay.success, queued)
        worker.failed.connect(relay.error, queued)
        worker.progress.connect(relay.progress, queued)
        thread.started.connect(worker.run)
        # direct: quit() is thread-safe, and must not wait for the GUI loop (wait_all blocks it)
        worker.finished.connect(thread.quit, Qt.ConnectionType.DirectConnection)
        thread.finished.connect(relay.done, queued)
        thread.start()
        return worker

    def _release(self, key: int) -> None:
        entry = self._running.pop(key, None)
        if entry is None:
            return
        thread, worker = entry
        thread.wait()  # finished already; makes sure run() has fully returned
        del worker  # the last reference: PySide deletes it here, on the GUI thread
        thread.deleteLater()

    @property
    def busy(self) -> bool:
        return bool(self._running)

    def wait_all(self, msecs: int = 5000) -> bool:
        """Block until every task's thread has stopped (shutdown and tests only)."""
        ok = True
        for key, (thread, _worker) in list(self._running.items()):
            ok = thread.wait(msecs) and ok
        return ok
