"""The naive baseline: builds on any library, in batches Chroma accepts, skipping files the
pipeline refuses too."""

from __future__ import annotations

import pytest

from eval import baseline
from rag.settings import EmbedSettings

pytestmark = [pytest.mark.integration]


def test_the_baseline_adds_chunks_in_batches_and_skips_refused_files(tmp_path, monkeypatch):
    from langchain_chroma import Chroma

    (tmp_path / "letter.txt").write_text("\n\n".join(f"Paragraph {i}: caseloads are reviewed monthly by managers." * 8 for i in range(12)))
    (tmp_path / "error-page.pdf").write_bytes(b"<!DOCTYPE html>\n<html><body>Not found</body></html>")
    sizes: list[int] = []
    real = Chroma.add_documents
    monkeypatch.setattr(Chroma, "add_documents", lambda self, docs, **kw: sizes.append(len(docs)) or real(self, docs, **kw))
    monkeypatch.setattr(baseline, "ADD_BATCH", 4)
    naive = baseline.NaiveBaseline(tmp_path, EmbedSettings())
    n = naive.build()
    assert n > 4 and sum(sizes) == n and max(sizes) <= 4  # Chroma refuses a batch over its limit
    assert {r.doc_id for r in naive.search("caseloads", k=3)} == {"letter"}
