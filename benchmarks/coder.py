"""Benchmark the utterance coder on the held-out AnnoMI transcripts; prints JSON.

    .venv/bin/python benchmarks/coder.py --annomi /work/shared/data/annomi [--components]

The shipped coder is the blend of the linear and the transformer coder
(`trainer/feedback/blended_coder.py`); `--components` scores each of the two alone as well.

Held-out transcripts: CRC-32 of transcript_id is 0 mod 5 (`annomi.is_held_out`), about
20% of the transcripts; the shipped model is trained without them. Each was coded by a
single annotator (how far annotators agree: benchmarks/annotator_agreement.py). Figures:
- 4-class macro-F1 / per-class F1 (question, reflection, therapist_input, other),
- open/closed accuracy of the question head on true questions with a subtype label,
- simple/complex accuracy of the reflection head on true reflections with a subtype label,
- 8-class macro-F1 over the codes present in the gold labels (AnnoMI has no affirm),
each with the text as written and with punctuation and casing removed (trainee text only;
the client's context keeps its punctuation as the simulated client writes it), and
milliseconds per utterance (median, p95) for `code()`.

`turn_code_rules` compares two ways to code a turn of several sentences: whole (what the
feedback engine does) and by the highest code among its pieces (the engine's former rule).

`trainee_style_check` codes the scenarios' demo lines (hand-coded in
benchmarks/data/demo_line_codes.tsv, never trained on); `counselling_lines_check` codes
trainee responses from everyday counselling, two sets each written and coded by a separate
author (benchmarks/data/counselling_line_codes.tsv and _2.tsv, never trained on). AnnoMI has no affirmations, so
`affirm_check` scores a small set of trainee lines written
for this benchmark only (never trained on): affirmations must come out `affirm`, the
others must not. `--baseline` adds a plain TF-IDF (word 1-2-grams) + logistic regression
trained on the same training transcripts (needs scikit-learn), and the same baseline
cross-validated over all five transcript folds.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from trainer.feedback.blended_coder import BlendedCoder  # noqa: E402
from trainer.feedback.coder import ANNOMI_MAPPING, GROUPS, SUBTYPES, CodingMethods  # noqa: E402
from trainer.feedback.onnx_coder import DEFAULT_MODEL_PATH as TRANSFORMER_PATH  # noqa: E402
from trainer.feedback.onnx_coder import TOKENIZER_FILE  # noqa: E402
from trainer.feedback.coder import DEFAULT_MODEL_PATH as LINEAR_PATH  # noqa: E402
from trainer.feedback.text_features import strip_punctuation_and_case  # noqa: E402
from trainer.feedback.training.annomi import N_FOLDS, LabelledUtterance, fold_of, is_held_out, load_annomi  # noqa: E402


def f1_scores(gold: Sequence[str], predicted: Sequence[str], labels: Sequence[str]) -> dict[str, float]:
    scores = {}
    for label in labels:
        tp = sum(g == label and p == label for g, p in zip(gold, predicted))
        fp = sum(g != label and p == label for g, p in zip(gold, predicted))
        fn = sum(g == label and p != label for g, p in zip(gold, predicted))
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        scores[label] = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return scores


def _share(hits: Sequence[bool]) -> float | None:
    return round(float(np.mean(hits)), 4) if hits else None


def evaluate(
    coder: CodingMethods,
    utterances: Sequence[LabelledUtterance],
    transform: Callable[[str], str] = lambda text: text,
) -> dict:
    group_gold, group_pred, code_gold, code_pred = [], [], [], []
    sub_hits: dict[str, list[bool]] = {"question": [], "reflection": []}
    for u in utterances:
        text = transform(u.text)
        coded = coder.code(text, u.context)
        group_gold.append(u.group)
        group_pred.append(ANNOMI_MAPPING[coded.code])
        if u.code is not None:
            code_gold.append(u.code)
            code_pred.append(coded.code)
            if u.group in sub_hits:
                probs = coder.probabilities(text, u.context)
                first, second = SUBTYPES[u.group]
                guess = first if probs.subtypes[first] >= probs.subtypes[second] else second
                sub_hits[u.group].append(guess == u.code)
    per_class = f1_scores(group_gold, group_pred, GROUPS)
    present_codes = sorted(set(code_gold))
    per_code = f1_scores(code_gold, code_pred, present_codes)
    return {
        "macro_f1_4class": round(float(np.mean(list(per_class.values()))), 4),
        "f1_per_class": {k: round(v, 4) for k, v in per_class.items()},
        "accuracy_4class": round(float(np.mean([g == p for g, p in zip(group_gold, group_pred)])), 4),
        "open_closed_accuracy_on_true_questions": _share(sub_hits["question"]),
        "simple_complex_accuracy_on_true_reflections": _share(sub_hits["reflection"]),
        "macro_f1_8class_codes_present": round(float(np.mean(list(per_code.values()))), 4),
        "f1_per_code": {k: round(v, 4) for k, v in per_code.items()},
        "n_utterances": len(group_gold),
        "n_questions_with_subtype": len(sub_hits["question"]),
        "n_reflections_with_subtype": len(sub_hits["reflection"]),
    }


def timing_ms(coder: CodingMethods, utterances: Sequence[LabelledUtterance]) -> dict:
    for u in utterances[:20]:  # warm-up
        coder.code(u.text, u.context)
    times = []
    for u in utterances:
        start = time.perf_counter()
        coder.code(u.text, u.context)
        times.append((time.perf_counter() - start) * 1000.0)
    return {
        "median": round(float(np.median(times)), 3),
        "p95": round(float(np.percentile(times, 95)), 3),
        "max": round(float(np.max(times)), 3),
    }


# Written for this benchmark only; not in the training data (affirmations.txt,
# trainee_examples.tsv). Each with the client turn it answers.
AFFIRM_CHECK: tuple[tuple[str, str], ...] = (
    ("I walked to work three days this week.", "Walking three days is a real achievement."),
    ("I told my sister the truth about the money.", "That was an honest and brave thing to do."),
    ("I haven't had a cigarette since Monday.", "You've done really well to hold out since Monday."),
    ("I keep trying even though I mess up.", "you really don't give up easily"),
    ("I called the helpline like you said.", "It's great that you followed through on that."),
    ("I went to the meeting even though I was nervous.", "Going despite your nerves shows real courage."),
    ("I've been cooking proper meals for the kids.", "You're a really caring parent."),
    ("I said no when they offered me a drink.", "good for you saying no like that"),
    ("I've started writing things down.", "That's a smart way to keep track."),
    ("I'm here, aren't I?", "I really appreciate you making the effort to come."),
    ("I managed to cut down to two drinks a night.", "Cutting down to two is a big accomplishment."),
    ("I looked after my mum all winter.", "You've shown a lot of love and patience."),
)
NOT_AFFIRM_CHECK: tuple[tuple[str, str], ...] = (
    ("I walked to work three days this week.", "How did that feel?"),
    ("I told my sister the truth about the money.", "What did she say?"),
    ("I haven't had a cigarette since Monday.", "Have you had any cravings?"),
    ("I keep trying even though I mess up.", "You keep going, even when it doesn't work out."),
    ("I called the helpline like you said.", "They're open until ten at night."),
    ("I went to the meeting even though I was nervous.", "You could try the Thursday group next."),
    ("I've been cooking proper meals for the kids.", "okay"),
    ("I said no when they offered me a drink.", "Let's talk about what happens next weekend."),
)


def affirm_check(coder: CodingMethods) -> dict:
    affirm_hits = [coder.code(text, [("client", client)]).code == "affirm" for client, text in AFFIRM_CHECK]
    stripped_hits = [
        coder.code(strip_punctuation_and_case(text), [("client", client)]).code == "affirm"
        for client, text in AFFIRM_CHECK
    ]
    false_alarms = [coder.code(text, [("client", client)]).code == "affirm" for client, text in NOT_AFFIRM_CHECK]
    return {
        "affirm_recall": round(float(np.mean(affirm_hits)), 4),
        "affirm_recall_punctuation_removed": round(float(np.mean(stripped_hits)), 4),
        "false_affirm_rate_on_other_codes": round(float(np.mean(false_alarms)), 4),
        "n_affirmations": len(AFFIRM_CHECK),
        "n_other": len(NOT_AFFIRM_CHECK),
    }


DEMO_LINE_CODES = Path(__file__).resolve().parent / "data" / "demo_line_codes.tsv"


def trainee_style_check(coder: CodingMethods, path: Path = DEMO_LINE_CODES) -> dict:
    """The scenarios' demo lines (trainee style, never trained on), hand-coded in `path`.

    Each line is coded with its scenario's opening client line as context, as written and
    with punctuation and casing removed. Small (42 lines) and coded by us: a check that
    the coder carries over to how trainees talk, not a benchmark of its own.
    """
    return score_hand_coded(coder, read_demo_lines(path))


def read_demo_lines(path: Path = DEMO_LINE_CODES) -> list[tuple[str, str, str]]:
    """(client turn, code, trainee text): each line with its scenario's opening line."""
    from trainer.scenarios import find_scenario

    rows = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        if raw.strip() and not raw.startswith("#"):
            scenario_id, code, text = raw.split("\t")
            rows.append((find_scenario(scenario_id).opening_lines[0], code, text))
    return rows


