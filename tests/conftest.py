"""Shared fixtures. Unit tests run with the network blocked (pytest-socket); tests marked
``integration`` may use loopback only. The real corpus index is built once per session."""

from __future__ import annotations

import hashlib
import math
import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"


@pytest.fixture(autouse=True)
def _no_network(request: pytest.FixtureRequest):
    """Unit tests may not touch the network at all; integration tests only loopback."""
    from pytest_socket import disable_socket, enable_socket, socket_allow_hosts

    if request.node.get_closest_marker("integration"):
        socket_allow_hosts(["127.0.0.1", "localhost", "::1"], allow_unix_socket=True)
    else:
        disable_socket(allow_unix_socket=True)
    yield
    enable_socket()


class FakeEmbedder:
    """Predictable vectors: bag of hashed words, normalised. Same words -> same vector."""

    dim = 384

    def count_tokens(self, text: str) -> int:
        return len(text.split()) + 2

    def _vec(self, text: str) -> list[float]:
        v = [0.0] * self.dim
        for w in text.lower().split():
            h = int(hashlib.md5(w.strip(".,;:'\"()").encode()).hexdigest(), 16)
            v[h % self.dim] += 1.0
        n = math.sqrt(sum(x * x for x in v)) or 1.0
        return [x / n for x in v]

    def encode(self, texts: list[str]) -> list[list[float]]:
        return [self._vec(t) for t in texts]

    def encode_query(self, text: str) -> list[float]:
        return self._vec(text)

    def encode_with_spans(self, texts, spans):
        return self.encode(texts), [[self._vec(t[a:b]) for a, b in s] for t, s in zip(texts, spans)]


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture
def corpus_copy(tmp_path: Path) -> Path:
    """A writable copy of the shipped corpus (with its manifest)."""
    dest = tmp_path / "corpus"
    shutil.copytree(CORPUS, dest)
    return dest


@pytest.fixture(scope="session")
def corpus_settings(tmp_path_factory: pytest.TempPathFactory):
    """Settings whose index holds the shipped corpus, built once with the real model."""
    from rag.pipeline import ingest
    from rag.settings import load_settings

    settings = load_settings(index_dir=tmp_path_factory.mktemp("index"), corpus_dir=CORPUS)
    report = ingest(settings=settings)
    assert report.ok, [f.line for f in report.failed]
    return settings
