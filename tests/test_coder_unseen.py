"""The unseen-corpus benchmark's loading and scoring (benchmarks/coder_unseen.py), on hand-made rows."""

from __future__ import annotations

import pytest

from tests.benchmark_scripts import load_benchmark
from tests.fakes import QuestionMarkCoder


@pytest.fixture(scope="module")
def bench():
    return load_benchmark("coder_unseen")



CSV = (
    "Text,Ground truth,Prediction\n"
    "What brings you here?,Open Question,Open Question\n"
    "\"Is it hard, living there?\",Closed Question,Open Question\n"
    "I hear you.,Support,Support\n"
    "You should see a doctor.,Advise without Permission,Give Information\n"
    "That is just an excuse.,Confront,Confront\n"
    "Keep going.,Direct,Confront\n"
)


def test_run_maps_labels_to_groups_and_leaves_out_confront(bench, tmp_path):
    path = tmp_path / "corpus.csv"
    path.write_text(CSV, encoding="utf-8")
    result = bench.run(QuestionMarkCoder(), path, "Text", "Ground truth", "Prediction")
    assert result["n_rows"] == 6
    assert result["n_scored"] == 5
    assert result["left_out_by_label"] == {"Confront": 1}
    assert result["gold_groups"] == {"question": 2, "other": 1, "therapist_input": 2}
    # Questions and the support line right; both advice lines (Direct included) coded other.
    assert result["with_punctuation"]["accuracy_4class"] == pytest.approx(3 / 5)
    assert result["with_punctuation"]["open_closed_accuracy_on_true_questions"] == pytest.approx(0.5)
    assert result["punctuation_and_casing_removed"]["accuracy_4class"] == pytest.approx(1 / 5)
    landed = result["where_labels_land"]
    assert landed["Direct"] == {"n": 1, "question": 0.0, "reflection": 0.0, "therapist_input": 0.0, "other": 1.0}
    assert landed["Confront"]["other"] == 1.0  # shown, though not scored
    # Reference: questions, support, advice-as-information right; "Keep going." guessed
    # Confront, which has no group, so it is wrong: therapist_input recall 1/2, precision 1.
    reference = result["reference_predictions"]
    assert reference["f1_per_class"]["question"] == pytest.approx(1.0)
    assert reference["f1_per_class"]["therapist_input"] == pytest.approx(2 / 3, abs=1e-4)


def test_unknown_label_names_its_row(bench):
    with pytest.raises(bench.CorpusError, match="row 3: unknown label 'Reframe'"):
        bench.to_utterances([("What now?", "Open Question"), ("Look at it anew.", "Reframe")])


def test_missing_column_and_missing_file_are_clear_errors(bench, tmp_path):
    path = tmp_path / "corpus.csv"
    path.write_text("Utterance,Label\nHi,Other\n", encoding="utf-8")
    with pytest.raises(bench.CorpusError, match="no column 'Text', 'Ground truth'"):
        bench.load_labelled_rows(path, "Text", "Ground truth")
    with pytest.raises(bench.CorpusError, match="cannot read it"):
        bench.load_labelled_rows(tmp_path / "absent.csv", "Text", "Ground truth")


def test_main_reports_a_bad_corpus_on_stderr_with_exit_code_2(bench, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(bench.BlendedCoder, "load", classmethod(lambda cls, *a: QuestionMarkCoder()))
    assert bench.main(["--csv", str(tmp_path / "absent.csv")]) == 2
    assert "absent.csv: cannot read it" in capsys.readouterr().err
