"""LangChain's own conformance suites (langchain-tests) for our retriever and embeddings.

The unit suite runs with the network blocked; the integration suites use the real model and
the real index of the shipped corpus (``corpus_settings``). Nothing is overridden.
"""

from __future__ import annotations

from typing import Any

import pytest
from langchain_tests.integration_tests import EmbeddingsIntegrationTests, RetrieversIntegrationTests
from langchain_tests.unit_tests import EmbeddingsUnitTests

from rag.embed import Embedder
from rag.lc import RagEmbeddings, RagRetriever
from rag.settings import EmbedSettings, Settings

# The suites' coroutine tests (ainvoke, aembed_*) carry no marker of their own: anyio runs
# them (it leaves the sync tests alone), on asyncio, which LangChain's async defaults need.
ASYNC = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class _OurEmbeddings:
    """What both standard embeddings suites are told to build."""

    @property
    def embeddings_class(self) -> type[RagEmbeddings]:
        return RagEmbeddings

    @property
    def embedding_model_params(self) -> dict[str, Any]:
        return {"embedder": Embedder(EmbedSettings())}


class TestRagEmbeddingsUnit(_OurEmbeddings, EmbeddingsUnitTests):
    pass


@pytest.mark.integration
@ASYNC
class TestRagEmbeddingsIntegration(_OurEmbeddings, EmbeddingsIntegrationTests):
    pass


@pytest.mark.integration
@ASYNC
class TestRagRetrieverIntegration(RetrieversIntegrationTests):
    settings: Settings | None = None

    @pytest.fixture(autouse=True)
    def _index(self, corpus_settings: Settings) -> None:
        type(self).settings = corpus_settings

    @property
    def retriever_constructor(self) -> type[RagRetriever]:
        return RagRetriever

    @property
    def retriever_constructor_params(self) -> dict[str, Any]:
        return {"settings": self.settings}

    @property
    def retriever_query_example(self) -> str:
        return "Were social workers' caseloads manageable?"
