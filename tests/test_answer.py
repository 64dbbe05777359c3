"""The extractive answerer on hand-made passages: quotes only, cited, no repeats, timelines."""

from dataclasses import replace as dc_replace

import pytest

from rag.answer import answer, expects, pick, rerank, score_sentences, unknown_names
from rag.records import Chunk, Passage
from rag.retrieve import Query
from rag.settings import load_settings
from rag.store import DocRecord, Filters
from rag.text import quotable_spans
from rag.timeframe import TimeFrame


def passage(doc_id, year, text, rank=1, dense=0.5, paragraphs=(), page=None):
    chunk = Chunk(
        chunk_id=f"{doc_id}-{rank}", doc_id=doc_id, title=f"Title {doc_id}", kind="letter", date=f"{year}-06-01",
        year=year, text=text, start=100, end=100 + len(text), header="h", section="Findings", page=page,
        page_end=page, paragraphs=paragraphs, sentences=tuple(quotable_spans(text)),
    )
    return Passage(chunk, 1.0 / rank, rank, dense)


def record(doc_id, year):
    return DocRecord(doc_id, f"Title {doc_id}", "letter", f"{year}-06-01", "", "h", 0, 1, "")


SETTINGS = load_settings()
PASSAGES = [
    passage("a", 2014, "Caseloads have reduced to an average of 18. Morale has risen among staff.", 1, 0.6, (57,), 3),
    passage("b", 2024, "Caseloads are manageable and workloads have started to reduce. Caseloads are manageable and workloads have started to reduce.", 2, 0.55),
    passage("c", 2023, "Housing partners do not prioritise families.", 3, 0.2),
]


def test_every_sentence_is_a_verbatim_quote_with_a_marker():
    a = answer(Query("How are caseloads?", 8, Filters(), TimeFrame()), PASSAGES, SETTINGS)
    assert not a.abstained and a.sentences
    for s, c in zip(a.sentences, a.citations):
        assert s.citations == (c.number,) and f"[{c.number}]" in a.text
        assert c.quote in c.passage_text and s.text == c.quote
    assert a.citations[0].paragraph == "57" and a.citations[0].page == 3 and a.citations[0].start >= 100


def test_sentences_are_not_repeated():
    chosen = pick(score_sentences("caseloads manageable", PASSAGES, lambda t: 1.0), 5, 0.0)
    texts = [c.text for c in chosen]
    assert len(texts) == len(set(texts))


def test_sentences_are_ranked_by_how_well_they_answer_not_by_passage_rank():
    ranked = score_sentences("housing partners prioritise families", PASSAGES, lambda t: 1.0)
    assert ranked[0].passage.chunk.doc_id == "c"


def test_timeline_is_oldest_first_and_names_silent_documents():
    window = (record("old", 2010), record("a", 2014), record("b", 2024))
    q = Query("How have caseloads changed since 2010?", 8, Filters(since=2010), TimeFrame(2010, None, True), window)
    a = answer(q, PASSAGES[:2], SETTINGS)
    assert [e.doc_id for e in a.timeline] == ["old", "a", "b"]
    assert a.timeline[0].sentences == () and "The 2010 letter does not address this." in a.text
    assert a.text.index("Caseloads have reduced") < a.text.index("Caseloads are manageable")
    assert a.summary.startswith("Direction of travel: in 2014") and "[1]" in a.summary


def test_a_timeline_weighs_each_document_by_its_own_passages_not_by_its_date():
    # a timeline lists each document's best passages oldest first: the newest document's
    # first passage comes last in the list but is that document's best, and is weighed so
    early = passage("old", 2014, "Caseloads were high.", 1)
    early_2 = passage("old", 2014, "Caseloads were rising.", 2)
    late = passage("new", 2024, "Caseloads were high.", 3)
    by_list = {c.passage.chunk.chunk_id: c.score for c in score_sentences("caseloads", [early, early_2, late], lambda t: 1.0)}
    by_doc = {c.passage.chunk.chunk_id: c.score for c in score_sentences("caseloads", [early, early_2, late], lambda t: 1.0, by_document=True)}
    assert by_list["new-3"] < by_list["old-1"]
    assert by_doc["new-3"] == by_doc["old-1"] and by_doc["old-2"] == by_list["old-2"] < by_doc["old-1"]


