"""Citations: the one marker pattern, answers split into cited sentences, a quote mapped to
its place in the document (page and paragraph), and the verbatim test."""

from rag.cite import cite, is_verbatim, markers, quote_spans, split_cited, strip_markers
from rag.records import Chunk, Passage

TEXT = "Caseloads are manageable. Management oversight has improved since the last visit."


def chunk(**changes) -> Chunk:
    fields = dict(
        chunk_id="c1", doc_id="barset-2023", title="Monitoring visit to Barset", kind="letter",
        date="2023-08-02", year=2023, text=TEXT, start=1000, end=1000 + len(TEXT),
        header="Barset letter 2023", section="Headline findings", page=2, page_end=2, paragraphs=(14, 15),
    )
    return Chunk(**(fields | changes))


def test_markers_in_order_without_repeats():
    assert markers("Oversight improved [2]. Caseloads fell [1][2]. See [10].") == [2, 1, 10]
    assert markers("no markers here, [a] nor [1000]") == []


def test_strip_markers_leaves_tidy_text():
    assert strip_markers("Oversight improved [2] [3] since 2014 .") == "Oversight improved since 2014 ."
    assert strip_markers("  a  [1]\n b ") == "a b"


def test_split_cited_gives_each_sentence_its_markers():
    got = split_cited("Caseloads are manageable [1]. Oversight has improved [2][3]. No evidence here.")
    assert got == [("Caseloads are manageable .", [1]), ("Oversight has improved .", [2, 3]), ("No evidence here.", [])]


def test_markers_after_the_full_stop_belong_to_the_sentence_before():
    got = split_cited("Caseloads are manageable. [1] Oversight has improved. [2][1]")
    assert got == [("Caseloads are manageable.", [1]), ("Oversight has improved.", [2, 1])]


def test_cite_maps_a_chunk_span_to_the_document():
    c = chunk()
    a = TEXT.index("Management")
    b = len(TEXT)
    citation = cite(3, Passage(c, 0.5, 1), a, b)
    assert citation.number == 3
    assert citation.quote == "Management oversight has improved since the last visit."
    assert (citation.start, citation.end) == (1000 + a, 1000 + b)  # offsets in the cleaned document
    assert citation.page == 2 and citation.paragraph == "14-15" and citation.section == "Headline findings"
    assert citation.doc_id == "barset-2023" and citation.chunk_id == "c1" and citation.passage_text == TEXT


def test_a_quote_in_a_chunk_over_two_pages_gets_its_own_page():
    c = chunk(page=2, page_end=3)
    second = TEXT.index("Management")
    starts = {"barset-2023": [(0, 1), (500, 2), (1000 + second, 3)]}
    asked: list[str] = []

    def page_starts(doc_id: str):
        asked.append(doc_id)
        return starts[doc_id]

    assert cite(1, Passage(c, 0.5, 1), 0, 10, page_starts).page == 2
    assert cite(2, Passage(c, 0.5, 1), second, len(TEXT), page_starts).page == 3
    assert asked == ["barset-2023", "barset-2023"]
    # without the page offsets the chunk's first page is the best known
    assert cite(2, Passage(c, 0.5, 1), second, len(TEXT)).page == 2


def test_a_chunk_on_one_page_never_asks_for_page_offsets():
    def page_starts(doc_id: str):
        raise AssertionError("not needed for a one-page chunk")

    assert cite(1, Passage(chunk(), 0.5, 1), 0, 10, page_starts).page == 2


def test_quote_spans_prefer_the_sentences_found_at_chunking_time():
    assert quote_spans(chunk(sentences=((0, 25),))) == [(0, 25)]
    spans = quote_spans(chunk())
    assert [TEXT[a:b] for a, b in spans] == ["Caseloads are manageable.", "Management oversight has improved since the last visit."]


def test_verbatim_allows_only_whitespace_and_quote_mark_differences():
    source = "The council\u2019s \u201cstrong\u201d leadership \u2013 praised by inspectors."
    assert is_verbatim("The council's \"strong\"   leadership - praised", source)
    assert is_verbatim("council\u2019s\n\u201cstrong\u201d", source)
    assert not is_verbatim("The council's strong leadership", source)  # the quotes were dropped
    assert not is_verbatim("the council's", source)  # case matters
