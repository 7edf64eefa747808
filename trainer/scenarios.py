"""Load and validate practice scenarios (``scenarios/*.yaml``).

A scenario describes one simulated client: who they are, how they sound, what they say
first, what they will reveal at each layer of disclosure (surface, deeper, core) and
when, scripted lines for running without a language model, and demo trainee lines.
The YAML format is documented in ``docs/scenario-format.md``.

Every problem with a file becomes a :class:`ScenarioError` that names the file, the
field (dotted, e.g. ``persona.age`` or ``scripted.guarded[1]``) and the line in the
YAML, so an author can fix it without reading a traceback.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    StringConstraints,
    ValidationError,
)

SCENARIOS_DIR_ENV = "TRAINER_SCENARIOS_DIR"
SCENARIO_SUFFIX = ".yaml"
VALIDATE_COMMAND = "trainer scenarios validate"

LAYERS: tuple[str, ...] = ("surface", "deeper", "core")
"""Disclosure layers, shallowest first."""

SCRIPTED_KINDS: tuple[str, ...] = ("guarded", "surface", "deeper", "core", "pushback", "deflect")

DEFAULT_VOICE_ID = "en_US-joe-medium"

_SLUG = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
_KEY_PHRASE = r"^[a-z0-9' *|-]+$"

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Slug = Annotated[str, StringConstraints(pattern=_SLUG)]
KeyPhrase = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, pattern=_KEY_PHRASE)]


# --------------------------------------------------------------------------- key phrases


def normalize_text(text: str) -> str:
    """Lowercase, drop apostrophes, turn other punctuation into spaces, squeeze spaces.

    ``"I don't KNOW, really..."`` becomes ``"i dont know really"``.
    """
    lowered = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    lowered = lowered.replace("'", "")
    return " ".join(re.sub(r"[^a-z0-9]+", " ", lowered).split())


def _alternative_regex(alternative: str) -> str | None:
    words = []
    for raw_word in alternative.replace("'", "").split():
        stem = raw_word.endswith("*")
        word = " ".join(re.sub(r"[^a-z0-9]+", " ", raw_word.rstrip("*").lower()).split())
        if not word:
            continue
        words.append(re.escape(word) + (r"[a-z0-9]*" if stem else ""))
    if not words:
        return None
    return r"(?<![a-z0-9])" + " ".join(words) + r"(?![a-z0-9])"


@functools.lru_cache(maxsize=512)
def compile_key_phrases(key_phrases: tuple[str, ...]) -> re.Pattern[str] | None:
    """One regex for a layer's key phrases, to run on :func:`normalize_text` output.

    Syntax: each phrase is matched on word boundaries; ``|`` separates alternatives
    (``"wrong dose|medication error"``); a word ending in ``*`` matches any word that
    starts with it (``"drink*"`` matches drink, drinks, drinking). Returns None when
    there is nothing to match.
    """
    parts = []
    for phrase in key_phrases:
        for alternative in phrase.split("|"):
            regex = _alternative_regex(alternative)
            if regex:
                parts.append(regex)
    if not parts:
        return None
    return re.compile("|".join(parts))


def phrases_match(key_phrases: Iterable[str], text: str) -> bool:
    """True if any of ``key_phrases`` occurs in ``text`` (case/punctuation-insensitive)."""
    pattern = compile_key_phrases(tuple(key_phrases))
    return bool(pattern and pattern.search(normalize_text(text)))


# --------------------------------------------------------------------------- models


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Persona(_Frozen):
    name: Text
    age: int = Field(ge=12, le=100)
    pronouns: Text
    background: Text
    presenting_concern: Text
    emotional_state: Text
    speaking_style: Text


class Voice(_Frozen):
    id: Text = DEFAULT_VOICE_ID
    speaking_rate: float = Field(default=1.0, ge=0.5, le=2.0)
    """Above 1 speaks faster."""
    pitch_semitones: float = Field(default=0.0, ge=-6.0, le=6.0)


class DisclosureLayer(_Frozen):
    facts: tuple[Text, ...] = Field(min_length=1)
    """First-person notes for the language model: what the client may reveal here."""
    key_phrases: tuple[KeyPhrase, ...] = Field(min_length=1)
    """Lowercase patterns that show a reply disclosed this layer."""
    min_openness: float = Field(ge=0.0, le=1.0)
    min_attuned_turns: int = Field(ge=0)
    opens_when_asked_about_suicide: bool = False
    """The layer opens, whatever the thresholds, once the trainee has asked plainly about
    suicide after a hint (a client who wants someone to ask)."""


class Disclosure(_Frozen):
    surface: DisclosureLayer
    deeper: DisclosureLayer
    core: DisclosureLayer

    def layer(self, name: str) -> DisclosureLayer:
        if name not in LAYERS:
            raise KeyError(f"unknown disclosure layer {name!r}; expected one of {', '.join(LAYERS)}")
        return getattr(self, name)


class Scripted(_Frozen):
    guarded: tuple[Text, ...] = Field(min_length=2)
    surface: tuple[Text, ...] = Field(min_length=2)
    deeper: tuple[Text, ...] = Field(min_length=2)
    core: tuple[Text, ...] = Field(min_length=2)
    pushback: tuple[Text, ...] = Field(min_length=2)
    deflect: tuple[Text, ...] = Field(min_length=2)

    def lines(self, kind: str) -> tuple[str, ...]:
        if kind not in SCRIPTED_KINDS:
            raise KeyError(f"unknown scripted kind {kind!r}; expected one of {', '.join(SCRIPTED_KINDS)}")
        return getattr(self, kind)


class Scenario(_Frozen):
    id: Slug
    title: Text
    brief: Text
    skills: tuple[Text, ...] = Field(min_length=1)
    difficulty: Literal["easy", "medium", "hard"]
    content_notes: tuple[Text, ...] = ()
    persona: Persona
    voice: Voice = Field(default_factory=Voice)
    opening_lines: tuple[Text, ...] = Field(min_length=1)
    disclosure: Disclosure
    scripted: Scripted
    demo: tuple[Text, ...] = Field(min_length=5)

    _source_path: Path | None = PrivateAttr(default=None)

    @property
    def source_path(self) -> Path | None:
        """The YAML file this scenario came from (None if built in code)."""
        return self._source_path

    def layer(self, name: str) -> DisclosureLayer:
        return self.disclosure.layer(name)


# --------------------------------------------------------------------------- errors


class ScenarioError(Exception):
    """A scenario file that cannot be used, with where and how to fix it."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        field: str,
        line: int | None,
        message: str,
        hint: str = f"Fix the value and run '{VALIDATE_COMMAND}'.",
    ) -> None:
        self.path = Path(path)
        self.field = field
        self.line = line
        self.message = message
        self.hint = hint
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else f"{self.path}"
        field = f" {self.field}:" if self.field else ""
        hint = f" {self.hint}" if self.hint else ""
        return f"{where}:{field} {self.message}{hint}"


