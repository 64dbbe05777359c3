"""Conversations kept in the browser (local storage), listed in the side panel.

A conversation is stored as plain data, never as HTML: each answer with its citations and
the passages they quote (each passage once), its scope and its rating. Restoring one
rebuilds the records and renders them again, escaped, so the sources come back whole and a
tampered store can only ever show text. The newest conversations are kept, up to
MAX_CONVERSATIONS and MAX_CHARS of data in all.

    >>> saved = saved_with([], conversation)          # doctest: +SKIP
    >>> turns = conversation_from(saved[0])["turns"]  # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Sequence
from dataclasses import asdict, fields
from typing import Any

from rag.records import Answer, AnswerSentence, Citation, Scope, TimelineEntry
from rag.ui.conversation import Turn
from rag.ui.render import attr, inline_html

STORAGE_KEY = "rag-conversations"
# Gradio's BrowserState encrypts with this; the page receives it, so it hides nothing from
# whoever can use the browser. It is fixed so that history outlives a restart of the app.
STORAGE_SECRET = "rag-conversations-v1"
MAX_CONVERSATIONS = 30
MAX_CHARS = 1_500_000
_CITATION_FIELDS = [f.name for f in fields(Citation) if f.name != "passage_text"]


def new_conversation() -> dict[str, Any]:
    """The live conversation (in gr.State): an id and its turns."""
    return {"id": uuid.uuid4().hex[:12], "turns": []}


# -- records <-> JSON -------------------------------------------------------------------


def answer_record(a: Answer) -> dict[str, Any]:
    """An answer as JSON data, each quoted passage stored once (not the ranked passages)."""
    passages = {_key(c.passage_text): c.passage_text for c in a.citations}
    return {
        "question": a.question, "text": a.text, "abstained": a.abstained, "mode": a.mode,
        "summary": a.summary, "notice": a.notice, "settings_hash": a.settings_hash,
        "sentences": [asdict(s) for s in a.sentences],
        "timeline": None if a.timeline is None else [asdict(t) for t in a.timeline],
        "citations": [{k: getattr(c, k) for k in _CITATION_FIELDS} | {"passage": _key(c.passage_text)} for c in a.citations],
        "passages": passages,
        "scope": asdict(a.scope),
    }


def _key(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _sentence(d: dict[str, Any]) -> AnswerSentence:
    return AnswerSentence(str(d["text"]), tuple(int(n) for n in d.get("citations", ())), bool(d.get("supported", True)), str(d.get("note", "")))


def _tuple(value: Any) -> tuple[str, ...]:
    return tuple(str(x) for x in value or ())


def _year(value: Any) -> int | None:
    return None if value is None else int(value)


def answer_from(d: dict[str, Any]) -> Answer:
    """The Answer back from :func:`answer_record` (raises on malformed data)."""
    passages = {str(k): str(v) for k, v in (d.get("passages") or {}).items()}
    citations = []
    for c in d.get("citations", ()):
        values = {k: c.get(k) for k in _CITATION_FIELDS}
        for k in ("number", "start", "end"):
            values[k] = int(values[k])
        values["page"] = None if values["page"] is None else int(values["page"])
        for k in ("doc_id", "title", "kind", "date", "paragraph", "section", "quote", "chunk_id"):
            values[k] = str(values[k] or "")
        citations.append(Citation(**values, passage_text=passages.get(str(c.get("passage")), values["quote"])))
    timeline = d.get("timeline")
    s = d.get("scope") or {}
    scope = Scope(
        since=_year(s.get("since")), until=_year(s.get("until")), kinds=_tuple(s.get("kinds")),
        authorities=_tuple(s.get("authorities")), documents=_tuple(s.get("documents")),
        described=str(s.get("described", "")), warning=str(s.get("warning", "")), clashes=_tuple(s.get("clashes")),
    )
    return Answer(
        question=str(d["question"]), text=str(d.get("text", "")), abstained=bool(d.get("abstained")),
        mode=str(d.get("mode", "extractive")), sentences=[_sentence(x) for x in d.get("sentences", ())],
        citations=citations, passages=[], settings_hash=str(d.get("settings_hash", "")),
        timeline=None if timeline is None else [
            TimelineEntry(str(e["doc_id"]), str(e["title"]), str(e["kind"]), str(e["date"]), tuple(_sentence(x) for x in e.get("sentences", ())))
            for e in timeline
        ],
        summary=str(d.get("summary", "")), notice=str(d.get("notice", "")), scope=scope,
    )


def turn_record(t: Turn) -> dict[str, Any]:
    return {
        "question": t.question, "error": t.error, "rating": t.rating, "comment": t.comment, "asked_at": t.asked_at,
        "answer": None if t.answer is None else answer_record(t.answer),
    }


def turn_from(d: dict[str, Any]) -> Turn:
    answer = d.get("answer")
    return Turn(
        question=str(d["question"]), answer=None if answer is None else answer_from(answer), error=str(d.get("error", "")),
        rating=str(d.get("rating", "")) if d.get("rating") in ("up", "down") else "", comment=str(d.get("comment", "")),
        asked_at=str(d.get("asked_at", "")),
    )


def conversation_record(conv: dict[str, Any]) -> dict[str, Any]:
    turns = [t for t in conv["turns"] if not t.pending]
    return {
        "id": conv["id"],
        "title": turns[0].question if turns else "",
        "updated": dt.datetime.now().isoformat(timespec="seconds"),
        "turns": [turn_record(t) for t in turns],
    }


def conversation_from(record: dict[str, Any]) -> dict[str, Any]:
    """The live conversation from a stored one; turns that cannot be read are left out."""
    turns = []
    for d in record.get("turns", ()):
        try:
            turns.append(turn_from(d))
        except (KeyError, TypeError, ValueError, AttributeError):
            continue
    return {"id": str(record.get("id") or uuid.uuid4().hex[:12]), "turns": turns}


def saved_with(saved: Sequence[Any] | None, conv: dict[str, Any]) -> list[dict[str, Any]]:
    """The stored list with ``conv`` saved first (newest first), trimmed to the limits."""
    others = [r for r in valid(saved) if r["id"] != conv["id"]]
    record = conversation_record(conv)
    kept = ([record] if record["turns"] else []) + others
    kept = kept[:MAX_CONVERSATIONS]
    while len(kept) > 1 and len(json.dumps(kept)) > MAX_CHARS:
        kept.pop()
    return kept


def without(saved: Sequence[Any] | None, conv_id: str) -> list[dict[str, Any]]:
    return [r for r in valid(saved) if r["id"] != conv_id]


def valid(saved: Sequence[Any] | None) -> list[dict[str, Any]]:
    """Stored conversations that look like ours (local storage may hold anything)."""
    if not isinstance(saved, list):
        return []
    return [r for r in saved if isinstance(r, dict) and isinstance(r.get("id"), str) and isinstance(r.get("turns"), list)]


def find(saved: Sequence[Any] | None, conv_id: str) -> dict[str, Any] | None:
    return next((r for r in valid(saved) if r["id"] == conv_id), None)


# -- the side panel ---------------------------------------------------------------------


def list_html(saved: Sequence[Any] | None, current: str = "") -> str:
    """The conversations, newest first: their first question, when, how many questions."""
    records = valid(saved)
    if not records:
        return '<div class="rag-history-empty">Conversations you have in this browser are kept here.</div>'
    items = []
    for r in records:
        n = len(r["turns"])
        when = str(r.get("updated", ""))[:16].replace("T", " ")
        here = ' aria-current="true"' if r["id"] == current else ""
        items.append(
            f'<li class="rag-history-item"{here}><a href="#" class="rag-history-open" data-id="{attr(r["id"])}">'
            f'<span class="rag-history-title">{inline_html(str(r.get("title") or "Untitled"))}</span>'
            f'<span class="rag-history-meta">{inline_html(when)} · {n} question{"s" if n != 1 else ""}</span></a>'
            f'<button type="button" class="rag-history-forget" data-id="{attr(r["id"])}" '
            f'title="Forget this conversation" aria-label="Forget this conversation">&times;</button></li>'
        )
    return '<ol class="rag-history">' + "".join(items) + "</ol>"
