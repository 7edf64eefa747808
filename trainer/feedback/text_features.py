"""Turn one trainee utterance (plus its conversational context) into hashed features.

Training (`trainer.feedback.training.train_coder`) and runtime (`trainer.feedback.coder`)
both call `featurize`, so the two can never drift apart. Only the standard library and
numpy are used; names are hashed with CRC-32, which is stable across processes (unlike
Python's salted `hash`).
"""

from __future__ import annotations

import math
import re
import zlib
from dataclasses import dataclass
from typing import Sequence

import numpy as np

TRAINEE = "trainee"
CLIENT = "client"

WH_WORDS = frozenset("what how why when where who whom whose which".split())
OPEN_STARTERS = frozenset(
    ("tell me", "describe", "help me understand", "talk about", "say more", "walk me")
)
AUXILIARIES = frozenset(
    "do does did are is was were have has had can could would will should may might shall "
    "am won't wouldn't don't doesn't didn't isn't aren't wasn't weren't haven't hasn't can't "
    "couldn't shouldn't".split()
)
SUBJECTS = frozenset("you i it that there he she they we this your things anything anyone".split())
SECOND_PERSON = frozenset("you your you're yours yourself you've you'll you'd ya".split())
FIRST_PERSON = frozenset("i me my i'm i've i'll i'd mine myself".split())
REFLECTION_STEMS = (
    "so you",
    "sounds like",
    "it sounds",
    "you feel",
    "you're feeling",
    "you felt",
    "it seems",
    "seems like",
    "you're saying",
    "you said",
    "what i'm hearing",
    "on one hand",
    "on the other hand",
    "you're not sure",
    "you want",
    "you'd like",
    "for you",
)
ADVICE_STEMS = (
    "you should",
    "you could",
    "you might want",
    "i would suggest",
    "i'd suggest",
    "i suggest",
    "i recommend",
    "i'd recommend",
    "try to",
    "you need to",
    "you have to",
    "you must",
    "make sure",
    "it might help",
    "one option",
    "some people",
)
# The client's "I feel" comes back from the trainee as "you feel".
PRONOUN_SWAP = {
    "i": "you", "me": "you", "my": "your", "mine": "yours", "myself": "yourself",
    "i'm": "you're", "i've": "you've", "i'll": "you'll", "i'd": "you'd", "am": "are",
}
STOPWORDS = frozenset(
    """a an the and or but if so of to in on at for with about from by as is are was were be
    been being am do does did have has had i me my you your it its it's that this these those
    there they them their we us our he she his her him what how why when where who which not
    no yes yeah okay ok um uh mm hmm like just really very can could would will should may
    might then than too also get got going go know think well right oh all some any more
    i'm you're that's don't it's there's""".split()
)

DASHES = "-\u2013\u2014"

_WORD_RE = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_SENTENCE_END_RE = re.compile(r"[.?!]+")
_PUNCT_RE = re.compile(r"[^\w\s']")
_SPACE_RE = re.compile(r"\s+")


@dataclass(frozen=True)
class FeatureSettings:
    """How many hash buckets, and how strongly each block of features counts."""

    n_buckets: int = 2**18
    char_ngram_min: int = 3
    char_ngram_max: int = 5
    word_block_weight: float = 1.0
    char_block_weight: float = 0.6
    context_block_weight: float = 0.0  # client's words as such: measured to hurt, kept off
    previous_trainee_block_weight: float = 0.3
    last_sentence_block_weight: float = 0.5
    cue_block_weight: float = 1.0


def strip_punctuation_and_case(text: str) -> str:
    """What a speech recogniser without punctuation would give: lower case, no marks."""
    text = text.replace("\u2019", "'").lower()
    return _SPACE_RE.sub(" ", _PUNCT_RE.sub(" ", text)).strip()


def words_of(text: str) -> list[str]:
    return _WORD_RE.findall(text.replace("\u2019", "'").lower())


def _sentences(text: str) -> list[list[str]]:
    parts = [words_of(part) for part in _SENTENCE_END_RE.split(text)]
    return [part for part in parts if part]


def _content_words(words: Sequence[str]) -> set[str]:
    return {w for w in words if w not in STOPWORDS and len(w) > 2}


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s", "ly"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def _starts_with_inversion(words: Sequence[str]) -> bool:
    return len(words) >= 2 and words[0] in AUXILIARIES and words[1] in SUBJECTS


def _starts_open(words: Sequence[str]) -> bool:
    if words and words[0] in WH_WORDS:
        return True
    head = " ".join(words[:3])
    return any(head.startswith(starter) for starter in OPEN_STARTERS)


def _last_turn(context: Sequence[tuple[str, str]], speaker: str) -> str:
    for turn_speaker, turn_text in reversed(context):
        if turn_speaker == speaker:
            return turn_text
    return ""


def _add(features: dict[str, float], name: str, value: float = 1.0) -> None:
    features[name] = features.get(name, 0.0) + value


