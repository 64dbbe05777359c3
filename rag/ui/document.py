"""The Document tab: a whole cleaned document, opened from a source at the quoted place.

    with gr.Tabs() as tabs:
        picker, viewer = document_tab(DocumentView(settings), tabs)
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from rag.errors import RagError
from rag.settings import Settings
from rag.ui import render
from rag.vocabulary import format_date

# Run after the viewer shows a cited place: bring the marked quote into view.
SCROLL_TO_QUOTE_JS = """
() => { setTimeout(() => {
  const m = document.getElementById('rag-here');
  if (m) m.scrollIntoView({block: 'center'});
}, 250); }
"""


class DocumentView:
    """Renders one document of the index, the cited place marked (checked against the text)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def __call__(self, doc_id: str | None, start: int = 0, end: int = 0, quote: str = "") -> str:
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


def document_tab(view: DocumentView, tabs: Any) -> tuple[Any, Any]:
    """Add the tab (inside ``tabs``, a ``gr.Tabs``); returns (picker, viewer) for other parts to fill."""
    with gr.Tab("Document", id="document"):
        picker = gr.Dropdown([], label="Document", elem_id="rag-doc-picker")
        viewer = gr.HTML(view(None), elem_id="rag-viewer")
        back = gr.Button("\u2190 Back to the chat", size="sm")
    picker.input(view, [picker], [viewer], api_visibility="private")
    back.click(lambda: gr.Tabs(selected="chat"), None, [tabs], api_visibility="private")
    return picker, viewer
