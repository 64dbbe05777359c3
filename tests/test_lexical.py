"""BM25 over the real Chroma store, with what the answerer learns from the library's words:
misspellings corrected to words the library uses, names told from ordinary words, wording
that several documents share recognised as standard."""

import pytest

from rag import pipeline
from rag.lexical import LexicalIndex, query_tokens, tokens
from rag.retrieve import Retriever
from rag.settings import load_settings
from rag.store import ChromaStore, Filters

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
    with pipeline.provided(lambda s: parts):
        assert pipeline.ingest(settings=settings).ok
        yield lexical


def test_misspelt_words_become_the_library_s_words(lexicon):
    assert lexicon.correct("managment oversight and caseloads") == "management oversight and caseloads"
    assert lexicon.correct("Oversigth of casework") == "Oversight of casework"
    assert lexicon.correct("Alison Smail") == "Alison Smail"  # a capitalised word may be a name: left alone
    assert lexicon.correct("zzzzzz xyzzyq") == "zzzzzz xyzzyq"
    # another form of a word the library uses is not a typo of it
    assert lexicon.correct("a caseload finding") == "a caseload finding"
    # two words the library writes as one
    assert lexicon.correct("have case loads gone down") == "have caseloads gone down"
    assert lexicon.correct("management over sight") == "management oversight"


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


def _doc_of(lexicon, chunk_id):
    return next(c.doc_id for c in lexicon.store.iter_chunks() if c.chunk_id == chunk_id)


def _year_of(lexicon, chunk_id):
    return next(c.year for c in lexicon.store.iter_chunks() if c.chunk_id == chunk_id)


def test_the_chunk_with_the_rarer_words_ranks_first(lexicon):
    hits = lexicon.search("inconsistent oversight and exploitation", 5)
    scores = [s for _, s in hits]
    assert scores == sorted(scores, reverse=True) and all(s > 0 for s in scores)
    assert _year_of(lexicon, hits[0][0]) == 2020  # the only letter with both words
    assert _year_of(lexicon, lexicon.search("missing children", 1)[0][0]) == 2022


def test_words_the_library_never_uses_find_nothing(lexicon):
    assert lexicon.search("zebra xylophone", 5) == []
    assert lexicon.search("what did the report say", 5) == []  # question words only


@pytest.mark.parametrize(
    "filters, years",
    [
        (Filters(since=2021), {2021, 2022}),
        (Filters(until=2020), {2020}),
        (Filters(since=2021, until=2021), {2021}),
        (Filters(since=2030), set()),
        (Filters(kinds=("no such kind",)), set()),
    ],
)
def test_search_returns_only_what_the_filters_admit(lexicon, filters, years):
    hits = lexicon.search("management oversight caseloads", 10, filters)
    assert {_year_of(lexicon, cid) for cid, _ in hits} == years
    share, admits = lexicon.admitted(filters)
    ids = lexicon.chunk_ids()
    assert share == pytest.approx(sum(map(admits, ids)) / len(ids))
    assert {cid for cid in ids if admits(cid)} >= {cid for cid, _ in hits}


def test_filters_by_document_and_council(lexicon):
    everything = lexicon.search("management oversight caseloads", 10)
    one = _doc_of(lexicon, everything[0][0])
    only = lexicon.search("management oversight caseloads", 10, Filters(doc_ids=(one,)))
    assert only and {_doc_of(lexicon, cid) for cid, _ in only} == {one}
    council = next(iter(lexicon.store.iter_chunks())).authority
    assert council and len(lexicon.search("management oversight caseloads", 10, Filters(authorities=(council,)))) == len(everything)
    assert lexicon.search("management oversight caseloads", 10, Filters(authorities=("elsewhere",))) == []


def test_a_restart_loads_the_saved_index_instead_of_rebuilding(lexicon, monkeypatch):
    expected = lexicon.search("inconsistent oversight", 5)
    restarted = LexicalIndex(lexicon.store, lexicon.cache_dir.parent)

    def no_rebuild():
        raise AssertionError("rebuilt from the store although a snapshot was saved")

    monkeypatch.setattr(lexicon.store, "iter_chunks", no_rebuild)
    assert restarted.search("inconsistent oversight", 5) == expected
    assert restarted.is_name("Smale") and restarted.correct("managment") == "management"


def test_a_change_to_the_store_rebuilds_the_index(lexicon):
    hit = lexicon.search("exploitation", 1)[0][0]
    doc = _doc_of(lexicon, hit)
    lexicon.store.delete_document(doc)
    lexicon.invalidate()
    assert lexicon.search("exploitation", 5) == []
    assert len(list(lexicon.cache_dir.glob(f"{lexicon.store.name}-*"))) == 1  # the stale snapshot is gone


def test_rarer_terms_weigh_more(lexicon):
    (rare,) = tokens("exploitation")
    assert lexicon.seen(rare) and lexicon.idf(rare) > lexicon.idf("oversight")
    assert lexicon.idf("neverseen") > lexicon.idf(rare)
    assert lexicon.seen("oversight") and not lexicon.seen("neverseen")
    assert lexicon.frequency("Caseloads") == 3


def test_the_chunk_holding_a_place_is_found_from_memory(lexicon, monkeypatch):
    chunks = list(lexicon.store.iter_chunks())
    first, last = chunks[0], chunks[-1]
    lexicon.holding([])  # the snapshot is loaded
    real = lexicon.store._call
    reads = []
    monkeypatch.setattr(lexicon.store, "_call", lambda *a, **k: reads.append(a) or real(*a, **k))
    places = [(last.doc_id, last.end - 1), (first.doc_id, first.start)]
    assert lexicon.holding(places) == [last.chunk_id, first.chunk_id]
    assert lexicon.holding([(first.doc_id, 10**9)]) is None  # beyond every chunk: the caller asks the store
    assert lexicon.holding([("no-such-document", 0)]) is None
    assert [a for a in reads if a[1] == "chunks"] == []  # no chunk was read


def test_filter_masks_by_document_and_council_match_a_plain_comparison(lexicon):
    import numpy as np

    from rag.lexical import _admits

    snap = lexicon._ensure()
    one, council = str(snap.doc_ids[0]), str(snap.authorities[0])
    for f in (Filters(doc_ids=(one, "missing")), Filters(authorities=(council,)), Filters(since=2021, doc_ids=(one,))):
        expected = np.isin(snap.doc_ids, f.doc_ids or snap.doc_ids) & np.isin(snap.authorities, f.authorities or snap.authorities) & (snap.years >= (f.since or 0))
        assert (_admits(snap, f) == expected).all()
        assert _admits(snap, f) is _admits(snap, f)  # kept for the next search with the same filters
