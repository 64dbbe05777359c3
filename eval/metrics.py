"""Metric functions: pure, no I/O, on retrieved passages and on ``Answer.to_dict()`` dicts.

Relevance is judged by the gold quote, not by chunk ids, so labels survive re-chunking: a
passage is relevant to a gold source when it comes from the gold document and its text holds
the quote (whitespace and typographic quotes normalised, case kept). A quote longer than a
chunk cannot fit in one, so a passage also counts when it is a substantial (>= 60 characters)
contiguous piece of the quote: all of the passage inside the quote, or the passage ending
with the quote's beginning or starting with its end.

    >>> gold = [GoldSource("d1", "Caseloads are manageable.")]
    >>> ranked = [Ranked("d2", "Nothing here."), Ranked("d1", "In 2014 caseloads are manageable.")]
    >>> reciprocal_rank(ranked, gold)
    0.0
    >>> reciprocal_rank([Ranked("d1", "Caseloads   are manageable. More.")], gold)
    1.0
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from eval.dataset import GoldSource, Question

MIN_PIECE = 60  # shortest piece of a long quote that still counts as finding it
KS = (1, 3, 5, 10)
_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-", "\u00a0": " "})
_MARKER = re.compile(r"\s*\[\d+(?:\s*,\s*\d+)*\]")
_WS = re.compile(r"\s+")
# Punctuation a cleaner or a table layout may add or drop ('Overall effectiveness:<TAB>Good'
# for pypdf's 'Overall effectiveness Good'): compared as if absent, on both sides.
_LOOSE = re.compile(r"[:;,()\[\]\"•◼▪]")

Answer = Mapping[str, Any]  # the shape of rag.records.Answer.to_dict()


@dataclass(frozen=True)
class Ranked:
    """One retrieved passage, as the metrics need it."""

    doc_id: str
    text: str


def normalise(text: str) -> str:
    """Typographic quotes and dashes to plain ones, table punctuation dropped, whitespace
    runs to one space, trimmed."""
    return _WS.sub(" ", _LOOSE.sub(" ", text.translate(_QUOTES))).strip()


def strip_markers(text: str) -> str:
    """Answer text without its citation markers: 'Caseloads fell [1].' -> 'Caseloads fell.'"""
    return _MARKER.sub("", text)


# ------------------------------------------------------------------ relevance


def contains_quote(text: str, quote: str) -> bool:
    """Whether ``text`` holds ``quote``, or a substantial contiguous piece of a long quote."""
    t, q = normalise(text).casefold(), normalise(quote).casefold()  # a capital a layout adds or drops ("Good" in a table, "good" in a heading) is not another passage
    if not q:
        return False
    if q in t:
        return True
    if len(t) >= MIN_PIECE and t in q:
        return True
    return _overlap(t, q) >= MIN_PIECE or _overlap(q, t) >= MIN_PIECE


def _overlap(left: str, right: str) -> int:
    """Length of the longest suffix of ``left`` that is a prefix of ``right``."""
    for n in range(min(len(left), len(right)), MIN_PIECE - 1, -1):
        if left.endswith(right[:n]):
            return n
    return 0


def is_relevant(doc_id: str, text: str, gold: GoldSource) -> bool:
    return doc_id == gold.doc_id and contains_quote(text, gold.quote)


def _found(ranked: Sequence[Ranked], golds: Sequence[GoldSource], k: int) -> list[set[int]]:
    """For each of the first k passages, the gold sources (by index) it finds."""
    return [{i for i, g in enumerate(golds) if is_relevant(p.doc_id, p.text, g)} for p in ranked[:k]]


# ------------------------------------------------------------------ retrieval


def hit_at(ranked: Sequence[Ranked], golds: Sequence[GoldSource], k: int) -> float:
    """1.0 when any of the first k passages is relevant."""
    return float(any(_found(ranked, golds, k)))


def recall_at(ranked: Sequence[Ranked], golds: Sequence[GoldSource], k: int) -> float:
    """Share of gold sources found in the first k passages."""
    if not golds:
        return 0.0
    return len(set().union(*_found(ranked, golds, k))) / len(golds)


def reciprocal_rank(ranked: Sequence[Ranked], golds: Sequence[GoldSource], k: int = 10) -> float:
    """1 / rank of the first relevant passage within k; 0.0 when there is none."""
    for rank, found in enumerate(_found(ranked, golds, k), start=1):
        if found:
            return 1.0 / rank
    return 0.0


def ndcg_at(ranked: Sequence[Ranked], golds: Sequence[GoldSource], k: int = 10) -> float:
    """nDCG with gain = gold sources first found at that rank.

    A gold source found again lower down gains nothing, so a quote split over two chunks is
    not counted twice; the ideal ranking finds one gold source per rank.
    """
    if not golds:
        return 0.0
    seen: set[int] = set()
    dcg = 0.0
    for rank, found in enumerate(_found(ranked, golds, k), start=1):
        new = found - seen
        seen |= found
        dcg += len(new) / math.log2(rank + 1)
    ideal = sum(1.0 / math.log2(rank + 1) for rank in range(1, min(len(golds), k) + 1))
    return min(1.0, dcg / ideal)


def retrieval_metrics(ranked: Sequence[Ranked], golds: Sequence[GoldSource]) -> dict[str, float]:
    """hit@k and recall@k for k in 1, 3, 5, 10, MRR (within 10) and nDCG@10."""
    out: dict[str, float] = {}
    for k in KS:
        out[f"hit@{k}"] = hit_at(ranked, golds, k)
    for k in KS:
        out[f"recall@{k}"] = recall_at(ranked, golds, k)
    out["mrr"] = reciprocal_rank(ranked, golds, 10)
    out["ndcg@10"] = ndcg_at(ranked, golds, 10)
    return out


def ranked_from_answer(answer: Answer) -> list[Ranked]:
    return [Ranked(p["doc_id"], p["text"]) for p in answer.get("passages", [])]


# ------------------------------------------------------------------ answers


def key_fact_recall(answer: Answer, key_facts: Sequence[Sequence[str]]) -> float | None:
    """Share of key-fact groups with one phrase in the answer text or its citations' quotes.

    Case-insensitive; None when the question has no key facts.
    """
    if not key_facts:
        return None
    parts = [strip_markers(answer.get("text", ""))] + [c["quote"] for c in answer.get("citations", [])]
    haystack = normalise(" ".join(parts)).lower()
    found = sum(any(normalise(p).lower() in haystack for p in group) for group in key_facts)
    return found / len(key_facts)


def _sentences(answer: Answer) -> list[Mapping[str, Any]]:
    sentences = list(answer.get("sentences") or [])
    if not sentences:
        for entry in answer.get("timeline") or []:
            sentences.extend(entry.get("sentences", []))
    return sentences


def citation_support(answer: Answer) -> float | None:
    """Share of answer sentences found verbatim (whitespace-normalised) in a cited passage.

    None when the answer has no sentences (an abstention).
    """
    sentences = [s for s in _sentences(answer) if normalise(strip_markers(s["text"]))]
    if not sentences:
        return None
    by_number = {c["number"]: c for c in answer.get("citations", [])}
    supported = 0
    for s in sentences:
        text = normalise(strip_markers(s["text"]))
        cited = [by_number[n] for n in s.get("citations", ()) if n in by_number]
        if any(text in normalise(c.get("passage_text", "")) or text in normalise(c["quote"]) for c in cited):
            supported += 1
    return supported / len(sentences)


def _tokens(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9']+", normalise(text).lower()) if len(w) > 2}


def sentence_on_topic(sentence: str, question: Question) -> bool:
    """A sentence holds a key fact, lies inside a gold quote, or shares most of its words
    with one: it answers the question rather than merely sharing its words."""
    text = normalise(strip_markers(sentence)).lower()
    if any(normalise(p).lower() in text for group in question.key_facts for p in group):
        return True
    words = _tokens(sentence)
    for gold in question.sources:
        quote = normalise(gold.quote).lower()
        if text and (text in quote or quote in text):
            return True
        if words and len(words & _tokens(gold.quote)) >= 0.5 * len(words):
            return True
    return False


def answer_precision(answer: Answer, question: Question) -> float | None:
    """Share of an answer's sentences that are on topic (``sentence_on_topic``); None for an
    abstention or an unanswerable question. Unlike citation support (1.0 by construction for
    extractive answers), this falls when the answer quotes sentences that only share words."""
    if answer.get("abstained") or not question.answerable:
        return None
    sentences = [s["text"] for s in _sentences(answer) if normalise(strip_markers(s["text"]))]
    if not sentences:
        return None
    return sum(sentence_on_topic(s, question) for s in sentences) / len(sentences)


def paragraph_numbers(label: str | None) -> set[int]:
    """'52-54' -> {52, 53, 54}; '' or None -> set()."""
    if not label:
        return set()
    m = re.fullmatch(r"\s*(\d+)\s*(?:-\s*(\d+))?\s*", str(label))
    if not m:
        return set()
    lo = int(m.group(1))
    hi = int(m.group(2) or lo)
    return set(range(lo, hi + 1))


def gold_location(gold: GoldSource, answer: Answer, retrieved: Sequence[Mapping[str, Any]] = ()) -> tuple[set[int], set[int]]:
    """Paragraph numbers and pages where the gold quote lies, read from the passages (the
    answer's and any other ``retrieved``, as ``Passage.to_dict()``) and citations that hold
    it; both empty when it cannot be located."""
    paragraphs: set[int] = set()
    pages: set[int] = set()
    passages = [*answer.get("passages", []), *retrieved]
    candidates = [(p["doc_id"], p["text"], p.get("paragraph"), p.get("page")) for p in passages]
    candidates += [
        (c["doc_id"], c.get("passage_text", ""), c.get("paragraph"), c.get("page"))
        for c in answer.get("citations", [])
    ]
    for doc_id, text, paragraph, page in candidates:
        if is_relevant(doc_id, text, gold):
            paragraphs |= paragraph_numbers(paragraph)
            if page is not None:
                pages.add(page)
    return paragraphs, pages


def citation_accurate(
    citation: Mapping[str, Any], golds: Sequence[GoldSource], answer: Answer, retrieved: Sequence[Mapping[str, Any]] = ()
) -> bool:
    """A gold document, and the gold paragraph (or page) where the quote's place is known."""
    for gold in golds:
        if citation["doc_id"] != gold.doc_id:
            continue
        if contains_quote(citation.get("passage_text", ""), gold.quote):
            return True
        paragraphs, pages = gold_location(gold, answer, retrieved)
        if paragraphs:
            if paragraph_numbers(citation.get("paragraph")) & paragraphs:
                return True
        elif pages:
            if citation.get("page") in pages:
                return True
        else:
            return True  # place unknown: the document is all we can check
    return False


def citation_accuracy(
    answer: Answer, golds: Sequence[GoldSource], retrieved: Sequence[Mapping[str, Any]] = ()
) -> float | None:
    """Share of citations pointing at a gold document and paragraph/page; None without both."""
    citations = answer.get("citations", [])
    if not citations or not golds:
        return None
    return sum(citation_accurate(c, golds, answer, retrieved) for c in citations) / len(citations)


def year_coverage(answer: Answer, years: Sequence[int]) -> float | None:
    """Share of the gold years among the years of the cited documents."""
    if not years:
        return None
    cited = {int(c["date"][:4]) for c in answer.get("citations", []) if str(c.get("date", ""))[:4].isdigit()}
    return len(set(years) & cited) / len(set(years))


def crag_score(
    question: Question, answer: Answer, recall: float | None, retrieved: Sequence[Mapping[str, Any]] = ()
) -> int:
    """CRAG-style: +1 correct, 0 abstained, -1 wrong (hallucinated or missing key facts).

    Unanswerable questions: +1 for abstaining, -1 for answering. A false-premise question is
    correct only when the answer holds the correcting fact (its key facts).
    """
    abstained = bool(answer.get("abstained"))
    if not question.answerable:
        return 1 if abstained else -1
    if abstained:
        return 0
    # A false premise is answered correctly only when the answer states the correcting fact
    # (its key facts), not merely when it cites the right source.
    correct = recall == 1.0
    return 1 if correct else -1


def answer_metrics(
    question: Question, answer: Answer, retrieved: Sequence[Mapping[str, Any]] = ()
) -> dict[str, float | None]:
    """Every answer metric for one question; None where a metric does not apply.

    ``retrieved``: more passages (``Passage.to_dict()``) to locate gold quotes in.

    An abstention conveys no facts and makes no claims, even when it lists the nearest
    matches: its key-fact recall and year coverage are 0, its citations are not judged.
    """
    abstained = bool(answer.get("abstained"))
    recall = key_fact_recall(answer, question.key_facts)
    coverage = year_coverage(answer, question.years) if question.type == "change_over_time" else None
    return {
        "key_fact_recall": 0.0 if abstained and recall is not None else recall,
        "answer_precision": answer_precision(answer, question),
        "citation_support": None if abstained else citation_support(answer),
        "citation_accuracy": None if abstained else citation_accuracy(answer, question.sources, retrieved),
        "abstention_accuracy": None if question.answerable else float(abstained),
        "false_abstention_rate": float(abstained) if question.answerable else None,
        "crag": float(crag_score(question, answer, recall, retrieved)),
        "year_coverage": 0.0 if abstained and coverage is not None else coverage,
    }


# ------------------------------------------------------------------ aggregation


def mean(values: Sequence[float | None]) -> float | None:
    """Mean of the values that apply (not None); None when none do."""
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0..100), linear between closest ranks, as numpy's default."""
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    lo = math.floor(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)
