"""A printable PDF report of one session, drawn with Qt (no extra dependencies).

Page 1: title, scenario, date, the summary with MITI bands, strengths and things to
practise, and a chart of the per-turn attunement score (drawn with QPainter, so it stays
vector). Then the missed opportunities, the annotated transcript and any supervisor
comments, paginated with QTextDocument. Every page has a footer.

Needs a ``QGuiApplication``; one is created (offscreen when there is no display) if the
caller has none. It is a ``QApplication``, so that windows opened later in the same
process still work (Qt aborts on a widget under a plain QGuiApplication).
"""

from __future__ import annotations

import html
import os
import sys
from pathlib import Path
from typing import Any

from trainer.feedback.measures import (
    NOT_SCORED_NOTE,
    answers_text,
    code_label,
    held_silence_label,
    is_held_silence,
    score_note,
)
from trainer.feedback.risk import describe_risk
from trainer.feedback.summary import SUMMARY_LABELS
from trainer.storage.private_file import write_private_file
from trainer.storage.records import TRY_AGAIN_NOTE, StoredSession, try_again_of

# (summary key, label, unit) in the order shown.
SUMMARY_ROWS = tuple((key, SUMMARY_LABELS[key], unit) for key, unit in (
    ("reflection_to_question", "ratio"),
    ("percent_complex_reflections", "%"),
    ("percent_open_questions", "%"),
    ("advise_without_permission", "count"),
    ("talk_share", "%"),
    ("median_latency_ms", "ms"),
    ("silences_held", "count"),
    ("mean_attunement", "/100"),
))

_app_ref: Any = None


def ensure_gui_application() -> Any:
    """The running QGuiApplication, or a new one (offscreen if there is no display)."""
    global _app_ref
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication.instance()
    if app is None:
        no_display = not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
        if sys.platform.startswith("linux") and no_display and not os.environ.get("QT_QPA_PLATFORM"):
            os.environ["QT_QPA_PLATFORM"] = "offscreen"
        from PySide6.QtWidgets import QApplication

        app = QApplication(["trainer-report"])
        _app_ref = app
    return app


# ------------------------------------------------------------------ formatting
def _value_and_band(entry: Any) -> tuple[Any, str | None]:
    if isinstance(entry, dict):
        return entry.get("value"), entry.get("band")
    return entry, None


def format_value(value: Any, unit: str) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return html.escape(str(value))
    if unit == "%":
        shown = value * 100 if 0 <= value <= 1 and isinstance(value, float) else value
        return f"{shown:.0f}%"
    if unit == "ratio":
        return f"{value:.1f} : 1"
    if unit == "ms":
        return f"{value / 1000:.1f} s" if value >= 1000 else f"{value:.0f} ms"
    if unit == "/100":
        return f"{value:.0f} / 100"
    return f"{value:g}"


def attunement_points(session: StoredSession) -> list[tuple[str, float | None]]:
    """(turn label, attunement or None) for every scored trainee turn, in order; a
    minimal encourager is left out, as from the mean, and the labels stay turn numbers."""
    points: list[tuple[str, float | None]] = []
    for turn in session.turns:
        feedback = turn.get("feedback") or {}
        if not turn.get("trainee_text") or score_note(feedback) == NOT_SCORED_NOTE:
            continue
        value = feedback.get("attunement")
        label = str(turn.get("index"))
        if turn.get("attempt"):
            label += "'" * int(turn["attempt"])  # a turn tried again: 3, 3', 3''
        points.append((label, float(value) if isinstance(value, (int, float)) else None))
    return points


def attunement_series(session: StoredSession) -> list[float | None]:
    return [value for _, value in attunement_points(session)]


def _e(text: Any) -> str:
    return html.escape(str(text or ""))


_CSS = """
body { font-family: 'DejaVu Sans', 'Helvetica', sans-serif; font-size: 10pt; color: #222; }
h1 { font-size: 18pt; color: #1d3557; margin: 0; }
h2 { font-size: 13pt; color: #1d3557; margin-top: 14px; margin-bottom: 4px; }
.meta { color: #555; font-size: 9.5pt; }
table.summary { border-collapse: collapse; }
table.summary td { padding: 3px 8px; border-bottom: 1px solid #ddd; }
td.band { color: #1d3557; font-weight: bold; }
.client { color: #333; }
.trainee { color: #000; }
.code { color: #2a6f97; font-size: 8.5pt; }
.nudge { color: #8a5a00; font-style: italic; font-size: 9pt; }
.comment { color: #6a1b9a; font-size: 9pt; }
.missed { color: #333; }
.warn { color: #a4161a; font-weight: bold; }
"""


