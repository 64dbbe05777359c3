"""The records every stage passes on: what each says of itself (years, page, paragraph,
where a quote is), how they serialise, and that they live in one leaf module that the
stages' old import paths still reach."""

import datetime as dt
import json
import subprocess
import sys

import pytest

from rag.records import (
    Answer,
    AnswerSentence,
    Chunk,
    Citation,
    CleanDoc,
    DocRecord,
    Fact,
    Filters,
    Passage,
    Query,
    QuestionFrame,
    ReportFacts,
    Scope,
    SourceDoc,
    TimeFrame,
    format_date,
    page_at,
    upload_note,
)

FACTS = ReportFacts(
    authority="Barset",
    framework="ILACS standard",
    published="2023-08-02",
    lead_inspector="Ann Example",
    inspectors=("Ann Example", "Bob Sample"),
    authority_aliases=("barset",),
    areas_covered=("help and protection",),
    visit_number=2,
    facts=(
        Fact("lead_inspector", "Ann Example", "Lead inspector: Ann Example", 120, 1),
        Fact("judgement", "good", "Overall effectiveness: Good", 300, 2, area="overall"),
        Fact("judgement", "requires improvement", "Leadership: Requires improvement", 340, 2, area="leadership"),
    ),
)


def chunk(**changes) -> Chunk:
    fields = dict(chunk_id="c1", doc_id="barset-2023", title="Inspection of Barset", kind="report", date="2023-08-02",
                  year=2023, text="Caseloads are manageable.", start=10, end=35, header="Barset report 2023",
                  section="Leadership", authority="barset", page=3, page_end=3, paragraphs=(14,))
    return Chunk(**(fields | changes))


def record(**changes) -> DocRecord:
    fields = dict(doc_id="barset-2023", title="Inspection of Barset", kind="report", date="2023-08-02", path="x.pdf",
                  content_hash="h", pages=4, chunks=9, indexed_at="2025-01-01T00:00:00", authority="London Borough of Barset",
                  facts=FACTS.to_json())
    return DocRecord(**(fields | changes))


# -- the leaf module ------------------------------------------------------------------------


def test_records_import_no_stage():
    code = "import sys, rag.records; print(sorted(m for m in sys.modules if m.startswith('rag.')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert json.loads(out.replace("'", '"')) == ["rag.records", "rag.vocabulary"]


def test_the_old_homes_give_the_same_records():
    from rag import question, retrieve, store, timeframe

    assert store.DocRecord is DocRecord and store.Filters is Filters
    assert retrieve.Query is Query and question.QuestionFrame is QuestionFrame and timeframe.TimeFrame is TimeFrame


# -- documents ----------------------------------------------------------------------------


def test_report_facts_survive_the_catalog_round_trip():
    back = ReportFacts.from_json(FACTS.to_json())
    assert back == FACTS and isinstance(back.inspectors, tuple) and isinstance(back.facts[0], Fact)
    assert ReportFacts.from_json("") == ReportFacts()


def test_report_facts_find_their_judgements_and_lines():
    assert FACTS.judgement("leadership").value == "requires improvement"
    assert FACTS.judgement("elsewhere") is None
    assert [f.area for f in FACTS.judgements] == ["overall", "leadership"]
    assert FACTS.of("lead_inspector").line == "Lead inspector: Ann Example" and FACTS.of("addressee") is None
    public = FACTS.public()
    assert "facts" not in public
    assert public["judgements"]["overall"] == {"grade": "good", "label": "Overall effectiveness: Good", "page": 2}
    assert public["sources"] == {"lead_inspector": {"line": "Lead inspector: Ann Example", "page": 1}}
    listed = ReportFacts(facts=(Fact("to_improve", "Caseloads", "- Caseloads.", 5, 2), Fact("to_improve", "Supervision", "- Supervision.", 20, 2)))
    assert listed.public()["to_improve"] == [{"item": "Caseloads", "page": 2}, {"item": "Supervision", "page": 2}]  # every item, not the last
    assert "to_improve" not in listed.public()["sources"]


