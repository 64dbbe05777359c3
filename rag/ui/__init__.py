"""The staff web app, in parts a newcomer can read one at a time.

    render        answers, documents -> escaped HTML (no gradio)
    sources       source cards: one per passage, every sentence quoted from it
    conversation  a turn: question, answer, scope, its own controls (no gradio)
    exports       an answer as clean text, Markdown, Word
    history       conversations kept in the browser, the side panel's list
    feedback      Useful / Not useful -> one JSON line each
    filters       the year and kind filters read and summarised
    uploads       an uploaded file -> checked, stored under a safe name, ingested
    startup       build the index if empty and load the model, in the background
    handlers      what every part shares: status line, startup poll, choices
    chat          what the chat does;  chat_tab  its layout and events
    document      the Document tab;  library  the Library tab;  briefs  the Briefs tab
    web           the page put together: create_app(settings), serve(demo, settings)

Importing this package imports no gradio; ``create_app`` and ``serve`` load it on use.
"""

from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:
    if name in ("create_app", "serve"):
        from rag.ui import web

        return getattr(web, name)
    raise AttributeError(f"module 'rag.ui' has no attribute {name!r}")


__all__ = ["create_app", "serve"]
