"""The briefing stage: the topic, quotes and coverage on hand-made text; then real briefs
on the shipped corpus (built by rag.pipeline.build_brief), every quote checked against its
cited document."""

import pytest

from rag.briefing import clean_topic, readable, timeline_settings
from rag.errors import QuestionError
from rag.records import IMPROVEMENT, STRENGTH
from rag.text import normalize_ws


def test_readable_only_collapses_space_and_drops_an_unmatched_quote_mark():
    assert readable('"There is still poor practice\n and oversight is not good enough.') == "There is still poor practice and oversight is not good enough."
    assert readable('It made a "monitoring visit" in March.') == 'It made a "monitoring visit" in March.'

def test_topics_must_be_a_few_words():
    with pytest.raises(QuestionError, match="empty"):
        clean_topic("  \n ")
    with pytest.raises(QuestionError, match="characters long"):
        clean_topic("word " * 100)
    assert clean_topic("  management\toversight ") == "management oversight"

def test_topic_coverage_counts_words_the_documents_never_use():
    from rag.briefing import topic_coverage

    weights = {"dental": 3.0, "health": 3.0}
    assert topic_coverage(weights, "Health records are kept for every child.") == 0.5
    assert topic_coverage(weights, "Dental health checks are up to date.") == 1.0
    assert topic_coverage(weights, "Checks are up to date.", section="Dental health") == 0.5


def test_the_timeline_quotes_three_sentences_per_document_and_leaves_settings_alone():
    from rag.settings import load_settings

    settings = load_settings()
    changed = timeline_settings(settings)
    assert changed.answer.per_document_sentences == 3
    assert settings.answer.per_document_sentences == load_settings().answer.per_document_sentences


# -- the real corpus ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def oversight(corpus_settings):
    from rag.pipeline import build_brief

    return build_brief("management oversight", corpus_settings)

@pytest.mark.integration
def test_oversight_brief_covers_2010_2014_2023_and_2024_in_date_order(oversight):
    dates = [row.date for row in oversight.timeline]
    assert dates == sorted(dates)
    speaking = [row.date[:4] for row in oversight.timeline if row.quotes]
    assert {"2010", "2014", "2023", "2024"} <= set(speaking) and speaking == sorted(speaking)
    assert [s.date for s in oversight.sources] == dates and all(s.title for s in oversight.sources)

@pytest.mark.integration
def test_every_quoted_sentence_is_verbatim_in_its_cited_document(oversight, corpus_settings):
    from rag.pipeline import components

    store = components(corpus_settings).store
    texts = {}
    assert [c.number for c in oversight.notes] == list(range(1, len(oversight.notes) + 1))
    for c in oversight.notes:
        text = texts.setdefault(c.doc_id, store.document_text(c.doc_id))
        assert text[c.start : c.end] == c.quote, c
    for q in oversight.quotes():
        cited = oversight.note(q.note)
        assert q.text in normalize_ws(cited.quote)

@pytest.mark.integration
def test_every_quiz_answer_is_supported_by_its_citation(oversight):
    assert 5 <= len(oversight.quiz) <= 10
    assert any("paragraph 53" in q.question and "January 2014" in q.question for q in oversight.quiz)
    for q in oversight.quiz:
        cited = oversight.note(q.answer.note)
        assert q.key and q.key in q.answer.text and q.answer.text in normalize_ws(cited.quote)
        assert cited.date[:4] in q.question
        if "paragraph" in q.question and cited.paragraph:
            assert f"paragraph {cited.paragraph}" in q.question

@pytest.mark.integration
def test_strengths_improvements_and_judgements_are_quoted_and_sorted(oversight):
    assert oversight.strengths and oversight.improvements
    assert all(q.role == STRENGTH for q in oversight.strengths) and all(q.role == IMPROVEMENT for q in oversight.improvements)
    assert any("inconsistent" in q.text for q in oversight.improvements)
    assert any("more robust" in q.text for q in oversight.strengths)
    said = [j.quote.text for j in oversight.judgements]
    assert "The overall judgement is requires improvement" in said
    assert any("judged inadequate in July 2022" in s for s in said)
    assert any(j.cells == ("Adoption performance", "Good") for j in oversight.judgements)  # the table row, its colon dropped

@pytest.mark.integration
def test_filters_narrow_the_documents_and_unknown_topics_are_refused(corpus_settings):
    from rag.pipeline import build_brief

    recent = build_brief("management oversight", corpus_settings, since=2023, kinds=["letter"])
    assert [row.date[:4] for row in recent.timeline] == ["2023", "2024"] and recent.scope == "from 2023; letter only"
    with pytest.raises(QuestionError, match="never mention Worcestershire"):
        build_brief("Worcestershire budgets", corpus_settings)
    with pytest.raises(QuestionError, match="No indexed document"):
        build_brief("caseloads", corpus_settings, since=2030)

@pytest.mark.integration
def test_a_brief_never_claims_a_document_covers_a_topic_it_does_not(corpus_settings):
    from rag.briefing import MIN_COVERAGE, topic_coverage
    from rag.pipeline import build_brief
    from rag.lexical import query_tokens
    from rag.pipeline import components

    with pytest.raises(QuestionError, match="No document says enough about \u2018dental health\u2019 to quote \\(they never use \u2018dental\u2019\\)"):
        build_brief("dental health", corpus_settings)
    brief = build_brief("care leavers", corpus_settings)
    lexical = components(corpus_settings).lexical
    weights = {t: lexical.idf(t) for t in set(query_tokens("care leavers"))}
    for row in brief.timeline:
        for q in row.quotes:
            assert topic_coverage(weights, q.text, brief.note(q.note).section) >= MIN_COVERAGE, q.text

@pytest.mark.integration
def test_suggested_topics_come_from_the_corpus(corpus_settings):
    from rag.pipeline import suggest_topics

    assert "management oversight" in suggest_topics(corpus_settings)
    assert {"private fostering", "return home interviews"} <= set(suggest_topics(corpus_settings, 40))

@pytest.mark.integration
def test_the_briefs_tab_builds_previews_and_offers_downloads(corpus_settings):
    import gradio as gr

    from rag.ui.briefs import briefs_tab

    with gr.Blocks():
        with gr.Tabs():
            tab = briefs_tab(corpus_settings)
    topics, years, kinds = tab.choices()
    assert "management oversight" in topics and years[0] == "any" and "letter" in kinds
    status, preview, md, docx, pdf = tab.make("management oversight", "any", "any", [], False)
    assert "8 of 8 documents" in status and preview.startswith("# Induction brief: management oversight")
    assert md.value["orig_name"].endswith(".md") and docx.value["orig_name"].endswith(".docx") and not pdf.interactive
    failed = tab.make("", "any", "any", [], False)
    assert "Choose a suggested topic" in failed[0]
