import re
from pathlib import Path

import pytest

from rag.chunk import blocks_of, chunk
from rag.clean import clean_pages
from rag.embed import Embedder
from rag.facts import read_facts
from rag.load import read_document
from rag.metadata import describe, load_manifest
from rag.records import CleanDoc
from rag.settings import EmbedSettings

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
FILES = sorted(p.name for p in CORPUS.iterdir() if p.suffix in (".txt", ".pdf"))
REPORT_2014 = "2014-06-30-ofsted-report-help-protection-looked-after-lscb.pdf"


@pytest.fixture(scope="module")
def tokenizer():
    return Embedder(EmbedSettings()).count_tokens  # the model's own tokenizer, no weights


def chunks_of(name: str, count, max_tokens: int = 200):
    path = CORPUS / name
    text, starts = clean_pages(read_document(path)[0])
    doc = describe(path, path.read_bytes(), load_manifest(CORPUS)[name], read_facts(text, starts), text)
    cleaned = CleanDoc(doc, text, tuple(starts))
    return cleaned, chunk(cleaned, max_tokens, count)


@pytest.mark.parametrize("name", FILES)
def test_chunks_fit_the_model_with_their_header(name, tokenizer):
    _, chunks = chunks_of(name, tokenizer)
    assert chunks
    assert max(tokenizer(c.embed_text) for c in chunks) <= 200


@pytest.mark.parametrize("name", FILES)
def test_chunks_cover_every_character_and_do_not_overlap(name, tokenizer):
    cleaned, chunks = chunks_of(name, tokenizer)
    covered = [False] * len(cleaned.text)
    for c in chunks:
        assert cleaned.text[c.start : c.end] == c.text
        for i in range(c.start, c.end):
            assert not covered[i], "chunks overlap"
            covered[i] = True
    lost = "".join(ch for ch, ok in zip(cleaned.text, covered) if not ok)
    assert lost.strip() == ""


@pytest.mark.parametrize("name", FILES)
def test_chunks_end_at_sentence_or_block_ends(name, tokenizer):
    _, chunks = chunks_of(name, tokenizer, max_tokens=80)
    for c in chunks:
        tail = c.text.rstrip()
        assert re.search(r"[.!?:\"')\]]$", tail) or "\n" not in tail[-3:] , tail[-60:]


def test_report_paragraph_numbers_are_carried(tokenizer):
    _, chunks = chunks_of(REPORT_2014, tokenizer)
    by_text = {c.paragraphs: c for c in chunks if c.paragraphs}
    assert "Since January 2014 management oversight of casework has become more robust." in by_text[(53,)].text
    assert by_text[(95,)].section.startswith("The experiences and progress of children looked after")
    numbers = sorted({n for c in chunks for n in c.paragraphs})
    assert numbers == list(range(1, 168))


def test_chunk_ids_are_content_hashes(tokenizer):
    _, a = chunks_of("2023-06-15-news-first-monitoring-visit.txt", tokenizer)
    _, b = chunks_of("2023-06-15-news-first-monitoring-visit.txt", tokenizer)
    assert [c.chunk_id for c in a] == [c.chunk_id for c in b]
    assert len({c.chunk_id for c in a}) == len(a)


def test_chunks_carry_their_origin(tokenizer):
    _, chunks = chunks_of("2024-12-04-ofsted-letter-fifth-monitoring-visit.txt", tokenizer)
    c = next(c for c in chunks if "Get Safe team is based" in c.text)
    assert (c.doc_id, c.kind, c.date, c.year) == ("ofsted-2024-12-letter", "letter", "2024-12-04", 2024)
    assert c.section == "Findings and evaluation of progress"
    assert c.page is None and c.paragraphs == ()


def test_a_sentence_longer_than_a_chunk_is_split_between_words(tokenizer):
    from rag.records import CleanDoc, SourceDoc

    doc = SourceDoc("d", "d.txt", "D", "report", None, "h")
    text = "Heading\n\n" + " ".join(["word"] * 600) + "."
    chunks = chunk(CleanDoc(doc, text), 100, tokenizer)
    assert len(chunks) > 5 and max(tokenizer(c.embed_text) for c in chunks) <= 100


def test_blocks_are_classified():
    kinds = [b.kind for b in blocks_of("Strengths\n\n- One thing.\n\n12. A numbered paragraph.\n\nPlain text here.")]
    assert kinds == ["heading", "bullet", "paragraph", "paragraph"]  # 12 is out of sequence: not a report paragraph
    kinds = [b.kind for b in blocks_of("Strengths\n\n1. First.\n\n2. Second.\n\nLead inspector: Pietro Battista")]
    assert kinds == ["heading", "numbered", "numbered", "paragraph"]
