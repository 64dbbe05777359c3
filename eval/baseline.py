"""The naive baseline: the usual tutorial RAG retrieval, measured on the same questions.

Raw file text (no cleaning), LangChain ``RecursiveCharacterTextSplitter(1000, 200)``, the
same embedding model as the pipeline, and ``Chroma.similarity_search`` in an in-memory
store. It exists to show, as measured, what the pipeline's own stages gain over it.

    >>> base = NaiveBaseline(Path("corpus"), EmbedSettings())
    >>> base.build()                                                 # doctest: +SKIP
    >>> [r.doc_id for r in base.search("caseloads in 2014", k=3)]    # doctest: +SKIP
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from eval.metrics import Ranked
from rag.errors import DocumentError
from rag.lc import RagEmbeddings
from rag.load import SUPPORTED, read_document
from rag.metadata import MANIFEST_NAME, load_manifest
from rag.text import slug
from rag.settings import EmbedSettings

CHUNK_SIZE = 1000
CHUNK_OVERLAP = 200
ADD_BATCH = 5000  # under Chroma's largest batch (5,461 here)


class NaiveBaseline:
    def __init__(self, corpus_dir: Path, embed: EmbedSettings) -> None:
        self.corpus_dir = corpus_dir
        self.embeddings = RagEmbeddings.from_settings(embed)
        self.store: Any = None

    def build(self) -> int:
        """Split and embed every corpus file; returns the number of chunks."""
        from langchain_chroma import Chroma
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        manifest = load_manifest(self.corpus_dir)
        splitter = RecursiveCharacterTextSplitter(chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP)
        docs = []
        for path in sorted(self.corpus_dir.iterdir()):
            if path.name == MANIFEST_NAME or path.suffix.lower() not in SUPPORTED:
                continue
            try:
                pages, _ = read_document(path)
            except DocumentError:
                continue  # refused by the pipeline too (a web page saved as .pdf): both libraries lack it
            text = "\n".join(p.text for p in pages)
            doc_id = str(manifest[path.name]["id"]) if path.name in manifest else slug(path.stem)
            docs += splitter.create_documents([text], metadatas=[{"doc_id": doc_id}])
        # A fresh collection name: in-memory Chroma clients share state within a process.
        self.store = Chroma(collection_name=f"naive-{uuid.uuid4().hex[:8]}", embedding_function=self.embeddings)
        for i in range(0, len(docs), ADD_BATCH):  # Chroma refuses larger batches (31,092 chunks of the national series)
            self.store.add_documents(docs[i : i + ADD_BATCH])
        return len(docs)

    def search(self, question: str, k: int = 10) -> list[Ranked]:
        if self.store is None:
            self.build()
        return [Ranked(d.metadata["doc_id"], d.page_content) for d in self.store.similarity_search(question, k=k)]
