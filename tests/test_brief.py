"""Induction briefs: classification, judgements, quiz and topics on hand-made text; then a
real brief on the shipped corpus, every quote checked against its cited document."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from rag.brief import (
    BLANK,
    IMPROVEMENT,
    STRENGTH,
    Judgement,
    Quote,
    TimelineRow,
    classify,
    clean_topic,
    judgement_spans,
    main,
    main_clause,
    make_question,
    quiz_questions,
    readable,
    topic_candidates,
)
from rag.errors import QuestionError
from rag.records import Citation
from rag.store import DocRecord
from rag.text import normalize_ws

ROOT = Path(__file__).resolve().parent.parent


def citation(number, doc_id, date, kind, quote, paragraph="", section="Findings", start=0):
    return Citation(number, doc_id, f"Title of {doc_id}", kind, date, None, paragraph, section, quote, start, start + len(quote), "c", quote)


def record(doc_id, date, kind):
    return DocRecord(doc_id, f"Title of {doc_id}", kind, date, "", "h", 0, 1, "")


# -- classification -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "section", "role"),
    [
        ("Morale is high and social workers have access to training.", "Strengths", STRENGTH),
        ("Processes are well managed.", "The local authority has the following strengths", STRENGTH),
        ("Management oversight and decision making is inconsistent.", "Areas for development", IMPROVEMENT),
        ("Assessment processes are not always timely.", "Area for priority action", IMPROVEMENT),
        ("Ensure that supervision is regular.", "Areas for improvement", IMPROVEMENT),
        ("Since January 2014 management oversight of casework has become more robust.", "Findings", STRENGTH),
        ("The quality of management oversight is too variable.", "Findings", IMPROVEMENT),
        ("Management oversight continues to need improvement.", "Findings", IMPROVEMENT),
        ("Supervision is improving in regularity, but remains inconsistent in its quality.", "", IMPROVEMENT),
        ("Child protection conferences are not well managed.", "", IMPROVEMENT),
        ("Inspectors saw few examples of good supervision records.", "", IMPROVEMENT),
        ("While plans have improved, the quality of practice remains variable.", "", IMPROVEMENT),
        ("Most social workers now benefit from regular management oversight.", "", STRENGTH),
        ("The letter was sent to the council on Monday.", "", ""),
    ],
)
def test_headings_decide_first_then_cue_words(sentence, section, role):
    got, basis = classify(sentence, section)
    assert got == role
    assert (basis.startswith("listed under") if section in ("Strengths", "Areas for development") else True)


def test_a_mixed_heading_leaves_it_to_the_cue_words():
    assert classify("Partnership working is effective.", "Key strengths and weaknesses of the LSCB") == (STRENGTH, "cue words: effective")


def test_the_clause_after_but_decides():
    assert main_clause("Most supervision is regular, but it does not address drift.") == "it does not address drift."
    assert main_clause("Although staff are positive, audits remain limited.") == "audits remain limited."
    assert main_clause("Caseloads are manageable.") == "Caseloads are manageable."


def test_readable_only_collapses_space_and_drops_an_unmatched_quote_mark():
    assert readable('"There is still poor practice\n and oversight is not good enough.') == "There is still poor practice and oversight is not good enough."
    assert readable('It made a "monitoring visit" in March.') == 'It made a "monitoring visit" in March.'


# -- judgements ---------------------------------------------------------------------------

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


# -- quiz ---------------------------------------------------------------------------------

WINDOW = (record("l2010", "2010-07-28", "letter"), record("r2014", "2014-06-30", "report"), record("n2023", "2023-06-15", "news"), record("l2023", "2023-08-02", "letter"))


def test_a_since_sentence_becomes_a_what_happened_question():
    c = citation(3, "r2014", "2014-06-30", "report", "Since January 2014 management oversight of casework has become more robust.", paragraph="53")
    q = make_question(Quote(c.quote, 3, STRENGTH), c, WINDOW, "management oversight")
    assert q.question == "According to the 2014 report (paragraph 53), what happened to management oversight of casework from January 2014?"
    assert q.key == "become more robust" and q.key in q.answer.text


def test_fill_the_gap_questions_blank_a_word_of_the_quote_itself():
    c = citation(1, "l2023", "2023-08-02", "letter", "Most social workers now benefit from regular management oversight and supervision.")
    q = make_question(Quote(c.quote, 1, STRENGTH), c, WINDOW, "management oversight", prefer_blank=True)
    assert q.key == "benefit" and BLANK in q.question
    assert q.question.split("\u201c", 1)[1].rstrip("\u201d").replace(BLANK, q.key) == c.quote
    n = citation(2, "r2014", "2014-06-30", "report", "During the inspection the local authority was aware of seven private fostering arrangements.", paragraph="68")
    counted = make_question(Quote(n.quote, 2), n, WINDOW, "private fostering")
    assert counted.key == "seven" and "(paragraph 68)" in counted.question


def test_the_year_alone_names_a_document_unless_two_of_a_kind_share_it():
    twins = (*WINDOW, record("l2023b", "2023-12-01", "letter"))
    c = citation(1, "l2023", "2023-08-02", "letter", "Management oversight is not yet consistently effective.")
    assert "the August 2023 letter" in make_question(Quote(c.quote, 1, IMPROVEMENT), c, twins, "management oversight").question
    assert "the 2023 letter" in make_question(Quote(c.quote, 1, IMPROVEMENT), c, WINDOW, "management oversight").question


def test_the_quiz_asks_five_to_ten_questions_each_answered_by_its_citation():
    quotes = [
        ("l2010", "2010-07-28", "letter", "Management oversight and decision making is inconsistent and does not support case planning.", IMPROVEMENT),
        ("r2014", "2014-06-30", "report", "Since January 2014 management oversight of casework has become more robust.", STRENGTH),
        ("r2014", "2014-06-30", "report", "The quality of management oversight in the looked after children team is too variable.", IMPROVEMENT),
        ("n2023", "2023-06-15", "news", "There is still poor practice and management oversight is not good enough.", IMPROVEMENT),
        ("l2023", "2023-08-02", "letter", "Most social workers now benefit from regular management oversight and supervision.", STRENGTH),
    ]
    notes = [citation(i, d, date, kind, text, start=100 * i) for i, (d, date, kind, text, _) in enumerate(quotes, start=1)]
    judged = citation(6, "r2014", "2014-06-30", "report", "The overall judgement is requires improvement", start=5)
    notes.append(judged)
    rows = [TimelineRow(d, f"Title of {d}", kind, date, tuple(Quote(t, i, role) for i, (dd, _, _, t, role) in enumerate(quotes, start=1) if dd == d)) for d, date, kind in (("l2010", "2010-07-28", "letter"), ("r2014", "2014-06-30", "report"), ("n2023", "2023-06-15", "news"), ("l2023", "2023-08-02", "letter"))]
    strengths = [q for row in rows for q in row.quotes if q.role == STRENGTH]
    improvements = [q for row in rows for q in row.quotes if q.role == IMPROVEMENT]
    judgements = [Judgement("r2014", "report", "2014-06-30", Quote(judged.quote, 6))]
    quiz = quiz_questions(rows, strengths, improvements, judgements, notes, WINDOW, "management oversight")
    assert 5 <= len(quiz) <= 10
    assert quiz[0].question == "What was the overall judgement in the 2014 report?" and quiz[0].key == "requires improvement"
    assert len({q.answer.note for q in quiz}) == len(quiz)
    for q in quiz:
        cited = notes[q.answer.note - 1]
        assert q.answer.text == cited.quote and q.key in q.answer.text
        assert cited.date[:4] in q.question


# -- topics -------------------------------------------------------------------------------


def test_topics_are_repeated_multi_word_terms_without_names_or_boilerplate():
    texts = {
        "a": "Private fostering arrangements are weak. Private fostering is not understood. The local authority met Alison Smale. Alison Smale wrote.",
        "b": "Management oversight is inconsistent. Management oversight of casework improved. The local authority agreed. Private fostering was reviewed.",
        "c": "Return home interviews are timely. Most return home interviews explore risk. Management oversight continues to need improvement.",
    }
    topics = topic_candidates(texts, {"a": ["Strengths", "Areas for development"]}, 10)
    assert topics[:2] == ["management oversight", "private fostering"]
    assert "return home interviews" in topics and "return home" not in topics and "home interviews" not in topics
    assert "alison smale" not in topics and "local authority" not in topics and "areas for development" not in topics


# -- command line (no index needed: these fail before it is opened) ----------------------


def test_cli_usage_errors_are_one_line_and_exit_2(capsys, tmp_path):
    assert main([]) == 2
    assert main(["caseloads", "-o", str(tmp_path / "missing" / "x.docx")]) == 2
    assert main(["caseloads", "-o", str(tmp_path / "x.xls")]) == 2
    assert main(["caseloads", "--format", "rtf"]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 4 and all(line.startswith("rag brief: error:") for line in lines)
    assert "does not exist" in lines[1] and "cannot tell the format" in lines[2]


def test_topics_must_be_a_few_words():
    with pytest.raises(QuestionError, match="empty"):
        clean_topic("  \n ")
    with pytest.raises(QuestionError, match="characters long"):
        clean_topic("word " * 100)
    assert clean_topic("  management\toversight ") == "management oversight"


# -- the real corpus ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def oversight(corpus_settings):
    from rag.brief import build_brief

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
    from rag.brief import build_brief

    recent = build_brief("management oversight", corpus_settings, since=2023, kinds=["letter"])
    assert [row.date[:4] for row in recent.timeline] == ["2023", "2024"] and recent.scope == "from 2023; letter only"
    with pytest.raises(QuestionError, match="never mention Worcestershire"):
        build_brief("Worcestershire budgets", corpus_settings)
    with pytest.raises(QuestionError, match="No indexed document"):
        build_brief("caseloads", corpus_settings, since=2030)


def test_topic_coverage_counts_words_the_documents_never_use():
    from rag.brief import topic_coverage

    weights = {"dental": 3.0, "health": 3.0}
    assert topic_coverage(weights, "Health records are kept for every child.") == 0.5
    assert topic_coverage(weights, "Dental health checks are up to date.") == 1.0
    assert topic_coverage(weights, "Checks are up to date.", section="Dental health") == 0.5


@pytest.mark.integration
def test_a_brief_never_claims_a_document_covers_a_topic_it_does_not(corpus_settings):
    from rag.brief import MIN_COVERAGE, build_brief, topic_coverage
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
    from rag.brief import suggest_topics

    assert "management oversight" in suggest_topics(corpus_settings)
    assert {"private fostering", "return home interviews"} <= set(suggest_topics(corpus_settings, 40))


@pytest.mark.integration
def test_cli_writes_a_word_brief(corpus_settings, tmp_path):
    from docx import Document

    env = {**os.environ, "PYTHONPATH": str(ROOT), "RAG_INDEX_DIR": str(corpus_settings.index_dir), "RAG_CORPUS_DIR": str(corpus_settings.corpus_dir)}
    out = tmp_path / "x.docx"
    done = subprocess.run(
        [sys.executable, "-m", "rag.cli", "brief", "management oversight", "--format", "docx", "-o", str(out)],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    doc = Document(str(out))
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert headings[0].startswith("1. What each document said") and headings[-1] == "Notes"
    assert [c.text for c in doc.tables[0].rows[0].cells] == ["Date", "Document", "What it said"]
    bad = subprocess.run([sys.executable, "-m", "rag.cli", "brief", "Worcestershire"], capture_output=True, text=True, env=env, timeout=300)
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1


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