def test_a_catalog_record_knows_its_year_council_and_facts():
    r = record()
    assert r.year == 2023 and r.authority_key == "barset"
    assert r.report_facts == FACTS and r.report_facts is r.report_facts  # parsed once
    assert record(date="").year == 0 and record(facts="").report_facts == ReportFacts()


def test_a_source_document_s_year_comes_from_its_date():
    doc = SourceDoc("d", "d.txt", "T", "letter", dt.date(2010, 7, 28), "h")
    assert doc.year == 2010 and SourceDoc("d", "d.txt", "T", "letter", None, "h").year is None


def test_the_page_of_an_offset():
    starts = ((0, 1), (100, 2), (250, 3))
    assert [page_at(starts, o) for o in (0, 99, 100, 249, 10_000)] == [1, 1, 2, 2, 3]
    assert page_at((), 5) is None and page_at(((10, 1),), 5) is None
    clean = CleanDoc(SourceDoc("d", "d.txt", "T", "letter", None, "h"), "x" * 300, starts)
    assert clean.page_at(120) == 2


# -- chunks, passages, citations ------------------------------------------------------------


def test_a_chunk_embeds_its_header_and_names_its_paragraphs():
    assert chunk().embed_text == "Barset report 2023\nCaseloads are manageable."
    assert chunk().paragraph_label == "14"
    assert chunk(paragraphs=(16, 14, 15)).paragraph_label == "14-16"
    assert chunk(paragraphs=()).paragraph_label == ""


def test_a_passage_as_json_keeps_its_origin_and_its_scores():
    d = Passage(chunk(), 0.0327868852, 1, dense=0.81234567, lexical=None).to_dict()
    assert d["score"] == 0.032787 and d["dense"] == 0.812346 and d["lexical"] is None
    assert (d["doc_id"], d["page"], d["paragraph"], d["section"], d["start"], d["end"]) == ("barset-2023", 3, "14", "Leadership", 10, 35)
    assert Passage(chunk(paragraphs=()), 1.0, 1).to_dict()["paragraph"] is None
    json.dumps(d)


def citation(**changes) -> Citation:
    fields = dict(number=1, doc_id="barset-2023", title="Inspection of Barset", kind="report", date="2023-08-02",
                  page=3, paragraph="14", section="Leadership", quote="Caseloads are manageable.", start=10, end=35,
                  chunk_id="c1", passage_text="Caseloads are manageable.")
    return Citation(**(fields | changes))


def test_a_citation_says_where_its_quote_is():
    assert citation().place() == ["page 3", "paragraph 14", "section 'Leadership'"]
    assert citation().place("\u2018") == ["page 3", "paragraph 14", "section \u2018Leadership\u2019"]
    assert citation(page=None, paragraph="", section="").place() == []
    assert citation().reference() == "Inspection of Barset (report, 2 August 2023), page 3, paragraph 14, section 'Leadership'"


def test_an_uploaded_document_is_named_as_such_wherever_it_is_cited():
    assert citation(uploaded="2025-03-03", page=None, paragraph="", section="").reference() == (
        "Inspection of Barset (report, 2 August 2023), uploaded by a user on 3 March 2025"
    )
    assert upload_note("") == "uploaded by a user on an unknown date"


def test_dates_are_written_as_a_reader_writes_them():
    assert format_date("2010-07-28") == "28 July 2010" and format_date(dt.date(2024, 12, 4)) == "4 December 2024"
    assert format_date("") == "" and format_date(None) == "" and format_date("summer 2014") == "summer 2014"


def test_an_answer_as_json():
    answer = Answer("Are caseloads manageable?", "Yes [1].", False, "extractive",
                    [AnswerSentence("Yes.", (1,))], [citation()], [Passage(chunk(), 0.5, 1)], "abc123",
                    timings={"retrieve": 0.123456}, scope=Scope(since=2020, kinds=("report",)))
    d = answer.to_dict()
    assert d["sentences"] == [{"text": "Yes.", "citations": (1,), "supported": True, "note": ""}]
    assert d["citations"][0]["quote"] == "Caseloads are manageable." and d["passages"][0]["rank"] == 1
    assert d["timings"] == {"retrieve": 0.1235} and d["timeline"] is None
    assert d["scope"]["since"] == 2020 and d["settings_hash"] == "abc123"
    json.dumps(d)