def _summary_html(session: StoredSession) -> str:
    info = session.info
    summary = session.summary or {}
    started = info.started_at.astimezone().strftime("%d %B %Y, %H:%M")
    silences = sum(1 for turn in session.turns if is_held_silence(turn))
    duration = ""
    if info.ended_at is not None:
        minutes = (info.ended_at - info.started_at).total_seconds() / 60
        duration = f" · {minutes:.0f} min"
    parts = [f"<html><head><style>{_CSS}</style></head><body>"]
    parts.append("<h1>Practice session report</h1>")
    parts.append(
        f"<p class='meta'><b>Scenario:</b> {_e(info.scenario_title)} ({_e(info.scenario_id)})<br/>"
        f"<b>Date:</b> {started}{duration} · {info.turns} turn{'' if info.turns == 1 else 's'}"
        f"{f' ({answers_text(info.turns - silences, silences)})' if silences else ''}<br/>"
        f"<b>Session:</b> {_e(info.id)}</p>"
    )
    if info.interrupted:
        parts.append("<p class='warn'>This session was interrupted before it ended; "
                     "the summary may be missing or partial.</p>")
    if info.read_only and info.origin_session_id:
        parts.append(f"<p class='meta'>Review copy of session {_e(info.origin_session_id)}.</p>")
    tried = try_again_of(session.settings)
    if tried:
        parts.append(f"<p class='meta'>{TRY_AGAIN_NOTE} (Session {_e(tried.get('session_id') or 'unknown')}, "
                     f"from the client's line {_e(tried.get('client_line'))}.)</p>")
    parts.append("<h2>Summary</h2>")
    if not summary:
        parts.append("<p class='meta'>No summary was stored for this session.</p>")
    else:
        parts.append("<table class='summary' cellspacing='0'>")
        parts.append("<tr><td><b>Measure</b></td><td><b>Value</b></td><td><b>Band</b></td></tr>")
        for key, label, unit in SUMMARY_ROWS:
            if key not in summary:
                continue
            value, band = _value_and_band(summary[key])
            parts.append(
                f"<tr><td>{label}</td><td>{format_value(value, unit)}</td>"
                f"<td class='band'>{_e(band) if band else ''}</td></tr>"
            )
        parts.append("</table>")
        for key, title in (("strengths", "Strengths"), ("to_practise", "To practise next time")):
            items = summary.get(key) or []
            if items:
                parts.append(f"<h2>{title}</h2><ul>")
                parts.extend(f"<li>{_e(item)}</li>" for item in items)
                parts.append("</ul>")
    parts.append("<h2>Attunement, turn by turn</h2>")
    parts.append("</body></html>")
    return "".join(parts)


def _turn_comment_html(comment: dict[str, Any], about: str) -> str:
    return (f"<p class='comment'><b>Comment on {_e(about)} from {_e(comment.get('author'))}:</b> "
            f"{_e(comment.get('text'))}</p>")


