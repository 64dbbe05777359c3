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


OTHER = REPORT.replace("Barset", "Wessex").replace("Good\nOverall effectiveness Good", "Inadequate\nOverall effectiveness Inadequate")
DOCS = dict([("new", record("new", "2022-09-21", REPORT)), ("old", record("old", "2018-07-23", OLDER)), ("other", record("other", "2022-08-01", OTHER))])
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


# ---------------------------------------------------------------- judgements that lead


def _whole(doc_id):
    """One passage holding a document's whole cleaned text."""
    return _passage(DOCS, doc_id)


def answered(question):
    from rag.answer import answer

    query = plan(read_question(question, LIBRARY), SETTINGS.retrieve, LIBRARY, Filters())
    passages = [_whole("old"), _whole("new"), _whole("other")]
    return answer(query, passages, SETTINGS, documents=LIBRARY.documents, document_text=lambda d: DOCS[d][1]), query


def test_a_grade_said_of_the_start_of_a_change_question_is_not_a_filter():
    a, _ = ask("Has Barset's leadership improved since it was judged inadequate in 2018?")
    assert [c.doc_id for c in a.citations] == ["old", "new"]  # every report since, not only the inadequate one
    assert not a.text.startswith(CORRECTION)
    wrong, _ = ask("Has Barset's leadership improved since it was judged good in 2018?")
    assert wrong.text.startswith(CORRECTION)  # 2018 says inadequate; 2022's outstanding is no contradiction


def test_which_questions_a_judgement_leads():
    from rag.answer_facts import judgement_query

    def led(question):
        query = plan(read_question(question, LIBRARY), SETTINGS.retrieve, LIBRARY, Filters())
        judged = judgement_query(query)
        return judged.frame.area if judged else None

    assert led("what did Barset's latest inspection find?") == ""  # nothing narrower: overall effectiveness
    assert led("Has Barset improved since 2018?") == ""
    assert led("how has leadership in Barset changed since 2018?") == "impact_of_leaders"
    assert led("what did Barset's latest inspection say about supervision?") is None  # a topic no judgement names
    assert led("how has supervision in Barset changed since 2018?") is None
    assert led("what did inspectors say about leaders in 2022?") is None  # neither latest, change nor comparison


def test_a_change_question_on_a_judged_area_leads_each_report_with_its_judgement():
    a, _ = answered("How has leadership in Barset changed since 2018?")
    assert [e.doc_id for e in a.timeline] == ["old", "new"]
    first, last = (e.sentences[0].text for e in a.timeline)
    assert "impact of leaders" in first.lower() and first.endswith("Inadequate")
    assert "impact of leaders" in last.lower() and last.endswith("Outstanding")
    texts = [s.text for s in a.sentences]
    assert len(texts) == len(set(texts))  # the judgement line is not quoted again as a finding
    for c in a.citations:
        assert DOCS[c.doc_id][1][c.start : c.end] == c.quote


def test_a_latest_question_with_no_topic_is_answered_by_that_report_s_judgement():
    a, query = answered("What did Barset's most recent inspection find?")
    assert query.filters.doc_ids == ("new",)
    assert not a.abstained and a.citations[0].doc_id == "new"
    led = [c.quote.replace("\t", " ") for c in a.citations if c.section == "Judgements"]
    assert "Overall effectiveness: Good" in led and len(led) == 3  # every area of the latest report


def test_a_two_part_question_gets_both_facts():
    a, query = ask("Who led Barset's 2022 inspection, and what was the overall effectiveness grade?")
    assert query.frame.asks == "lead_inspector" and query.frame.also_asks == ("judgement",)
    quotes = [c.quote.replace("\t", " ") for c in a.citations]
    assert any("Ann Example" in q for q in quotes) and "Overall effectiveness: Good" in quotes


def test_a_comparison_of_councils_leads_with_each_council_s_judgement():
    a, query = answered("Compare help and protection in Barset and Wessex in 2022")
    assert len(query.groups) == 2 and not a.abstained
    lead = [c for c in a.citations if "help and protection" in c.quote.lower()]
    assert [c.doc_id for c in lead] == ["new", "other"]  # in the order asked, each cited
    assert lead[0].quote.endswith("Good") and lead[1].quote.endswith("Inadequate")
    b, _ = answered("barset or wessex, which did better in 2022?")
    assert [c.quote.replace("\t", " ") for c in b.citations[:2]] == ["Overall effectiveness: Good", "Overall effectiveness: Inadequate"]
    assert b.text.startswith("Barset: Overall effectiveness") and "Wessex: Overall effectiveness" in b.text  # whose grade is whose


