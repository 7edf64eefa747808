"""Scenario files, their loader/validator, and ``trainer scenarios`` commands."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pydantic
import pytest

from trainer.cli import scenarios as scenarios_cli
from trainer.scenarios import (
    LAYERS,
    Scenario,
    ScenarioError,
    UnknownScenarioError,
    check_scenario_file,
    default_scenario_dir,
    find_scenario,
    layer_disclosed,
    load_scenario,
    load_scenarios,
    normalize_text,
    phrases_match,
    validate_directory,
)

REPO_SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
EXPECTED_IDS = {
    "burnout-nurse",
    "recent-bereavement",
    "reluctant-teen",
    "drinking-ambivalence",
    "angry-partner",
    "hidden-risk",
    "just-tell-me",
}
TEMPLATE = (REPO_SCENARIOS / "burnout-nurse.yaml").read_text(encoding="utf-8")


@pytest.fixture(autouse=True)
def _no_env_override(monkeypatch):
    monkeypatch.delenv("TRAINER_SCENARIOS_DIR", raising=False)


@pytest.fixture(scope="module")
def shipped() -> list[Scenario]:
    return load_scenarios(REPO_SCENARIOS)


def line_of(text: str, needle: str) -> int:
    """1-based line of the first line containing ``needle``."""
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in text")


def write(tmp_path: Path, text: str, stem: str = "burnout-nurse") -> Path:
    path = tmp_path / f"{stem}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def replaced(old: str, new: str) -> str:
    assert old in TEMPLATE, old
    return TEMPLATE.replace(old, new, 1)


def only_error(path: Path) -> ScenarioError:
    scenario, problems = check_scenario_file(path)
    assert scenario is None
    assert len(problems) == 1, [str(p) for p in problems]
    return problems[0]


# --------------------------------------------------------------------------- shipped files


def test_all_shipped_scenarios_load(shipped):
    assert {s.id for s in shipped} == EXPECTED_IDS
    for scenario in shipped:
        assert scenario.source_path == REPO_SCENARIOS / f"{scenario.id}.yaml"
    assert validate_directory(REPO_SCENARIOS) == []


def test_default_dir_is_repository_scenarios_folder():
    assert default_scenario_dir() == REPO_SCENARIOS
    assert {s.id for s in load_scenarios()} == EXPECTED_IDS


def test_default_dir_honours_environment(monkeypatch, tmp_path):
    write(tmp_path, TEMPLATE)
    monkeypatch.setenv("TRAINER_SCENARIOS_DIR", str(tmp_path))
    assert default_scenario_dir() == tmp_path
    assert [s.id for s in load_scenarios()] == ["burnout-nurse"]


def test_shipped_scenarios_are_distinct_and_cover_the_skills(shipped):
    all_skills = {skill for s in shipped for skill in s.skills}
    for skill in ("risk assessment", "rolling with resistance", "reflecting feelings",
                  "asking permission before advice", "simple reflections"):
        assert skill in all_skills
    assert len({s.title for s in shipped}) == len(shipped)
    assert {s.difficulty for s in shipped} == {"easy", "medium", "hard"}
    risk = next(s for s in shipped if s.id == "hidden-risk")
    assert "suicidal thoughts" in risk.content_notes


THRESHOLDS = {  # difficulty -> (deeper openness, deeper turns, core openness, core turns)
    "easy": (0.45, 1, 0.65, 2),
    "medium": (0.5, 2, 0.72, 3),
    "hard": (0.55, 2, 0.78, 4),
}


def test_thresholds_fit_difficulty_and_rise(shipped):
    for s in shipped:
        d = s.disclosure
        expected = THRESHOLDS[s.difficulty]
        got = (d.deeper.min_openness, d.deeper.min_attuned_turns,
               d.core.min_openness, d.core.min_attuned_turns)
        assert got == pytest.approx(expected), s.id
        assert d.surface.min_openness <= d.deeper.min_openness <= d.core.min_openness
        assert d.surface.min_attuned_turns <= d.deeper.min_attuned_turns <= d.core.min_attuned_turns


def test_voices_vary_within_ranges(shipped):
    for s in shipped:
        assert s.voice.id == "en_US-joe-medium"
        assert 0.85 <= s.voice.speaking_rate <= 1.15
        assert -3 <= s.voice.pitch_semitones <= 3
        if s.persona.pronouns.startswith("she"):
            assert s.voice.pitch_semitones > 0, s.id
    assert len({(s.voice.speaking_rate, s.voice.pitch_semitones) for s in shipped}) == len(shipped)


def test_demo_lines_are_speakable(shipped):
    for s in shipped:
        assert 5 <= len(s.demo) <= 6, s.id
        for line in s.demo:
            words = line.split()
            assert 6 <= len(words) <= 20, (s.id, line)
            assert not re.search(r"\d", line), line
            assert not re.search(r"\b[A-Z]{2,}\b", line), line  # no abbreviations
            assert s.persona.name.lower() not in line.lower(), line
            assert not re.search(r"[^A-Za-z ,.?'!-]", line), line


def test_scripted_lines_disclose_their_own_layer(shipped):
    for s in shipped:
        for layer in LAYERS:
            lines = s.scripted.lines(layer)
            assert len(lines) >= 2
            for line in lines:
                assert phrases_match(s.layer(layer).key_phrases, line), (s.id, layer, line)
                assert layer_disclosed(s, line) == layer, (s.id, layer, line)


def test_no_deeper_phrases_leak_into_shallower_lines(shipped):
    """A leak detector relies on this: shallow lines never match deeper/core phrases."""
    for s in shipped:
        deeper, core = s.layer("deeper").key_phrases, s.layer("core").key_phrases
        shallow = [*s.opening_lines, *s.scripted.guarded, *s.scripted.surface,
                   *s.scripted.pushback, *s.scripted.deflect]
        for line in shallow:
            assert not phrases_match(deeper, line), (s.id, line)
            assert not phrases_match(core, line), (s.id, line)
            assert layer_disclosed(s, line) in (None, "surface"), (s.id, line)
        for line in s.scripted.deeper:
            assert not phrases_match(core, line), (s.id, line)


def test_key_phrases_are_lowercase_patterns(shipped):
    for s in shipped:
        for layer in LAYERS:
            phrases = s.layer(layer).key_phrases
            assert len(phrases) >= 2
            for phrase in phrases:
                assert phrase == phrase.lower()
                assert "|" in phrase or len(phrases) >= 3


def test_scenarios_are_immutable(shipped):
    with pytest.raises(pydantic.ValidationError):
        shipped[0].title = "changed"


# --------------------------------------------------------------------------- layer_disclosed


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I'm EXHAUSTED, honestly.", "surface"),
        ("We're short-staffed again", "surface"),
        ("I cant sleep", "surface"),
        ("I just feel numb.", "deeper"),
        ("I've been dreading every shift", "deeper"),
        ("I gave her the wrong... dose!", "core"),
        ("I'm shattered, I feel numb, and I made a medication error.", "core"),
        ("The numbers on the rota look fine.", None),
        ("Nothing much to say.", None),
        ("", None),
    ],
)
def test_layer_disclosed(shipped, text, expected):
    nurse = next(s for s in shipped if s.id == "burnout-nurse")
    assert layer_disclosed(nurse, text) == expected


def test_normalize_text():
    assert normalize_text("I Don\u2019t KNOW, really...") == "i dont know really"
    assert normalize_text("  well--maybe ") == "well maybe"


def test_phrase_syntax_alternatives_and_stems():
    assert phrases_match(["wrong dose|medication error"], "a Medication error happened")
    assert phrases_match(["drink*"], "I've been drinking")
    assert not phrases_match(["drink"], "I've been drinking")
    assert not phrases_match(["dose"], "she dozed off")
    assert phrases_match(["can't sleep"], "I can't sleep")
    assert phrases_match(["can't sleep"], "I cant sleep")


# --------------------------------------------------------------------------- errors


def test_yaml_syntax_error_has_line(tmp_path):
    text = replaced("title: The exhausted nurse", "title: The exhausted: nurse")
    error = only_error(write(tmp_path, text))
    assert error.line == line_of(text, "title:")
    assert "YAML syntax error" in error.message
    assert str(error).startswith(f"{tmp_path / 'burnout-nurse.yaml'}:{error.line}: ")


def test_unclosed_quote_points_where_it_opened(tmp_path):
    text = TEMPLATE + 'extra: "never closed\n\n\n'
    error = only_error(write(tmp_path, text))
    assert error.line == line_of(text, "extra:")
    assert "quoted scalar" in error.message


def test_bad_indentation_error_has_line(tmp_path):
    text = replaced("  age: 38", "   age: 38")
    error = only_error(write(tmp_path, text))
    assert error.line == line_of(text, "age: 38")


def test_not_a_mapping(tmp_path):
    error = only_error(write(tmp_path, "- just\n- a list\n"))
    assert error.line == 1
    assert "mapping" in error.message
    empty = only_error(write(tmp_path, "", stem="empty"))
    assert "empty" in empty.message


def test_wrong_type_names_field_line_and_value(tmp_path):
    text = replaced("  age: 38", "  age: forty")
    path = write(tmp_path, text)
    error = only_error(path)
    assert error.field == "persona.age"
    assert error.line == line_of(text, "age: forty")
    assert error.message.startswith("Should be a whole number") and "'forty'" in error.message
    assert str(error) == (
        f"{path}:{error.line}: persona.age: {error.message} "
        "Fix the value and run 'trainer scenarios validate'."
    )
    with pytest.raises(ScenarioError) as raised:
        load_scenario(path)
    assert raised.value.field == "persona.age"


def test_out_of_range_value(tmp_path):
    text = replaced("  speaking_rate: 0.9", "  speaking_rate: 3.5")
    error = only_error(write(tmp_path, text))
    assert error.field == "voice.speaking_rate"
    assert error.line == line_of(text, "speaking_rate: 3.5")


def test_missing_field_points_at_parent(tmp_path):
    text = replaced("  age: 38\n", "")
    error = only_error(write(tmp_path, text))
    assert error.field == "persona.age"
    assert error.line == line_of(text, "persona:")
    assert "required" in error.message.lower()


def test_missing_top_level_field(tmp_path):
    text = replaced("difficulty: medium\n", "")
    error = only_error(write(tmp_path, text))
    assert error.field == "difficulty"
    assert error.line == 1


def test_unknown_field(tmp_path):
    text = replaced("  age: 38\n", "  age: 38\n  favourite_colour: blue\n")
    error = only_error(write(tmp_path, text))
    assert error.field == "persona.favourite_colour"
    assert error.line == line_of(text, "favourite_colour")
    assert "Unknown field" in error.message


def test_a_list_given_as_one_line_is_named_in_the_authors_words(tmp_path):
    text = replaced("  pronouns: she/her", "  pronouns: [she, her]")
    error = only_error(write(tmp_path, text))
    assert "Should be text" in error.message and "valid string" not in error.message


def test_wrong_type_in_list_item(tmp_path):
    text = replaced("    - \"Honestly, I'm okay. Everyone's in the same boat.\"", "    - [not, a, line]")
    error = only_error(write(tmp_path, text))
    assert error.field == "scripted.guarded[1]"
    assert error.line == line_of(text, "[not, a, line]")


def test_bad_difficulty(tmp_path):
    text = replaced("difficulty: medium", "difficulty: brutal")
    error = only_error(write(tmp_path, text))
    assert error.field == "difficulty"
    assert error.line == line_of(text, "difficulty: brutal")
    assert "'brutal'" in error.message


def test_id_must_match_file_stem(tmp_path):
    path = write(tmp_path, TEMPLATE, stem="tired-nurse")
    error = only_error(path)
    assert error.field == "id"
    assert error.line == line_of(TEMPLATE, "id: burnout-nurse")
    assert "tired-nurse.yaml" in error.message


def test_bad_slug(tmp_path):
    text = replaced("id: burnout-nurse", "id: Burnout_Nurse")
    error = check_scenario_file(write(tmp_path, text, stem="Burnout_Nurse"))[1][0]
    assert error.field == "id"
    assert error.line == 1


def test_unreadable_file(tmp_path):
    missing = tmp_path / "nowhere.yaml"
    error = only_error(missing)
    assert error.path == missing
    assert error.line is None
    assert "Cannot read" in error.message
    assert str(error).startswith(f"{missing}: ")
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"\xff\xfe\x00bad")
    assert "Cannot read" in only_error(binary).message


def test_thresholds_must_rise(tmp_path):
    text = TEMPLATE.replace("    min_openness: 0.72", "    min_openness: 0.4", 1)
    assert text != TEMPLATE
    error = only_error(write(tmp_path, text))
    assert error.field == "disclosure.core.min_openness"
    assert error.line == line_of(text, "min_openness: 0.4")


def test_core_phrase_in_guarded_line_is_a_leak(tmp_path):
    leaky = "    - \"It's fine. Work's just busy. No medication error or anything.\""
    text = replaced("    - \"It's fine. Work's just busy at the moment.\"", leaky)
    error = only_error(write(tmp_path, text))
    assert error.field == "scripted.guarded[0]"
    assert error.line == line_of(text, "No medication error")
    assert "core" in error.message


def test_deeper_phrase_in_opening_line_is_a_leak(tmp_path):
    text = replaced("I'm fine, really. It's just been busy.", "I'm fine, really. Just numb.")
    error = only_error(write(tmp_path, text))
    assert error.field == "opening_lines[1]"
    assert error.line == line_of(text, "Just numb.")


def test_scripted_line_without_its_key_phrase(tmp_path):
    text = replaced("I've been snapping at my son over nothing", "I've been short with my son over nothing")
    error = only_error(write(tmp_path, text))
    assert error.field == "scripted.deeper[2]"
    assert error.line == line_of(text, "short with my son")


def test_several_problems_are_all_reported(tmp_path):
    text = replaced("  age: 38", "  age: forty").replace("difficulty: medium", "difficulty: brutal")
    _, problems = check_scenario_file(write(tmp_path, text))
    assert {p.field for p in problems} == {"persona.age", "difficulty"}


def test_load_scenarios_raises_on_first_bad_file_and_validate_collects_all(tmp_path):
    write(tmp_path, TEMPLATE)
    write(tmp_path, replaced("  age: 38", "  age: forty").replace("id: burnout-nurse", "id: a-bad"), stem="a-bad")
    write(tmp_path, "- nope\n", stem="z-bad")
    with pytest.raises(ScenarioError) as raised:
        load_scenarios(tmp_path)
    assert raised.value.path.name == "a-bad.yaml"
    problems = validate_directory(tmp_path)
    assert sorted(p.path.name for p in problems) == ["a-bad.yaml", "z-bad.yaml"]


def test_find_scenario(tmp_path):
    assert find_scenario("hidden-risk", REPO_SCENARIOS).persona.name == "Mark"
    with pytest.raises(UnknownScenarioError) as raised:
        find_scenario("no-such-thing", REPO_SCENARIOS)
    assert "no-such-thing" in str(raised.value)
    assert "burnout-nurse" in str(raised.value) and "just-tell-me" in str(raised.value)
    assert set(raised.value.available) == EXPECTED_IDS


def test_an_unknown_scenario_offers_only_those_that_load_and_points_at_the_broken_ones(tmp_path):
    """Broken files were listed as 'Available', though none of them could be chosen."""
    write(tmp_path, TEMPLATE)
    write(tmp_path, "id: [\n", stem="qa-badyaml")
    write(tmp_path, "", stem="qa-empty")
    (tmp_path / "qa-yml.yml").write_text(TEMPLATE.replace("id: burnout-nurse", "id: qa-yml"), encoding="utf-8")
    with pytest.raises(UnknownScenarioError) as raised:
        find_scenario("qa-yml", tmp_path)
    message = str(raised.value)
    assert raised.value.available == ("burnout-nurse",)
    assert "Available: burnout-nurse " in message and "qa-badyaml" not in message and "qa-empty" not in message
    assert "3 scenario file(s) there have problems" in message and "trainer scenarios validate" in message
    assert "rename it to qa-yml.yaml" in message
    with pytest.raises(UnknownScenarioError) as raised:
        find_scenario("someone-else", tmp_path)
    assert "rename" not in str(raised.value) and "3 scenario file(s)" in str(raised.value)


def test_missing_directory_is_a_scenario_error(tmp_path):
    with pytest.raises(ScenarioError):
        load_scenarios(tmp_path / "absent")
    assert len(validate_directory(tmp_path / "absent")) == 1


# --------------------------------------------------------------------------- CLI


def run_cli(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="trainer")
    scenarios_cli.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(list(argv))
    return args.func(args)


def test_cli_list(capsys):
    assert run_cli("scenarios", "list") == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split() == ["ID", "TITLE", "DIFFICULTY", "SKILLS"]
    for scenario_id in EXPECTED_IDS:
        assert scenario_id in out
    assert "risk assessment" in out


def test_cli_list_bad_folder(capsys, tmp_path):
    write(tmp_path, "- nope\n")
    assert run_cli("scenarios", "list", "--dir", str(tmp_path)) == 1
    assert "mapping" in capsys.readouterr().err


def test_cli_list_shows_the_good_scenarios_beside_a_bad_file(capsys, tmp_path):
    """One broken file used to hide every scenario, in the list and in the window's library."""
    write(tmp_path, TEMPLATE)
    write(tmp_path, replaced("  age: 38", "  age: forty").replace("id: burnout-nurse", "id: bad"), stem="bad")
    assert run_cli("scenarios", "list", "--dir", str(tmp_path)) == 1
    captured = capsys.readouterr()
    assert "burnout-nurse" in captured.out
    assert "bad.yaml" in captured.err and "persona.age" in captured.err and "left out" in captured.err