def _normalised(block: dict[str, float], weight: float) -> dict[str, float]:
    norm = math.sqrt(sum(v * v for v in block.values()))
    if norm == 0.0 or weight == 0.0:
        return {}
    return {name: weight * value / norm for name, value in block.items()}


def _word_block(text: str, words: Sequence[str]) -> dict[str, float]:
    block: dict[str, float] = {}
    padded = ["<s>", *words, "</s>"]
    for w in words:
        _add(block, "w:" + w)
    for a, b in zip(padded, padded[1:]):
        _add(block, "b:" + a + " " + b)
    for a, b, c in zip(padded, padded[1:], padded[2:]):
        _add(block, "t:" + a + " " + b + " " + c)
    # Where things are matters: the opening and closing words of the utterance and of
    # every sentence (when punctuation is there to find sentences).
    _add(block, "first1:" + " ".join(words[:1]))
    _add(block, "first2:" + " ".join(words[:2]))
    _add(block, "first3:" + " ".join(words[:3]))
    _add(block, "last2:" + " ".join(words[-2:]))
    _add(block, "last3:" + " ".join(words[-3:]))
    sentences = _sentences(text)
    for sentence in sentences:
        _add(block, "s_first2:" + " ".join(sentence[:2]))
    if sentences:
        last = sentences[-1]
        _add(block, "ls_first1:" + " ".join(last[:1]))
        _add(block, "ls_first2:" + " ".join(last[:2]))
        _add(block, "ls_first3:" + " ".join(last[:3]))
    return block


def _last_sentence_block(text: str) -> dict[str, float]:
    """Words of the closing sentence: a long turn is often coded by how it ends."""
    block: dict[str, float] = {}
    sentences = _sentences(text)
    if len(sentences) < 2:
        return block
    last = ["<s>", *sentences[-1], "</s>"]
    for w in last[1:-1]:
        _add(block, "lw:" + w)
    for a, b in zip(last, last[1:]):
        _add(block, "lb:" + a + " " + b)
    return block


def _char_block(words: Sequence[str], settings: FeatureSettings) -> dict[str, float]:
    block: dict[str, float] = {}
    joined = " " + " ".join(words) + " "
    for n in range(settings.char_ngram_min, settings.char_ngram_max + 1):
        for i in range(len(joined) - n + 1):
            _add(block, "c:" + joined[i : i + n])
    return block