def test_since_it_was_judged_so_starts_at_the_first_report_with_that_grade():
    earliest = record("first", "2015-05-01", OLDER.replace("10 to 21 June 2018", "1 to 12 March 2015").replace("Inadequate", "Good"))
    docs = {**DOCS, "first": earliest}
    lib = Library.of([d for d, _ in docs.values()])
    query = plan(read_question("Has Barset's leadership improved since it was judged inadequate?", lib), SETTINGS.retrieve, lib, Filters())
    a = answer_from_facts(query, lib.documents, SETTINGS, lambda doc_id: docs[doc_id][1])
    assert [c.doc_id for c in a.citations] == ["old", "new"] and not a.text.startswith(CORRECTION)


def test_a_grade_question_naming_no_council_the_library_holds_is_not_answered_with_every_council():
    a, _ = ask("Norfolk care leavers judgement 2022")  # the library holds Barset and Wessex
    assert a is None
    which, _ = ask("which councils were judged inadequate overall in 2022?")
    assert which is not None and {c.doc_id for c in which.citations} == {"other"}


# ---------------------------------------------------------------- premises and years


def test_failing_an_inspection_asserts_inadequate_and_is_corrected():
    a, query = ask("Barset failed its 2022 ofsted didn't it - what went wrong?")
    assert query.frame.grade == "inadequate" and query.frame.asks == "judgement"
    assert a.text.startswith(CORRECTION) and "Overall effectiveness: Good" in [c.quote.replace("\t", " ") for c in a.citations]


def test_the_overall_outcome_is_asked_for_as_a_judgement():
    a, query = ask("Who led Barset's 2022 inspection, and what was the overall outcome?")
    assert query.frame.asks == "lead_inspector" and query.frame.also_asks == ("judgement",)
    assert [c.doc_id for c in a.citations] == ["new", "new"] and "Ann Example" in a.citations[0].quote


def test_a_fact_of_a_year_no_report_is_of_is_not_answered_with_other_years_facts():
    a, query = ask("Barset overall outcome in 2020")  # reports of 2018 and 2022
    assert query.years_unmatched and a is None and fact_lines(query, LIBRARY.documents, 8) == []


def test_a_grade_asserted_of_a_year_next_to_the_report_with_it_is_answered_by_that_report():
    a, query = ask("why was barset's leadership judged outstanding in 2021")
    assert query.years_unmatched
    assert [c.doc_id for c in a.citations] == ["new"] and a.citations[0].quote.endswith("Outstanding")
    assert "September 2022" in a.text  # its own date corrects the year
    assert ask("why was barset's leadership judged outstanding in 2020")[0] is None  # two years off: not that report


LETTER = """2 August 2023

Ann Director
Director of Children's Services
Barset Council

Monitoring visit to Barset children's services

This letter summarises the findings of the monitoring visit to Barset children's services on 28 and 29 June 2023. This was the second monitoring visit since the local authority was judged inadequate in July 2022.

Children in need have plans that are more detailed. Social workers visit children in need often and see them alone.
"""


def _letter_library():
    docs = {**DOCS, "visit": record("visit", "2023-08-02", LETTER)}
    return docs, Library.of([d for d, _ in docs.values()])


def test_a_visit_misnumbered_for_the_month_of_a_letter_is_corrected_by_that_letter():
    from rag.answer import answer

    docs, lib = _letter_library()
    assert lib.documents[[d.doc_id for d in lib.documents].index("visit")].report_facts.visit_number == 2
    query = plan(read_question("What did the third monitoring visit letter of August 2023 say about children in need?", lib), SETTINGS.retrieve, lib, Filters())
    assert query.misnumbered == "visit" and query.filters.doc_ids == ("visit",) and not query.missing
    assert fact_lines(query, lib.documents, 8)[0][0] == "visit"  # its number line is retrieved first
    passages = [_passage(docs, "visit")]
    a = answer(query, passages, SETTINGS, documents=lib.documents, document_text=lambda d: docs[d][1])
    assert a.text.startswith(CORRECTION) and not a.abstained
    assert a.citations[0].quote == "This was the second monitoring visit since the local authority was judged inadequate in July 2022."
    assert any("children in need" in c.quote.lower() for c in a.citations[1:])  # then what the letter says
    assert "third monitoring visit" in a.notice


def test_a_visit_the_library_lacks_with_no_month_matching_a_letter_is_missing():
    _, lib = _letter_library()
    for question in ("What did the third monitoring visit in March 2023 find?", "what did the fourth monitoring visit say?"):
        query = plan(read_question(question, lib), SETTINGS.retrieve, lib, Filters())
        assert not query.misnumbered and "no letter" in query.missing


def _passage(docs, doc_id):
    from rag.records import Chunk, Passage
    from rag.text import quotable_spans

    rec, text = docs[doc_id]
    chunk = Chunk(
        chunk_id=f"{doc_id}-1", doc_id=doc_id, title=rec.title, kind=rec.kind, date=rec.date, year=int(rec.date[:4]),
        text=text, start=0, end=len(text), header="", section="", page=1, page_end=2, paragraphs=(),
        sentences=tuple(quotable_spans(text)),
    )
    return Passage(chunk, 1.0, 1, 0.5)