# -- what a question asks ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "filters, admitted",
    [
        (Filters(), True),
        (Filters(since=2023, until=2023), True),
        (Filters(since=2024), False),
        (Filters(kinds=("letter",)), False),
        (Filters(doc_ids=("other",)), False),
        (Filters(authorities=("barset",)), True),  # a record's council is keyed from its name
        (Filters(authorities=("upton",)), False),
    ],
)
def test_filters_admit_records_and_chunks_alike(filters, admitted):
    assert filters.admits(record()) is admitted
    assert filters.admits(chunk()) is admitted


def test_filters_say_what_they_restrict():
    assert Filters().empty and Filters().where() is None
    assert not Filters(authorities=("barset",)).empty
    assert Filters(since=2020).where() == {"year": {"$gte": 2020}}
    assert Filters(since=2020, kinds=("letter",)).where() == {"$and": [{"year": {"$gte": 2020}}, {"kind": {"$in": ["letter"]}}]}


def test_an_undated_record_is_outside_every_window_that_has_a_start():
    undated = record(date="")
    assert Filters().admits(undated) and Filters(until=2000).admits(undated) and not Filters(since=2000).admits(undated)


def test_a_timeframe_contains_its_years():
    assert TimeFrame(since=2014, until=2016).contains(2015) and not TimeFrame(since=2014).contains(2013)
    assert not TimeFrame().bounded and TimeFrame().contains(None)
    assert TimeFrame(until=2020).bounded and not TimeFrame(until=2020).contains(None)


def test_a_question_ranks_without_the_council_names_it_is_filtered_by():
    frame = QuestionFrame("How are caseloads in Barset's teams?", "", TimeFrame(), authorities=("barset",), mentions=("Barset",))
    assert frame.ranking_text == "How are caseloads in teams?"
    bare = QuestionFrame("Barset?", "", TimeFrame(), mentions=("Barset",))
    assert bare.ranking_text == "Barset?"  # nothing would be left to rank by
    assert QuestionFrame("Why unmanageable caseloads?", "", TimeFrame(), expansions=("manageable",)).ranking_text == (
        "Why unmanageable caseloads? manageable"
    )


def test_a_query_ranks_by_what_it_is_about_not_by_its_years_or_change_words():
    tf = TimeFrame(since=2014, change=True)
    frame = QuestionFrame("How has supervision in Barset changed since 2014?", "", tf, authorities=("barset",), mentions=("Barset",))
    query = Query(frame.text, 5, Filters(since=2014, authorities=("barset",)), tf, frame=frame)
    assert query.is_timeline
    assert "2014" not in query.ranking_text and "Barset" not in query.ranking_text and "changed" not in query.ranking_text
    assert "supervision" in query.ranking_text
    unfiltered = Query("What about caseloads in 2014?", 5, Filters(), TimeFrame())
    assert unfiltered.ranking_text == "What about caseloads in 2014?" and not unfiltered.is_timeline
    compared = Query("How has Barset changed?", 5, Filters(), tf, groups=(("barset", Filters()),))
    assert not compared.is_timeline  # a comparison of councils, not a timeline


def test_a_premise_s_correction_words_rank_whether_or_not_a_council_narrows_the_query():
    frame = QuestionFrame("Why were caseloads unmanageable?", "", TimeFrame(), expansions=("manageable",))
    assert Query(frame.text, 5, Filters(), TimeFrame(), frame=frame).ranking_text.endswith("manageable")
    named = QuestionFrame("Why were Barset's caseloads unmanageable?", "", TimeFrame(), authorities=("barset",), mentions=("Barset",), expansions=("manageable",))
    ranked = Query(named.text, 5, Filters(authorities=("barset",)), TimeFrame(), frame=named).ranking_text
    assert ranked.endswith("manageable") and ranked.count("manageable") == 2  # 'unmanageable' and the expansion, once
