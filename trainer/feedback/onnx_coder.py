"""Transformer utterance coder: a fine-tuned all-MiniLM-L6-v2, int8 ONNX, run with onnxruntime.

Half of the shipped coder (`blended_coder.BlendedCoder` averages it with the linear
coder). Text is tokenised with the `tokenizers` package; no PyTorch at run time. Same
API and output layout as `coder.UtteranceCoder`: 12 logits, a 4-way group head then one
logit pair per group for the subtype. Input: "[CLS] trainee utterance [SEP] client's
last turn [SEP]"; a long trainee turn keeps its first and last tokens, the client turn
its last ones. Made by `trainer.feedback.training.train_transformer` (docs/coder.md).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Sequence

import numpy as np

from trainer.feedback.coder import (
    GROUPS,
    SUBTYPES,
    CodeProbabilities,
    CoderModelError,
    CodingMethods,
)

DATA_DIR = Path(__file__).resolve().parent / "data"
DEFAULT_MODEL_PATH = DATA_DIR / "coder_model.onnx"
TOKENIZER_FILE = "coder_tokenizer.json"  # next to the model file

MAX_LEN = 128  # tokens in all, including [CLS] and two [SEP]
TRAINEE_HEAD_TOKENS = 32  # a long trainee turn keeps its first tokens...
TRAINEE_TAIL_TOKENS = 64  # ...and its last ones: AnnoMI's questions often come at the end

ONNX_FORMAT_VERSION = 5


def last_client_turn(context: Sequence[tuple[str, str]]) -> str:
    for speaker, text in reversed(list(context)):
        if speaker == "client" and text and text.strip():
            return text.strip()
    return ""


def encode_inputs(tokenizer, text: str, context: Sequence[tuple[str, str]] = ()) -> tuple[list[int], list[int]]:
    """Token ids and token-type ids for one utterance; shared by training and run time."""
    cls_id = tokenizer.token_to_id("[CLS]")
    sep_id = tokenizer.token_to_id("[SEP]")
    trainee = tokenizer.encode(text.strip(), add_special_tokens=False).ids
    if len(trainee) > TRAINEE_HEAD_TOKENS + TRAINEE_TAIL_TOKENS:
        trainee = trainee[:TRAINEE_HEAD_TOKENS] + trainee[-TRAINEE_TAIL_TOKENS:]
    ids = [cls_id] + trainee + [sep_id]
    types = [0] * len(ids)
    client = last_client_turn(context)
    budget = MAX_LEN - len(ids) - 1
    if client and budget > 0:
        client_ids = tokenizer.encode(client, add_special_tokens=False).ids[-budget:]
        ids += client_ids + [sep_id]
        types += [1] * (len(client_ids) + 1)
    return ids, types


def load_tokenizer(path: Path):
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(path))
    tokenizer.no_padding()
    tokenizer.no_truncation()
    return tokenizer


def probabilities_from_logits(logits: np.ndarray) -> CodeProbabilities:
    logits = np.asarray(logits, dtype=np.float64)
    n_groups = len(GROUPS)
    group_logits = logits[:n_groups] - logits[:n_groups].max()
    group_probs = np.exp(group_logits) / np.exp(group_logits).sum()
    groups = {group: float(p) for group, p in zip(GROUPS, group_probs)}
    subtypes: dict[str, float] = {}
    for i, group in enumerate(GROUPS):
        first, second = SUBTYPES[group]
        diff = float(logits[n_groups + 2 * i + 1] - logits[n_groups + 2 * i])
        p_second = float(1.0 / (1.0 + np.exp(-np.clip(diff, -50.0, 50.0))))
        subtypes[first] = 1.0 - p_second
        subtypes[second] = p_second
    return CodeProbabilities(groups=groups, subtypes=subtypes)


def read_model_metadata(model_path: Path) -> dict:
    """The training metadata stored in the ONNX file (`coder_meta` property)."""
    import onnxruntime as ort

    session = ort.InferenceSession(str(model_path), providers=["CPUExecutionProvider"])
    return json.loads(session.get_modelmeta().custom_metadata_map["coder_meta"])


class OnnxUtteranceCoder(CodingMethods):
    """Codes trainee utterances with the ONNX model. Build with `OnnxUtteranceCoder.load(path)`."""

    def __init__(self, session, tokenizer, meta: dict) -> None:
        self._session = session
        self._tokenizer = tokenizer
        self.meta = meta
        self._input_names = {i.name for i in session.get_inputs()}

    @classmethod
    def load(cls, path: Path | None = None) -> "OnnxUtteranceCoder":
        model_path = Path(path) if path is not None else DEFAULT_MODEL_PATH
        if path is not None and not model_path.is_file():  # the user's own path: no rebuild advice
            what = "is a folder, not a model file" if model_path.is_dir() else "does not exist"
            raise CoderModelError(f"coder model {model_path} {what}; check the path")
        if not model_path.is_file():
            raise CoderModelError(
                f"coder model not found at {model_path}; rebuild it with "
                "`python -m trainer.feedback.training.train_transformer` (see docs/coder.md)"
            )
        try:
            import onnxruntime as ort

            options = ort.SessionOptions()
            # One thread, no spin-waiting: an utterance takes a few ms either way, and the
            # coder must not take CPU from the recogniser and the language model it runs beside.
            options.intra_op_num_threads = 1
            options.inter_op_num_threads = 1
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
            options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
            session = ort.InferenceSession(str(model_path), options, providers=["CPUExecutionProvider"])
            meta = json.loads(session.get_modelmeta().custom_metadata_map.get("coder_meta", "{}"))
        except CoderModelError:
            raise
        except Exception as error:  # onnxruntime raises its own exception types
            raise CoderModelError(f"coder model {model_path} is unreadable or corrupt: {error}") from error
        if meta.get("format_version") != ONNX_FORMAT_VERSION:
            raise CoderModelError(
                f"coder model {model_path} has format {meta.get('format_version')!r}, expected {ONNX_FORMAT_VERSION}"
            )
        if list(meta.get("groups", [])) != list(GROUPS):
            raise CoderModelError(f"coder model {model_path} has unexpected groups {meta.get('groups')}")
        tokenizer_path = model_path.parent / TOKENIZER_FILE
        if not tokenizer_path.is_file():
            raise CoderModelError(f"coder tokenizer not found at {tokenizer_path} (it must sit next to the model)")
        try:
            tokenizer = load_tokenizer(tokenizer_path)
        except Exception as error:
            raise CoderModelError(f"coder tokenizer {tokenizer_path} is unreadable: {error}") from error
        return cls(session, tokenizer, meta)

    def _logits(self, text: str, context: Sequence[tuple[str, str]]) -> np.ndarray:
        ids, types = encode_inputs(self._tokenizer, text, context)
        feed = {
            "input_ids": np.array([ids], dtype=np.int64),
            "attention_mask": np.ones((1, len(ids)), dtype=np.int64),
        }
        if "token_type_ids" in self._input_names:
            feed["token_type_ids"] = np.array([types], dtype=np.int64)
        return self._session.run(None, feed)[0][0]

    def probabilities(self, text: str, context: Sequence[tuple[str, str]] = ()) -> CodeProbabilities:
        return probabilities_from_logits(self._logits(text, context))

