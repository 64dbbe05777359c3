"""BM25 over the real Chroma store, with what the answerer learns from the library's words:
misspellings corrected to words the library uses, names told from ordinary words, wording
that several documents share recognised as standard."""

import pytest

from rag import pipeline
from rag.lexical import LexicalIndex, query_tokens, tokens
from rag.retrieve import Retriever
from rag.settings import load_settings
from rag.store import ChromaStore

LETTER = """{day} March {year}

Dear Director

Monitoring visit to Barset children's services

This letter summarises the findings of the monitoring visit to Barset children's services on {day} March {year}.

Headline findings

Management oversight is {how} and caseloads are {load}. Inspectors met Alison Smale and spoke with the Get Safe team about {topic}. Children are kept safe.

Yours sincerely

An Inspector
"""


@pytest.fixture
def lexicon(tmp_path, fake_embedder, monkeypatch):
    folder = tmp_path / "docs"
    folder.mkdir()
    for i, (how, load, topic) in enumerate([("inconsistent", "high", "exploitation"), ("improving", "manageable", "supervision"), ("strong", "reducing", "missing children")]):
        (folder / f"letter-{2020 + i}.txt").write_text(LETTER.format(day=10 + i, year=2020 + i, how=how, load=load, topic=topic))
    settings = load_settings(index_dir=tmp_path / "idx", corpus_dir=folder)
    store = ChromaStore(settings)
    lexical = LexicalIndex(store, settings.index_dir)
    parts = pipeline.Components(store, fake_embedder, lexical, Retriever(store, lexical, fake_embedder.encode_query, settings.retrieve))
    monkeypatch.setattr(pipeline, "components", lambda s: parts)
    assert pipeline.ingest(settings=settings).ok
    return lexical


def test_misspelt_words_become_the_library_s_words(lexicon):
    assert lexicon.correct("managment oversight and caseloads") == "management oversight and caseloads"
    assert lexicon.correct("Oversigth of casework") == "Oversight of casework"
    assert lexicon.correct("Alison Smail") == "Alison Smail"  # a capitalised word may be a name: left alone
    assert lexicon.correct("zzzzzz xyzzyq") == "zzzzzz xyzzyq"
    # another form of a word the library uses is not a typo of it
    assert lexicon.correct("a caseload finding") == "a caseload finding"


def test_names_are_words_the_library_only_writes_capitalised(lexicon):
    assert lexicon.is_name("Smale")
    assert not lexicon.is_name("Safe")  # 'the Get Safe team', but the library also writes 'kept safe'
    assert not lexicon.is_name("oversight")


def test_standard_wording_shared_by_documents_is_recognised(lexicon):
    from rag.chunk import template

    shared = template("This letter summarises the findings of the monitoring visit to Barset children's services on 11 March 2021.", "Barset")
    own = template("Management oversight is improving and caseloads are manageable.", "Barset")
    assert lexicon.boilerplate(shared) and not lexicon.boilerplate(own)


def test_search_finds_by_stemmed_terms_and_ignores_question_words(lexicon):
    hits = lexicon.search("what did inspectors say about manageable caseloads", 3)
    assert hits and "docs" not in hits[0][0]
    assert "inspector" not in query_tokens("what did inspectors say") and tokens("caseloads") == ["caseload"]
