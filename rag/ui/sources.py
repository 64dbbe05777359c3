"""Source cards: one per passage an answer quotes, listing every sentence quoted from it.

A passage quoted for four sentences is one card with four numbered quotes, each highlighted
in the passage and each with its way into the whole document. The sources panel holds a
section per answer of the conversation, headed by its question; the page's script shows the
one being read and jumps to a card when its ``[n]`` is clicked. On a phone the same cards
sit under each answer instead (``under_answer_html``).

    >>> [len(c.citations) for c in cards(answer)]   # doctest: +SKIP
    [2, 1]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rag.records import Answer, Citation
from rag.ui.render import attr, inline_html, locate, origin_bits, text_html
from rag.vocabulary import format_date

EMPTY = (
    '<div class="rag-sources rag-empty">Sources for the answer appear here: each quoted sentence, '
    "highlighted in its passage, with where it comes from.</div>"
)


@dataclass(frozen=True)
class Card:
    """One passage and the citations quoting it, in number order."""

    citations: tuple[Citation, ...]

    @property
    def first(self) -> Citation:
        return self.citations[0]

    @property
    def numbers(self) -> tuple[int, ...]:
        return tuple(c.number for c in self.citations)


def cards(answer: Answer) -> list[Card]:
    """The answer's citations grouped by passage, in order of each passage's first number."""
    groups: dict[str, list[Citation]] = {}
    for c in sorted(answer.citations, key=lambda c: c.number):
        groups.setdefault(c.chunk_id or f"{c.doc_id}:{c.passage_text}", []).append(c)
    return [Card(tuple(g)) for g in groups.values()]


def meta(card: Card) -> str:
    """'report · 30 June 2014 · pages 3–4 · paragraph 53 · section ‘…’' as escaped HTML."""
    c = card.first
    pages = sorted({x.page for x in card.citations if x.page is not None})
    bits = [c.kind, format_date(c.date) or "undated"]
    if pages:
        bits.append(f"page {pages[0]}" if len(pages) == 1 else f"pages {pages[0]}\u2013{pages[-1]}")
    bits += [p for p in c.place(quote="\u2018") if not p.startswith("page ")]
    bits += origin_bits(c.uploaded)
    return " · ".join(text_html(b) for b in bits)


def marked_passage(card: Card) -> str:
    """The passage escaped, each quoted sentence in a <mark> carrying its number."""
    text = card.first.passage_text
    spans: list[tuple[int, int, int]] = []
    missing: list[Citation] = []
    for c in card.citations:
        span = locate(c.quote, text)
        if span is None or any(a < span[1] and span[0] < b for a, b, _ in spans):
            missing.append(c)
        else:
            spans.append((*span, c.number))
    out, pos = [], 0
    for a, b, n in sorted(spans):
        out += [text_html(text[pos:a]), f'<mark data-n="{n}">{text_html(text[a:b])}<sup class="rag-mark-n">{n}</sup></mark>']
        pos = b
    out.append(text_html(text[pos:]))
    # never silently: a quote the passage does not hold is shown on its own
    lost = "".join(f'<mark data-n="{c.number}">{text_html(c.quote)}</mark><br>' for c in missing)
    return lost + "".join(out)


def card_html(card: Card, turn: int) -> str:
    c = card.first
    nums = " ".join(str(n) for n in card.numbers)
    head = " ".join(f'<span class="rag-num">[{n}]</span>' for n in card.numbers)
    quotes = "".join(
        f'<li data-n="{q.number}"><span class="rag-num">[{q.number}]</span> &ldquo;{inline_html(q.quote)}&rdquo; '
        f'<a href="#" class="rag-open" data-turn="{turn}" data-n="{q.number}" data-doc="{attr(q.doc_id)}">'
        "Open the whole document at this place &rarr;</a></li>"
        for q in card.citations
    )
    count = len(card.citations)
    listed = "Quoted from this passage:" if count > 1 else "Quoted:"
    return (
        f'<article class="rag-source" data-turn="{turn}" data-nums=" {nums} ">'
        f'<div class="rag-source-head">{head} <span class="rag-title">{text_html(c.title)}</span></div>'
        f'<div class="rag-meta">{meta(card)}</div>'
        f'<blockquote class="rag-passage">{marked_passage(card)}</blockquote>'
        f'<div class="rag-quotes-head">{listed}</div><ol class="rag-quotes">{quotes}</ol>'
        "</article>"
    )


def _title(answer: Answer) -> str:
    return "Nearest matches (these do not answer the question)" if answer.abstained else "Sources"


def sources_html(answer: Answer, turn: int) -> str:
    """One answer's section of the panel, headed by its question."""
    head = (
        f'<h3>{_title(answer)} <span class="rag-for">for &ldquo;{inline_html(answer.question)}&rdquo;</span></h3>'
    )
    if not answer.citations:
        return f'{head}<div class="rag-empty">No sources: nothing in the documents matched.</div>'
    return head + "".join(card_html(card, turn) for card in cards(answer))


def panel_html(answers: Sequence[tuple[int, Answer]]) -> str:
    """The sources panel for the conversation's answers ((turn, answer)); the last one shown."""
    if not answers:
        return EMPTY
    last = answers[-1][0]
    sections = "".join(
        f'<section class="rag-sources-for" data-turn="{turn}"{"" if turn == last else " hidden"}>'
        f"{sources_html(answer, turn)}</section>"
        for turn, answer in answers
    )
    return f'<div class="rag-sources">{sections}</div>'


def under_answer_html(answer: Answer, turn: int) -> str:
    """The same cards under the answer itself, for narrow screens (CSS shows one or the other)."""
    if not answer.citations:
        return ""
    found = cards(answer)
    label = f"{_title(answer)}: {len(found)} passage{'s' if len(found) != 1 else ''}"
    return (
        f'<details class="rag-inline-sources" open><summary>{label}</summary>'
        + "".join(card_html(card, turn) for card in found)
        + "</details>"
    )
