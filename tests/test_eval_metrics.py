"""Metric functions of eval/metrics.py on hand-made rankings and answers."""

import math

import pytest

from eval import metrics
from eval.dataset import GoldSource, Question
from eval.metrics import Ranked

QUOTE = "Since January 2014 management oversight of casework has become more robust."
GOLD = GoldSource("report-2014", QUOTE)
OTHER = GoldSource("letter-2023", "Most social workers now benefit from regular management oversight and supervision.")


def question(type_="single_fact", key_facts=(("more robust",),), sources=(GOLD,), years=(2014,)):
    return Question("q1", type_, "How has oversight changed?", "It became more robust.", key_facts, sources, years)


def citation(number=1, doc_id="report-2014", quote=QUOTE, passage_text=None, paragraph="53", date="2014-06-30", page=None):
    return {
        "number": number,
        "doc_id": doc_id,
        "title": "t",
        "kind": "report",
        "date": date,
        "page": page,
        "paragraph": paragraph,
        "section": "",
        "quote": quote,
        "start": 0,
        "end": len(quote),
        "chunk_id": "c",
        "passage_text": passage_text if passage_text is not None else f"53. {quote} Staff said so.",
    }


def answer(text=f"{QUOTE} [1]", citations=None, sentences=None, abstained=False, passages=()):
    citations = [citation()] if citations is None else citations
    if sentences is None:
        sentences = [{"text": QUOTE, "citations": [1], "supported": True, "note": ""}]
    return {"text": text, "abstained": abstained, "sentences": sentences, "citations": citations, "passages": list(passages)}


# ------------------------------------------------------------------ relevance


def test_quote_found_despite_rewrapped_whitespace_and_curly_quotes():
    gold = GoldSource("d", "Children's plans are 'not good enough'.")
    text = "Intro.\n\nChildren’s   plans\nare ‘not good enough’.  Next."
    assert metrics.is_relevant("d", text, gold)


def test_quote_ignores_case_but_its_document_must_match():
    assert metrics.is_relevant("report-2014", QUOTE.lower(), GOLD)
    assert not metrics.is_relevant("other-doc", QUOTE, GOLD)


def test_long_quote_split_over_two_chunks_is_found_in_each():
    quote = " ".join(f"Sentence number {i} of a very long quoted finding." for i in range(8))
    gold = GoldSource("d", quote)
    cut = len(quote) // 2
    first = "Lead-in text. " + quote[:cut]
    second = quote[cut:] + " Trailing text."
    assert metrics.is_relevant("d", first, gold)
    assert metrics.is_relevant("d", second, gold)
    inside = quote[100:200]
    assert metrics.is_relevant("d", inside, gold)
    assert not metrics.is_relevant("d", quote[:40] + " unrelated", gold)  # piece shorter than 60