def test_a_key_given_twice_is_an_error_naming_both_lines(tmp_path):
    path = write(tmp_path, TEMPLATE.replace("title:", "title: First draft\ntitle:", 1))
    scenario, problems = check_scenario_file(path)
    assert scenario is None and len(problems) == 1
    assert problems[0].field == "title" and "given twice" in str(problems[0]) and "also on line" in str(problems[0])


def test_cli_validate_warns_that_a_yml_file_is_never_loaded(capsys, tmp_path):
    path = tmp_path / "my-client.yml"
    path.write_text(TEMPLATE.replace("id: burnout-nurse", "id: my-client"))
    assert run_cli("scenarios", "validate", str(path)) == 1
    assert "rename it to my-client.yaml" in capsys.readouterr().out
    (tmp_path / "burnout-nurse.yaml").write_text(TEMPLATE)
    assert run_cli("scenarios", "validate", str(tmp_path)) == 1  # the folder: not skipped in silence
    out = capsys.readouterr().out
    assert "my-client.yml: not loaded" in out and "1 of 2 scenario file(s) have problems." in out


def test_cli_validate_notes_a_voice_that_is_not_installed(capsys, tmp_path):
    path = write(tmp_path, TEMPLATE.replace("id: en_US-joe-medium", "id: en_GB-nobody-low"))
    assert run_cli("scenarios", "validate", str(path)) == 0  # shareable: not an error
    assert "voice 'en_GB-nobody-low' is not installed here" in capsys.readouterr().out