class UnknownScenarioError(LookupError):
    """No scenario has the requested id.

    ``available``: the ids that load; ``with_problems``: how many files in the folder do
    not (validation errors, or a ``.yml``/``.json`` name that is never read);
    ``misnamed``: a file for this very id under such a name.
    """

    def __init__(self, scenario_id: str, available: Sequence[str], directory: Path,
                 with_problems: int = 0, misnamed: Path | None = None) -> None:
        self.scenario_id = scenario_id
        self.available = tuple(available)
        self.directory = directory
        self.with_problems = with_problems
        self.misnamed = misnamed
        listed = ", ".join(self.available) if self.available else "(none)"
        message = (f"No scenario called {scenario_id!r} in {directory}. Available: {listed} "
                   "(see 'trainer scenarios list').")
        if misnamed is not None:
            message += (f" {misnamed.name} is not loaded: scenarios are read from *{SCENARIO_SUFFIX} files only; "
                        f"rename it to {misnamed.with_suffix(SCENARIO_SUFFIX).name}.")
        if with_problems:
            message += (f" {with_problems} scenario file(s) there have problems and are left out; "
                        f"run '{VALIDATE_COMMAND}' to see them.")
        super().__init__(message)

    def __str__(self) -> str:
        return str(self.args[0])


# --------------------------------------------------------------------------- YAML positions


def _format_loc(loc: Sequence[Any]) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += ("." if text else "") + str(part)
    return text


