"""Settings: audio devices (with a test each), models and voices, speaking rate,
end-of-turn silence, privacy. Every change is saved at once through AppSettings."""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from trainer.ui.app_settings import AppSettings, SettingKey
from trainer.ui.error_banner import ErrorBanner
from trainer.ui.stored_data_notes import StoredDataNotes
from trainer.ui.task_worker import TaskRunner

GOES_ON_NEVER = 2  # the spin box's lowest value, shown as "never"; sooner gives no time to think
TEST_SAMPLE_RATE = 16000  # services.test_input_device records at the ASR rate
TEST_SECONDS = 2.0
MODEL_KINDS = {"llm": "Client language model", "asr": "Speech recognition", "voice": "Client voice"}


def test_tone(seconds: float = 0.8, rate: int = 22050, hz: float = 440.0) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    fade = np.minimum(1.0, np.minimum(t, seconds - t) / 0.05)
    return (0.25 * 32767 * np.sin(2 * np.pi * hz * t) * fade).astype(np.int16)


def _size(n: Any) -> str:
    try:
        n = float(n)
    except (TypeError, ValueError):
        return "—"
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit in ("B", "KB") else f"{n:.1f} {unit}"
        n /= 1024
    return "—"


class WheelOnlyWhenFocused(QObject):
    """Lets a field take wheel events only when it has the keyboard focus; otherwise the
    wheel scrolls the page as it would over a label."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.Wheel and isinstance(watched, QWidget) and not watched.hasFocus():
            event.ignore()
            return True
        return False


class SettingsView(QWidget):
    devicesLoaded = Signal(bool)
    modelsLoaded = Signal(int)
    testFinished = Signal(str, bool)  # "input"|"output", ok

    def __init__(self, services: Any, settings: AppSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("SettingsView")
        self.services = services
        self.settings = settings
        self.tasks = TaskRunner(self)
        self._loading = False
        self._has_devices = (False, False)  # (microphone, speaker) in the last device list
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        outer.addWidget(scroll)
        inner = QWidget()
        inner.setObjectName("SettingsInner")
        scroll.setWidget(inner)
        root = QVBoxLayout(inner)
        root.setContentsMargins(28, 22, 28, 22)
        root.setSpacing(16)
        self.banner = ErrorBanner()
        root.addWidget(self.banner)
        title = QLabel("Settings")
        title.setObjectName("ViewTitle")
        root.addWidget(title)

        # audio
        audio = QGroupBox("Sound")
        form = QFormLayout(audio)
        form.setVerticalSpacing(10)
        self.input_combo = QComboBox()
        self.input_combo.setAccessibleName("Microphone")
        self.input_test = QPushButton("Test: record 2 s and play back")
        self.input_test.clicked.connect(self.test_input)
        row = QHBoxLayout()
        row.addWidget(self.input_combo, 1)
        row.addWidget(self.input_test)
        form.addRow("Microphone", row)
        self.output_combo = QComboBox()
        self.output_combo.setAccessibleName("Speaker or headphones")
        self.output_test = QPushButton("Test: play a tone")
        self.output_test.clicked.connect(self.test_output)
        row = QHBoxLayout()
        row.addWidget(self.output_combo, 1)
        row.addWidget(self.output_test)
        form.addRow("Speaker / headphones", row)
        self.device_status = QLabel()
        self.device_status.setObjectName("Caption")
        self.device_status.setWordWrap(True)
        form.addRow("", self.device_status)
        self.input_combo.currentIndexChanged.connect(
            lambda _: self._save_device(SettingKey.INPUT_DEVICE, SettingKey.INPUT_DEVICE_NAME, self.input_combo))
        self.output_combo.currentIndexChanged.connect(
            lambda _: self._save_device(SettingKey.OUTPUT_DEVICE, SettingKey.OUTPUT_DEVICE_NAME, self.output_combo))
        root.addWidget(audio)

        # conversation
        talk = QGroupBox("Conversation")
        form = QFormLayout(talk)
        form.setVerticalSpacing(10)
        self.rate_spin = QDoubleSpinBox()
        self.rate_spin.setRange(0.5, 2.0)
        self.rate_spin.setSingleStep(0.05)
        self.rate_spin.setDecimals(2)
        self.rate_spin.setSuffix(" ×")
        self.rate_spin.setMaximumWidth(200)
        self.rate_spin.valueChanged.connect(lambda v: self._save(SettingKey.SPEAKING_RATE, v))
        form.addRow("Client speaking rate", self.rate_spin)
        self.silence_spin = QSpinBox()
        self.silence_spin.setRange(200, 3000)
        self.silence_spin.setSingleStep(50)
        self.silence_spin.setSuffix(" ms")
        self.silence_spin.setMaximumWidth(200)
        self.silence_spin.setToolTip("How long you must pause before the client answers (default 700 ms)")
        self.silence_spin.valueChanged.connect(lambda v: self._save(SettingKey.END_SILENCE_MS, v))
        form.addRow("End-of-turn silence", self.silence_spin)
        # The lowest value reads "never" (Qt's special value) and is saved as 0.
        self.goes_on_spin = QSpinBox()
        self.goes_on_spin.setRange(GOES_ON_NEVER, 120)
        self.goes_on_spin.setSpecialValueText("never")
        self.goes_on_spin.setSuffix(" s")
        self.goes_on_spin.setMaximumWidth(200)
        self.goes_on_spin.setToolTip("When you stay silent this long after the client's line, the client "
                                     "goes on by themselves, as clients do (default 10 s)")
        self.goes_on_spin.valueChanged.connect(
            lambda v: self._save(SettingKey.CLIENT_GOES_ON_AFTER_S, 0 if v == GOES_ON_NEVER else v))
        form.addRow("Client goes on after a silence of", self.goes_on_spin)
        root.addWidget(talk)

        # models
        models = QGroupBox("Models and voices")
        box = QVBoxLayout(models)
        pick = QFormLayout()
        self.model_combos: dict[str, QComboBox] = {}
        for kind, key in (("llm", SettingKey.LLM_MODEL), ("asr", SettingKey.ASR_MODEL), ("voice", SettingKey.VOICE)):
            label = MODEL_KINDS[kind]
            combo = QComboBox()
            combo.currentIndexChanged.connect(lambda _=0, c=combo, k=key: self._save_model(k, c))
            self.model_combos[kind] = combo
            pick.addRow(label, combo)
        box.addLayout(pick)
        self.models_table = QTableWidget(0, 5)
        self.models_table.setTabKeyNavigation(False)  # Tab leaves the table (it moved cell by cell, for good)
        self.models_table.setHorizontalHeaderLabels(("Kind", "Name", "Size", "Default", "Checked"))
        self.models_table.verticalHeader().hide()
        self.models_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.models_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.models_table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.models_table.setMinimumHeight(140)
        box.addWidget(self.models_table)
        note = QLabel("Changes to models take effect at the next start of the app.")
        note.setObjectName("Caption")
        box.addWidget(note)
        root.addWidget(models)

        # privacy
        privacy = QGroupBox("Privacy")
        form = QFormLayout(privacy)
        form.setVerticalSpacing(10)
        self.keep_audio = QCheckBox("Keep recordings of what was said (for replay in Review)")
        self.keep_audio.toggled.connect(lambda v: self._save(SettingKey.AUDIO_RETENTION, v))
        self.keep_audio.toggled.connect(self._show_stored_notes)
        form.addRow(self.keep_audio)
        self.auto_delete = QCheckBox("Delete old sessions automatically")
        self.auto_delete.toggled.connect(self._retention_toggled)
        form.addRow(self.auto_delete)
        self.retention_spin = QSpinBox()
        self.retention_spin.setRange(1, 3650)
        self.retention_spin.setValue(30)
        self.retention_spin.setSuffix(" days")
        self.retention_spin.setMaximumWidth(200)
        self.retention_spin.valueChanged.connect(lambda v: self._save(SettingKey.RETENTION_DAYS, v))
        self.retention_spin.valueChanged.connect(self._show_stored_notes)
        form.addRow("Delete sessions older than", self.retention_spin)
        self.stored_notes = StoredDataNotes(getattr(services, "store", None))
        self.stored_notes.focus_after_recordings = self.keep_audio
        self.stored_notes.focus_after_expired = self.retention_spin
        form.addRow(self.stored_notes)
        self.passphrase_label = QLabel()
        self.passphrase_label.setObjectName("Caption")
        self.passphrase_label.setWordWrap(True)
        form.addRow(self.passphrase_label)
        root.addWidget(privacy)
        root.addStretch(1)
        # Scrolling the page over a spin box or drop-down changed it (and saved at once):
        # they take the wheel only once clicked into.
        self._wheel_guard = WheelOnlyWhenFocused(self)
        for field in (*inner.findChildren(QAbstractSpinBox), *inner.findChildren(QComboBox)):
            field.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
            field.installEventFilter(self._wheel_guard)
        self.load_values()

    # ------------------------------------------------------------------ values
    def load_values(self) -> None:
        """Show the saved values (does not touch devices or models)."""
        self._loading = True
        try:
            s = self.settings
            self.rate_spin.setValue(s.get(SettingKey.SPEAKING_RATE))
            self.silence_spin.setValue(s.get(SettingKey.END_SILENCE_MS))
            self.goes_on_spin.setValue(max(GOES_ON_NEVER, s.get(SettingKey.CLIENT_GOES_ON_AFTER_S)))
            self.keep_audio.setChecked(s.get(SettingKey.AUDIO_RETENTION))
            days = s.get(SettingKey.RETENTION_DAYS)
            self.auto_delete.setChecked(days is not None)
            if days is not None:
                self.retention_spin.setValue(days)
            self.retention_spin.setEnabled(days is not None)
            self.passphrase_label.setText(self._passphrase_text())
        finally:
            self._loading = False
        self._show_stored_notes()

    def _show_stored_notes(self, *_: Any) -> None:
        if self._loading or not hasattr(self, "stored_notes"):
            return
        days = self.retention_spin.value() if self.auto_delete.isChecked() else None
        self.stored_notes.show_for(self.keep_audio.isChecked(), days)

    def _passphrase_text(self) -> str:
        store = getattr(self.services, "store", None)
        if getattr(store, "encrypted", False):  # "run passphrase set" was shown here too
            return ("Everything stays on this computer, encrypted with your passphrase. To change it, "
                    "run “trainer passphrase change” in a terminal.")
        return ("Everything stays on this computer. To encrypt your sessions with a passphrase, "
                "run “trainer passphrase set” in a terminal.")

    def _retention_toggled(self, on: bool) -> None:
        self.retention_spin.setEnabled(on)
        self._save(SettingKey.RETENTION_DAYS, self.retention_spin.value() if on else None)
        self._show_stored_notes()

    def _save(self, key: SettingKey, value: Any) -> None:
        if not self._loading:
            self.settings.set(key, value)

    def _save_device(self, key: SettingKey, name_key: SettingKey, combo: QComboBox) -> None:
        if not self._loading and combo.currentIndex() >= 0:
            index = combo.currentData()
            self.settings.set(key, index)
            self.settings.set(name_key, None if index is None else combo.currentText())

    def _save_model(self, key: SettingKey, combo: QComboBox) -> None:
        if not self._loading and combo.currentIndex() >= 0:
            self.settings.set(key, combo.currentData())

    # ------------------------------------------------------------------ devices and models (workers)
    def refresh(self) -> None:
        self._show_stored_notes()  # sessions and recordings may have come or gone since
        self.device_status.setText("Looking for sound devices…")
        self.tasks.start(self.services.audio_devices, self.set_devices, self._devices_failed)
        self.tasks.start(self.services.models_table, self.set_models, self._models_failed)

    def set_devices(self, devices: dict) -> None:
        self._loading = True
        try:
            for combo, kind, key, name_key in (
                    (self.input_combo, "input", SettingKey.INPUT_DEVICE, SettingKey.INPUT_DEVICE_NAME),
                    (self.output_combo, "output", SettingKey.OUTPUT_DEVICE, SettingKey.OUTPUT_DEVICE_NAME)):
                combo.clear()
                combo.addItem("System default", None)
                for index, name in devices.get(kind, []):
                    combo.addItem(str(name), int(index))
                saved, saved_name = self.settings.get(key), self.settings.get(name_key)
                # by name first: a replug renumbers the devices
                pos = combo.findText(saved_name) if saved_name else -1
                if pos < 0:
                    pos = combo.findData(saved) if saved is not None else 0
                combo.setCurrentIndex(max(pos, 0))
        finally:
            self._loading = False
        has_input = bool(devices.get("input"))
        self._has_devices = (has_input, bool(devices.get("output")))
        self.input_test.setEnabled(has_input)
        self.output_test.setEnabled(bool(devices.get("output")))
        self.device_status.setText("" if has_input else
                                   "No microphone found. You can still practise in text mode.")
        self.devicesLoaded.emit(True)

    def _devices_failed(self, exc: BaseException) -> None:
        self.device_status.setText("")
        self.input_test.setEnabled(False)
        self.output_test.setEnabled(False)
        self.banner.show_error(f"No sound devices could be opened: {exc}",
                               "Plug in a headset and press Ctrl+5 again. You can still practise in text mode.")
        self.devicesLoaded.emit(False)

    def set_models(self, rows: list[dict]) -> None:
        self._loading = True
        try:
            self.models_table.setRowCount(0)
            for combo in self.model_combos.values():
                combo.clear()
            for row in rows:
                r = self.models_table.rowCount()
                self.models_table.insertRow(r)
                verified = row.get("verified")
                kind = row.get("kind", "")
                problem = row.get("problem")  # a user-added file that cannot be a model at all
                checked = "cannot be used" if problem else \
                    {True: "ok", False: "FAILED", None: "not checked"}.get(verified, str(verified))
                cells = (MODEL_KINDS.get(kind, kind), row.get("name", ""), _size(row.get("size_bytes")),
                         "yes" if row.get("default") else "", checked)
                for c, text in enumerate(cells):
                    item = QTableWidgetItem(str(text))
                    if c == 1 and row.get("path"):
                        item.setToolTip(str(row["path"]))
                    if c == len(cells) - 1 and problem:
                        item.setToolTip(str(problem))
                    self.models_table.setItem(r, c, item)
                combo = self.model_combos.get(str(row.get("kind")))
                if combo is not None:
                    label = str(row.get("name")) + ("  (default)" if row.get("default") else "")
                    combo.addItem(label + ("  (cannot be used)" if problem else ""), row.get("name"))
                    if problem:  # listed so it can be found, but not offered
                        combo.model().item(combo.count() - 1).setEnabled(False)
                        combo.setItemData(combo.count() - 1, str(problem), Qt.ItemDataRole.ToolTipRole)
            for kind, key in (("llm", SettingKey.LLM_MODEL), ("asr", SettingKey.ASR_MODEL),
                              ("voice", SettingKey.VOICE)):
                combo = self.model_combos[kind]
                saved = self.settings.get(key)
                pos = combo.findData(saved) if saved else -1
                if pos < 0:
                    pos = next((i for i, row in enumerate(r for r in rows if r.get("kind") == kind)
                                if row.get("default")), 0)
                combo.setCurrentIndex(pos if combo.count() else -1)
        finally:
            self._loading = False
        self.modelsLoaded.emit(len(rows))

    def _models_failed(self, exc: BaseException) -> None:
        self.banner.show_error(f"Could not list the installed models: {exc}",
                               "Reinstall the app's packages (pip install --force-reinstall trainer).")
        self.modelsLoaded.emit(0)

    def test_input(self) -> None:
        device_in = self.input_combo.currentData()
        device_out = self.output_combo.currentData()
        services = self.services

        def job() -> float:
            samples = services.test_input_device(device_in, TEST_SECONDS)
            services.play(samples, TEST_SAMPLE_RATE, device_out)
            data = np.asarray(samples, dtype=np.float64)
            peak = float(np.max(np.abs(data))) if data.size else 0.0
            return peak

        self._testing(True)
        self.device_status.setText("Recording for two seconds — say something… then playing it back.")
        self.tasks.start(job, self._input_tested, lambda exc: self._test_failed("input", exc))

    def _input_tested(self, peak: float) -> None:
        self._testing(False)
        if peak < 100:
            self.device_status.setText("The recording was almost silent. Check the microphone isn't muted.")
        else:
            self.device_status.setText("Microphone works: you should have heard yourself.")
        self.testFinished.emit("input", True)

    def test_output(self) -> None:
        device_out = self.output_combo.currentData()
        services = self.services
        self._testing(True)
        self.device_status.setText("Playing a short tone…")
        self.tasks.start(lambda: services.play(test_tone(), 22050, device_out),
                         lambda _: self._output_tested(), lambda exc: self._test_failed("output", exc))

    def _output_tested(self) -> None:
        self._testing(False)
        self.device_status.setText("Did you hear a tone? If not, pick another output device.")
        self.testFinished.emit("output", True)

    def _testing(self, running: bool) -> None:
        """One test at a time: sounddevice plays through one global stream, so a tone started
        during the microphone test cut its playback short and left its button off for good.
        Afterwards, back to what the device list allows (no device: its button stays off)."""
        has_input, has_output = (False, False) if running else self._has_devices
        self.input_test.setEnabled(has_input)
        self.output_test.setEnabled(has_output)

    def _test_failed(self, which: str, exc: BaseException) -> None:
        self._testing(False)
        self.device_status.setText("")
        what = "microphone" if which == "input" else "speaker"
        self.banner.show_error(f"The {what} test failed: {exc}",
                               f"Pick another {what} above and test again."
                               + (" You can still practise in text mode." if which == "input" else ""))
        self.testFinished.emit(which, False)

    def shutdown(self) -> None:
        self.tasks.close()
        self.tasks.wait_all()
