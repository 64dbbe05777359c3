"""LangChain adapters over the pipeline's own parts, for code written against LangChain.

``RagRetriever`` is ``rag.search`` as a ``BaseRetriever`` (hybrid, time-aware, filtered);
``RagEmbeddings`` is the index's own embedding model as ``Embeddings``; ``answer_prompt`` and
``prompt_inputs`` put retrieved documents into the project's answer prompt
(``prompts/answer.md``), numbered so a chat model can cite them. See docs/langchain.md.

    >>> import rag
    >>> retriever = RagRetriever(settings=rag.load_settings(), k=4, kinds=["letter"])
    >>> [d.metadata["reference"] for d in retriever.invoke("caseloads since 2014")]  # doctest: +SKIP
    >>> emb = RagEmbeddings.from_settings(rag.load_settings().embed)
    >>> len(emb.embed_query("Management oversight has improved."))  # doctest: +SKIP
    384
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.retrievers import BaseRetriever
from pydantic import Field

from rag.embed import Embedder
from rag.prompts import load_prompt
from rag.records import Passage
from rag.settings import EmbedSettings, Settings, load_settings


class RagEmbeddings(Embeddings):
    """The pipeline's embedding model (offline, unit vectors) as LangChain ``Embeddings``.

    It delegates to the same ``rag.embed.Embedder`` the index is built with, so vectors made
    here match the index's. Cheap to build: the model loads on the first embed call.
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


class RagRetriever(BaseRetriever):
    """``rag.search`` as a LangChain retriever: the same passages, in the same order.

    Time-aware as ``rag.search`` is: years in the question ("since 2014") narrow the search,
    and a change-over-time question returns each document's best passages, oldest document
    first (there ``k`` is spread over the documents, ``retrieve.per_document`` at least each).
    Each ``Document`` is one passage; its metadata (JSON values only) says where it came from:
    ``doc_id, title, kind, date, year, page, paragraph, section, chunk_id, start, end`` (span
    in the cleaned document), ``score`` (higher is better), ``rank``, ``dense``, ``lexical``,
    and ``reference``, the human citation ("Title (letter, 28 July 2010), page 2, ...").

    Filters are fields, and any of them (and ``k``) can be overridden for one call:

        >>> r = RagRetriever(settings=rag.load_settings(), since=2014)  # doctest: +SKIP
        >>> r.invoke("Were caseloads manageable?", k=3, kinds=["report"])  # doctest: +SKIP
    """

    settings: Settings = Field(default_factory=load_settings, description="Which index; retrieval settings.")
    k: int | None = Field(None, description="Passages returned; None: settings.retrieve.k.")
    since: int | None = Field(None, description="Only documents dated in or after this year.")
    until: int | None = Field(None, description="Only documents dated in or before this year.")
    kinds: tuple[str, ...] = Field((), description="Only these kinds of document ('letter', 'report', ...).")
    doc_ids: tuple[str, ...] = Field((), description="Only these documents.")

    def _get_relevant_documents(
        self,
        query: str,
        *,
        run_manager: CallbackManagerForRetrieverRun,
        k: int | None = None,
        since: int | None = None,
        until: int | None = None,
        kinds: Sequence[str] | None = None,
        doc_ids: Sequence[str] | None = None,
    ) -> list[Document]:
        from rag import pipeline

        passages = pipeline.search(
            query,
            self.settings,
            k=self.k if k is None else k,
            since=self.since if since is None else since,
            until=self.until if until is None else until,
            kinds=self.kinds if kinds is None else _names(kinds),
            doc_ids=self.doc_ids if doc_ids is None else _names(doc_ids),
        )
        return [to_document(p) for p in passages]


def _names(value: str | Sequence[str]) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


def to_document(passage: Passage) -> Document:
    """A passage as a LangChain ``Document``: its text, and its origin and score as metadata."""
    from rag.llm import reference

    metadata = passage.to_dict()
    text = metadata.pop("text")
    metadata["reference"] = reference(passage)
    return Document(page_content=text, metadata=metadata, id=passage.chunk.chunk_id)


# -- the answer prompt, as a LangChain prompt template ----------------------------------


def answer_prompt() -> ChatPromptTemplate:
    """``prompts/answer.md`` as a ``ChatPromptTemplate`` taking ``question, sources, count``.

    Fill it with ``prompt_inputs``; the text stays in the prompt file, in one place.
    """
    prompt = load_prompt("answer")
    marks = {v: f"\x00{v}\x00" for v in prompt.variables}
    parts = prompt.render(**marks)

    def template(text: str) -> str:  # literal braces doubled, our marks turned into {name}
        text = text.replace("{", "{{").replace("}", "}}")
        for name, mark in marks.items():
            text = text.replace(mark, "{" + name + "}")
        return text

    messages = [("system", template(parts["system"])), ("human", template(parts["user"]))]
    return ChatPromptTemplate.from_messages(messages)


def prompt_inputs(inputs: Mapping[str, Any]) -> dict[str, Any]:
    """``{"question": str, "documents": [Document]}`` -> the variables of ``answer_prompt``:
    the documents as numbered, escaped ``<source>`` blocks headed by their references, so the
    model's ``[n]`` markers point at ``documents[n-1]``."""
    from rag.llm import escape

    source = load_prompt("source")
    docs: Sequence[Document] = inputs["documents"]
    blocks = []
    for n, doc in enumerate(docs, start=1):
        ref = escape(str(doc.metadata.get("reference", "")))
        blocks.append(source.render(number=n, reference=ref, text=escape(doc.page_content))["text"])
    return {"question": escape(inputs["question"]), "sources": "\n\n".join(blocks), "count": len(docs)}
