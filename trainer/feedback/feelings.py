"""A small feeling lexicon: which feelings a piece of speech names, and how strongly.

``feelings_in(text)`` finds feeling words and common phrasings ("at the end of my rope",
"can't cope", "fed up") and returns one ``Feeling`` per mention with its family (``"tired"``
for "drained", "exhausted", "burned out" ...) and an intensity from 1 (mild) to 3 (strong).

Rules, kept deliberately simple so they are predictable in live feedback:

* Matching is on lower-cased word tokens, longest phrase first, so "burned out" wins over
  nothing and "worn out" is one mention, not two.
* A few words only count as feelings after a feeling frame ("feel", "I'm", "so", "sound"
  ...) because they are ordinary words elsewhere: "down", "lost", "alone", "stuck", "low".
  They are marked with a leading ``?`` in the lexicon below.
* A negation just before the phrase in the same clause ("not", "don't", "never" ...) drops
  the mention: "I'm not angry" names no feeling.
* An intensifier just before ("so", "really", "completely" ...) raises intensity by one; a
  softener ("a bit", "kind of", "slightly" ...) lowers it by one; both stay within 1..3.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

MILD, MODERATE, STRONG = 1, 2, 3

# family -> "phrase:intensity" entries (one per line). "?" = needs a feeling frame before.
_LEXICON_TEXT: dict[str, str] = {
    "sad": """
        sad:2 sadness:2 sadder:2 saddest:3 unhappy:2 ?down:1 ?low:1 ?blue:1 upset:2
        depressed:3 depressing:2 depression:3 miserable:3 heartbroken:3 devastated:3
        gutted:3 grief:3 grieving:3 grieve:3 mourning:3 crying:2 cry:2 cried:2 tearful:2
        sorrow:3 despondent:3 ?empty:2 "in tears":2 "feel like crying":2
        "down in the dumps":2 "heavy heart":2 "my heart is broken":3 "heart broke":3
        "miss him":2 "miss her":2 "miss them":2 "missing him":2 "missing her":2 "missing them":2
        """,
    "anxious": """
        anxious:2 anxiety:2 scared:2 scary:2 afraid:2 frightened:3 terrified:3
        terrifying:3 nervous:2 nerves:1 worried:2 worry:2 worrying:2 worries:2 panicky:3
        panic:3 panicking:3 panicked:3 uneasy:1 fear:2 fearful:2 dread:3 dreading:3
        apprehensive:1 jittery:1 jumpy:1 tense:1 ?on edge:2 "freaking out":3
        "freaked out":3 "scared stiff":3 "worried sick":3 "a nervous wreck":3
        "knot in my stomach":2 "can't stop worrying":3 insecure:1
        """,
    "angry": """
        angry:2 anger:2 angrier:2 mad:2 furious:3 fuming:3 livid:3 rage:3 raging:3
        enraged:3 frustrated:2 frustrating:2 frustration:2 irritated:1 irritating:1
        irritable:1 annoyed:1 annoying:1 resentful:2 resentment:2 resent:2 bitter:2
        "fed up":2 "sick of":2 "sick and tired":3 "pissed off":3 pissed:3
        "had enough":2 "had it":2 exasperated:2 outraged:3 hostile:2 "at my wits end":3
        "at my wit's end":3
        """,
    "ashamed": """
        ashamed:3 shame:3 shameful:3 guilty:2 guilt:2 embarrassed:2 embarrassing:2
        embarrassment:2 humiliated:3 humiliating:3 humiliation:3 mortified:3
        ?worthless:3 ?useless:2 ?stupid:2 "a failure":3 "like a failure":3 "my fault":2
        "let everyone down":3 "let them down":2 "let you down":2 regret:2 regretting:2
        remorse:2 inadequate:2 "not good enough":2 "beating myself up":2
        "let myself down":2 "let yourself down":2
        """,
    "tired": """
        tired:1 tiredness:1 exhausted:3 exhausting:3 exhaustion:3 drained:2 draining:2
        weary:2 fatigued:2 fatigue:2 sleepy:1 "worn out":2 "worn down":2 "burned out":3
        "burnt out":3 burnout:3 "burn out":3 "wiped out":3 shattered:3 knackered:3
        "running on empty":3 "no energy":2 "dead on my feet":3 "can barely get up":3
        "bone tired":3 "run down":2 ?spent:2 ?beat:2 "wearing you down":2 "wearing me down":2
        "wears you down":2 "wears me down":2 "wearing you out":2 "wearing me out":2
        """,
    "lonely": """
        lonely:2 loneliness:2 lonesome:2 ?alone:2 isolated:2 isolation:2 "left out":2
        abandoned:3 "nobody to talk to":3 "no one to talk to":3 "on my own":1
        disconnected:2 "all by myself":2 "nobody cares":3 "no one cares":3 unwanted:3
        excluded:2 invisible:2 "nobody understands":2 "no one understands":2
        "on your own":1 "all by yourself":2
        """,
    "hopeless": """
        hopeless:3 hopelessness:3 helpless:3 helplessness:3 pointless:3 "no point":3
        "what's the point":3 "whats the point":3 despair:3 despairing:3 defeated:3
        ?trapped:2 ?stuck:2 "no way out":3 "giving up":3 "give up":2 "given up":3
        "no future":3 "nothing will change":3 "nothing ever changes":3 "why bother":2
        powerless:3 "can't see a way":3 "cannot see a way":3 "can't go on":3
        """,
    "overwhelmed": """
        overwhelmed:3 overwhelming:3 swamped:2 "too much":2 "can't cope":3
        "cannot cope":3 "can't handle":3 "can't keep up":2 "at the end of my rope":3
        "at the end of my tether":3 "end of my rope":3 "end of my tether":3 drowning:3
        "under pressure":2 "stretched thin":2 "falling apart":3 "fall apart":3
        stressed:2 stress:2 stressful:2 overloaded:2 "stressed out":3 frazzled:2
        ?snowed under:2 "can't breathe":3 "going under":3 "barely keeping my head":3
        "losing it":2 "spread too thin":2 "under a lot of pressure":2
        "under so much pressure":3
        """,
    "numb": """
        numb:2 numbness:2 numbed:2 "feel nothing":3 "felt nothing":3 "can't feel anything":3
        "don't feel anything":3 "cant feel anything":3 ?flat:1 ?frozen:2 "on autopilot":2 detached:2 "going through the motions":2
        """,
    "hurt": """
        hurt:2 hurts:2 hurting:2 hurtful:2 wounded:2 betrayed:3 betrayal:3 rejected:3
        rejection:3 "let down":2 stung:1 dismissed:2 unappreciated:2 "taken for granted":2
        ignored:2 ?crushed:3 "cut deep":3 "felt small":2 disrespected:2
        """,
    "confused": """
        confused:2 confusing:2 confusion:2 ?lost:2 unsure:1 uncertain:1 uncertainty:1
        torn:2 conflicted:2 "mixed feelings":2 "mixed up":2 puzzled:1 bewildered:2
        "don't know what to do":2 "dont know what to do":2 "don't know what i want":2
        ambivalent:2 "in two minds":2 "all over the place":2 "going round in circles":2
        """,
    "relieved": """
        relieved:2 relief:2 "weight off":2 "weight lifted":2 "load off":2 calmer:1
        "at ease":1 reassured:1 "can breathe again":2
        """,
    "hopeful": """
        hopeful:2 optimistic:2 encouraged:2 "looking forward":2 "some hope":1
        motivated:2 determined:2 confident:2 ?better:1
        """,
    "happy": """
        happy:2 happier:2 glad:1 pleased:1 proud:2 grateful:2 thankful:2 joy:3 joyful:3
        excited:2 delighted:3 thrilled:3
        """,
}

# Families close enough that naming one for the other is partly attuned.
RELATED_FAMILIES: dict[str, frozenset[str]] = {
    "sad": frozenset({"hurt", "lonely", "hopeless", "numb"}),
    "numb": frozenset({"sad", "tired", "hopeless"}),
    "hurt": frozenset({"sad", "angry", "lonely"}),
    "lonely": frozenset({"sad", "hurt"}),
    "hopeless": frozenset({"sad", "overwhelmed", "tired"}),
    "anxious": frozenset({"overwhelmed", "confused"}),
    "overwhelmed": frozenset({"anxious", "tired", "hopeless"}),
    "tired": frozenset({"overwhelmed", "hopeless"}),
    "angry": frozenset({"hurt"}),
    "ashamed": frozenset({"sad", "hurt"}),
    "confused": frozenset({"anxious"}),
    "relieved": frozenset({"hopeful", "happy"}),
    "hopeful": frozenset({"relieved", "happy"}),
    "happy": frozenset({"relieved", "hopeful"}),
}

NEGATIVE_FAMILIES: frozenset[str] = frozenset(
    {"sad", "anxious", "angry", "ashamed", "tired", "lonely", "hopeless", "overwhelmed",
     "hurt", "confused", "numb"}
)

_FRAME_WORDS = frozenset(
    "feel feels feeling felt am i'm im are you're youre was were being been "
    "sound sounds sounded seem seems seemed so really very pretty quite get getting got "
    "left too totally completely utterly just bit little kind sort".split()
)
_NEGATIONS = frozenset(
    "not never no don't dont doesn't didn't isn't aren't wasn't weren't haven't hasn't "
    "won't wouldn't can't cannot couldn't hardly nor without".split()
)
_INTENSIFIERS = frozenset(
    "so really very extremely completely totally utterly incredibly terribly absolutely "
    "deeply super too awfully hugely massively".split()
)
_SOFTENERS = frozenset("bit little slightly somewhat kind kinda sort sorta mildly fairly".split())
_LOOKBACK = 3

_TOKEN = re.compile(r"[a-z]+(?:'[a-z]+)?")
_CLAUSE_BREAK = re.compile(r"[.,;:!?\n]+|\bbut\b")


@dataclass(frozen=True)
class Feeling:
    """One mention of a feeling: its family, the words used and intensity 1..3."""

    family: str
    word: str
    intensity: int


@dataclass(frozen=True)
class _Entry:
    family: str
    words: tuple[str, ...]
    intensity: int
    needs_frame: bool


def tokens(text: str) -> list[str]:
    """Lower-cased word tokens, keeping contractions ("can't") whole."""
    return _TOKEN.findall(text.lower().replace("\u2019", "'").replace("`", "'"))


def _parse_lexicon() -> dict[str, list[_Entry]]:
    """Index the lexicon by first word; longest phrases first within each word."""
    index: dict[str, list[_Entry]] = {}
    item = re.compile(r'"([^"]+)":(\d)|(\??[a-z\'][a-z\' ]*?):(\d)(?=\s|$)')
    for family, block in _LEXICON_TEXT.items():
        for match in item.finditer(block):
            phrase = match.group(1) or match.group(3)
            intensity = int(match.group(2) or match.group(4))
            needs_frame = phrase.startswith("?")
            words = tuple(tokens(phrase.lstrip("?")))
            entry = _Entry(family, words, intensity, needs_frame)
            index.setdefault(words[0], []).append(entry)
    for entries in index.values():
        entries.sort(key=lambda e: len(e.words), reverse=True)
    return index


@lru_cache(maxsize=1)
def _index() -> dict[str, list[_Entry]]:
    return _parse_lexicon()


def families() -> tuple[str, ...]:
    """All feeling families the lexicon knows."""
    return tuple(_LEXICON_TEXT)


def _adjusted_intensity(base: int, before: list[str]) -> int:
    near = before[-2:]
    if any(word in _INTENSIFIERS for word in near):
        return min(STRONG, base + 1)
    if any(word in _SOFTENERS for word in near):
        return max(MILD, base - 1)
    return base


def _clause_feelings(words: list[str]) -> list[Feeling]:
    found: list[Feeling] = []
    index = _index()
    i = 0
    last_end = -10  # a feeling listed right after another ("sad and alone") is framed
    while i < len(words):
        match = _match_at(words, i, index)
        if match is None:
            i += 1
            continue
        before = words[max(0, i - _LOOKBACK):i]
        negated = any(word in _NEGATIONS for word in before)
        framed = bool(set(words[max(0, i - 2):i]) & _FRAME_WORDS) or i - last_end <= 1
        if not negated and (framed or not match.needs_frame):
            found.append(
                Feeling(match.family, " ".join(match.words),
                        _adjusted_intensity(match.intensity, before))
            )
            last_end = i + len(match.words)
        i += len(match.words)
    return found


def _match_at(words: list[str], i: int, index: dict[str, list[_Entry]]) -> _Entry | None:
    for entry in index.get(words[i], ()):
        if tuple(words[i:i + len(entry.words)]) == entry.words:
            return entry
    return None


def feelings_in(text: str) -> list[Feeling]:
    """Every feeling named in ``text``, in order of appearance."""
    found: list[Feeling] = []
    for clause in _CLAUSE_BREAK.split(text.lower().replace("\u2019", "'")):
        found.extend(_clause_feelings(tokens(clause)))
    return found


def strongest(feelings: list[Feeling]) -> Feeling | None:
    """The most intense feeling (first one on ties), or None."""
    if not feelings:
        return None
    return max(feelings, key=lambda f: f.intensity)


def related(family_a: str, family_b: str) -> bool:
    """True when the two families are neighbours (e.g. sad and hurt)."""
    return family_b in RELATED_FAMILIES.get(family_a, frozenset())
