"""Quiz questions, each answered by one of the brief's cited sentences."""

from rag.quiz import make_question, quiz_questions
from rag.records import BLANK, IMPROVEMENT, STRENGTH, Citation, Judgement, Quote, TimelineRow
from rag.store import DocRecord

def citation(number, doc_id, date, kind, quote, paragraph="", section="Findings", start=0):
    return Citation(number, doc_id, f"Title of {doc_id}", kind, date, None, paragraph, section, quote, start, start + len(quote), "c", quote)

def record(doc_id, date, kind):
    return DocRecord(doc_id, f"Title of {doc_id}", kind, date, "", "h", 0, 1, "")

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
