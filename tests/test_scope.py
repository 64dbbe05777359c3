"""What an answer was made within: the documents described, years phrased, clashes found."""

from rag.question import Library, read_question
from rag.retrieve import Query
from rag.scope import describe, scope_of, years
from rag.store import DocRecord, Filters
from rag.timeframe import TimeFrame


def doc(doc_id, kind, date):
    return DocRecord(doc_id, doc_id.title(), kind, date, f"/x/{doc_id}", "h", 1, 3, "")


DOCS = [doc("a", "letter", "2010-07-28"), doc("b", "report", "2014-06-30"), doc("c", "news", "2023-06-15"),
        doc("d", "letter", "2023-08-02"), doc("e", "letter", "2024-12-04")]


def test_documents_are_counted_by_kind_with_their_years():
    assert describe(DOCS[3:]) == "2 letters, 2023\u20132024"
    assert describe(DOCS) == "3 letters, 1 news item and 1 report, 2010\u20132024"
    assert describe([DOCS[1]]) == "1 report, 2014"
    assert describe([]) == "no documents"


def test_years_read_as_a_person_would_say_them():
    assert [years(2010, 2010), years(2014, None), years(None, 2020), years(2014, 2023), years(None, None)] == [
        "2010", "2014 onwards", "up to 2020", "2014\u20132023", "any year"]


def test_a_clash_names_the_documents_the_filters_left_out():
    filters = Filters(2023, 2024, ("letter",))
    asked = Query("in 2010?", 8, filters, TimeFrame(2010, 2010))
    scope = scope_of(asked, filters, Library.of(DOCS))
    assert scope.clashes == ("years",) and "1 document from those years was not searched" in scope.warning
    assert scope.described == "2 letters, 2023\u20132024" and scope.documents == ("d", "e")
    # the question's years inside the filters, or no year filter at all: nothing to warn of
    assert not scope_of(Query("in 2024?", 8, Filters(2024, 2024), TimeFrame(2024, 2024)), Filters(2023, 2024), Library.of(DOCS)).warning
    assert not scope_of(Query("in 2010?", 8, Filters(2010, 2010), TimeFrame(2010, 2010)), Filters(), Library.of(DOCS)).warning


def test_a_council_the_question_names_outside_the_council_filter_is_a_clash():
    from dataclasses import replace

    docs = [replace(d, authority="Herefordshire Council") for d in DOCS] + [
        DocRecord("t", "Testshire report", "report", "2025-03-03", "/x/t", "h", 1, 3, "", authority="Testshire")]
    library = Library.of(docs)

    def scope(question, filters, tf=TimeFrame()):
        return scope_of(Query(question, 8, filters, tf, frame=read_question(question, library)), filters, library)

    filters = Filters(authorities=("herefordshire",))
    clash = scope("What about respite in Testshire?", filters)
    assert clash.clashes == ("authorities",) and clash.authorities == ("Herefordshire",)
    assert clash.warning == ("Your question asks about Testshire, but the council filter is Herefordshire: "
                             "1 document of Testshire was not searched.")
    assert not scope("What about respite in Herefordshire?", filters).warning
    assert not scope("What about respite in Testshire?", Filters()).warning
    both = Filters(2023, 2024, authorities=("herefordshire",))
    assert scope("Testshire in 2014?", both, TimeFrame(2014, 2014)).clashes == ("years",)  # Testshire's one document is from 2025