COUNSELLING_LINE_CODES = Path(__file__).resolve().parent / "data" / "counselling_line_codes.tsv"
# Each set by a different author, written without seeing the training examples or each other.
COUNSELLING_LINE_SETS = (COUNSELLING_LINE_CODES, COUNSELLING_LINE_CODES.with_name("counselling_line_codes_2.tsv"))


def counselling_lines_check(coder: CodingMethods, path: Path = COUNSELLING_LINE_CODES) -> dict:
    """Trainee responses in everyday counselling (grief, anxiety, work, family), hand-coded.

    Written for this benchmark by a separate author who never saw the training examples,
    each line as `code<TAB>client turn<TAB>trainee response`; never trained on. Outside
    AnnoMI's health-behaviour topics, and rich in what AnnoMI lacks: sympathy, feeling
    reflections ("That must be so hard"), normalising information. Lines that match one
    of our written training examples (stock phrases such as "take your time") are left out
    and counted, so the check stays on unseen text.
    """
    rows, n_seen = read_counselling_lines(path)
    return {**score_hand_coded(coder, rows), "n_left_out_as_also_in_training": n_seen}


def read_counselling_lines(path: Path = COUNSELLING_LINE_CODES) -> tuple[list[tuple[str, str, str]], int]:
    """(client turn, code, trainee text) rows not among our training examples, and how
    many were left out for being there."""
    seen = written_training_texts()
    rows, n_seen = [], 0
    for raw in path.read_text(encoding="utf-8").splitlines():
        if raw.strip() and not raw.startswith("#"):
            code, client, text = raw.split("\t")
            if strip_punctuation_and_case(text) in seen:
                n_seen += 1  # a stock phrase ("take your time") we also wrote for training
                continue
            rows.append((client, code, text))
    return rows, n_seen