def test_a_timeline_s_documents_keep_their_order_and_each_one_s_passages_are_put_in_answer_order():
    # oldest first: the 2014 document's first passage only shares a word; its second answers
    near = passage("old", 2014, "Housing is discussed at the panel. The panel meets monthly.", 1, 0.2)
    answers = passage("old", 2014, "Housing partners do not prioritise vulnerable families.", 2, 0.6)
    later = passage("new", 2024, "Housing partners now prioritise vulnerable families.", 3, 0.6)
    later_near = passage("new", 2024, "The housing panel meets monthly.", 4, 0.2)
    ordered = rerank("do housing partners prioritise families", [near, answers, later, later_near], lambda t: 1.0, None, SETTINGS, by_document=True)
    assert [p.chunk.chunk_id for p in ordered] == ["old-2", "old-1", "new-3", "new-4"] and [p.rank for p in ordered] == [1, 2, 3, 4]
    # across documents nothing moves, though the later document's passage answers better than the older's
    assert [p.chunk.doc_id for p in rerank("partners now prioritise", [near, later], lambda t: 1.0, None, SETTINGS, by_document=True)] == ["old", "new"]
    off = SETTINGS.model_copy(update={"retrieve": SETTINGS.retrieve.model_copy(update={"rerank_timelines": 0.0})})
    assert [p.chunk.chunk_id for p in rerank("do housing partners prioritise families", [near, answers], lambda t: 1.0, None, off, by_document=True)] == ["old-1", "old-2"]


def test_passages_are_put_in_order_of_the_answer_they_hold():
    # the first passage shares a word with the question; the second holds its answer
    near = passage("a", 2024, "Housing is discussed at the panel. The panel meets monthly.", 1, 0.2)
    answers = passage("b", 2024, "Housing partners do not prioritise vulnerable families.", 2, 0.6)
    ordered = rerank("do housing partners prioritise families", [near, answers], lambda t: 1.0, None, SETTINGS)
    assert [p.chunk.doc_id for p in ordered] == ["b", "a"] and [p.rank for p in ordered] == [1, 2]
    # a passage with nothing to quote (a cover page's fact lines) is not judged by sentences: it keeps its place
    cover = passage("c", 2024, "Lead inspector: Ann Example.", 1, 0.5)
    cover = Passage(dc_replace(cover.chunk, sentence_roles=("fact",)), 1.0, 1, 0.5)
    moved = rerank("do housing partners prioritise families", [cover, dc_replace(near, rank=2), dc_replace(answers, rank=3)], lambda t: 1.0, None, SETTINGS)
    assert [p.chunk.doc_id for p in moved] == ["c", "b", "a"]
    assert [p.score for p in moved] == sorted((p.score for p in moved), reverse=True)  # the score is what placed it
    kept = SETTINGS.model_copy(update={"retrieve": SETTINGS.retrieve.model_copy(update={"rerank": 0.0})})
    assert [p.chunk.doc_id for p in rerank("do housing partners prioritise families", [near, answers], lambda t: 1.0, None, kept)] == ["a", "b"]


def test_weak_evidence_abstains_and_shows_nearest_matches():
    a = answer(Query("What is the budget for school meals?", 8, Filters(), TimeFrame()), PASSAGES[2:], SETTINGS)
    assert a.abstained and a.text.startswith("The documents don't say") and a.citations
    assert a.to_dict()["abstained"] is True


def test_numeric_questions_need_a_number_in_the_evidence():
    assert expects("How many children were adopted?")[0] == "number"
    assert expects("How much did the council spend on care?")[0] == "money"
    assert expects("What did inspectors say about caseloads?") is None
    assert expects("how much extra money was put in?")[0] == "money"
    assert expects("total childrens services budget 2023/24")[0] == "money"  # keywords: the figure
    assert expects("How did budget pressures affect caseloads?") is None  # a question about budgets, not for one
    a = answer(Query("How much did the council spend on housing families?", 8, Filters(), TimeFrame()), PASSAGES[2:], SETTINGS)
    assert a.abstained
    # a span of time is not a count of things: 'how many carers resigned?' is not answered by '18 months'
    resigned = [passage("f", 2021, "The number of foster carers has decreased in the past 18 months, as carers have resigned, partly due to COVID-19.", 1, 0.7)]
    assert answer(Query("how many foster carers had resigned?", 8, Filters(), TimeFrame()), resigned, SETTINGS).abstained
    assert not answer(Query("how many months did foster carers wait?", 8, Filters(), TimeFrame()), resigned, SETTINGS).abstained
    shared = [passage("h", 2015, "Most children (86%) are subject to a child protection plan for neglect. In May, 394 children were subject to a plan.", 1, 0.7)]
    a = answer(Query("number of children on child protection plans", 8, Filters(), TimeFrame()), shared, SETTINGS)
    assert "394" in a.sentences[0].text and "86%" not in a.text
    counted = [passage("g", 2021, "Twelve foster carers have resigned in the past 18 months.", 1, 0.7)]
    assert not answer(Query("how many foster carers had resigned?", 8, Filters(), TimeFrame()), counted, SETTINGS).abstained