def test_is_it_still_so_is_answered_by_every_grade_of_the_latest_report():
    a, query = ask("is barset still good")
    assert query.timeframe.latest
    assert [c.doc_id for c in a.citations] == ["new"] * 3  # every area, not only those judged good
    assert not a.text.startswith(CORRECTION)  # overall it is good
    b, _ = ask("is barset still inadequate")
    assert b.text.startswith(CORRECTION)


def test_has_it_always_been_so_is_every_report_the_first_correcting_it():
    a, query = ask("has barset's leadership always been outstanding?")
    assert query.timeframe.change and [c.doc_id for c in a.citations] == ["old", "new"]
    assert a.text.startswith(CORRECTION)  # 2018's was inadequate


def test_a_contradicted_grade_shows_every_judgement_of_the_report_the_one_asked_first():
    a, _ = ask("Why was Barset's leadership judged inadequate in 2022?")
    quotes = [c.quote.replace("\t", " ").lower() for c in a.citations]
    assert a.text.startswith(CORRECTION) and quotes[0].startswith("the impact of leaders") and quotes[0].endswith("outstanding")
    assert any("help and protection" in q for q in quotes[1:]) and "overall effectiveness: good" in quotes
    same, _ = ask("Why was Barset's leadership judged outstanding in 2022?")  # no premise to correct: that row alone
    assert not same.text.startswith(CORRECTION) and len(same.citations) == 1


def test_a_person_said_to_lead_an_inspection_another_led_is_corrected_by_the_report():
    from rag.answer_facts import lead_correction

    question = "What did Bob Sample conclude when he led Barset's 2022 inspection?"
    query = plan(read_question(question, LIBRARY), SETTINGS.retrieve, LIBRARY, Filters())
    corrected = lead_correction(query, LIBRARY.documents, SETTINGS, lambda doc_id: DOCS[doc_id][1])
    assert corrected is not None
    quotes = [c.quote.replace("\t", " ") for c in corrected.citations]
    assert quotes[0].startswith("Lead inspector: Ann Example") and "Overall effectiveness: Good" in quotes
    # the premise holds: nothing to correct
    right = plan(read_question("What did Ann Example conclude when she led Barset's 2022 inspection?", LIBRARY), SETTINGS.retrieve, LIBRARY, Filters())
    assert lead_correction(right, LIBRARY.documents, SETTINGS, lambda doc_id: DOCS[doc_id][1]) is None


def test_an_area_judged_together_with_another_answers_with_the_combined_judgement():
    from rag.answer_facts import facts_wanted
    from rag.records import Fact, ReportFacts

    combined = Fact("judgement", "good", "The experiences and progress of children in care and care leavers: Good", 10, 1, "children_in_care")
    separate = Fact("judgement", "outstanding", "The experiences and progress of care leavers: Outstanding", 20, 1, "care_leavers")
    assert facts_wanted(ReportFacts(facts=(combined,)), "judgement", "care_leavers") == [combined]
    assert facts_wanted(ReportFacts(facts=(combined, separate)), "judgement", "care_leavers") == [separate]
    assert facts_wanted(ReportFacts(facts=(combined,)), "judgement", "adoption") == []


def test_what_must_improve_is_answered_by_the_reports_own_list():
    listed = REPORT.replace("Leaders have improved services for children.", "What needs to improve?\n\n- The oversight of the designated officer.\n\n- The identification of private fostering.\n\nLeaders have improved services for children.")
    docs = {"new": record("new", "2022-09-21", listed)}
    lib = Library.of([d for d, _ in docs.values()])
    query = plan(read_question("what needs to improve according to barset's 2022 report?", lib), SETTINGS.retrieve, lib, Filters())
    a = answer_from_facts(query, [d for d, _ in docs.values()], SETTINGS, lambda i: docs[i][1])
    assert a is not None and [c.quote for c in a.citations] == ["The oversight of the designated officer.", "The identification of private fostering."]


def test_a_comparison_of_lead_inspectors_gives_each_councils_newest_report():
    lib = Library.of([d for d, _ in DOCS.values()])
    query = plan(read_question("barset v wessex most recent inspections - who was the lead inspector?", lib), SETTINGS.retrieve, lib, Filters())
    assert query.groups and query.frame.asks == "lead_inspector"
    a = answer_from_facts(query, [d for d, _ in DOCS.values()], SETTINGS, lambda i: DOCS[i][1])
    assert a is not None and [c.doc_id for c in a.citations] == ["new", "other"]  # not Barset's 2018 report
    assert all(c.quote.startswith("Lead inspector:") for c in a.citations)
