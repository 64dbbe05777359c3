"""What the app's buttons do: each handler parses input, calls the pipeline, renders.

Handlers keep per-browser-session state in a plain dict (``{"answers": {message index:
Answer}, "current": index}``) so a thumbs-up on an old message rates that message's answer.
Errors the pipeline raises on purpose (RagError) become messages on the page, never traces.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import gradio as gr

import rag
from rag.errors import QuestionError, RagError
from rag.pipeline import ask_stream
from rag.records import Answer, format_date
from rag.settings import Settings
from rag.ui import render
from rag.ui.feedback import append_feedback, feedback_record
from rag.ui.startup import Startup
from rag.ui.uploads import add_uploads

ANY_YEAR = "any"
STREAM_EVERY_S = 0.25  # how often a streaming answer is redrawn
UPLOAD_HEADERS = ["File", "Result", "Detail"]


def new_state() -> dict[str, Any]:
    return {"answers": {}, "current": None}


def year_or_none(value: object) -> int | None:
    """A year from a dropdown ('any' or blank: no limit)."""
    if value in (None, "", ANY_YEAR):
        return None
    try:
        return int(str(value).strip())
    except ValueError:
        raise QuestionError("year", f"must be a year like 2014 or '{ANY_YEAR}', got {value!r}") from None


class Handlers:
    """The app's event handlers for one settings object."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.ingest_lock = threading.Lock()
        self.startup = Startup(settings, self.ingest_lock)
        self.downloads = Path(tempfile.mkdtemp(prefix="rag-answers-"))

    # -- the index ---------------------------------------------------------------------
    def documents(self) -> list[Any]:
        try:
            return rag.documents(self.settings)
        except RagError:
            return []

    def library_rows(self) -> list[list[object]]:
        return render.library_rows(self.documents())

    def choices(self) -> tuple[list[tuple[str, str]], list[str], list[str]]:
        """(document picker choices, years, kinds) from what is indexed now."""
        docs = self.documents()
        picker = [(f"{d.title} ({d.kind}, {format_date(d.date) or 'undated'})", d.doc_id) for d in docs]
        years = sorted({str(d.year) for d in docs if d.year})
        kinds = sorted({d.kind for d in docs})
        return picker, [ANY_YEAR, *years], kinds

    def filter_updates(self) -> tuple[Any, Any, Any, Any]:
        picker, years, kinds = self.choices()
        return (
            gr.Dropdown(choices=picker),
            gr.Dropdown(choices=years),
            gr.Dropdown(choices=years),
            gr.CheckboxGroup(choices=kinds),
        )

    def status_text(self) -> str:
        s = self.startup.status()
        if not s.ready:
            return s.message
        count = len(self.documents())  # counted now: uploads change it
        if not count:
            return "Ready, but the index is empty: add documents in the Library tab."
        return f"Ready: {count} document{'s' if count != 1 else ''} indexed."

    def status(self) -> str:
        s = self.startup.status()
        return render.status_html(self.status_text(), busy=not s.settled, failed=s.phase == "failed")

    def poll(self) -> tuple[Any, ...]:
        """Timer tick: the startup status; when settled, fresh library and filters, timer off."""
        s = self.startup.status()
        if not s.settled:
            return (self.status(), *[gr.skip()] * 5, gr.Timer(active=True))
        return (self.status(), self.library_rows(), *self.filter_updates(), gr.Timer(active=False))

    # -- asking ------------------------------------------------------------------------
    def chat(
        self,
        question: str,
        history: list[dict] | None,
        since: object,
        until: object,
        kinds: Sequence[str] | None,
        mode: str | None,
        state: dict | None,
    ) -> Iterator[tuple[Any, ...]]:
        """Chat submit: echo the question, wait for startup if needed, then the answer.

        Yields (chat, sources, Markdown, download, state, question box).
        """
        history = list(history or [])
        state = state or new_state()
        text = (question or "").strip()
        if not text:
            gr.Warning("Type a question first.")
            yield history, gr.skip(), gr.skip(), gr.skip(), state, question
            return
        limit = self.settings.answer.max_question_chars
        shown = text if len(text) <= limit else text[:limit] + " …"
        history.append({"role": "user", "content": render.question_html(shown)})
        history.append(_assistant(render.status_html("Searching the documents…", busy=True)))
        yield history, gr.skip(), gr.skip(), gr.skip(), state, ""
        while not self.startup.wait(0.5):
            waiting = self.startup.status().message + " Your question will be answered next."
            history[-1] = _assistant(render.status_html(waiting, busy=True))
            yield history, gr.skip(), gr.skip(), gr.skip(), state, ""
        answer: Answer | None = None
        streamed, shown_at = "", 0.0
        try:
            parts = ask_stream(
                text,
                self.settings,
                since=year_or_none(since),
                until=year_or_none(until),
                kinds=list(kinds or ()),
                mode=mode or None,
            )
            for part in parts:  # LLM mode: the reply as it arrives, then the checked Answer
                if isinstance(part, Answer):
                    answer = part
                    break
                streamed += part
                if time.monotonic() - shown_at > STREAM_EVERY_S:
                    shown_at = time.monotonic()
                    history[-1] = _assistant(render.streaming_html(streamed))
                    yield history, gr.skip(), gr.skip(), gr.skip(), state, ""
        except RagError as exc:
            history[-1] = _assistant(render.error_html(str(exc)))
            yield history, gr.skip(), gr.skip(), gr.skip(), state, question
            return
        if answer is None:
            history[-1] = _assistant(render.error_html("the answer stopped before it was complete; ask again"))
            yield history, gr.skip(), gr.skip(), gr.skip(), state, question
            return
        index = len(history) - 1
        state["answers"][index] = answer
        state["current"] = index
        history[-1] = _assistant(render.chat_html(answer))
        yield (history, *self.answer_outputs(answer), state, "")

    def answer_outputs(self, answer: Answer) -> tuple[Any, Any, Any]:
        """(sources panel, Markdown text, download button) for one answer."""
        stamp = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
        markdown = render.answer_markdown(answer, generated=f"generated {stamp}")
        name = hashlib.sha256(markdown.encode()).hexdigest()[:10]
        path = self.downloads / f"answer-{time.strftime('%Y%m%d-%H%M%S')}-{name}.md"
        path.write_text(markdown, encoding="utf-8")
        return render.sources_html(answer), markdown, gr.DownloadButton(value=str(path), interactive=True)

    def select_message(self, state: dict | None, evt: gr.SelectData) -> tuple[Any, ...]:
        """Clicking an earlier answer shows its sources again."""
        state = state or new_state()
        index = evt.index if isinstance(evt.index, int) else None
        answer = state["answers"].get(index)
        if answer is None:
            return gr.skip(), gr.skip(), gr.skip(), state
        state["current"] = index
        return (*self.answer_outputs(answer), state)

    def clear(self) -> tuple[Any, ...]:
        return [], render.sources_html(None), "", gr.DownloadButton(value=None, interactive=False), new_state(), ""

    # -- sources and documents ---------------------------------------------------------
    def open_source(self, state: dict | None, evt: gr.EventData) -> tuple[Any, Any, Any]:
        """A source's 'open' link: the whole document, the quote marked and scrolled to."""
        state = state or new_state()
        data = getattr(evt, "_data", None) or {}
        answer = state["answers"].get(state.get("current"))
        try:
            number = int(data.get("n", 0))
        except (TypeError, ValueError):
            number = 0
        if answer is None or not 1 <= number <= len(answer.citations):
            return gr.skip(), gr.skip(), gr.skip()
        c = answer.citations[number - 1]
        view = self.document_view(c.doc_id, c.start, c.end, c.quote)
        return view, gr.Tabs(selected="document"), gr.Dropdown(value=c.doc_id)

    def document_view(self, doc_id: str | None, start: int = 0, end: int = 0, quote: str = "") -> str:
        """A whole document; with ``quote``, the cited place marked (checked against the text)."""
        if not doc_id:
            hint = "Pick a document above, or open one from a source in the chat."
            return render.document_html("No document chosen", "", hint)
        from rag.pipeline import components

        try:
            store = components(self.settings).store
            record = store.document(doc_id)
            text = store.document_text(doc_id)
        except RagError as exc:
            return render.document_html("Cannot open the document", "", str(exc))
        if record is None:
            gone = f"'{doc_id}' is no longer in the index (removed, or re-indexed under another name)."
            return render.document_html("Document not found", "", gone)
        pages = f"{record.pages} pages" if record.pages else ""
        meta = " · ".join(x for x in (record.kind, format_date(record.date) or "undated", pages) if x)
        span, note = render.cited_span(text, start, end, quote) if quote else (None, "")
        return render.document_html(record.title, meta, text, span, note)

    # -- feedback ----------------------------------------------------------------------
    def _record(self, answer: Answer | None, rating: str, comment: str, filters: dict[str, Any]) -> tuple[str, bool]:
        """(message to show, recorded?) for one rating."""
        if answer is None:
            return render.status_html("Ask a question first: there is no answer to rate yet.", failed=True), False
        try:
            append_feedback(self.settings.app.feedback_path, feedback_record(answer, rating, comment, filters))
        except RagError as exc:
            return render.status_html(str(exc), failed=True), False
        thanks = "Thank you: feedback recorded" + (" with your comment." if comment.strip() else ".")
        return render.status_html(thanks), True

    def rate_current(
        self, rating: str, comment: str, state: dict | None, since: object, until: object, kinds: Sequence[str] | None
    ) -> tuple[str, str]:
        """The Useful / Not useful buttons: rate the answer whose sources are shown."""
        state = state or new_state()
        answer = state["answers"].get(state.get("current"))
        message, ok = self._record(answer, rating, comment or "", _filters(since, until, kinds))
        return message, "" if ok else comment

    def rate_message(
        self, comment: str, state: dict | None, since: object, until: object, kinds: Sequence[str] | None, evt: gr.LikeData
    ) -> tuple[Any, Any]:
        """The chat's own thumb icons: rate the answer in that message."""
        if evt.liked is None or evt.liked == "":  # the thumb was clicked again: rating withdrawn
            return gr.skip(), gr.skip()
        state = state or new_state()
        answer = state["answers"].get(evt.index if isinstance(evt.index, int) else None)
        rating = "up" if evt.liked is True or evt.liked == "Like" else "down"
        message, ok = self._record(answer, rating, comment or "", _filters(since, until, kinds))
        return message, "" if ok else comment

    # -- uploads -----------------------------------------------------------------------
    def upload(self, files: Sequence[str] | None, progress: gr.Progress = gr.Progress()) -> tuple[Any, ...]:
        """Library upload: per-file results, then the refreshed library and filters."""
        files = [f for f in (files or []) if f]
        if not files:
            nothing = render.status_html("Choose one or more PDF, TXT or MD files first.", failed=True)
            return (nothing, [], *[gr.skip()] * 7)

        def relay(i: int, n: int, name: str) -> None:
            desc = f"Indexing {name} ({i + 1} of {n})" if i < n else "Finishing"
            progress(i / max(n, 1), desc=desc)

        progress(0, desc="Checking files")
        with self.ingest_lock:
            try:
                results = add_uploads(files, self.settings, progress=relay)
            except RagError as exc:
                return (render.status_html(str(exc), failed=True), [], *[gr.skip()] * 7)
        failed = [r for r in results if r.status == "failed"]
        added = len(results) - len(failed)
        summary = f"{added} of {len(results)} file{'s' if len(results) != 1 else ''} in the library."
        if failed:
            summary += " Not added: " + "; ".join(f"{r.name}: {r.detail}" for r in failed)
        return (
            render.status_html(summary, failed=bool(failed)),
            [r.row for r in results],
            self.library_rows(),
            *self.filter_updates(),
            gr.File(value=None),
            self.status(),
        )


def _assistant(html: str) -> dict[str, str]:
    return {"role": "assistant", "content": html}


def _filters(since: object, until: object, kinds: Sequence[str] | None) -> dict[str, Any]:
    return {"since": since, "until": until, "kinds": list(kinds or ())}
