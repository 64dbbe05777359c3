"""Answers from report facts: the fact's own line, cited at its place; a contradicted grade
corrected first; a grade that some report has answers 'when' with that report."""

from rag.answer_facts import CORRECTION, answer_from_facts, fact_lines
from rag.clean import clean_pages
from rag.facts import read_facts
from rag.question import Library, read_question
from rag.records import Page
from rag.retrieve import plan
from rag.settings import load_settings
from rag.store import DocRecord, Filters

REPORT = """Inspection of Barset local authority children's services

Inspection dates: 18 to 29 July 2022

Lead inspector: Ann Example, His Majesty's Inspector

Judgement Grade
The impact of leaders on social work
practice with children and families
Outstanding
The experiences and progress of
children who need help and protection
Good
Overall effectiveness Good

Leaders have improved services for children.
"""
OLDER = REPORT.replace("18 to 29 July 2022", "10 to 21 June 2018").replace("Outstanding", "Inadequate").replace("Ann Example", "Bob Sample")


def record(doc_id, date, raw):
    text, starts = clean_pages([Page(1, raw), Page(2, "More.\n")])
    facts = read_facts(text, starts)
    return DocRecord(doc_id, "Inspection of Barset", "report", date, f"/{doc_id}.pdf", "h", 2, 3, "", authority=facts.authority, framework=facts.framework, facts=facts.to_json()), text


DOCS = dict([("new", record("new", "2022-09-21", REPORT)), ("old", record("old", "2018-07-23", OLDER))])
LIBRARY = Library.of([d for d, _ in DOCS.values()])
SETTINGS = load_settings()


def ask(question):
    query = plan(read_question(question, LIBRARY), SETTINGS.retrieve, LIBRARY, Filters())
    return answer_from_facts(query, LIBRARY.documents, SETTINGS, lambda doc_id: DOCS[doc_id][1]), query


def test_a_grade_is_answered_with_its_table_row_cited_where_it_stands():
    a, _ = ask("What was the overall effectiveness grade for Barset in 2022?")
    assert a.mode == "facts" and not a.abstained
    [c] = a.citations
    assert c.quote.replace("\t", " ") == "Overall effectiveness: Good" and c.page == 1
    assert DOCS["new"][1][c.start : c.end] == c.quote  # verbatim, at its place
    assert a.sentences[0].text == "Overall effectiveness: Good"


def test_lead_inspectors_of_every_report_oldest_first():
    a, _ = ask("who led the Barset inspections?")
    assert [c.doc_id for c in a.citations] == ["old", "new"]
    assert "Bob Sample" in a.citations[0].quote and "Ann Example" in a.citations[1].quote


def test_a_contradicted_grade_is_corrected_first():
    a, _ = ask("Why was Barset's leadership judged inadequate in 2022?")
    assert a.text.startswith(CORRECTION) and "Outstanding" in a.text


def test_a_grade_some_report_has_answers_when():
    a, _ = ask("When was Barset's leadership judged inadequate?")
    assert not a.text.startswith(CORRECTION) and [c.doc_id for c in a.citations] == ["old"]
    assert "June 2018" in a.text  # the heading gives the inspection dates


def test_a_question_the_facts_do_not_answer_gets_none_and_no_evidence():
    a, query = ask("What did inspectors say about leaders?")
    assert a is None and fact_lines(query, LIBRARY.documents, 8) == []