def written_training_texts() -> set[str]:
    """Our own training examples' trainee lines, punctuation and casing removed."""
    from trainer.feedback.training.train_coder import AFFIRMATIONS_FILE, TRAINEE_EXAMPLES_FILE

    texts = set()
    for raw in AFFIRMATIONS_FILE.read_text(encoding="utf-8").splitlines():
        if raw.strip() and not raw.startswith("#"):
            texts.add(strip_punctuation_and_case(raw))
    for raw in TRAINEE_EXAMPLES_FILE.read_text(encoding="utf-8").splitlines():
        if raw.strip() and not raw.startswith("#"):
            texts.add(strip_punctuation_and_case(raw.split("\t")[-1]))
    return texts


def score_hand_coded(coder: CodingMethods, rows: Sequence[tuple[str, str, str]]) -> dict:
    """Group and code accuracy over (client turn, code, trainee text) rows, as written and
    with punctuation and casing removed; the misses are listed."""
    result: dict = {"n_lines": len(rows)}
    for name, transform in (("with_punctuation", lambda t: t), ("punctuation_and_casing_removed", strip_punctuation_and_case)):
        result[name] = hand_coded_accuracy(coder, [(client, code, transform(text)) for client, code, text in rows])
    return result


def hand_coded_accuracy(coder: CodingMethods, rows: Sequence[tuple[str, str, str]]) -> dict:
    """Group and code accuracy of the coder on (client turn, code, trainee text) rows."""
    got = [coder.code(text, [("client", client)]).code for client, _code, text in rows]
    return {
        "group_accuracy": round(float(np.mean([ANNOMI_MAPPING[g] == ANNOMI_MAPPING[c] for g, (_, c, _) in zip(got, rows)])), 4),
        "code_accuracy": round(float(np.mean([g == c for g, (_, c, _) in zip(got, rows)])), 4),
        "misses": [f"{text} -> {g} (coded {c})" for g, (_, c, text) in zip(got, rows) if ANNOMI_MAPPING[g] != ANNOMI_MAPPING[c]],
    }