def test_names_the_documents_never_use_mean_the_documents_cannot_answer():
    seen = {"herefordshir", "council"}.__contains__
    assert unknown_names("How many staff does Worcestershire County Council employ?", lambda t: t in {"council", "county"}) == ["Worcestershire"]
    a = answer(Query("What did Shropshire say?", 8, Filters(), TimeFrame()), PASSAGES, SETTINGS, seen=seen)
    assert a.abstained and "Shropshire" in a.notice


def test_in_title_case_or_capitals_no_word_is_taken_for_a_name():
    # capitals mark nothing there: the question is read as its lower-case self would be
    seen = {"care", "leaver", "suitabl", "accommod"}.__contains__
    for q in ("Percentage Of Care Leavers In Suitable Accommodation 2014", "PERCENTAGE OF CARE LEAVERS IN SUITABLE ACCOMMODATION 2014"):
        assert unknown_names(q, seen, shouting=True) == unknown_names(q.lower(), seen) == []


def test_no_passages_abstains():
    a = answer(Query("Anything?", 8, Filters(), TimeFrame()), [], SETTINGS)
    assert a.abstained and a.citations == []


def test_sentences_that_are_not_findings_are_not_offered():
    text = "This letter summarises the findings of the visit on 2 May 2023. Caseloads are manageable. 1 A footnote about caseloads."
    spans = tuple(quotable_spans(text))
    chunk = Chunk(chunk_id="x", doc_id="l", title="T", kind="letter", date="2023-06-01", year=2023, text=text, start=0, end=len(text),
                  header="h", sentences=spans, sentence_roles=("fact", "", "footnote"), sentence_templates=("", "", ""))
    chosen = score_sentences("what did the visit say about caseloads", [Passage(chunk, 1.0, 1, 0.5)], lambda t: 1.0)
    assert [c.text for c in chosen] == ["Caseloads are manageable."]


def test_a_sentence_that_leans_on_the_one_before_is_quoted_with_it():
    text = "Social workers see children regularly. However, their plans for housing are weak."
    p = passage("a", 2024, text)
    best = score_sentences("housing plans", [p], lambda t: 1.0)[0]
    assert best.text == text and best.sentence == "However, their plans for housing are weak."


def test_standard_wording_ranks_below_a_finding():
    class Lex:
        def idf(self, t): return 1.0
        def seen(self, t): return True
        def boilerplate(self, template): return template == "std"
        def is_name(self, w): return False

    text = "Inspectors reviewed the progress made in caseloads. Caseloads progress well."
    spans = tuple(quotable_spans(text))
    chunk = Chunk(chunk_id="y", doc_id="l", title="T", kind="letter", date="2023-06-01", year=2023, text=text, start=0, end=len(text),
                  header="h", sentences=spans, sentence_roles=("", ""), sentence_templates=("std", "own"))
    ranked = score_sentences("progress caseloads", [Passage(chunk, 1.0, 1, 0.5)], Lex())
    assert ranked[0].text == "Caseloads progress well."


def test_each_quote_carries_its_source_inline():
    a = answer(Query("How are caseloads?", 8, Filters(), TimeFrame()), PASSAGES, SETTINGS)
    assert "(2014 letter, para 57) [1]" in a.text