def test_relevance_survives_rechunking():
    doc = "Lead. " + QUOTE + " " + OTHER.quote + " Tail."
    for size in (90, 150, 400):
        pieces = [doc[i : i + size] for i in range(0, len(doc), size // 2)]  # overlapping windows
        ranked = [Ranked("report-2014", p) for p in pieces]
        assert metrics.hit_at(ranked, [GOLD], len(ranked)) == 1.0, size


# ------------------------------------------------------------------ retrieval


RANKING = [
    Ranked("x", "irrelevant"),
    Ranked("report-2014", f"53. {QUOTE}"),
    Ranked("y", "irrelevant"),
    Ranked("letter-2023", OTHER.quote),
    Ranked("report-2014", QUOTE),  # the same gold again: no second gain
]


def test_known_ranking_gives_known_scores():
    golds = [GOLD, OTHER]
    m = metrics.retrieval_metrics(RANKING, golds)
    assert m["hit@1"] == 0.0 and m["hit@3"] == 1.0
    assert m["recall@1"] == 0.0 and m["recall@3"] == 0.5 and m["recall@5"] == 1.0
    assert m["mrr"] == 0.5
    dcg = 1 / math.log2(3) + 1 / math.log2(5)
    ideal = 1 + 1 / math.log2(3)
    assert m["ndcg@10"] == pytest.approx(dcg / ideal)


def test_perfect_and_empty_rankings():
    assert metrics.ndcg_at([Ranked("report-2014", QUOTE)], [GOLD]) == 1.0
    assert metrics.reciprocal_rank([], [GOLD]) == 0.0
    assert metrics.recall_at([Ranked("report-2014", QUOTE)], [], 5) == 0.0


def test_rank_beyond_k_does_not_count():
    ranked = [Ranked("x", "no")] * 10 + [Ranked("report-2014", QUOTE)]
    assert metrics.reciprocal_rank(ranked, [GOLD], 10) == 0.0
    assert metrics.hit_at(ranked, [GOLD], 10) == 0.0


# ------------------------------------------------------------------ answers


def test_key_fact_recall_reads_text_and_citation_quotes():
    kf = (("more robust",), ("regular", "frequent"), ("absent phrase",))
    a = answer(text="It became MORE\nrobust [1].", citations=[citation(quote="Workers get regular supervision.")])
    assert metrics.key_fact_recall(a, kf) == pytest.approx(2 / 3)
    assert metrics.key_fact_recall(a, ()) is None


def test_key_fact_recall_ignores_markers_inside_phrases():
    assert metrics.key_fact_recall(answer(text="It became more [1] robust.", citations=[]), (("more robust",),)) == 1.0


def test_citation_support_counts_verbatim_sentences():
    sentences = [
        {"text": "Since January 2014   management oversight of casework has become more robust.", "citations": [1]},
        {"text": "Oversight is now excellent.", "citations": [1]},
        {"text": "Uncited claim.", "citations": []},
    ]
    assert metrics.citation_support(answer(sentences=sentences)) == pytest.approx(1 / 3)
    assert metrics.citation_support(answer(sentences=[], abstained=True)) is None


def test_citation_support_reads_timeline_sentences():
    a = answer(sentences=[])
    a["timeline"] = [{"doc_id": "report-2014", "sentences": [{"text": QUOTE, "citations": [1]}]}]
    assert metrics.citation_support(a) == 1.0


def test_citation_accuracy_checks_document_and_paragraph():
    passages = [{"doc_id": "report-2014", "text": f"53. {QUOTE}", "paragraph": "53", "page": None}]
    right = citation(1, passage_text="53. Elsewhere in paragraph 53.", paragraph="52-53")
    wrong_para = citation(2, quote="Other words.", passage_text="60. Other words.", paragraph="60")
    wrong_doc = citation(3, doc_id="letter-2010", passage_text="Something.", paragraph="")
    a = answer(citations=[right, wrong_para, wrong_doc], passages=passages)
    assert metrics.citation_accuracy(a, [GOLD]) == pytest.approx(1 / 3)


def test_citation_accuracy_falls_back_to_document_when_place_unknown():
    a = answer(citations=[citation(passage_text="Unrelated passage.", paragraph="")])
    assert metrics.citation_accuracy(a, [GOLD]) == 1.0
    assert metrics.citation_accuracy(a, []) is None


def test_citation_accuracy_by_page():
    passages = [{"doc_id": "report-2014", "text": QUOTE, "paragraph": None, "page": 4}]
    ok = citation(1, passage_text="Other text.", paragraph="", page=4)
    off = citation(2, passage_text="Other text.", paragraph="", page=9)
    assert metrics.citation_accuracy(answer(citations=[ok, off], passages=passages), [GOLD]) == 0.5


def test_year_coverage():
    a = answer(citations=[citation(date="2014-06-30"), citation(2, date="2023-08-02")])
    assert metrics.year_coverage(a, [2010, 2014, 2023, 2024]) == 0.5
    assert metrics.year_coverage(a, []) is None


# ------------------------------------------------------------------ CRAG and abstention


def test_crag_signs():
    q = question()
    good = answer(text="It became more robust [1].")
    wrong = answer(text="It got worse [1].", citations=[citation(quote="It got worse.")])
    abstained = answer(text="The documents don't say.", citations=[], sentences=[], abstained=True)
    assert metrics.answer_metrics(q, good)["crag"] == 1.0
    assert metrics.answer_metrics(q, wrong)["crag"] == -1.0
    assert metrics.answer_metrics(q, abstained)["crag"] == 0.0
    unanswerable = question("unanswerable", (), (), ())
    assert metrics.answer_metrics(unanswerable, abstained)["crag"] == 1.0
    assert metrics.answer_metrics(unanswerable, good)["crag"] == -1.0


def test_a_false_premise_needs_its_correcting_fact_not_just_the_right_source():
    q = question("false_premise", key_facts=(("requires improvement",),))
    cites_gold_only = answer(text="No: see [1].")
    assert metrics.answer_metrics(q, cites_gold_only)["crag"] == -1.0
    corrected = answer(text="The documents say otherwise. The report judged it requires improvement [1].")
    assert metrics.answer_metrics(q, corrected)["crag"] == 1.0


def test_answer_precision_counts_sentences_that_answer_not_ones_that_share_words():
    q = question()
    on_topic = {"text": QUOTE, "citations": [1]}
    off_topic = {"text": "Oversight of the budget was discussed at the board.", "citations": [1]}
    assert metrics.answer_metrics(q, answer(sentences=[on_topic]))["answer_precision"] == 1.0
    assert metrics.answer_metrics(q, answer(sentences=[on_topic, off_topic]))["answer_precision"] == 0.5
    assert metrics.answer_metrics(q, answer(citations=[], sentences=[], abstained=True))["answer_precision"] is None


def test_table_punctuation_does_not_hide_a_quote():
    gold = GoldSource("d", "Overall effectiveness Requires improvement")
    assert metrics.contains_quote("Overall effectiveness:\tRequires improvement", gold.quote)


def test_a_quote_is_found_whatever_the_layout_did_to_its_capitals():
    # a judgement table writes the grade 'Outstanding'; the report's heading writes 'outstanding'
    gold = GoldSource("d", "The impact of leaders on social work practice with children and families: outstanding")
    assert metrics.contains_quote("Judgement Grade\n\nThe impact of leaders on social work practice with children and families:\tOutstanding", gold.quote)
    assert not metrics.contains_quote("The impact of leaders on social work practice with children and families:\tGood", gold.quote)


def test_abstention_metrics_apply_to_their_kind_of_question():
    abstained = answer(citations=[], sentences=[], abstained=True)
    m = metrics.answer_metrics(question(), abstained)
    assert m["false_abstention_rate"] == 1.0 and m["abstention_accuracy"] is None
    m = metrics.answer_metrics(question("unanswerable", (), (), ()), abstained)
    assert m["abstention_accuracy"] == 1.0 and m["false_abstention_rate"] is None


# ------------------------------------------------------------------ aggregation


def test_mean_skips_what_does_not_apply_and_percentiles_interpolate():
    assert metrics.mean([1.0, None, 0.0]) == 0.5
    assert metrics.mean([None]) is None
    assert metrics.percentile([1, 2, 3, 4], 50) == 2.5
    assert metrics.percentile(list(range(1, 101)), 95) == pytest.approx(95.05)
    assert metrics.percentile([], 95) is None


def test_paragraph_labels():
    assert metrics.paragraph_numbers("52-54") == {52, 53, 54}
    assert metrics.paragraph_numbers("7") == {7}
    assert metrics.paragraph_numbers("") == set()
    assert metrics.paragraph_numbers(None) == set()


def test_abstention_conveys_no_facts_even_with_nearest_matches():
    nearest = answer(text="The documents don't say.", sentences=[], abstained=True)  # cites QUOTE
    m = metrics.answer_metrics(question("change_over_time"), nearest)
    assert m["key_fact_recall"] == 0.0 and m["year_coverage"] == 0.0
    assert m["citation_accuracy"] is None and m["citation_support"] is None


def test_gold_paragraph_located_in_other_retrieved_passages():
    cite = citation(passage_text="60. Other words.", paragraph="60")
    a = answer(citations=[cite], passages=[])
    assert metrics.citation_accuracy(a, [GOLD]) == 1.0  # place unknown: document level
    retrieved = [{"doc_id": "report-2014", "text": f"53. {QUOTE}", "paragraph": "53", "page": None}]
    assert metrics.citation_accuracy(a, [GOLD], retrieved) == 0.0
