from rag.question import Library, read_question
from rag.retrieve import fuse, plan as plan_frame
from rag.settings import RetrieveSettings
from rag.store import DocRecord, Filters


def plan(question, settings, documents, filters):
    library = Library.of(documents)
    return plan_frame(read_question(question, library), settings, library, filters)


def doc(doc_id, date, kind="letter"):
    return DocRecord(doc_id, doc_id, kind, date, f"/{doc_id}", "h", 0, 1, "")


DOCS = [doc("a2010", "2010-07-28"), doc("b2014", "2014-06-30", "report"), doc("c2023", "2023-08-02"), doc("d2024", "2024-12-04")]


def test_rrf_adds_reciprocal_ranks():
    scores = fuse([["x", "y"], ["y", "z"]], rrf_k=60)
    assert scores["y"] == 1 / 62 + 1 / 61
    assert scores["x"] == 1 / 61 and scores["z"] == 1 / 62
    assert max(scores, key=scores.get) == "y"


def test_change_question_windows_every_document_in_range_oldest_first():
    q = plan("How has management oversight changed since 2014?", RetrieveSettings(), DOCS[::-1], Filters())
    assert [d.doc_id for d in q.window] == ["b2014", "c2023", "d2024"]
    assert q.filters.since == 2014 and q.is_timeline
    assert q.ranking_text == "management oversight?"


def test_year_question_filters_to_that_year():
    q = plan("What did inspectors say about caseloads in 2014?", RetrieveSettings(), DOCS, Filters())
    assert (q.filters.since, q.filters.until) == (2014, 2014) and not q.is_timeline


def test_latest_picks_the_newest_admitted_document():
    q = plan("What does the latest report say?", RetrieveSettings(), DOCS, Filters(kinds=("report",)))
    assert q.filters.doc_ids == ("b2014",)


def test_explicit_filters_narrow_the_question():
    q = plan("How has oversight changed since 2010?", RetrieveSettings(), DOCS, Filters(until=2014))
    assert [d.doc_id for d in q.window] == ["a2010", "b2014"]


def test_time_awareness_can_be_switched_off():
    q = plan("caseloads in 2014", RetrieveSettings(time_aware=False), DOCS, Filters())
    assert q.filters.since is None and not q.is_timeline


def test_where_clause():
    assert Filters().where() is None
    assert Filters(since=2014).where() == {"year": {"$gte": 2014}}
    assert Filters(since=2014, kinds=("letter",)).where() == {"$and": [{"year": {"$gte": 2014}}, {"kind": {"$in": ["letter"]}}]}


def test_years_no_document_is_dated_in_rank_instead_of_filtering():
    q = plan("At its peak in 2013, what share of staff were agency workers?", RetrieveSettings(), DOCS, Filters())
    assert q.years_unmatched and q.filters == Filters() and "2013" in q.ranking_text


def test_a_report_fact_of_a_year_after_every_report_held_is_missing_not_searched_for():
    q = plan("what grade will they get at the inspection in 2029?", RetrieveSettings(), DOCS, Filters())
    assert q.frame.asks == "judgement" and q.years_unmatched
    assert q.missing == "No report in the library is from 2029: the newest is of 4 December 2024."
    # a year before the newest report, or a question that asks no fact, is searched as before
    assert plan("what grade did they get in 2013?", RetrieveSettings(), DOCS, Filters()).missing == ""
    assert plan("what will caseloads be like in 2029?", RetrieveSettings(), DOCS, Filters()).missing == ""


def test_a_year_admits_the_report_inspected_then_as_well_as_the_one_published_then():
    from rag.records import ReportFacts

    def report(doc_id, published, start, end):
        facts = ReportFacts(authority="Barset", inspection_start=start, inspection_end=end)
        return DocRecord(doc_id, doc_id, "report", published, f"/{doc_id}", "h", 0, 1, "", authority="Barset", facts=facts.to_json())

    docs = [report("r2015", "2015-03-01", "2015-01-12", "2015-02-04"), report("r2018", "2018-01-19", "2017-11-09", "2017-11-24"), report("r2022", "2022-06-01", "2022-04-04", "2022-04-15")]
    q = plan("Who led the November 2017 re-inspection?", RetrieveSettings(), docs, Filters())
    assert q.filters.doc_ids == ("r2018",) and not q.years_unmatched
    span = plan("how did things change from 2015 to 2017?", RetrieveSettings(), docs, Filters())
    assert [d.doc_id for d in span.window] == ["r2015", "r2018"]
    # a year that both publishes and inspects one report is a plain year filter; explicit filters are the user's
    assert plan("what happened in 2022?", RetrieveSettings(), docs, Filters()).filters == Filters(since=2022, until=2022)
    assert plan("what happened?", RetrieveSettings(), docs, Filters(since=2017, until=2017)).filters == Filters(since=2017, until=2017)


def test_a_numbered_visit_the_library_holds_no_letter_on_is_said_to_be_missing():
    from dataclasses import replace as dc_replace

    # full reports only, no monitoring visit letter anywhere the question looks
    reports = [doc("r2018", "2018-07-23", "report"), doc("r2023", "2023-03-01", "report")]
    q = plan("what did inspectors say on their fourth check-in visit after the 2023 inspection?", RetrieveSettings(), reports, Filters())
    assert q.frame.visit == 4 and q.missing == "The library holds no letter on the fourth check-in visit."
    # a monitoring visit letter whose number was not read: nothing is said
    unread = dc_replace(doc("v2024", "2024-05-01"), framework="monitoring visit")
    assert plan("what did the fourth monitoring visit find?", RetrieveSettings(), [*reports, unread], Filters()).missing == ""
