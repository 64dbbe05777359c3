"""Judgement statements found in a document's text, with their exact spans."""

from rag.judgements import graded_heading, judgement_citations, judgement_spans
from rag.records import Chunk
from rag.store import DocRecord

JUDGED_TEXT = """Report published: 30 June 2014

The overall judgement is requires improvement

There are no widespread failures.

1. Children who need help and protection\tRequires improvement

2.1 Adoption performance\tGood

The effectiveness of the Local Safeguarding Children Board (LSCB) requires improvement

This was the second monitoring visit since the local authority was judged inadequate in July 2022. Inspectors met staff.

- The previous inspection of services for private fostering was in March 2009. The local authority was judged to be inadequate.

- The previous inspection of adoption services was in July 2011. The local authority was judged to be good.
"""

def test_judgement_statements_are_found_with_their_exact_spans():
    from rag.lexical import tokens

    found = [JUDGED_TEXT[a:b] for a, b in judgement_spans(JUDGED_TEXT, tokens("private fostering"))]
    assert found[:4] == [
        "The overall judgement is requires improvement",
        "1. Children who need help and protection\tRequires improvement",
        "2.1 Adoption performance\tGood",
        "The effectiveness of the Local Safeguarding Children Board (LSCB) requires improvement",
    ]
    assert "This was the second monitoring visit since the local authority was judged inadequate in July 2022." in found
    # a past judgement is context only when it is on the topic, and it keeps the sentence naming what was judged
    assert "The previous inspection of services for private fostering was in March 2009. The local authority was judged to be inadequate." in found
    assert not any("adoption services" in f for f in found)
    assert not any("widespread" in f for f in found)


def test_a_graded_heading_carries_a_grade_at_its_end():
    assert graded_heading("The effectiveness of leaders and managers requires improvement")
    assert graded_heading("Adoption services is good")
    assert not graded_heading("Management oversight") and not graded_heading("")
    assert not graded_heading("x" * 170 + " requires improvement")


class Documents:
    """Just what judgement_citations reads: one document, one chunk holding it all."""

    def __init__(self, doc_id, text):
        self.doc_id, self.text = doc_id, text

    def document_text(self, doc_id):
        return self.text

    def iter_chunks(self):
        yield Chunk(
            chunk_id=f"{self.doc_id}:0", doc_id=self.doc_id, title="Report", kind="report", date="2014-06-30", year=2014,
            text=self.text, start=0, end=len(self.text), header="", section="Summary", page=1,
        )

    def page_starts(self, doc_id):
        return [(0, 1)]


def test_judgement_citations_quote_the_document_and_split_table_rows():
    docs = Documents("r2014", JUDGED_TEXT)
    record = DocRecord("r2014", "Report", "report", "2014-06-30", "", "h", 0, 1, "")
    found = list(judgement_citations(docs, [record], set(), "private fostering"))
    assert all(d is record for d, _, _ in found)
    assert [c.quote for _, c, _ in found][0] == "The overall judgement is requires improvement"
    assert ("2.1 Adoption performance", "Good") in [cells for _, _, cells in found]
    assert all(JUDGED_TEXT[c.start : c.end] == c.quote for _, c, _ in found)
    assert list(judgement_citations(docs, [], set(), "x")) == []