def test_a_sentence_whose_subject_is_a_bare_quantifier_is_quoted_with_the_one_it_leans_on():
    text = "Risk management plans vary in quality. Some are formulaic and not tailored to the child."
    ranked = score_sentences("how good are risk management plans", [passage("a", 2024, text)], lambda t: 1.0)
    leaning = next(c for c in ranked if c.text.endswith("tailored to the child."))
    assert leaning.text.startswith("Risk management plans vary in quality.")


def test_a_fact_of_a_report_not_held_is_not_answered_from_the_reports_that_are():
    from rag.question import Library, read_question
    from rag.retrieve import plan

    library = Library.of([record("a", 2014), record("b", 2024)])
    query = plan(read_question("what grade will it get at its inspection in 2029?", library), SETTINGS.retrieve, library, Filters())
    a = answer(query, PASSAGES, SETTINGS)
    assert a.abstained and a.text.startswith("The documents don't say")
    assert a.notice == "No report in the library is from 2029: the newest is of 1 June 2024." and not a.sentences


def test_a_visit_with_no_letter_is_answered_only_by_what_speaks_of_it_in_its_text_or_title():
    from dataclasses import replace

    from rag.records import QuestionFrame

    q = "how many months after the inspection was the first monitoring visit?"
    frame = QuestionFrame(q, q, TimeFrame(), visit=1, visit_words="first monitoring visit")
    query = Query(q, 8, Filters(), TimeFrame(), frame=frame, missing="The library holds no letter on the first monitoring visit.")
    article = passage("news", 2023, "The director said the improvements came eight months after the inspection.", 1, 0.7)
    other = passage("letter", 2023, "The visit came eight months after the inspection.", 2, 0.7)
    assert answer(query, [other], SETTINGS).abstained  # speaks of a visit, not of the first
    titled = Passage(replace(article.chunk, title="News: the first monitoring visit"), 1.0, 1, 0.7)
    a = answer(query, [titled, other], SETTINGS)
    assert not a.abstained and a.citations[0].doc_id == "news"


def test_a_who_question_is_answered_by_a_person_or_a_body_given_with_its_abbreviation():
    from rag.answer import _names_a_person, _Plain

    names = {"Ann", "Example"}
    lex = _Plain(seen=lambda t: True)
    lex.is_name = lambda w: w in names  # type: ignore[method-assign]
    assert _names_a_person("The report was led by Ann Example.", lex)
    assert _names_a_person("Its services are delegated to Together for Children (TfC) to deliver.", lex)
    assert not _names_a_person("Children are seen quickly (within 24 hours).", lex)
    assert not _names_a_person("The plan (PLAN) is reviewed.", lex)  # an abbreviation of nothing named
    assert not _names_a_person("Managers in the Front Door are stretched.", lex)


def test_an_item_of_a_list_is_about_what_its_heading_names():
    from dataclasses import replace

    text = "- Manageable caseloads for social workers.\n\nSocial workers spoke about their caseloads."
    listed = passage("a", 2022, text)
    listed = replace(listed, chunk=replace(listed.chunk, section="What needs to improve?"))
    ranked = score_sentences("what still needs to improve about caseloads", [listed], lambda t: 1.0)
    by_text = {c.text.lstrip("- "): c.coverage for c in ranked}
    # the heading's words count in full for the list item, half for the prose sentence
    assert by_text["Manageable caseloads for social workers."] > by_text["Social workers spoke about their caseloads."]


def test_when_a_future_inspection_is_due_is_answered_only_by_a_sentence_naming_a_time_to_come():
    statute = passage("s", 2010, "The inspection was carried out under the Education and Inspections Act 2006. It will contribute to the annual review of the authority's children's services inspection.", 1, 0.7)
    q = Query("When is the next full inspection of children's services due?", 8, Filters(), TimeFrame())
    assert answer(q, [statute], SETTINGS).abstained  # a future word and a statute's year say no 'when'
    dated = passage("t", 2023, "The next monitoring visit of children's services will take place in 2024.", 1, 0.7)
    a = answer(q, [statute, dated], SETTINGS)
    assert not a.abstained and a.citations[0].quote.startswith("The next monitoring visit")