def tfidf_baseline(utterances: Sequence[LabelledUtterance]) -> dict:
    """Plain TF-IDF word 1-2-grams + logistic regression, no context, no augmentation."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    train = [u for u in utterances if not is_held_out(u.transcript_id)]
    test = [u for u in utterances if is_held_out(u.transcript_id)]
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
    model = LogisticRegression(C=10, max_iter=3000)
    model.fit(vectorizer.fit_transform([u.text for u in train]), [u.group for u in train])
    result: dict = {}
    for name, transform in (("with_punctuation", lambda t: t), ("punctuation_and_casing_removed", strip_punctuation_and_case)):
        predicted = model.predict(vectorizer.transform([transform(u.text) for u in test]))
        per_class = f1_scores([u.group for u in test], list(predicted), GROUPS)
        result[name] = {"macro_f1_4class": round(float(np.mean(list(per_class.values()))), 4)}
    # The same baseline on every transcript fold (trained on the other four), to show the
    # held-out fold is not unusually hard for it.
    per_fold = {}
    for fold in range(N_FOLDS):
        fold_train = [u for u in utterances if fold_of(u.transcript_id) != fold]
        fold_test = [u for u in utterances if fold_of(u.transcript_id) == fold]
        vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
        model = LogisticRegression(C=10, max_iter=3000)
        model.fit(vectorizer.fit_transform([u.text for u in fold_train]), [u.group for u in fold_train])
        predicted = model.predict(vectorizer.transform([u.text for u in fold_test]))
        per_class = f1_scores([u.group for u in fold_test], list(predicted), GROUPS)
        per_fold[str(fold)] = round(float(np.mean(list(per_class.values()))), 4)
    result["macro_f1_4class_per_fold_cross_validated"] = per_fold
    return result


def turn_code_rules(coder: CodingMethods, utterances: Sequence[LabelledUtterance]) -> dict:
    """How to code a turn of several sentences: as one (what the app does) or by the piece.

    The engine cuts a turn into pieces for its counts (questions, reflections). For the
    turn's own code, coding it whole is compared with the older rule: the highest piece
    code in ``measures.PRIMARY_CODE_PRIORITY`` (reflection over advice over question).
    """
    from trainer.feedback import measures

    result: dict = {}
    for name, transform in (("with_punctuation", lambda t: t), ("punctuation_and_casing_removed", strip_punctuation_and_case)):
        gold, whole, by_piece, n_split = [], [], [], 0
        for u in utterances:
            text = transform(u.text)
            gold.append(u.group)
            whole.append(ANNOMI_MAPPING[coder.code(text, u.context).code])
            pieces = measures.split_utterances(text) or [text]
            n_split += len(pieces) > 1
            coded = []
            for piece in pieces:
                verdict = coder.code(piece, u.context)
                coded.append(measures.UtteranceCode(piece, verdict.code, verdict.confidence))
            by_piece.append(ANNOMI_MAPPING[measures.primary_code(coded).code])
        macro = lambda predicted: round(float(np.mean(list(f1_scores(gold, predicted, GROUPS).values()))), 4)
        result[name] = {
            "turns_of_several_pieces": n_split,
            "macro_f1_turn_coded_whole": macro(whole),
            "macro_f1_highest_piece_code": macro(by_piece),
        }
    return result


def run_benchmark(coder: CodingMethods, annomi: Path, baseline: bool = False) -> dict:
    utterances = load_annomi(annomi)
    held_out = [u for u in utterances if is_held_out(u.transcript_id)]
    result = {
        "held_out_transcripts": len({u.transcript_id for u in held_out}),
        "with_punctuation": evaluate(coder, held_out),
        "punctuation_and_casing_removed": evaluate(coder, held_out, strip_punctuation_and_case),
        "affirm_check": affirm_check(coder),
        "trainee_style_check": trainee_style_check(coder),
        "counselling_lines_check": {path.name: counselling_lines_check(coder, path) for path in COUNSELLING_LINE_SETS},
        "turn_code_rules": turn_code_rules(coder, held_out),
        "ms_per_utterance": timing_ms(coder, held_out),
    }
    if baseline:
        result["tfidf_logreg_baseline"] = tfidf_baseline(utterances)
    return result


def score_only(coder: CodingMethods, annomi: Path) -> dict:
    held_out = [u for u in load_annomi(annomi) if is_held_out(u.transcript_id)]
    return {
        name: {k: v for k, v in evaluate(coder, held_out, transform).items() if k.startswith(("macro", "f1_per_class"))}
        for name, transform in (("with_punctuation", lambda t: t), ("punctuation_and_casing_removed", strip_punctuation_and_case))
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark the utterance coder on held-out AnnoMI.")
    parser.add_argument("--annomi", type=Path, default=Path("/work/shared/data/annomi"))
    parser.add_argument("--model", type=Path, default=None, help="linear coder_model.npz (default: shipped)")
    parser.add_argument("--transformer-model", type=Path, default=None, help="coder_model.onnx (default: shipped)")
    parser.add_argument("--components", action="store_true", help="also score the linear and transformer coders alone")
    parser.add_argument("--baseline", action="store_true", help="also score TF-IDF + LR (needs scikit-learn)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    coder = BlendedCoder.load(args.model, args.transformer_model)
    load_ms = (time.perf_counter() - start) * 1000.0
    result = {"coder": "blend of linear and transformer coders", "linear_weight": coder.linear_weight}
    result.update(run_benchmark(coder, args.annomi, args.baseline))
    if args.components:
        result["linear_coder_alone"] = score_only(coder.linear, args.annomi)
        result["linear_coder_alone"]["trainee_style_check"] = trainee_style_check(coder.linear)
        result["linear_coder_alone"]["counselling_lines_check"] = {
            path.name: counselling_lines_check(coder.linear, path) for path in COUNSELLING_LINE_SETS}
        result["transformer_coder_alone"] = score_only(coder.transformer, args.annomi)
        result["transformer_coder_alone"]["trainee_style_check"] = trainee_style_check(coder.transformer)
        result["transformer_coder_alone"]["counselling_lines_check"] = {
            path.name: counselling_lines_check(coder.transformer, path) for path in COUNSELLING_LINE_SETS}
    result["model_load_ms"] = round(load_ms, 1)
    transformer = args.transformer_model or TRANSFORMER_PATH
    files = [args.model or LINEAR_PATH, transformer, transformer.parent / TOKENIZER_FILE]
    result["model_size_mb"] = round(sum(path.stat().st_size for path in files) / 1e6, 2)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
