"""The app-wide handlers: the status line, the startup poll, and the choices every part of
the page offers from what is indexed (documents, years, kinds).

The chat's handlers are ``rag.ui.chat``, the library's ``rag.ui.library``, the briefs'
``rag.ui.briefs``. Errors the pipeline raises on purpose (RagError) become messages on the
page, never traces.
"""

from __future__ import annotations

import tempfile
import threading
from pathlib import Path
from typing import Any

import gradio as gr

import rag
from rag.errors import RagError
from rag.question import Library
from rag.scope import council_name
from rag.settings import Settings
from rag.ui import render
from rag.ui.filters import ANY_YEAR
from rag.ui.startup import Startup
from rag.vocabulary import format_date

CHOICE_OUTPUTS = 6  # document picker, from year, to year, kinds, councils, library's document choice


class Handlers:
    """What every part of the page shares, for one settings object."""

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

    def choices(self) -> tuple[list[tuple[str, str]], list[str], list[str], list[str]]:
        """(document choices, years, kinds, councils) from what is indexed now."""
        docs = self.documents()
        picker = [(f"{d.title} ({d.kind}, {format_date(d.date) or 'undated'})", d.doc_id) for d in docs]
        years = sorted({str(d.year) for d in docs if d.year})
        kinds = sorted({d.kind for d in docs})
        held = Library.of(docs)
        return picker, [ANY_YEAR, *years], kinds, sorted({council_name(held, a.key) for a in held.authorities})

    def choice_updates(self) -> tuple[Any, ...]:
        """New choices for the CHOICE_OUTPUTS components, values kept where still valid."""
        picker, years, kinds, councils = self.choices()
        return (
            gr.Dropdown(choices=picker),
            gr.Dropdown(choices=years),
            gr.Dropdown(choices=years),
            gr.CheckboxGroup(choices=kinds),
            gr.Dropdown(choices=councils),
            gr.Dropdown(choices=picker, value=None),
        )

    # -- the status line ---------------------------------------------------------------
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
        """Timer tick: the startup status; when settled, fresh library and choices, timer off."""
        s = self.startup.status()
        if not s.settled:
            return (self.status(), *[gr.skip()] * (1 + CHOICE_OUTPUTS), gr.Timer(active=True))
        return (self.status(), self.library_rows(), *self.choice_updates(), gr.Timer(active=False))