def test_a_sentence_on_how_the_inspection_was_done_ranks_below_a_finding():
    # both share the question's words; the first only says whom inspectors spoke to
    p = passage("m", 2010, "Inspectors also spoke to a range of staff including managers and social workers. Staff turnover in the team is high.", 1, 0.6)
    ranked = score_sentences("How has staff turnover affected social workers?", [p], lambda t: 1.0)
    assert ranked[0].sentence.startswith("Staff turnover")
    method = next(c for c in ranked if c.sentence.startswith("Inspectors"))
    plain = score_sentences("How has staff turnover affected social workers?", [passage("m", 2010, "The team spoke to a range of staff including managers and social workers.", 1, 0.6)], lambda t: 1.0)[0]
    assert method.score < plain.score  # the same words, without the inspection as subject, score more


def test_a_count_is_answered_by_a_number_not_by_the_majority():
    _, shows = expects("wigan 2022 number of children on child protection plans")
    assert shows.search("At 31 March, 237 children were the subject of a plan.")
    assert shows.search("Half of the plans were reviewed.")
    assert not shows.search("The majority of child protection plans are not specific enough.")
    assert not shows.search("A few plans drift.")


def test_what_a_thing_is_called_is_answered_only_by_a_sentence_giving_a_name():
    named = passage("n", 2026, "Leaders have set up a group of parent representatives, 'Families Making a Difference'. The parent group meets monthly.", 1, 0.7)
    a = answer(Query("what is the parent representatives group called?", 8, Filters(), TimeFrame()), [named], SETTINGS)
    assert [c.quote for c in a.citations] == ["Leaders have set up a group of parent representatives, 'Families Making a Difference'."]
    unnamed = passage("u", 2014, "Caseloads fell because an external agency social work team was commissioned to complete work.", 1, 0.7)
    q = Query("what was the name of the company that supplied the external social work team?", 8, Filters(), TimeFrame())
    assert answer(q, [unnamed], SETTINGS).abstained


@pytest.mark.parametrize("question, kind", [
    ("herefordshire children's services investment £ amount after 2022", "money"),
    ("what was the social worker turnover rate in 2023", "rate"),
    ("rate of re-referrals 2019", "rate"),
    ("whats the vacancy rate", "rate"),
    ("how did ofsted rate the council in 2019", None),
    ("did they rate it good", None),
])
def test_a_money_figure_or_a_rate_is_what_the_question_asks_for(question, kind):
    assert (expects(question) or (None,))[0] == kind


def test_a_rate_is_answered_by_a_share_or_so_many_per_so_many_not_by_a_sentence_without_one():
    from rag.answer import _EXPECTS

    shows = {name: shows for name, _, shows in _EXPECTS}["rate"]
    assert shows.search("Staff turnover is 14%.") and shows.search("The rate is 62 per 10,000 children.")
    assert shows.search("Half of the social workers are agency staff.")
    assert not shows.search("Staff turnover remains high and is a concern for leaders.")


def test_the_reranker_counts_only_sentences_of_the_kind_asked():
    # 'how many' wants a count: the passage sharing more words but giving no number falls
    # below the one that gives it
    words = passage("a", 2014, "Children were adopted in a timely way and adoption work is strong.", 1, 0.6)
    count = passage("b", 2014, "In the year, 17 children were adopted.", 2, 0.4)
    question = "how many children were adopted"
    assert [p.chunk.doc_id for p in rerank(question, [words, count], lambda t: 1.0, None, SETTINGS, asked=question)] == ["b", "a"]
    assert [p.chunk.doc_id for p in rerank(question, [words, count], lambda t: 1.0, None, SETTINGS)][0] == "a"


def test_a_reranked_passage_keeps_the_prior_of_its_retrieved_rank():
    # the answerer weighs a passage by how the retriever ranked it; a reranker's place already
    # counts the answer the passage holds, so moving it up must not raise its sentences' scores
    near = passage("a", 2024, "Housing is discussed at the panel. The panel meets monthly.", 1, 0.2)
    answers = passage("b", 2024, "Housing partners do not prioritise vulnerable families.", 2, 0.6)
    question = "do housing partners prioritise families"
    moved = rerank(question, [near, answers], lambda t: 1.0, None, SETTINGS)
    assert [p.chunk.doc_id for p in moved] == ["b", "a"] and [p.retrieved_rank for p in moved] == [2, 1]
    before = {c.passage.chunk.chunk_id: c.score for c in score_sentences(question, [near, answers], lambda t: 1.0)}
    after = {c.passage.chunk.chunk_id: c.score for c in score_sentences(question, moved, lambda t: 1.0)}
    assert before == after
