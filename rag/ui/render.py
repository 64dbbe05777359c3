"""Turn answers, citations and documents into the HTML and Markdown staff read.

Every piece of document text goes through :func:`text_html` on its way to the page, so a
report containing ``<script>`` or Markdown shows those characters as text. Chat messages are
Markdown-rendered by the browser, so they are wrapped in one raw HTML block (no blank lines
inside), which Markdown leaves alone; Markdown punctuation is entity-encoded as well, in case.

    >>> chat_html(answer)            # doctest: +SKIP  an answer's body in the conversation
    >>> scope_text(answer.scope)     # doctest: +SKIP  'Searched 2 letters, 2023–2024. Filters: ...'

Source cards are ``rag.ui.sources``; whole turns ``rag.ui.conversation``; exports ``rag.ui.exports``.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

from rag.cite import MARKER
from rag.records import Answer, AnswerSentence, Citation, Scope, TimelineEntry, upload_note
from rag.scope import years
from rag.vocabulary import display_authority, format_date

HIGHLIGHT_ID = "rag-here"
UNSUPPORTED_NOTE = "not supported by the cited passages: check before relying on it"
_WS = re.compile(r"\s+")
# HTML's specials and Markdown's punctuation as numeric entities, in one pass.
_INERT = str.maketrans({c: f"&#{ord(c)};" for c in "&<>\"'\\`*_{}[]()#+-!|~$"})


def text_html(text: str) -> str:
    """Document or user text as inert HTML: tags, entities and Markdown shown literally."""
    return text.translate(_INERT)


def attr(value: object) -> str:
    return html.escape(str(value), quote=True)


def inline_html(text: str) -> str:
    """Like :func:`text_html`, on one line: a blank line would end the chat's raw HTML block."""
    return text_html(_WS.sub(" ", text))


def marker_html(number: int) -> str:
    """A citation marker: a link to its source card (the page's script does the jump)."""
    return f'<sup><a href="#" class="rag-cite" data-n="{number}" title="Show source {number}">&#91;{number}&#93;</a></sup>'


def cited_html(text: str) -> str:
    """Text carrying ``[n]`` markers: the text escaped, the markers as superscripts."""
    out, pos = [], 0
    for m in MARKER.finditer(text):
        out.append(inline_html(text[pos : m.start()]))
        out.append(marker_html(int(m.group(1))))
        pos = m.end()
    out.append(inline_html(text[pos:]))
    return "".join(out)


def sentence_html(sentence: AnswerSentence) -> str:
    body = inline_html(sentence.text) + "".join(marker_html(n) for n in sentence.citations)
    if sentence.supported:
        return body
    note = sentence.note or UNSUPPORTED_NOTE
    return (
        f'<span class="rag-unsupported" title="{attr(note)}">{body}'
        f' <span class="rag-flag">&#9888; unsupported</span></span>'
    )


def _paragraph(sentences: Iterable[AnswerSentence]) -> str:
    return "<p>" + " ".join(sentence_html(s) for s in sentences) + "</p>"


def silent(entry: TimelineEntry) -> str:
    """What a timeline says of a document with nothing on the question."""
    return f"The {entry.date[:4] or 'undated'} {entry.kind} does not address this."


def _when(date: str, kind: str) -> str:
    return " · ".join(x for x in (format_date(date) or "Undated", kind) if x)