def _line_for(root: yaml.Node | None, loc: Sequence[Any]) -> int:
    """1-based line of the node at ``loc``, or of the closest parent present."""
    if root is None:
        return 1
    line = root.start_mark.line + 1
    node = root
    for part in loc:
        if isinstance(node, yaml.MappingNode) and isinstance(part, str):
            for key_node, value_node in node.value:
                if isinstance(key_node, yaml.ScalarNode) and key_node.value == part:
                    line = key_node.start_mark.line + 1
                    node = value_node
                    break
            else:
                return line
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if 0 <= part < len(node.value):
                node = node.value[part]
                line = node.start_mark.line + 1
            else:
                return line
        else:
            return line
    return line


def _shorten(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _errors_from_validation(path: Path, root: yaml.Node, exc: ValidationError) -> list[ScenarioError]:
    problems = []
    for error in exc.errors(include_url=False):
        loc = tuple(error["loc"])
        kind = error["type"]
        field = _format_loc(loc)
        line = _line_for(root, loc)
        if kind == "missing":
            parent = _format_loc(loc[:-1]) or "the top level"
            problems.append(
                ScenarioError(
                    path, field, line, f"Field required (missing under {parent}).",
                    f"Add it and run '{VALIDATE_COMMAND}'.",
                )
            )
        elif kind == "extra_forbidden":
            problems.append(
                ScenarioError(
                    path, field, line, f"Unknown field {str(loc[-1])!r}.",
                    f"Remove it or check its spelling (see docs/scenario-format.md), then run '{VALIDATE_COMMAND}'.",
                )
            )
        else:
            message = _plain(error["msg"].rstrip("."))
            problems.append(ScenarioError(path, field, line, f"{message} (got {_shorten(error['input'])})."))
    return problems


# The validator's words for Python types, in the words of a YAML file's author.
_PLAIN_WORDS = (
    ("a valid tuple", "a list (one \"- item\" per line)"),
    ("a valid list", "a list (one \"- item\" per line)"),
    ("a valid dictionary", "a group of fields (\"name: value\" lines, indented)"),
    ("a valid string", "text"),
    ("a valid integer", "a whole number"),
    ("a valid number", "a number"),
    ("a valid boolean", "true or false"),
)


def _plain(message: str) -> str:
    for technical, plain in _PLAIN_WORDS:
        message = message.replace(technical, plain)
    return message.replace("Input should be", "Should be")


# --------------------------------------------------------------------------- content checks


def _content_problems(scenario: Scenario) -> list[tuple[tuple[Any, ...], str]]:
    """Checks pydantic can't express: layer order and where key phrases may appear."""
    problems: list[tuple[tuple[Any, ...], str]] = []
    for shallow_name, deep_name in zip(LAYERS, LAYERS[1:]):
        shallow, deep = scenario.layer(shallow_name), scenario.layer(deep_name)
        for attribute in ("min_openness", "min_attuned_turns"):
            if getattr(deep, attribute) < getattr(shallow, attribute):
                problems.append(
                    (
                        ("disclosure", deep_name, attribute),
                        f"Must be at least {shallow_name}.{attribute} ({getattr(shallow, attribute)}); "
                        f"thresholds rise from surface to deeper to core (got {getattr(deep, attribute)}).",
                    )
                )

    phrases = {name: scenario.layer(name).key_phrases for name in LAYERS}
    for name in LAYERS:
        for index, line in enumerate(scenario.scripted.lines(name)):
            if not phrases_match(phrases[name], line):
                problems.append(
                    (
                        ("scripted", name, index),
                        f"A scripted {name} line must contain one of disclosure.{name}.key_phrases (got {_shorten(line)}).",
                    )
                )

    # Lines that must not reveal a deeper layer than they belong to.
    deeper_than = {
        "guarded": ("deeper", "core"),
        "pushback": ("deeper", "core"),
        "deflect": ("deeper", "core"),
        "surface": ("deeper", "core"),
        "deeper": ("core",),
    }
    for kind, forbidden in deeper_than.items():
        for index, line in enumerate(scenario.scripted.lines(kind)):
            for layer in forbidden:
                if phrases_match(phrases[layer], line):
                    problems.append(
                        (
                            ("scripted", kind, index),
                            f"Reveals the {layer} layer too early: it matches disclosure.{layer}.key_phrases "
                            f"(got {_shorten(line)}).",
                        )
                    )
    for index, line in enumerate(scenario.opening_lines):
        for layer in ("deeper", "core"):
            if phrases_match(phrases[layer], line):
                problems.append(
                    (
                        ("opening_lines", index),
                        f"An opening line reveals the {layer} layer: it matches disclosure.{layer}.key_phrases "
                        f"(got {_shorten(line)}).",
                    )
                )
    return problems


# --------------------------------------------------------------------------- loading


def _read(path: Path) -> tuple[yaml.Node | None, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise ScenarioError(
            path, "", None, f"Cannot read the file: {reason}.",
            "Check the path and permissions, and save it as UTF-8.",
        ) from exc
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        problem = getattr(exc, "problem", None) or str(exc)
        problem_mark = getattr(exc, "problem_mark", None)
        context_mark = getattr(exc, "context_mark", None)
        # An unclosed quote or bracket is only noticed at the end of the file; the
        # place it was opened is the useful line then.
        if context_mark is not None and (problem_mark is None or "end of stream" in problem):
            mark = context_mark
            problem = f"{problem} {getattr(exc, 'context', None) or 'while reading a value'} that starts on this line"
        else:
            mark = problem_mark or context_mark
        line = mark.line + 1 if mark is not None else None
        raise ScenarioError(
            path, "", line, f"YAML syntax error: {problem}.",
            f"Check indentation, colons and quotes near this line, then run '{VALIDATE_COMMAND}'.",
        ) from exc
    _refuse_duplicate_keys(path, root)
    return root, data


def _refuse_duplicate_keys(path: Path, node: yaml.Node | None, where: str = "") -> None:
    """YAML keeps the last of two equal keys without a word; a scenario author who wrote
    `title:` twice would never learn which one the app uses."""
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                name = f"{where}.{key_node.value}" if where else str(key_node.value)
                line = key_node.start_mark.line + 1
                if key_node.value in seen:
                    raise ScenarioError(
                        path, name, line, f"'{key_node.value}' is given twice (also on line {seen[key_node.value]}).",
                        "Keep one of them; YAML would silently use the last.",
                    )
                seen[key_node.value] = line
                _refuse_duplicate_keys(path, value_node, name)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _refuse_duplicate_keys(path, item, f"{where}[{index}]")


def _by_line(problems: list[ScenarioError]) -> list[ScenarioError]:
    return sorted(problems, key=lambda problem: problem.line or 0)


def check_scenario_file(path: str | os.PathLike[str]) -> tuple[Scenario | None, list[ScenarioError]]:
    """Parse and validate one file; returns the scenario (if usable) and every problem."""
    path = Path(path)
    try:
        root, data = _read(path)
    except ScenarioError as error:
        return None, [error]
    if not isinstance(data, dict):
        kind = "empty" if data is None else {"str": "a single line of text", "list": "a list"}.get(
            type(data).__name__, f"a {type(data).__name__}")
        line = root.start_mark.line + 1 if root is not None else 1
        return None, [
            ScenarioError(
                path, "", line, f"A scenario must be a mapping of fields (this file is {kind}).",
                "Start from an example in scenarios/ and see docs/scenario-format.md.",
            )
        ]
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        return None, _by_line(_errors_from_validation(path, root, exc))

    problems: list[ScenarioError] = []
    if scenario.id != path.stem:
        problems.append(
            ScenarioError(
                path, "id", _line_for(root, ("id",)),
                f"The id must equal the file name without {path.suffix or 'extension'} "
                f"(got {scenario.id!r}, file is {path.name!r}).",
                f"Rename the file or change the id, then run '{VALIDATE_COMMAND}'.",
            )
        )
    for loc, message in _content_problems(scenario):
        problems.append(ScenarioError(path, _format_loc(loc), _line_for(root, loc), message))
    if problems:
        return None, _by_line(problems)
    scenario._source_path = path
    return scenario, []


def load_scenario(path: str | os.PathLike[str]) -> Scenario:
    """Load one scenario file; raises :class:`ScenarioError` on the first problem."""
    scenario, problems = check_scenario_file(path)
    if problems:
        raise problems[0]
    if scenario is None:  # pragma: no cover - check_scenario_file always reports why
        raise ScenarioError(path, "", None, "Could not load the scenario.")
    return scenario


def default_scenario_dir() -> Path:
    """``$TRAINER_SCENARIOS_DIR`` if set, else ``scenarios/`` next to the package."""
    configured = os.environ.get(SCENARIOS_DIR_ENV)
    if configured:
        return Path(configured).expanduser()
    return Path(__file__).resolve().parent.parent / "scenarios"


def scenario_files(directory: str | os.PathLike[str] | None = None) -> list[Path]:
    """The ``*.yaml`` files in ``directory`` (default :func:`default_scenario_dir`), sorted."""
    folder = Path(directory) if directory is not None else default_scenario_dir()
    if not folder.is_dir():
        raise ScenarioError(
            folder, "", None, "Scenario folder not found.",
            f"Create it or set {SCENARIOS_DIR_ENV} to a folder of scenario files.",
        )
    return sorted(p for p in folder.iterdir() if p.suffix == SCENARIO_SUFFIX and p.is_file())


def ignored_files(directory: str | os.PathLike[str] | None = None) -> list[Path]:
    """Files that look like scenarios but are never read (``*.yml``, ``*.json``), sorted."""
    folder = Path(directory) if directory is not None else default_scenario_dir()
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in (".yml", ".json") and p.is_file())


def load_scenarios(directory: str | os.PathLike[str] | None = None) -> list[Scenario]:
    """All scenarios in ``directory``, sorted by id; raises on the first bad file."""
    return [load_scenario(path) for path in scenario_files(directory)]


def load_valid_scenarios(
    directory: str | os.PathLike[str] | None = None,
) -> tuple[list[Scenario], list[ScenarioError]]:
    """The scenarios that load, and the error of each file that does not.

    For the library and ``scenarios list``: one user's broken file must not hide the
    other scenarios. (A missing or unreadable folder still raises.)
    """
    scenarios: list[Scenario] = []
    problems: list[ScenarioError] = []
    for path in scenario_files(directory):
        try:
            scenarios.append(load_scenario(path))
        except ScenarioError as error:
            problems.append(error)
    return scenarios, problems


def validate_directory(directory: str | os.PathLike[str] | None = None) -> list[ScenarioError]:
    """Every problem in every scenario file of ``directory`` (empty list: all valid)."""
    try:
        files = scenario_files(directory)
    except ScenarioError as error:
        return [error]
    problems: list[ScenarioError] = []
    for path in files:
        problems.extend(check_scenario_file(path)[1])
    return problems


def find_scenario(scenario_id: str, directory: str | os.PathLike[str] | None = None) -> Scenario:
    """The scenario whose id is ``scenario_id``; :class:`UnknownScenarioError` if none."""
    folder = Path(directory) if directory is not None else default_scenario_dir()
    files = scenario_files(folder)
    for path in files:
        if path.stem == scenario_id:
            return load_scenario(path)
    # Only the scenarios that load are offered: a broken file listed as available could
    # not be chosen either.
    scenarios, problems = load_valid_scenarios(folder)
    ignored = ignored_files(folder)
    misnamed = next((p for p in ignored if p.stem == scenario_id), None)
    raise UnknownScenarioError(scenario_id, [s.id for s in scenarios], folder,
                               with_problems=len(problems) + len(ignored), misnamed=misnamed)


# --------------------------------------------------------------------------- disclosure


def layer_disclosed(scenario: Scenario, text: str) -> str | None:
    """The deepest layer (``"surface"``, ``"deeper"``, ``"core"``) whose key phrases
    occur in ``text``, or None. Case- and punctuation-insensitive."""
    for name in reversed(LAYERS):
        if phrases_match(scenario.layer(name).key_phrases, text):
            return name
    return None


__all__ = [
    "DEFAULT_VOICE_ID",
    "LAYERS",
    "SCENARIOS_DIR_ENV",
    "SCRIPTED_KINDS",
    "Disclosure",
    "DisclosureLayer",
    "Persona",
    "Scenario",
    "ScenarioError",
    "Scripted",
    "UnknownScenarioError",
    "Voice",
    "check_scenario_file",
    "compile_key_phrases",
    "default_scenario_dir",
    "find_scenario",
    "ignored_files",
    "layer_disclosed",
    "load_scenario",
    "load_scenarios",
    "load_valid_scenarios",
    "normalize_text",
    "phrases_match",
    "scenario_files",
    "validate_directory",
]
