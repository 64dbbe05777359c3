"""The conversation: each turn is a question, its answer, the scope it was made in, and
the answer's own controls (copy, Markdown, Word, one feedback control).

Rendered whole as escaped HTML into one component; the page's script (``assets/app.js``)
scrolls a new answer into view, jumps from ``[n]`` to its source card and copies. Buttons
carry ``data-`` attributes that the script sends back to Python (``trigger``).

    >>> conversation_html([Turn("Why?", answer=a)], url_of=str)   # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from rag.records import Answer
from rag.ui import render, sources
from rag.ui.exports import answer_text

PLACEHOLDER = (
    '<div class="rag-placeholder">Ask about the inspection documents. Every sentence of an answer is '
    "quoted from them, with a [number] pointing to its source.</div>"
)
WIDEN_LABELS = {"years": "any year", "authorities": "any council"}


@dataclass
class Turn:
    """One question and what became of it. ``pending`` (HTML) while it is being answered."""

    question: str
    answer: Answer | None = None
    error: str = ""
    pending: str = ""
    rating: str = ""  # up | down, once rated
    comment: str = ""
    asked_at: str = field(default_factory=lambda: dt.datetime.now().isoformat(timespec="seconds"))
    downloads: tuple[str, str] = ("", "")  # .md and .docx paths, once written


def scope_html(answer: Answer, turn: int) -> str:
    """The scope line, and the warning with its choice to widen when the question clashes."""
    scope = answer.scope
    line = f'<p class="rag-scope">{render.inline_html(render.scope_text(scope))}</p>'
    if not scope.warning:
        return line
    what = " and ".join(dict.fromkeys(WIDEN_LABELS.get(c, c) for c in scope.clashes)) or "no filters"
    return line + (
        f'<p class="rag-warning" role="alert">&#9888; {render.inline_html(scope.warning)} '
        f'<button type="button" class="rag-widen" data-turn="{turn}">Ask again with {what}</button></p>'
    )


def actions_html(t: Turn, turn: int, url_of: Callable[[str], str]) -> str:
    md, docx = t.downloads
    links = "".join(
        f'<a class="rag-action rag-dl" href="{render.attr(url_of(path))}" download="{render.attr(name)}">{label}</a>'
        for path, name, label in ((md, "answer.md", "Markdown (.md)"), (docx, "answer.docx", "Word (.docx)"))
        if path
    )
    if t.rating:
        said = "useful" if t.rating == "up" else "not useful"
        rate = f'<span class="rag-rated">Thank you: recorded as {said}{" with your comment" if t.comment else ""}.</span>'
    else:
        rate = (
            '<span class="rag-rate-box"><input type="text" class="rag-comment-input" maxlength="2000" '
            'placeholder="Comment (optional)" aria-label="Comment on this answer">'
            f'<button type="button" class="rag-action rag-rate" data-turn="{turn}" data-rating="up">Useful</button>'
            f'<button type="button" class="rag-action rag-rate" data-turn="{turn}" data-rating="down">Not useful</button></span>'
        )
    copy = '<button type="button" class="rag-action rag-copy" title="Copy the answer with its sources as text">Copy</button>'
    return f'<div class="rag-actions">{copy}{links}{rate}</div>'


def turn_html(t: Turn, turn: int, url_of: Callable[[str], str]) -> str:
    state = "pending" if t.pending else "done"
    parts = [
        f'<section class="rag-turn" data-turn="{turn}" data-state="{state}">',
        render.question_html(t.question),
    ]
    if t.pending:
        parts.append(t.pending)
    elif t.error:
        parts.append(render.error_html(t.error))
    elif t.answer is not None:
        a = t.answer
        parts += [
            render.chat_html(a),
            scope_html(a, turn),
            sources.under_answer_html(a, turn),
            actions_html(t, turn, url_of),
            f'<textarea class="rag-copy-text" hidden readonly>{render.text_html(answer_text(a))}</textarea>',
        ]
    parts.append("</section>")
    return "".join(parts)


def conversation_html(turns: Sequence[Turn], url_of: Callable[[str], str], conv_id: str = "") -> str:
    if not turns:
        return PLACEHOLDER
    body = "".join(turn_html(t, i, url_of) for i, t in enumerate(turns))
    return f'<div class="rag-turns" data-conv="{render.attr(conv_id)}">{body}</div>'


def answered(turns: Sequence[Turn]) -> list[tuple[int, Answer]]:
    """(turn index, answer) of the turns that have one: what the sources panel shows."""
    return [(i, t.answer) for i, t in enumerate(turns) if t.answer is not None and not t.pending]
