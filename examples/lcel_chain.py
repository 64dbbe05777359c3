"""Your own LangChain (LCEL) chain over the inspection documents, with citations.

    python examples/lcel_chain.py "How has management oversight changed since 2014?"

The chain is the usual ``retriever -> prompt | chat model``: our ``RagRetriever`` (hybrid,
time-aware search) finds the passages, ``answer_prompt`` numbers them as sources, and the
chat model configured in ``RAG_LLM__*`` answers citing them as [n]; the sources are printed
under the answer. With no model configured (the default, ``RAG_LLM__BACKEND=none``), or if the
model fails, the model-free path answers instead: the extractive answer (``rag.ask``), whose
every sentence is quoted verbatim from a cited passage. So it works offline, on a fresh
machine: an empty index is built from the corpus folder first.

This chain does not check the model's sentences against its sources; ``rag.ask(question,
mode="llm")`` does, and marks what the sources do not support.
"""

from __future__ import annotations

import sys
from typing import Any

from langchain_core.documents import Document
from langchain_core.output_parsers import StrOutputParser
from langchain_core.runnables import Runnable, RunnableLambda, RunnableParallel, RunnablePassthrough

import rag
from rag.cli import render_text
from rag.lc import RagRetriever, answer_prompt, prompt_inputs
from rag.settings import Settings


def build_chain(settings: Settings, chat: Runnable | None = None) -> Runnable:
    """question -> answer text with its sources. ``chat``: any chat model (default: the one
    configured in ``settings.llm``; none configured: the model-free path alone)."""
    extractive = RunnableLambda(lambda q: render_text(rag.ask(q, settings)), name="quoted_answer")
    if chat is None:
        if settings.llm.backend == "none":
            return extractive
        from rag.llm import chat_model

        chat = chat_model(settings.llm)
    retriever = RagRetriever(settings=settings)
    answer = RunnableLambda(prompt_inputs) | answer_prompt() | chat | StrOutputParser()
    chain = (
        RunnableParallel(question=RunnablePassthrough(), documents=retriever)
        | RunnablePassthrough.assign(answer=answer)
        | RunnableLambda(render)
    )
    return chain.with_fallbacks([extractive])


def render(result: dict[str, Any]) -> str:
    """The model's answer, then the passage behind each [n] it could cite."""
    docs: list[Document] = result["documents"]
    lines = [result["answer"].strip(), "", "Sources:"]
    for n, doc in enumerate(docs, start=1):
        lines.append(f"[{n}] {doc.metadata['reference']}")
        lines.append(f"    \"{' '.join(doc.page_content.split())[:300]}\"")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    if len(argv) != 1 or not argv[0].strip():
        print('usage: python examples/lcel_chain.py "your question"', file=sys.stderr)
        return 2
    settings = rag.load_settings()
    try:
        if not rag.documents(settings):
            print(f"Indexing {settings.corpus_dir} first (once)...", file=sys.stderr)
            rag.ingest(settings=settings)
        print(build_chain(settings).invoke(argv[0]))
    except rag.RagError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