def _body_html(session: StoredSession) -> str:
    summary = session.summary or {}
    comments_by_turn: dict[Any, list[dict[str, Any]]] = {}
    for comment in session.comments:
        comments_by_turn.setdefault(comment.get("turn_index"), []).append(comment)
    parts = [f"<html><head><style>{_CSS}</style></head><body>"]
    risk = describe_risk(summary)
    if risk:
        parts.append(f"<h2>Suicide risk</h2><p class='missed'>{_e(risk)}</p>")
    missed = summary.get("missed_opportunities") or []
    parts.append("<h2>Missed opportunities</h2>")
    if not missed:
        parts.append("<p class='meta'>None noticed.</p>")  # the window's words
    for item in missed:
        item = item if isinstance(item, dict) else {"client": str(item)}
        parts.append(
            f"<p class='missed'><b>Client:</b> “{_e(item.get('client'))}”<br/>"
            f"<b>You said:</b> “{_e(item.get('trainee'))}”</p>"
        )
    whole_session = comments_by_turn.pop(None, [])
    if whole_session:  # under its own heading: it read as part of "Missed opportunities"
        parts.append("<h2>Comments on the whole session</h2>")
    for comment in whole_session:
        parts.append(f"<p class='comment'><b>{_e(comment.get('author'))}:</b> {_e(comment.get('text'))}</p>")
    parts.append("<h2>Transcript</h2>")
    tried = try_again_of(session.settings)
    if tried and tried.get("client_text"):  # the line this try answered (its turns start after it)
        parts.append(f"<p class='client'><b>Client:</b> {_e(tried['client_text'])}</p>")
    for turn in session.turns:
        feedback = turn.get("feedback") or {}
        if turn.get("trainee_text"):
            code = code_label(turn.get("code"), turn.get("confidence"))
            tags = [code]
            note = score_note(feedback)
            if note:
                tags.append(note)
            if turn.get("branch_of") is not None or turn.get("attempt"):
                tags.append(f"try again of turn {turn.get('branch_of', turn.get('index'))}")
            parts.append(
                f"<p class='trainee'><b>You ({turn.get('index')}):</b> {_e(turn['trainee_text'])} "
                f"<span class='code'>[{_e(' · '.join(tags))}]</span></p>"
            )
            if feedback.get("nudge"):
                parts.append(f"<p class='nudge'>Tip: {_e(feedback['nudge'])}</p>")
        elif is_held_silence(turn):
            parts.append(f"<p class='trainee'><b>You ({turn.get('index')}):</b> "
                         f"{_e(held_silence_label(turn.get('silence_s')))}</p>")
        # A turn's comment is about the trainee's line, so it follows that line and names it;
        # after the client's reply it read as a comment on the next answer.
        answered = bool(turn.get("trainee_text")) or is_held_silence(turn)
        about = f"You ({turn.get('index')})" if answered else "the client's opening line"
        turn_comments = comments_by_turn.pop(turn.get("index"), [])
        if answered:
            parts += [_turn_comment_html(c, about) for c in turn_comments]
        if turn.get("client_text"):
            parts.append(f"<p class='client'><b>Client:</b> {_e(turn['client_text'])}</p>")
        if not answered:
            parts += [_turn_comment_html(c, about) for c in turn_comments]
    for leftover in comments_by_turn.values():
        for comment in leftover:
            parts.append(f"<p class='comment'><b>{_e(comment.get('author'))}:</b> {_e(comment.get('text'))}</p>")
    parts.append("</body></html>")
    return "".join(parts)


# ------------------------------------------------------------------ drawing
def chart_positions(labels: list[str] | None, count: int) -> list[float]:
    """Where each point sits across the plot (0 = left edge, 1 = right edge). By turn
    number when the labels are plain numbers, so a turn left out (a minimal encourager, a
    silence) leaves a gap instead of closing up: 1, 2, 3, 4, _, 6. Otherwise evenly."""
    if count == 1:
        return [0.5]
    numbered = bool(labels) and len(labels) == count and all(label.isdigit() for label in labels)
    slots = [int(label) for label in labels] if numbered else list(range(count))
    span = (slots[-1] - slots[0]) or 1
    return [(slot - slots[0]) / span for slot in slots]