def chat_html(answer: Answer) -> str:
    """The assistant's chat message: plain, timeline (dated blocks, oldest first) or abstention."""
    parts = ['<div class="rag-answer">']
    if answer.notice:
        parts.append(f'<p class="rag-notice">{inline_html(answer.notice)}</p>')
    if answer.abstained:
        parts.append(f'<p class="rag-abstain"><strong>No answer found.</strong> {inline_html(answer.text)}</p>')
        if answer.citations:
            parts.append('<p class="rag-nearest-head">Nearest matches (not an answer):</p><ol class="rag-nearest">')
            parts.extend(
                f"<li>{inline_html(c.title)} ({inline_html(_when(c.date, c.kind))}): "
                f"&ldquo;{inline_html(c.quote)}&rdquo;</li>"
                for c in answer.citations
            )
            parts.append("</ol>")
    elif answer.timeline is not None:
        parts.append('<p class="rag-lead">What the documents said over time, oldest first:</p>')
        for entry in answer.timeline:
            parts.append(
                f'<div class="rag-tl-block"><div class="rag-tl-date">{inline_html(_when(entry.date, entry.kind))}</div>'
                f'<div class="rag-tl-title">{inline_html(", ".join([entry.title, *origin_bits(entry.uploaded)]))}</div>'
            )
            if entry.sentences:
                parts.append(_paragraph(entry.sentences))
            else:
                parts.append(f'<p class="rag-silent">{inline_html(silent(entry))}</p>')
            parts.append("</div>")
        if answer.summary:
            parts.append(f'<p class="rag-summary">{cited_html(answer.summary)}</p>')
    elif answer.sentences:
        parts.append(_paragraph(answer.sentences))
    else:
        parts.append(f"<p>{cited_html(answer.text)}</p>")
    if any(not s.supported for s in answer.sentences):
        parts.append(f'<p class="rag-legend">&#9888; marks sentences {UNSUPPORTED_NOTE}.</p>')
    parts.append("</div>")
    return "".join(parts)


def streaming_html(text: str) -> str:
    """An LLM answer still arriving: shown as plain text, not yet checked or cited."""
    return (
        '<div class="rag-answer rag-streaming"><p class="rag-notice rag-busy">Writing the answer; '
        "each sentence is checked against the documents when it is done.</p>"
        f"<p>{inline_html(text)}</p></div>"
    )


def question_html(question: str) -> str:
    return f'<div class="rag-question">{inline_html(question)}</div>'


def error_html(message: str) -> str:
    return f'<div class="rag-error"><strong>Cannot answer:</strong> {inline_html(message)}</div>'


def plain_error(exc: Exception) -> str:
    """What staff read of an error: a validation error's own sentence, without operators'
    hints (CLI commands, settings), which other errors keep."""
    from rag.errors import QuestionError

    return exc.message if isinstance(exc, QuestionError) else str(exc)


def status_html(message: str, *, busy: bool = False, failed: bool = False) -> str:
    cls = "rag-status rag-failed" if failed else ("rag-status rag-busy" if busy else "rag-status")
    return f'<div class="{cls}">{text_html(message)}</div>'


def citation_meta(c: Citation) -> str:
    """'report · 30 June 2014 · page 3 · paragraph 53 · section ...' as escaped HTML."""
    bits = [c.kind, format_date(c.date) or "undated", *c.place(quote="\u2018"), *origin_bits(c.uploaded)]
    return " · ".join(text_html(b) for b in bits)


def origin_bits(uploaded: str) -> list[str]:
    """['uploaded by a user on 3 March 2025'] for an upload, [] for the curated corpus."""
    return [upload_note(uploaded)] if uploaded else []


def locate(quote: str, passage: str) -> tuple[int, int] | None:
    """Where ``quote`` sits in ``passage``, tolerating whitespace differences."""
    at = passage.find(quote)
    if at >= 0:
        return at, at + len(quote)
    words = quote.split()
    if not words:
        return None
    m = re.search(r"\s+".join(re.escape(w) for w in words), passage)
    return (m.start(), m.end()) if m else None


def highlighted(text: str, span: tuple[int, int] | None, mark_id: str = "") -> str:
    """``text`` escaped, with ``text[span]`` inside a <mark>."""
    if span is None:
        return text_html(text)
    a, b = span
    ident = f' id="{attr(mark_id)}"' if mark_id else ""
    return f"{text_html(text[:a])}<mark{ident}>{text_html(text[a:b])}</mark>{text_html(text[b:])}"