def test_cli_validate_says_a_voice_that_is_there_but_broken_is_broken(capsys, tmp_path, monkeypatch):
    voices = tmp_path / "voices"
    voices.mkdir()
    (voices / "en_GB-broken-low.onnx").write_text("not a model")
    monkeypatch.setenv("TRAINER_VOICES_DIR", str(voices))
    path = write(tmp_path, TEMPLATE.replace("id: en_US-joe-medium", "id: en_GB-broken-low"))
    assert run_cli("scenarios", "validate", str(path)) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "is not installed here" not in out  # it is installed: it was sent looking for it
    assert "voice 'en_GB-broken-low'" in out and "not an ONNX model" in out


def test_cli_validate_default_folder(capsys):
    assert run_cli("scenarios", "validate") == 0
    out = capsys.readouterr().out
    assert out.count("OK ") == len(EXPECTED_IDS)


def test_cli_validate_bad_file_and_folder(capsys, tmp_path):
    good = write(tmp_path, TEMPLATE)
    bad = write(tmp_path, replaced("  age: 38", "  age: forty").replace("id: burnout-nurse", "id: bad"), stem="bad")
    assert run_cli("scenarios", "validate", str(good)) == 0
    assert run_cli("scenarios", "validate", str(bad)) == 1
    out = capsys.readouterr().out
    assert f"{bad}:{line_of(bad.read_text(), 'age: forty')}: persona.age:" in out
    assert run_cli("scenarios", "validate", str(tmp_path)) == 1
    out = capsys.readouterr().out
    assert f"OK  {good}" in out and "1 of 2" in out


def test_cli_validate_empty_folder_and_no_subcommand(capsys, tmp_path):
    assert run_cli("scenarios", "validate", str(tmp_path)) == 1
    assert run_cli("scenarios") == 2
