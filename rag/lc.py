"""LangChain adapters over the pipeline's own parts, for code written against LangChain.

    >>> from rag.settings import EmbedSettings
    >>> emb = RagEmbeddings.from_settings(EmbedSettings())
    >>> len(emb.embed_query("Management oversight has improved."))  # doctest: +SKIP
    384
"""

from __future__ import annotations

from langchain_core.embeddings import Embeddings

from rag.embed import Embedder
from rag.settings import EmbedSettings


class RagEmbeddings(Embeddings):
    """The pipeline's embedding model (offline, unit vectors) as LangChain ``Embeddings``.

    Cheap to build: the model loads on the first embed call.
    """

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder

    @classmethod
    def from_settings(cls, settings: EmbedSettings) -> RagEmbeddings:
        return cls(Embedder(settings))

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embedder.encode(list(texts))

    def embed_query(self, text: str) -> list[float]:
        return self.embedder.encode_query(text)