def filters_text(scope: Scope) -> str:
    """'years 2023–2024; kinds: letter' or 'none', the filters an answer was made with."""
    parts = []
    if scope.since is not None or scope.until is not None:
        parts.append(f"years {years(scope.since, scope.until)}")
    if scope.kinds:
        parts.append("kinds: " + ", ".join(scope.kinds))
    if scope.authorities:
        parts.append("council: " + ", ".join(scope.authorities))
    return "; ".join(parts) or "none"


def scope_text(scope: Scope) -> str:
    """'Searched 2 letters, 2023–2024. Filters: years 2023–2024; kinds: letter.'"""
    if not scope.described:
        return "Scope not recorded."
    return f"Searched {scope.described}. Filters: {filters_text(scope)}."


def document_html(title: str, meta: str, text: str, span: tuple[int, int] | None = None, note: str = "") -> str:
    """A whole cleaned document, the cited place marked with an anchor to scroll to."""
    warn = f'<p class="rag-notice">{text_html(note)}</p>' if note else ""
    return (
        f'<div class="rag-doc"><h3>{text_html(title)}</h3><div class="rag-meta">{text_html(meta)}</div>{warn}'
        f'<div class="rag-doc-text">{highlighted(text, span, HIGHLIGHT_ID)}</div></div>'
    )


def cited_span(text: str, start: int, end: int, quote: str) -> tuple[tuple[int, int] | None, str]:
    """The span to highlight in a document's text, checked against the quote.

    Returns the span and a note when the document changed since the answer was given.
    """
    if 0 <= start < end <= len(text) and text[start:end] == quote:
        return (start, end), ""
    span = locate(quote, text) if quote else None
    if span:
        return span, ""
    return None, "The quoted sentence is no longer in this document: it has been re-indexed since the answer."


# -- library -----------------------------------------------------------------------------

LIBRARY_HEADERS = ["Title", "Kind", "Date", "Council", "Report facts", "Pages", "Passages", "Indexed at", "Source"]


def library_source(doc: object) -> str:
    """The library's Source column: 'corpus', or an upload's date and whether it is accepted."""
    uploaded = getattr(doc, "uploaded", "")
    if not uploaded:
        return "corpus"
    state = "accepted for answers" if getattr(doc, "accepted", "") else "waiting for acceptance"
    return f"{upload_note(uploaded)} ({state})"


def facts_text(doc: object) -> str:
    """The facts a report states about itself, for the library: its judgements, who led
    the inspection, when it was inspected and published ('' for a document that says none)."""
    facts = getattr(doc, "report_facts", None)
    if facts is None:
        return ""
    from rag.facts import AREA_NAMES

    bits = [f"{AREA_NAMES.get(f.area, f.area).capitalize()}: {f.value}" for f in facts.judgements]
    if facts.inspection_start or facts.inspection_end:
        start, end = format_date(facts.inspection_start), format_date(facts.inspection_end)
        bits.append(f"inspected {start} to {end}" if start and end and start != end else f"inspected {start or end}")
    if facts.published:
        bits.append(f"published {format_date(facts.published)}")
    if facts.lead_inspector:
        bits.append(f"lead inspector {facts.lead_inspector}")
    if facts.visit_number:
        bits.append(f"monitoring visit {facts.visit_number}")
    return "; ".join(bits)


def library_rows(docs: Iterable[object]) -> list[list[object]]:
    """Rows for the library table (DocRecord-like objects)."""
    rows = []
    for d in docs:
        pages = getattr(d, "pages", 0)
        rows.append([
            getattr(d, "title", ""),
            getattr(d, "kind", ""),
            format_date(getattr(d, "date", "")) or "undated",
            display_authority(getattr(d, "authority", "")),
            facts_text(d),
            str(pages) if pages else "–",
            getattr(d, "chunks", 0),
            str(getattr(d, "indexed_at", "")).replace("T", " "),
            library_source(d),
        ])
    return rows
