"""Code every trainee row of a conversation CSV.

IN has columns `speaker` (`trainee` or `client`; `therapist` is read as `trainee`) and
`text`, rows in conversation order, and optionally `session`: the context starts afresh
whenever its value changes. OUT has the same rows and columns plus `code` (empty for
client rows and for trainee rows with no text) and `confidence`.
"""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path
from typing import Protocol, Sequence

from trainer.feedback.coder import CodedUtterance
from trainer.feedback.measures import with_mi_rules

SPEAKER_ALIASES = {"trainee": "trainee", "therapist": "trainee", "client": "client"}
REQUIRED_COLUMNS = ("speaker", "text")
OUTPUT_COLUMNS = ("code", "confidence")
LINE_KEY = "\0line"  # the file line of a row, kept beside its fields (never a header name)


class CodeCsvError(ValueError):
    """A problem with the input or output CSV; the message names the file."""


class Coder(Protocol):
    def code(self, text: str, context: Sequence[tuple[str, str]] = ()) -> CodedUtterance: ...


def _line_of_byte(path: Path, offset: int) -> int:
    """The 1-based line holding byte ``offset`` (UTF-8 errors give a byte position)."""
    with path.open("rb") as handle:
        return handle.read(offset).count(b"\n") + 1


def _read_rows(in_path: Path) -> tuple[list[str], list[dict[str, str]]]:
    try:
        with in_path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            columns = list(reader.fieldnames or [])
            rows = []
            for row in reader:
                if None in row:  # DictReader's key for fields beyond the header: they'd be lost
                    raise CodeCsvError(
                        f"{in_path}: line {reader.line_num}: {len(row[None])} more field(s) than the "
                        f"header's {len(columns)} columns; put text that contains commas in double quotes")
                row[LINE_KEY] = str(reader.line_num)  # for errors: blank lines are skipped
                rows.append(row)
    except FileNotFoundError as error:
        raise CodeCsvError(f"{in_path}: file not found") from error
    except IsADirectoryError as error:
        raise CodeCsvError(f"{in_path}: is a folder; give the CSV file itself") from error
    except UnicodeDecodeError as error:
        line = _line_of_byte(in_path, error.start)
        raise CodeCsvError(f"{in_path}: line {line} is not UTF-8 text; save the file as UTF-8 "
                           "(in a spreadsheet: CSV UTF-8)") from error
    except csv.Error as error:
        if "field larger than field limit" in str(error):
            raise CodeCsvError(f"{in_path}: line {reader.line_num + 1}: a field is longer than "
                               f"{csv.field_size_limit() // 1024} KB; is a closing double quote missing?") from error
        raise CodeCsvError(f"{in_path}: line {reader.line_num + 1}: cannot read CSV: {error}") from error
    except OSError as error:
        raise CodeCsvError(f"{in_path}: cannot read CSV: {error.strerror or error}") from error
    if not columns:
        raise CodeCsvError(f"{in_path}: file is empty (no header row)")
    # Header names are matched without regard to case or surrounding spaces ("Speaker", " text").
    names = {column.strip().lower(): column for column in columns}
    counts = Counter(column.strip().lower() for column in columns)
    doubled = sorted(name for name, count in counts.items() if count > 1)
    if doubled:  # "text,Text": which one to code? (the last one won, and OUT lost the other)
        raise CodeCsvError(f"{in_path}: column(s) {', '.join(doubled)} appear more than once in the "
                           "header; rename or remove the extra one")
    missing = [column for column in REQUIRED_COLUMNS if column not in names]
    if missing:
        separator = next((sep for sep in (";", "\t") if len(columns) == 1 and sep in columns[0]), None)
        hint = (f" (the file seems separated by {'semicolons' if separator == ';' else 'tabs'}; "
                "save it with commas, e.g. as CSV UTF-8)") if separator else ""
        raise CodeCsvError(
            f"{in_path}: missing column(s) {', '.join(missing)}; found {', '.join(columns)}{hint}"
        )
    clashing = [column for column in OUTPUT_COLUMNS if column in names]
    if clashing:
        raise CodeCsvError(f"{in_path}: already has column(s) {', '.join(clashing)}")
    canonical = {name: names[name] for name in (*REQUIRED_COLUMNS, "session") if name in names}
    return columns, [{**row, **{name: row.get(actual) for name, actual in canonical.items()}} for row in rows]


def _speaker(in_path: Path, row_number: int, raw: str | None) -> str:
    speaker = SPEAKER_ALIASES.get((raw or "").strip().lower())
    if speaker is None:
        raise CodeCsvError(
            f"{in_path}: line {row_number}: unknown speaker {raw!r} "
            f"(expected trainee, therapist or client)"
        )
    return speaker


def code_rows(
    in_path: Path, rows: Sequence[dict[str, str]], coder: Coder, columns: Sequence[str]
) -> list[dict[str, str]]:
    """``rows`` carry the canonical keys speaker/text/session too; OUT keeps ``columns``."""
    out_rows: list[dict[str, str]] = []
    context: list[tuple[str, str]] = []
    session: str | None = None
    for index, row in enumerate(rows):
        row_number = int(row.get(LINE_KEY) or index + 2)  # the header is line 1
        speaker = _speaker(in_path, row_number, row.get("speaker"))
        text = row.get("text") or ""
        if row.get("session") != session:
            session = row.get("session")
            context = []
        # nothing said, nothing to code (it was coded "other" and counted)
        coded = coder.code(text, tuple(context)) if speaker == "trainee" and text.strip() else None
        out_rows.append(
            {
                **{column: row.get(column) for column in columns},
                # the rules the feedback engine applies too, so OUT agrees with what a trainee is shown
                "code": with_mi_rules(text, coded.code) if coded else "",
                "confidence": f"{coded.confidence:.3f}" if coded else "",
            }
        )
        context.append((speaker, text))
    return out_rows


def code_csv(in_path: Path | str, out_path: Path | str, coder: Coder) -> int:
    """Code IN into OUT; returns the number of trainee rows coded."""
    in_path, out_path = Path(in_path), Path(out_path)
    if out_path.is_dir():
        raise CodeCsvError(f"{out_path}: is a folder; give a file name for the coded copy, e.g. "
                           f"{out_path / 'coded.csv'}")
    if out_path.exists() and in_path.exists() and out_path.resolve() == in_path.resolve():
        raise CodeCsvError(f"{out_path}: is the input file too; writing it would replace your "
                           "conversation with the coded copy. Give another --out")
    columns, rows = _read_rows(in_path)
    out_rows = code_rows(in_path, rows, coder, columns)
    try:
        with out_path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=[*columns, *OUTPUT_COLUMNS])
            writer.writeheader()
            writer.writerows(out_rows)
    except OSError as error:
        raise CodeCsvError(f"{out_path}: cannot write CSV: {error}") from error
    return sum(1 for row in out_rows if row["code"])
