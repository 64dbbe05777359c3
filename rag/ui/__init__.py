"""The staff web app, in parts a newcomer can read one at a time.

    render    answers, sources, documents -> escaped HTML and Markdown (no gradio)
    feedback  thumbs up/down -> one JSON line each
    uploads   an uploaded file -> checked, stored under a safe name, ingested
    startup   build the index if empty and load the model, in the background
    handlers  what each button does
    web       the Gradio layout: create_app(settings), serve(demo, settings)

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