def draw_attunement_chart(
    painter: Any, rect: Any, series: list[float | None], labels: list[str] | None = None
) -> None:
    """Axes 0-100, gridlines, and the per-turn attunement line inside ``rect``."""
    from PySide6.QtCore import QPointF, QRectF, Qt
    from PySide6.QtGui import QColor, QFont, QPen

    font = QFont("DejaVu Sans", 7)
    painter.save()
    painter.setFont(font)
    metrics = painter.fontMetrics()
    left = rect.left() + metrics.horizontalAdvance("100") + metrics.height() * 0.6
    bottom = rect.bottom() - metrics.height() * 2.6
    plot = QRectF(QPointF(left, rect.top() + metrics.height() * 0.6), QPointF(rect.right(), bottom))
    grid_pen = QPen(QColor("#cccccc"))
    grid_pen.setWidthF(max(1.0, rect.height() / 400))
    text_pen = QPen(QColor("#555555"))
    for level in (0, 25, 50, 75, 100):
        y = plot.bottom() - plot.height() * level / 100
        painter.setPen(grid_pen)
        painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
        painter.setPen(text_pen)
        label_rect = QRectF(rect.left(), y - metrics.height() / 2, left - rect.left() - metrics.height() * 0.3, metrics.height())
        painter.drawText(label_rect, int(Qt.AlignRight | Qt.AlignVCenter), str(level))
    points = [(i, v) for i, v in enumerate(series) if v is not None]
    if not points:
        painter.setPen(text_pen)
        painter.drawText(plot, int(Qt.AlignCenter), "No attunement scores were recorded.")
        painter.restore()
        return
    count = len(series)
    across = chart_positions(labels, count)
    step = plot.width() * min((b - a for a, b in zip(across, across[1:])), default=1.0)

    def to_point(i: int, value: float) -> QPointF:
        x = plot.left() + plot.width() * across[i]
        clamped = min(max(value, 0.0), 100.0)
        return QPointF(x, plot.bottom() - plot.height() * clamped / 100)

    line_pen = QPen(QColor("#2a6f97"))
    line_pen.setWidthF(max(1.5, rect.height() / 120))
    painter.setRenderHint(painter.RenderHint.Antialiasing, True)
    painter.setPen(line_pen)
    for (i0, v0), (i1, v1) in zip(points, points[1:]):
        painter.drawLine(to_point(i0, v0), to_point(i1, v1))
    painter.setBrush(QColor("#1d3557"))
    radius = line_pen.widthF() * 1.6
    for i, value in points:
        painter.drawEllipse(to_point(i, value), radius, radius)
    painter.setPen(text_pen)
    label_every = max(1, count // 12)
    for i in range(0, count, label_every):
        x = to_point(i, 0).x()
        painter.drawText(QRectF(x - step, plot.bottom() + 2, 2 * step if count > 1 else 40, metrics.height()),
                         int(Qt.AlignHCenter | Qt.AlignTop), labels[i] if labels else str(i + 1))
    painter.drawText(QRectF(plot.left(), rect.bottom() - metrics.height() * 1.2, plot.width(), metrics.height() * 1.2),
                     int(Qt.AlignHCenter | Qt.AlignBottom), "trainee turn")
    painter.restore()


def export_pdf(stored_session: StoredSession, path: Path | str) -> Path:
    """Write the report to ``path`` (overwriting) and return the path."""
    ensure_gui_application()
    from PySide6.QtCore import QBuffer, QIODevice, QMarginsF, QPointF, QRectF, QSizeF
    from PySide6.QtGui import QColor, QFont, QPageLayout, QPageSize, QPainter, QPdfWriter, QTextDocument

    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(f"{path} is a folder; give a file name, e.g. {path / 'report.pdf'}")
    # Drawn in memory, then written by Python: QPdfWriter reports no write errors, so on a
    # full disk it left a truncated file behind and the caller said "saved".
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    writer.setPageMargins(QMarginsF(16, 16, 16, 16), QPageLayout.Unit.Millimeter)
    writer.setResolution(144)
    writer.setTitle(f"Practice session report: {stored_session.info.scenario_title}")
    writer.setCreator("trainer")
    painter = QPainter()
    if not painter.begin(writer):
        raise OSError(f"Cannot write the PDF report to {path}")
    try:
        page = writer.pageLayout().paintRectPixels(writer.resolution())
        width, height = float(page.width()), float(page.height())
        footer_h = height * 0.035
        body_h = height - footer_h
        page_number = 1

        def footer() -> None:
            painter.save()
            painter.setFont(QFont("DejaVu Sans", 7))
            painter.setPen(QColor("#777777"))
            painter.drawText(QRectF(0, height - footer_h * 0.8, width, footer_h * 0.8), 0x0001 | 0x0040,
                             "Confidential: practice session record. Store and share with care.")
            painter.drawText(QRectF(0, height - footer_h * 0.8, width, footer_h * 0.8), 0x0002 | 0x0040,
                             f"page {page_number}")
            painter.restore()

        def new_page() -> None:
            nonlocal page_number
            footer()
            writer.newPage()
            page_number += 1

        def make_doc(markup: str) -> QTextDocument:
            doc = QTextDocument()
            doc.documentLayout().setPaintDevice(writer)
            doc.setDefaultFont(QFont("DejaVu Sans", 10))
            doc.setHtml(markup)
            doc.setPageSize(QSizeF(width, body_h))
            return doc

        head = make_doc(_summary_html(stored_session))
        head_pages = head.pageCount()
        for index in range(head_pages):
            painter.save()
            painter.translate(0, -index * body_h)
            head.drawContents(painter, QRectF(0, index * body_h, width, body_h))
            painter.restore()
            if index < head_pages - 1:
                new_page()
        used = head.size().height() - (head_pages - 1) * body_h
        chart_h = height * 0.28
        if used + chart_h > body_h:
            new_page()
            used = 0.0
        points = attunement_points(stored_session)
        draw_attunement_chart(painter, QRectF(QPointF(0, used), QSizeF(width, chart_h)),
                              [value for _, value in points], [label for label, _ in points])
        new_page()

        body = make_doc(_body_html(stored_session))
        for index in range(body.pageCount()):
            painter.save()
            painter.translate(0, -index * body_h)
            body.drawContents(painter, QRectF(0, index * body_h, width, body_h))
            painter.restore()
            if index < body.pageCount() - 1:
                new_page()
        footer()
    finally:
        painter.end()
    write_private_file(path, bytes(buffer.data()))
    return path
