"""The one adapter between the engine and Qt.

Register :meth:`EngineBridge.post` (or the bridge itself; it is callable) as a session
listener. The engine calls it on its own threads; each event is queued to the GUI thread
and re-emitted there as a typed signal. Nothing here waits on the engine.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal, Slot

from trainer import events as ev


class EngineBridge(QObject):
    event = Signal(object)  # every event, after the typed signal
    stateChanged = Signal(object)  # TurnState
    modelsLoading = Signal(str, int, int)
    micLevel = Signal(float, bool)
    traineeSpeechStarted = Signal(bool)
    traineeSaid = Signal(object)  # TraineeSaid
    silenceHeld = Signal(object)  # SilenceHeld
    clientReplyStarted = Signal(int)
    clientSaidPart = Signal(int, str)
    clientSaid = Signal(object)  # ClientSaid
    feedbackReady = Signal(object)  # FeedbackReady
    clientStateChanged = Signal(int, object)
    turnCompleted = Signal(int, object)
    bargeIn = Signal(float)
    sessionEnded = Signal(object)  # summary dict
    errorOccurred = Signal(str, str, bool)

    _incoming = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        # Always queued, so events keep their order whichever thread posts them.
        self._incoming.connect(self._dispatch, Qt.ConnectionType.QueuedConnection)
        self._closed = False

    def __call__(self, event: ev.Event) -> None:
        self.post(event)

    def post(self, event: ev.Event) -> None:
        """Thread-safe: called by the engine on any thread."""
        if not self._closed:
            self._incoming.emit(event)

    def close(self) -> None:
        """Stop delivering (the session listener may outlive the view)."""
        self._closed = True

    @Slot(object)
    def _dispatch(self, e: object) -> None:
        if self._closed:
            return
        if isinstance(e, ev.StateChanged):
            self.stateChanged.emit(e.state)
        elif isinstance(e, ev.MicLevel):
            self.micLevel.emit(float(e.dbfs), bool(e.speech))
        elif isinstance(e, ev.ModelsLoading):
            self.modelsLoading.emit(e.what, e.done, e.total)
        elif isinstance(e, ev.TraineeSpeechStarted):
            self.traineeSpeechStarted.emit(bool(e.while_client_speaking))
        elif isinstance(e, ev.TraineeSaid):
            self.traineeSaid.emit(e)
        elif isinstance(e, ev.SilenceHeld):
            self.silenceHeld.emit(e)
        elif isinstance(e, ev.ClientReplyStarted):
            self.clientReplyStarted.emit(e.turn_index)
        elif isinstance(e, ev.ClientSaidPart):
            self.clientSaidPart.emit(e.turn_index, e.text)
        elif isinstance(e, ev.ClientSaid):
            self.clientSaid.emit(e)
        elif isinstance(e, ev.FeedbackReady):
            self.feedbackReady.emit(e)
        elif isinstance(e, ev.ClientStateChanged):
            self.clientStateChanged.emit(e.turn_index, dict(e.state))
        elif isinstance(e, ev.TurnCompleted):
            self.turnCompleted.emit(e.turn_index, dict(e.record))
        elif isinstance(e, ev.BargeIn):
            self.bargeIn.emit(float(e.stop_ms))
        elif isinstance(e, ev.SessionEnded):
            self.sessionEnded.emit(dict(e.summary or {}))
        elif isinstance(e, ev.ErrorOccurred):
            self.errorOccurred.emit(e.message, e.hint or "", bool(e.fatal))
        self.event.emit(e)