def _cue_block(text: str, words: Sequence[str], previous_client: str, previous_trainee: str) -> dict[str, float]:
    block: dict[str, float] = {}
    stripped = text.strip()
    n_words = len(words)
    joined = " " + " ".join(words) + " "
    sentences = _sentences(text) or [list(words)]

    if stripped.endswith("?"):
        _add(block, "cue:ends_qmark")
    if "?" in stripped:
        _add(block, "cue:has_qmark")
    if not any(ch in stripped for ch in ".?!,"):
        _add(block, "cue:no_punctuation")
    _add(block, "cue:n_sentences", min(len(sentences), 6) / 3.0)
    _add(block, "cue:log_words", math.log1p(n_words) / 3.0)
    _add(block, "cue:len_bin:" + str(min(n_words // 4, 8)))

    if _starts_open(words):
        _add(block, "cue:start_open")
    if _starts_with_inversion(words):
        _add(block, "cue:start_inversion")
    if any(_starts_open(s) for s in sentences):
        _add(block, "cue:sentence_open")
    if any(_starts_with_inversion(s) for s in sentences):
        _add(block, "cue:sentence_inversion")
    if _starts_open(sentences[-1]):
        _add(block, "cue:last_sentence_open")
    if _starts_with_inversion(sentences[-1]):
        _add(block, "cue:last_sentence_inversion")
    for i in range(max(n_words - 1, 0)):
        if words[i] in AUXILIARIES and words[i + 1] in SUBJECTS:
            _add(block, "cue:inversion_anywhere")
            break
    for i in range(n_words):
        if words[i] in WH_WORDS:
            _add(block, "cue:wh_anywhere")
            break

    if n_words:
        second = sum(w in SECOND_PERSON for w in words)
        first = sum(w in FIRST_PERSON for w in words)
        _add(block, "cue:second_person_share", second / n_words * 3.0)
        _add(block, "cue:first_person_share", first / n_words * 3.0)
    for stem in REFLECTION_STEMS:
        if " " + stem + " " in joined:
            _add(block, "cue:reflect:" + stem)
    for stem in ADVICE_STEMS:
        if " " + stem + " " in joined:
            _add(block, "cue:advise:" + stem)

    client_words = words_of(previous_client)
    if not client_words:
        _add(block, "cue:no_client_turn")
    else:
        own = {_stem(w) for w in _content_words(words)}
        theirs = {_stem(w) for w in _content_words(client_words)}
        shared = own & theirs
        share_of_own = len(shared) / len(own) if own else 0.0
        _add(block, "cue:client_overlap", share_of_own * 2.0)
        _add(block, "cue:client_overlap_bin:" + str(min(len(shared), 5)))
        if own and shared == own:
            _add(block, "cue:all_content_from_client")
        length_band = "short" if n_words <= 6 else "medium" if n_words <= 20 else "long"
        _add(block, "cue:client_overlap_" + length_band, share_of_own * 2.0)
        swapped = [PRONOUN_SWAP.get(w, w) for w in client_words]
        client_bigrams = set(zip(swapped, swapped[1:])) | set(zip(client_words, client_words[1:]))
        own_bigrams = set(zip(words, words[1:]))
        if own_bigrams:
            _add(block, "cue:client_bigram_overlap", len(own_bigrams & client_bigrams) / len(own_bigrams) * 2.0)
        if previous_client.strip().endswith("?"):
            _add(block, "cue:client_asked_qmark")
        if _starts_open(client_words) or _starts_with_inversion(client_words):
            _add(block, "cue:client_asked_form")
        _add(block, "cue:client_len_bin:" + str(min(len(client_words) // 5, 6)))
    # AnnoMI (and live speech) splits one turn around a client backchannel: the trainee
    # carries on a sentence that a dash or a missing full stop left open.
    if stripped[:1] and stripped[:1] in DASHES:
        _add(block, "cue:starts_with_dash")
    if stripped[-1:] and stripped[-1:] in DASHES:
        _add(block, "cue:ends_with_dash")
    previous_stripped = previous_trainee.strip()
    if previous_stripped[-1:] and previous_stripped[-1:] in DASHES:
        _add(block, "cue:previous_trainee_cut_off")
    if 0 < len(client_words) <= 2:
        _add(block, "cue:client_backchannel")
    trainee_words = words_of(previous_trainee)
    if trainee_words:
        if previous_trainee.strip().endswith("?") or _starts_open(trainee_words) or _starts_with_inversion(trainee_words):
            _add(block, "cue:previous_trainee_question")
    return block


def _context_block(previous_client: str) -> dict[str, float]:
    block: dict[str, float] = {}
    client_words = words_of(previous_client)
    for w in client_words:
        _add(block, "cw:" + w)
    _add(block, "cfirst2:" + " ".join(client_words[:2]))
    _add(block, "clast2:" + " ".join(client_words[-2:]))
    return block


def _previous_trainee_block(previous_trainee: str) -> dict[str, float]:
    block: dict[str, float] = {}
    trainee_words = words_of(previous_trainee)
    for w in trainee_words:
        _add(block, "pw:" + w)
    _add(block, "pfirst2:" + " ".join(trainee_words[:2]))
    _add(block, "plast2:" + " ".join(trainee_words[-2:]))
    sentences = _sentences(previous_trainee)
    if sentences:
        _add(block, "pls_first2:" + " ".join(sentences[-1][:2]))
    return block


def named_features(
    text: str,
    context: Sequence[tuple[str, str]] = (),
    settings: FeatureSettings = FeatureSettings(),
) -> dict[str, float]:
    """All features of one utterance by name (readable; for debugging and hashing)."""
    words = words_of(text)
    previous_client = _last_turn(context, CLIENT)
    previous_trainee = _last_turn(context, TRAINEE)
    features: dict[str, float] = {"bias_feature": 1.0}
    for block in (
        _normalised(_word_block(text, words), settings.word_block_weight),
        _normalised(_char_block(words, settings), settings.char_block_weight),
        _normalised(_last_sentence_block(text), settings.last_sentence_block_weight),
        _normalised(_context_block(previous_client), settings.context_block_weight),
        _normalised(_previous_trainee_block(previous_trainee), settings.previous_trainee_block_weight),
        {k: v * settings.cue_block_weight for k, v in _cue_block(text, words, previous_client, previous_trainee).items()},
    ):
        for name, value in block.items():
            _add(features, name, value)
    return features


def hash_features(features: dict[str, float], n_buckets: int) -> tuple[np.ndarray, np.ndarray]:
    """Sparse (indices, values) with colliding names summed; indices sorted."""
    buckets: dict[int, float] = {}
    for name, value in features.items():
        index = zlib.crc32(name.encode("utf-8")) % n_buckets
        buckets[index] = buckets.get(index, 0.0) + value
    indices = np.fromiter(sorted(buckets), dtype=np.int64, count=len(buckets))
    values = np.array([buckets[i] for i in indices.tolist()], dtype=np.float32)
    return indices, values


def featurize(
    text: str,
    context: Sequence[tuple[str, str]] = (),
    settings: FeatureSettings = FeatureSettings(),
) -> tuple[np.ndarray, np.ndarray]:
    """Hashed sparse features of one utterance: the single entry point for train and run."""
    return hash_features(named_features(text, context, settings), settings.n_buckets)
