"""What the chat does: ask, widen a clashing question, rate, open a source, keep history.

The live conversation is a gr.State dict (``history.new_conversation``: an id and its
Turns); the browser keeps every conversation in local storage (gr.BrowserState, plain
data) and Python re-renders what it restores. Every handler returns whole views: the
conversation, the sources panel and the side panel's list.

    >>> chat = Chat(settings, startup, Path("/tmp/answers"), DocumentView(settings))  # doctest: +SKIP
    >>> for views in chat.submit("Why?", "any", "any", [], [], None, conv, []): ...       # doctest: +SKIP
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

import gradio as gr

from rag.errors import RagError
from rag.pipeline import ask_stream
from rag.records import Answer
from rag.ui import history, render, sources
from rag.ui.conversation import Turn, answered, conversation_html
from rag.ui.document import DocumentView
from rag.ui.exports import write_downloads
from rag.ui.feedback import append_feedback, feedback_record
from rag.ui.filters import ANY_YEAR, year_or_none
from rag.ui.startup import Startup

STREAM_EVERY_S = 0.25  # how often a streaming answer is redrawn


class Chat:
    """The chat's handlers for one app."""

    def __init__(self, settings: Any, startup: Startup, downloads: Path, view: DocumentView) -> None:
        self.settings = settings
        self.startup = startup
        self.downloads = downloads
        self.view = view

    # -- views -------------------------------------------------------------------------
    @staticmethod
    def url_of(path: str) -> str:
        """A download link the app serves (relative, so it works behind a proxy's prefix)."""
        return "gradio_api/file=" + quote(path)

    def views(self, conv: dict[str, Any], saved: Any) -> tuple[str, str, str]:
        """(conversation, sources panel, side-panel list)."""
        turns = conv["turns"]
        return (
            conversation_html(turns, self.url_of, conv["id"]),
            sources.panel_html(answered(turns)),
            history.list_html(saved, conv["id"]),
        )

    # -- asking ------------------------------------------------------------------------
    def submit(self, question: str, since: object, until: object, kinds: Sequence[str] | None, councils: Sequence[str] | None,
               mode: str | None, conv: dict[str, Any] | None, saved: Any) -> Iterator[tuple[Any, ...]]:
        """Submit: the question echoed at once, then the answer. Yields (conversation,
        sources, conversation state, stored conversations, side panel, question box)."""
        conv = conv or history.new_conversation()
        text = (question or "").strip()
        if not text:
            gr.Warning("Type a question first.")
            yield (*[gr.skip()] * 2, conv, gr.skip(), gr.skip(), question)
            return
        for saved in self._run(conv, saved, text, since, until, kinds, councils, mode):
            conversation, panel, listed = self.views(conv, saved)
            yield conversation, panel, conv, saved, listed, ""

    def widen(self, conv: dict[str, Any] | None, saved: Any, kinds: Sequence[str] | None, mode: str | None,
              evt: gr.EventData) -> Iterator[tuple[Any, ...]]:
        """'Ask again with any year' (or council): the turn's question without the filters
        it clashed with, which are cleared to match. Yields submit's views, then since,
        until and councils."""
        conv = conv or history.new_conversation()
        turn = _turn_of(conv, evt)
        if turn is None or turn.answer is None:
            yield (*[gr.skip()] * 8,)
            return
        scope = turn.answer.scope
        since, until = (None, None) if "years" in scope.clashes else (scope.since, scope.until)
        councils = [] if "authorities" in scope.clashes else list(scope.authorities)
        for saved in self._run(conv, saved, turn.question, since, until, list(scope.kinds) or kinds, councils, mode):
            conversation, panel, listed = self.views(conv, saved)
            yield (conversation, panel, conv, saved, listed, gr.Dropdown(value=since or ANY_YEAR),
                   gr.Dropdown(value=until or ANY_YEAR), gr.Dropdown(value=councils))

    def _run(self, conv: dict[str, Any], saved: Any, text: str, since: object, until: object,
             kinds: Sequence[str] | None, councils: Sequence[str] | None, mode: str | None) -> Iterator[Any]:
        """Add a turn for ``text`` and fill it in; yields the stored list at each redraw."""
        limit = self.settings.answer.max_question_chars
        turn = Turn(text if len(text) <= limit else text[:limit] + " …")
        turn.pending = render.status_html("Searching the documents…", busy=True)
        conv["turns"].append(turn)
        yield saved
        while not self.startup.wait(0.5):
            waiting = self.startup.status().message + " Your question will be answered next."
            turn.pending = render.status_html(waiting, busy=True)
            yield saved
        answer: Answer | None = None
        streamed, shown_at = "", 0.0
        try:
            parts = ask_stream(text, self.settings, since=year_or_none(since), until=year_or_none(until),
                               kinds=list(kinds or ()), authorities=list(councils or ()), mode=mode or None)
            for part in parts:  # LLM mode: the reply as it arrives, then the checked Answer
                if isinstance(part, Answer):
                    answer = part
                    break
                streamed += part
                if time.monotonic() - shown_at > STREAM_EVERY_S:
                    shown_at = time.monotonic()
                    turn.pending = render.streaming_html(streamed)
                    yield saved
        except RagError as exc:
            turn.error = render.plain_error(exc)
        if answer is None and not turn.error:
            turn.error = "The answer stopped before it was complete: ask again."
        turn.pending = ""
        if answer is not None:
            turn.answer = answer
            self._downloads(turn)
        yield history.saved_with(saved, conv)

    def _downloads(self, turn: Turn) -> None:
        """The turn's .md and .docx, stamped with when it was asked (so a restored turn gets
        the same files back)."""
        if turn.answer is None:
            return
        try:
            md, docx = write_downloads(turn.answer, self.downloads, f"asked {turn.asked_at[:16].replace('T', ' ')}")
            turn.downloads = (str(md), str(docx))
        except OSError:
            pass  # the answer stands; only its downloads are missing

    def _restored(self, record: dict[str, Any]) -> dict[str, Any]:
        conv = history.conversation_from(record)
        for turn in conv["turns"]:
            self._downloads(turn)
        return conv

    # -- the answer's controls ---------------------------------------------------------
    def act(self, conv: dict[str, Any] | None, saved: Any, kinds: Sequence[str] | None, mode: str | None,
            evt: gr.EventData) -> Iterator[tuple[Any, ...]]:
        """A click in the conversation that needs Python ('rate', 'widen', 'open'). Yields
        (conversation, sources, state, stored, side panel, since, until, councils, viewer,
        tabs, picker)."""
        action = _data(evt).get("action")
        if action == "rate":
            conversation, conv, saved = self.rate(conv, saved, evt)
            yield conversation, gr.skip(), conv, saved, *[gr.skip()] * 7
        elif action == "widen":
            for out in self.widen(conv, saved, kinds, mode, evt):
                yield (*out, *[gr.skip()] * 3)
        elif action == "open":
            yield (*[gr.skip()] * 8, *self.open_source(conv, evt))
        else:
            yield (*[gr.skip()] * 11,)

    def rate(self, conv: dict[str, Any] | None, saved: Any, evt: gr.EventData) -> tuple[Any, ...]:
        """An answer's Useful / Not useful: one JSON line, with the filters it was made with."""
        conv = conv or history.new_conversation()
        data = _data(evt)
        turn = _turn_of(conv, evt)
        rating = data.get("rating")
        if turn is None or turn.answer is None or turn.rating or rating not in ("up", "down"):
            return gr.skip(), conv, gr.skip()
        comment = " ".join(str(data.get("comment") or "").split())
        try:
            append_feedback(self.settings.app.feedback_path, feedback_record(turn.answer, rating, comment))
        except RagError as exc:
            gr.Warning(f"Feedback not recorded: {exc}")
            return gr.skip(), conv, gr.skip()
        turn.rating, turn.comment = rating, comment
        saved = history.saved_with(saved, conv)
        return conversation_html(conv["turns"], self.url_of, conv["id"]), conv, saved

    def open_source(self, conv: dict[str, Any] | None, evt: gr.EventData) -> tuple[Any, Any, Any]:
        """A source's 'open' link: the whole document, the quote marked and scrolled to."""
        turn = _turn_of(conv or history.new_conversation(), evt)
        try:
            number = int(_data(evt).get("n", 0))
        except (TypeError, ValueError):
            number = 0
        if turn is None or turn.answer is None:
            return gr.skip(), gr.skip(), gr.skip()
        c = next((c for c in turn.answer.citations if c.number == number), None)
        if c is None:
            return gr.skip(), gr.skip(), gr.skip()
        return self.view(c.doc_id, c.start, c.end, c.quote), gr.Tabs(selected="document"), gr.Dropdown(value=c.doc_id)

    # -- conversations -----------------------------------------------------------------
    def new(self, saved: Any) -> tuple[Any, ...]:
        """'New conversation': everything of the last one off the page (it stays in history).
        Yields (conversation, sources, conversation state, side panel, question box)."""
        conv = history.new_conversation()
        return (*self.views(conv, saved), conv, "")

    def resume(self, saved: Any) -> tuple[Any, ...]:
        """Page load: the most recent conversation back, as it was left."""
        records = history.valid(saved)
        conv = self._restored(records[0]) if records else history.new_conversation()
        conversation, panel, listed = self.views(conv, saved)
        return conversation, panel, conv, listed

    def pick(self, conv: dict[str, Any] | None, saved: Any, evt: gr.EventData) -> tuple[Any, ...]:
        """The side panel: open a stored conversation, or forget one.
        Returns (conversation, sources, conversation state, stored conversations, side panel)."""
        conv = conv or history.new_conversation()
        data = _data(evt)
        conv_id = str(data.get("id", ""))
        if data.get("action") == "forget":
            saved = history.without(saved, conv_id)
            if conv_id == conv["id"]:
                conv = history.new_conversation()
            conversation, panel, listed = self.views(conv, saved)
            return conversation, panel, conv, saved, listed
        record = history.find(saved, conv_id)
        if record is None:
            return (*[gr.skip()] * 4, history.list_html(saved, conv["id"]))
        conv = self._restored(record)
        conversation, panel, listed = self.views(conv, saved)
        return conversation, panel, conv, gr.skip(), listed


def _data(evt: gr.EventData | None) -> dict[str, Any]:
    data = getattr(evt, "_data", None)
    return data if isinstance(data, dict) else {}


def _turn_of(conv: dict[str, Any], evt: gr.EventData | None) -> Turn | None:
    try:
        index = int(_data(evt).get("turn", -1))
    except (TypeError, ValueError):
        return None
    turns = conv["turns"]
    return turns[index] if 0 <= index < len(turns) else None
