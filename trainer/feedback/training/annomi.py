"""Read AnnoMI into labelled trainee utterances with their conversational context.

Labels: the main behaviour comes from AnnoMI-simple-train.csv (the majority vote); the
subtype from AnnoMI-full-train.csv, by majority among the annotators whose main
behaviour agrees with it. Therapist-input subtypes map to our codes as
information -> inform and advice / negotiation / options -> advise.

The held-out split is fixed: a transcript is held out when CRC-32 of its id (as text)
is 0 mod 5 (about 20% of transcripts). Training never sees those transcripts.
"""

from __future__ import annotations

import csv
import zlib
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

SIMPLE_FILE = "AnnoMI-simple-train.csv"
FULL_FILE = "AnnoMI-full-train.csv"

SUBTYPE_CODES: dict[tuple[str, str], str] = {
    ("question", "open"): "question_open",
    ("question", "closed"): "question_closed",
    ("reflection", "simple"): "reflection_simple",
    ("reflection", "complex"): "reflection_complex",
    ("therapist_input", "information"): "inform",
    ("therapist_input", "advice"): "advise",
    ("therapist_input", "negotiation"): "advise",
    ("therapist_input", "options"): "advise",
}
SUBTYPE_COLUMN = {
    "question": "question_subtype",
    "reflection": "reflection_subtype",
    "therapist_input": "therapist_input_subtype",
}


@dataclass(frozen=True)
class LabelledUtterance:
    transcript_id: str
    utterance_id: int
    text: str
    context: tuple[tuple[str, str], ...]  # (speaker, text), speaker "trainee"/"client"
    group: str  # question / reflection / therapist_input / other
    code: str | None  # one of CODES, or None when the subtype is unknown


N_FOLDS = 5
HELD_OUT_FOLD = 0  # the benchmark's transcripts; folds 1-4 are for development choices


def fold_of(transcript_id: str) -> int:
    return zlib.crc32(str(transcript_id).encode("utf-8")) % N_FOLDS


def is_held_out(transcript_id: str) -> bool:
    return fold_of(transcript_id) == HELD_OUT_FOLD


def split_for_training(
    utterances: list["LabelledUtterance"], dev_fold: int | None = None
) -> tuple[list["LabelledUtterance"], list["LabelledUtterance"]]:
    """(training, scored) utterances: never the held-out fold in training.

    Without `dev_fold` the scored set is the held-out fold (information only); with it,
    that development fold is left out of training too and is the one scored, so that
    choices are made without looking at the held-out transcripts.
    """
    if dev_fold is not None and not (0 < dev_fold < N_FOLDS):
        raise ValueError(f"dev fold must be 1..{N_FOLDS - 1}, got {dev_fold}")
    scored_fold = HELD_OUT_FOLD if dev_fold is None else dev_fold
    training = [u for u in utterances if fold_of(u.transcript_id) not in (HELD_OUT_FOLD, scored_fold)]
    scored = [u for u in utterances if fold_of(u.transcript_id) == scored_fold]
    return training, scored


def _majority_subtypes(full_csv: Path) -> dict[tuple[str, int], Counter]:
    votes: dict[tuple[str, int], Counter] = defaultdict(Counter)
    with full_csv.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["interlocutor"] != "therapist":
                continue
            behaviour = row["main_therapist_behaviour"]
            column = SUBTYPE_COLUMN.get(behaviour)
            if column is None:
                continue
            subtype = row[column]
            if subtype and subtype != "n/a":
                votes[(row["transcript_id"], int(row["utterance_id"]))][(behaviour, subtype)] += 1
    return votes


def load_annomi(folder: Path, context_turns: int = 4) -> list[LabelledUtterance]:
    """All therapist utterances of AnnoMI, in transcript order, with preceding turns."""
    folder = Path(folder)
    votes = _majority_subtypes(folder / FULL_FILE)
    by_transcript: dict[str, list[dict]] = defaultdict(list)
    with (folder / SIMPLE_FILE).open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            by_transcript[row["transcript_id"]].append(row)

    examples: list[LabelledUtterance] = []
    for transcript_id in sorted(by_transcript, key=int):
        rows = sorted(by_transcript[transcript_id], key=lambda r: int(r["utterance_id"]))
        history: list[tuple[str, str]] = []
        for row in rows:
            speaker = "trainee" if row["interlocutor"] == "therapist" else "client"
            text = row["utterance_text"]
            if speaker == "trainee":
                group = row["main_therapist_behaviour"]
                code: str | None
                if group == "other":
                    code = "other"
                else:
                    counts = votes.get((transcript_id, int(row["utterance_id"])), Counter())
                    agreeing = [(n, key) for key, n in counts.items() if key[0] == group]
                    code = SUBTYPE_CODES[max(agreeing)[1]] if agreeing else None
                examples.append(
                    LabelledUtterance(
                        transcript_id=transcript_id,
                        utterance_id=int(row["utterance_id"]),
                        text=text,
                        context=tuple(history[-context_turns:]),
                        group=group,
                        code=code,
                    )
                )
            history.append((speaker, text))
    return examples
