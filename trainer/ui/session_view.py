"""The practice screen: the client's presence, state, mic level, input mode, live
transcript with code chips, the attunement panel and the current coaching nudge."""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtWidgets import (
    QApplication,
    QButtonGroup,
    QCheckBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from trainer import events as ev
from trainer.feedback.measures import held_silence_label
from trainer.session import (LISTENING_STOPPED, is_unknown_command, is_wait_command, unknown_command_text,
                             wait_refused_text)
from trainer.ui.attunement_panel import AttunementPanel
from trainer.ui.client_presence import ClientPresence
from trainer.ui.codes import state_style
from trainer.ui.engine_bridge import EngineBridge
from trainer.ui.error_banner import ErrorBanner
from trainer.ui.mic_level_meter import MicLevelMeter
from trainer.ui.reply_box import ReplyBox
from trainer.ui.transcript_model import TranscriptLine
from trainer.ui.transcript_view import TranscriptView

log = logging.getLogger(__name__)

MODES = ("voice", "push_to_talk", "text")
MODE_LABELS = {"voice": "Hands-free", "push_to_talk": "Push-to-talk", "text": "Text"}
HEADPHONES_NOTE = "Headphones recommended, so the client's voice doesn't reach your microphone."
TYPE_PLACEHOLDER = "Type what you would say"
PAUSED_PLACEHOLDER = "Paused: resume (Ctrl+P) to reply"
# (presence column, attunement panel) widths; narrower below NARROW_BELOW px, so that at
# 1024 px the transcript keeps room to read (it was squeezed to ~190 px)
SIDE_COLUMNS_WIDE, SIDE_COLUMNS_NARROW = (270, 290), (230, 250)
MODE_LABELS_SHORT = {"voice": "Talk", "push_to_talk": "Hold", "text": "Type"}
NARROW_BELOW = 1000
NO_SESSION_NAME = "No session yet"
NO_SESSION_HINT = "Choose a scenario in the library (Ctrl+1) and press Enter to start."


def is_microphone_problem(message: str, hint: str = "") -> bool:
    words = f"{message} {hint}".lower()
    return any(k in words for k in ("microphone", "input device", "no input", "recording device", "mic ",
                                    "voice input"))


class SessionView(QWidget):
    ended = Signal(object)  # summary dict
    modeChanged = Signal(str)
    feedbackVisibilityChanged = Signal(bool)
    pausedChanged = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("SessionView")
        self.session: Any = None
        self.bridge: EngineBridge | None = None
        self.mode = "voice"
        self.paused = False
        self.finished = False
        self.state = "idle"
        self._waiting_notice = ""  # shown when a typed /wait was refused; goes with the next turn
        self.summary: dict | None = None
        self.lines: list[TranscriptLine] = []
        self.client_state: dict = {}
        self.spoken_turns = 0  # trainee turns not typed (they have speech timings)
        self._ptt_down = False
        self._feedback_visible = True
        self._branch = 0
        self._old_bridges: list[EngineBridge] = []
        self._build()
        QApplication.instance().installEventFilter(self)
        self.set_session_controls_enabled(False)

    # ------------------------------------------------------------------ layout
    def _build(self) -> None:
        root = QVBoxLayout(self)
        root.setContentsMargins(24, 18, 24, 18)
        root.setSpacing(12)

        self.error_banner = ErrorBanner()
        root.addWidget(self.error_banner)

        header = QHBoxLayout()
        names = QVBoxLayout()
        names.setSpacing(2)
        self.name_label = QLabel(NO_SESSION_NAME)
        self.name_label.setObjectName("ClientName")
        self.persona_label = QLabel(NO_SESSION_HINT)
        self.persona_label.setObjectName("PersonaLabel")
        self.persona_label.setWordWrap(True)
        names.addWidget(self.name_label)
        names.addWidget(self.persona_label)
        header.addLayout(names, 1)
        self.headphones_label = QLabel(HEADPHONES_NOTE)
        self.headphones_label.setObjectName("HeadphonesNote")
        self.headphones_label.setWordWrap(True)
        self.headphones_label.setMaximumWidth(420)
        header.addWidget(self.headphones_label, 0, Qt.AlignmentFlag.AlignTop)
        root.addLayout(header)

        body = QHBoxLayout()
        body.setSpacing(18)
        root.addLayout(body, 1)

        # left: presence, state, mic, mode, controls
        left_frame = QFrame()
        left_frame.setObjectName("PresenceColumn")
        self.left_column = left_frame
        left_frame.setFixedWidth(SIDE_COLUMNS_WIDE[0])
        left = QVBoxLayout(left_frame)
        left.setContentsMargins(16, 16, 16, 16)
        left.setSpacing(10)
        self.presence = ClientPresence()
        left.addWidget(self.presence, 1)
        self.state_label = QLabel(state_style("idle")[0])
        self.state_label.setObjectName("StateLabel")
        self.state_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.state_label.setAccessibleName("Conversation state")
        left.addWidget(self.state_label)
        mic_row = QHBoxLayout()
        mic_caption = QLabel("Mic")
        mic_caption.setObjectName("Caption")
        mic_row.addWidget(mic_caption)
        self.mic_meter = MicLevelMeter()
        mic_row.addWidget(self.mic_meter, 1)
        left.addLayout(mic_row)

        mode_row = QHBoxLayout()
        mode_row.setSpacing(4)
        self.mode_group = QButtonGroup(self)
        self.mode_group.setExclusive(True)
        self.mode_buttons: dict[str, QPushButton] = {}
        for mode in MODES:
            button = QPushButton(MODE_LABELS[mode])
            button.setObjectName("ModeButton")
            button.setToolTip(MODE_LABELS[mode])
            button.setCheckable(True)
            button.clicked.connect(lambda _=False, m=mode: self.set_mode(m))
            self.mode_group.addButton(button)
            self.mode_buttons[mode] = button
            mode_row.addWidget(button)
        self.mode_buttons["voice"].setChecked(True)
        left.addLayout(mode_row)

        self.ptt_button = QPushButton("Hold Space (or this button) to talk")
        self.ptt_button.setObjectName("PushToTalk")
        self.ptt_button.pressed.connect(lambda: self._push(True))
        self.ptt_button.released.connect(lambda: self._push(False))
        self.ptt_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        left.addWidget(self.ptt_button)
        self.mode_hint = QLabel()
        self.mode_hint.setObjectName("Caption")
        self.mode_hint.setWordWrap(True)
        left.addWidget(self.mode_hint)

        controls = QHBoxLayout()
        self.pause_button = QPushButton("Pause")
        self.pause_button.setToolTip("Pause or resume (Ctrl+P)")
        self.pause_button.clicked.connect(self.toggle_pause)
        self.end_button = QPushButton("End")
        self.end_button.setObjectName("EndButton")
        self.end_button.setToolTip("End the session and review it (Ctrl+E)")
        self.end_button.clicked.connect(self.end_session)
        controls.addWidget(self.pause_button)
        controls.addWidget(self.end_button)
        left.addLayout(controls)
        self.feedback_check = QCheckBox("Show feedback")
        self.feedback_check.setToolTip("Show codes, scores and nudges while practising (Ctrl+Shift+F)")
        self.feedback_check.setChecked(True)
        self.feedback_check.toggled.connect(self.set_feedback_visible)
        left.addWidget(self.feedback_check)
        body.addWidget(left_frame)

        # centre: transcript + text input
        centre = QVBoxLayout()
        centre.setSpacing(8)
        self.transcript = TranscriptView()
        centre.addWidget(self.transcript, 1)
        text_row = QHBoxLayout()
        self.text_input = ReplyBox()
        self.text_input.setObjectName("TextInput")
        self.text_input.setPlaceholderText(TYPE_PLACEHOLDER)
        self.text_input.returnPressed.connect(self.submit_text)
        self.send_button = QPushButton("Send")
        self.send_button.clicked.connect(self.submit_text)
        text_row.addWidget(self.text_input, 1)
        text_row.addWidget(self.send_button)
        self.text_row = QWidget()
        self.text_row.setLayout(text_row)
        text_row.setContentsMargins(0, 0, 0, 0)
        centre.addWidget(self.text_row)
        body.addLayout(centre, 1)

        # right: attunement
        self.attunement = AttunementPanel()
        self.attunement.setFixedWidth(SIDE_COLUMNS_WIDE[1])
        self.attunement.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Expanding)
        body.addWidget(self.attunement)
        self._apply_mode_widgets()

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        narrow = self.width() < NARROW_BELOW
        left, right = SIDE_COLUMNS_NARROW if narrow else SIDE_COLUMNS_WIDE
        if self.left_column.width() != left:
            self.left_column.setFixedWidth(left)
            self.attunement.setFixedWidth(right)
            for mode, button in self.mode_buttons.items():  # full names as tooltips
                button.setText((MODE_LABELS_SHORT if narrow else MODE_LABELS)[mode])

    # ------------------------------------------------------------------ session wiring
    def attach(self, session: Any, bridge: EngineBridge | None = None, mode: str | None = None) -> EngineBridge:
        """Show ``session``; registers a bridge as its listener. Call before ``session.start()``."""
        self.detach()
        self.session = session
        self.bridge = bridge or EngineBridge(self)
        session.add_listener(self.bridge.post)
        b = self.bridge
        b.stateChanged.connect(self.on_state)
        b.micLevel.connect(self.on_mic_level)
        b.traineeSaid.connect(self.on_trainee_said)
        b.silenceHeld.connect(self.on_silence_held)
        b.clientSaidPart.connect(self.on_client_part)
        b.clientSaid.connect(self.on_client_said)
        b.feedbackReady.connect(self.on_feedback)
        b.clientStateChanged.connect(self.on_client_state)
        b.sessionEnded.connect(self.on_session_ended)
        b.errorOccurred.connect(self.on_error)
        b.traineeSpeechStarted.connect(lambda _: self.presence.set_level(0.8))
        b.modelsLoading.connect(self.on_models_loading)
        self.finished = False
        self.paused = False
        self.summary = None
        self.lines = []
        self.client_state = {}
        self.spoken_turns = 0
        self._branch = 0
        self.transcript.clear()
        self.attunement.reset()
        self.error_banner.clear()
        scenario = getattr(session, "scenario", None)
        persona = getattr(scenario, "persona", None)
        name = getattr(persona, "name", None) or "Client"
        self.transcript.client_name = name
        self.name_label.setText(name)
        bits = []
        if persona is not None:
            bits.append(f"{persona.age}, {persona.pronouns}")
            bits.append(persona.presenting_concern)
        if scenario is not None:
            bits.insert(0, scenario.title)
        self.persona_label.setText(" · ".join(str(b) for b in bits if b))
        self.on_state(ev.TurnState.IDLE)
        self.pause_button.setText("Pause")
        self.set_session_controls_enabled(True)
        if mode:
            # the session was created with this mode; only show it
            self.mode = mode
            self.mode_buttons[mode].setChecked(True)
            self._apply_mode_widgets()
        return self.bridge

    def detach(self) -> None:
        if self.bridge is not None:
            # The engine may still hold bridge.post and call it from its threads, so the
            # bridge is closed (it drops events) but never deleted while the view lives.
            self.bridge.close()
            self._old_bridges.append(self.bridge)
        self.bridge = None
        self.session = None
        self._ptt_down = False
        self.set_session_controls_enabled(False)

    def show_no_session(self) -> None:
        """Back to the empty view, e.g. after a session failed to start: it used to keep the
        client's name and "Getting ready" for ever, with End looking clickable."""
        self.detach()
        self.finished = False
        self.lines = []
        self.transcript.clear()
        self.attunement.reset()
        self.name_label.setText(NO_SESSION_NAME)
        self.persona_label.setText(NO_SESSION_HINT)
        self.state = "idle"
        self.state_label.setText("No session running")
        self.presence.set_state("idle")

    def set_session_controls_enabled(self, enabled: bool) -> None:
        for w in (self.pause_button, self.end_button, self.text_input, self.send_button, self.ptt_button):
            w.setEnabled(enabled)

    @property
    def active(self) -> bool:
        return self.session is not None and not self.finished

    # ------------------------------------------------------------------ event slots
    def on_state(self, state: object) -> None:
        self.state = str(getattr(state, "value", state))
        label, _ = state_style(self.state)
        self.state_label.setText(label)
        self.presence.set_state(self.state)
        if self.state == "paused" and not self.paused:
            self._set_paused(True)
        elif self.state not in ("paused", "ended") and self.paused:
            self._set_paused(False)

    def on_models_loading(self, what: str, done: int, total: int) -> None:
        """The engine may load something lazily (e.g. a voice); say so in the state line."""
        if total and done >= total:
            self.state_label.setText(state_style(self.state)[0])
        else:
            self.state_label.setText(f"Loading {what}…")

    def on_mic_level(self, dbfs: float, speech: bool) -> None:
        if self.mode == "text":
            return
        self.mic_meter.set_level(dbfs, speech)
        if speech:
            self.presence.set_level(min(1.0, (dbfs + 60) / 60))

    def _clear_waiting_notice(self) -> None:
        """The notice that a /wait was refused is stale once the conversation moves on."""
        notice, self._waiting_notice = self._waiting_notice, ""
        if notice and self.error_banner.isVisible() and self.error_banner.message_label.text() == notice:
            self.error_banner.dismiss()

    def on_trainee_said(self, e: ev.TraineeSaid) -> None:
        self._clear_waiting_notice()
        again = any(l.role == "trainee" and l.turn_index == e.turn_index for l in self.lines)
        if again:
            self._branch += 1
        if self.mode != "text":
            self.spoken_turns += 1
        self.lines.append(TranscriptLine(e.turn_index, "trainee", e.text, branch=self._branch))
        self.transcript.add_trainee_line(e.turn_index, e.text)

    def on_silence_held(self, e: ev.SilenceHeld) -> None:
        """The trainee let the silence sit and the client goes on: shown where the
        trainee's words would be, so the client's next line does not seem to follow on."""
        self._clear_waiting_notice()
        text = held_silence_label(e.seconds)
        self.lines.append(TranscriptLine(e.turn_index, "trainee", text, branch=self._branch, silence=True))
        self.transcript.add_trainee_line(e.turn_index, text)

    def on_client_part(self, turn_index: int, text: str) -> None:
        self.transcript.add_client_part(turn_index, text)

    def on_client_said(self, e: ev.ClientSaid) -> None:
        self._clear_waiting_notice()  # "let the client finish first" is stale once it has
        if not e.text.strip():
            # ended before the client said a word: no empty row here or in Review, and
            # no sentence that streamed in but was never heard
            self.transcript.remove_client_line(e.turn_index)
            return
        self.transcript.set_client_line(e.turn_index, e.text, e.interrupted)
        self.lines.append(TranscriptLine(e.turn_index, "client", e.text, interrupted=e.interrupted, branch=self._branch))

    def on_feedback(self, e: ev.FeedbackReady) -> None:
        fb = dict(e.feedback or {})
        self.transcript.set_feedback(e.turn_index, e.code, e.confidence, fb)
        for line in reversed(self.lines):
            if line.role == "trainee" and line.turn_index == e.turn_index:
                line.code, line.confidence, line.feedback = e.code, e.confidence, fb
                break
        self.attunement.add_feedback(e.code, fb)

    def on_client_state(self, turn_index: int, state: dict) -> None:
        self.client_state = dict(state)

    def on_session_ended(self, summary: dict) -> None:
        self.finished = True
        self.summary = dict(summary or {})
        self.on_state(ev.TurnState.ENDED)
        self.set_session_controls_enabled(False)
        self._ptt_down = False
        self.ended.emit(self.summary)

    def on_error(self, message: str, hint: str, fatal: bool) -> None:
        if is_microphone_problem(message, hint) and self.mode != "text":
            self.error_banner.show_error(
                message, hint or "You can carry on by typing instead.",
                # a microphone that worked and then stopped: typing for this session only
                "Switch to text mode", lambda: self.set_mode("text", remember=not message.startswith(LISTENING_STOPPED)),
                fatal,
            )
        else:
            self.error_banner.show_error(message, hint, fatal=fatal)
        if fatal:
            self.set_session_controls_enabled(False)

    # ------------------------------------------------------------------ user actions
    def set_mode(self, mode: str, remember: bool = True) -> None:
        """``remember`` False: for this session only (typing because the microphone
        stopped must not leave later sessions without one)."""
        if mode not in MODES:
            raise ValueError(f"unknown input mode {mode!r}")
        previous = self.mode
        self.mode = mode
        self.mode_buttons[mode].setChecked(True)
        self._apply_mode_widgets()
        if self.session is not None and not self.finished:
            try:
                self.session.set_input_mode(mode)
            except Exception as exc:  # noqa: BLE001 - e.g. AudioDeviceError
                self.mode = previous if previous != mode else "text"
                self.mode_buttons[self.mode].setChecked(True)
                self._apply_mode_widgets()
                self.on_error(str(exc), "Keep typing your replies; to talk, plug in a headset, choose it in "
                              "Settings (Ctrl+5) and start a new session.", False)
                return
        if remember:
            self.modeChanged.emit(self.mode)

    def _apply_mode_widgets(self) -> None:
        self.ptt_button.setVisible(self.mode == "push_to_talk")
        self.text_row.setVisible(self.mode == "text")
        self.mic_meter.setEnabled(self.mode != "text")
        self.headphones_label.setVisible(self.mode != "text")  # no microphone to keep the voice out of
        self.attunement.set_timing_available(self.mode != "text")
        if self.mode == "text":
            self.mic_meter.set_level(-120.0, False)
        hints = {
            "voice": "Just talk; the client hears you when you pause.",
            "push_to_talk": "Hold Space while you talk; let go when you've finished.",
            "text": "Type your reply and press Enter; /wait lets a silence sit.",
        }
        self.mode_hint.setText(hints[self.mode])
        if self.mode == "text" and self.isVisible():
            self.text_input.setFocus()

    def focus_input(self) -> None:
        """The cursor in the reply box when typing: left on a mode button, the first line
        typed was lost and the first Space switched the session to voice."""
        if self.mode == "text" and self.text_input.isEnabled():
            self.text_input.setFocus()

    def submit_text(self) -> None:
        text = self.text_input.text().strip()
        if not text or self.session is None or self.finished:
            return
        if is_wait_command(text):  # stay silent and let the client go on, as in the terminal
            if not self.session.hold_silence():
                answering = self.state in ("transcribing", "client_thinking", "client_speaking")
                self._waiting_notice = wait_refused_text(answering)
                self.error_banner.show_error(self._waiting_notice, "")
                # cleared all the same: the next answer was typed onto it ("/waitSo you're…")
        elif is_unknown_command(text):
            self._waiting_notice = unknown_command_text(text)
            self.error_banner.show_error(self._waiting_notice, "")
            return  # kept, to be corrected
        else:
            self.session.submit_text(text)
        self.text_input.clear()

    def _push(self, pressed: bool) -> None:
        if self.session is None or self.finished or self.mode != "push_to_talk":
            return
        if pressed == self._ptt_down:
            return
        self._ptt_down = pressed
        self.ptt_button.setDown(pressed)
        self.session.push_to_talk(pressed)

    def toggle_pause(self) -> None:
        if self.session is None or self.finished:
            return
        if self.paused:
            self.session.resume()
            self._set_paused(False)
        else:
            self.session.pause()
            self._set_paused(True)

    def _set_paused(self, paused: bool) -> None:
        if paused != self.paused:
            self.paused = paused
            self.pause_button.setText("Resume" if paused else "Pause")
            # A line typed while paused used to vanish from the box and wait unseen until
            # Resume; now the box says it is paused and takes nothing.
            if self.session is not None and not self.finished:
                self.text_input.setEnabled(not paused)
                self.send_button.setEnabled(not paused)
                if not paused and self.mode == "text" and self.isVisible():
                    self.text_input.setFocus()
            self.text_input.setPlaceholderText(PAUSED_PLACEHOLDER if paused else TYPE_PLACEHOLDER)
            self.pausedChanged.emit(paused)

    def end_session(self) -> None:
        if self.session is None or self.finished:
            return
        self.end_button.setEnabled(False)
        self.state_label.setText("Ending the session…")
        self.session.end()

    def set_feedback_visible(self, visible: bool) -> None:
        visible = bool(visible)
        self._feedback_visible = visible
        if self.feedback_check.isChecked() != visible:
            self.feedback_check.setChecked(visible)
        self.attunement.setVisible(visible)
        self.transcript.set_feedback_visible(visible)
        self.feedbackVisibilityChanged.emit(visible)

    @property
    def feedback_visible(self) -> bool:
        return self._feedback_visible

    # ------------------------------------------------------------------ Space = push-to-talk
    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802
        etype = event.type()
        if etype not in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease, QEvent.Type.ShortcutOverride):
            return False
        if event.key() != Qt.Key.Key_Space or self.mode != "push_to_talk" or not self.isVisible():
            return False
        if self.session is None or self.finished:
            return False
        if not isinstance(obj, QWidget) or obj.window() is not self.window():
            return False
        focus = QApplication.focusWidget()
        if isinstance(focus, (QLineEdit, QTextEdit, QPlainTextEdit)):
            return False
        if etype == QEvent.Type.ShortcutOverride:
            event.accept()
            return True
        if event.isAutoRepeat():
            return True
        self._push(etype == QEvent.Type.KeyPress)
        return True
