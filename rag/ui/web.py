"""The Gradio app: the page put together from its parts, the scripting API, and serve().

    header       the title and the status line
    chat_tab     the side panel of conversations, the Ask tab (filters, conversation, sources)
    document     the Document tab
    library      the Library tab
    briefs       the Briefs tab

Nothing is fetched from the internet: analytics are off, the theme uses system fonts,
and the page's only scripts are Gradio's own and ``assets/conversation.js``, served by the app.

    >>> demo = create_app(load_settings())        # cheap: no model, no index opened
    >>> serve(demo, load_settings())              # doctest: +SKIP  binds 127.0.0.1:7860
"""

from __future__ import annotations

import os

os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"  # read by gradio at import and at launch


import gradio as gr  # noqa: E402

import rag  # noqa: E402
from rag.errors import RagError, SettingsError  # noqa: E402
from rag.settings import Settings  # noqa: E402
from rag.ui import guard, render  # noqa: E402
from rag.ui.briefs import briefs_tab  # noqa: E402
from rag.ui.chat import Chat  # noqa: E402
from rag.ui.chat_tab import ASSETS, ask_tab, conversations_panel, wire_chat  # noqa: E402
from rag.ui.document import DocumentView, document_tab  # noqa: E402
from rag.ui.exports import answer_markdown  # noqa: E402
from rag.ui.handlers import Handlers  # noqa: E402
from rag.ui.library import library_tab, wire_library  # noqa: E402

TITLE = "Inspection documents: ask, with the inspectors' own words"
CSS = (ASSETS / "app.css").read_text(encoding="utf-8")
HEAD = f'<style>{(ASSETS / "page.css").read_text(encoding="utf-8")}</style>'
THEME = gr.themes.Default(
    font=["system-ui", "-apple-system", "Segoe UI", "Roboto", "Helvetica Neue", "Arial", "sans-serif"],
    font_mono=["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "monospace"],
)


def create_app(settings: Settings) -> gr.Blocks:
    """The app for ``settings``. Cheap: the index and model open in :func:`serve`'s thread.

    The handlers are kept as ``demo.rag_handlers`` (startup status, ingest lock).
    """
    h = Handlers(settings)
    view = DocumentView(settings)
    chat = Chat(settings, h.startup, h.downloads, view)
    with gr.Blocks(title=TITLE, analytics_enabled=False) as demo:
        demo.rag_handlers = h
        status = header(h)
        side = conversations_panel()
        with gr.Tabs(selected="chat", elem_id="rag-tabs") as tabs:
            ask = ask_tab(settings)
            picker, viewer = document_tab(view, tabs)
            lib, lib_parts = library_tab(settings, h)
            briefs_tab(settings)
        wire_chat(chat, ask, side, tabs, picker, viewer, settings.app.concurrency)
        choices = [picker, ask.since, ask.until, ask.kinds, ask.councils, lib_parts.chosen]
        wire_library(lib, lib_parts, choices, status)
        timer = gr.Timer(1.0)
        settled = [status, lib_parts.library, *choices, timer]
        timer.tick(h.poll, None, settled, show_progress="hidden", api_visibility="private")
        demo.load(h.poll, None, settled, show_progress="hidden", api_visibility="private")
        demo.load(chat.resume, [ask.saved], [ask.conversation, ask.sources, ask.conv, side.listing], api_visibility="private")
        scripting_api(h, settings)
    demo.queue(default_concurrency_limit=settings.app.concurrency, max_size=None)
    return demo


def header(h: Handlers) -> gr.HTML:
    """The title, and the status line beside it (under it on a phone)."""
    with gr.Row(elem_id="rag-header", equal_height=True):
        gr.HTML(f'<h2 class="rag-h">{render.text_html(TITLE)}</h2>')
        return gr.HTML(h.status(), elem_id="rag-status")


def scripting_api(h: Handlers, settings: Settings) -> None:
    """/ask, /documents and /status for gradio_client (/upload is the Library's button)."""

    def ask(
        question: str,
        since: int | None = None,
        until: int | None = None,
        kinds: list[str] | None = None,
        mode: str | None = None,
    ) -> dict:
        """Answer a question: text with [n] markers, citations, timeline, scope, and the Markdown."""
        if not h.startup.wait(600):
            raise gr.Error("the app is still starting (building the index); try again in a minute")
        try:
            answer = rag.ask(question, settings, since=since, until=until, kinds=kinds or (), mode=mode)
        except RagError as exc:
            raise gr.Error(str(exc)) from None
        return answer.to_dict() | {"markdown": answer_markdown(answer)}

    def documents() -> list[dict]:
        """The indexed documents: doc_id, title, kind, date, pages, chunks, indexed_at, and
        for uploads the date uploaded and when accepted for answers ("" otherwise)."""
        return [
            {k: getattr(d, k) for k in ("doc_id", "title", "kind", "date", "pages", "chunks", "indexed_at", "uploaded", "accepted")}
            for d in h.documents()
        ]

    def status_text() -> str:
        """'ready', 'building', 'loading', 'starting' or 'failed', then the message shown."""
        return f"{h.startup.status().phase}: {h.status_text()}"

    gr.api(ask, api_name="ask", concurrency_limit=settings.app.concurrency, concurrency_id="ask")
    gr.api(documents, api_name="documents")
    gr.api(status_text, api_name="status")


def serve(
    demo: gr.Blocks, settings: Settings, *, port: int | None = None, block: bool = True, quiet: bool = False
) -> str:
    """Launch, then start warming up in the background; returns the local URL.

    ``block=False`` returns once the server listens (tests, notebooks); ``demo.close()`` stops it.
    """
    app = settings.app
    if bool(app.username) != bool(app.password):
        raise SettingsError(
            "app.username and app.password must be set together",
            help="set both RAG_APP__USERNAME and RAG_APP__PASSWORD, or neither",
        )
    guarded = guard.launch_kwargs(demo, settings)  # the temp folder, remote files, the middleware
    _, url, _ = demo.launch(
        server_name=app.host,
        server_port=port or app.port,
        auth=(app.username, app.password) if app.username else None,
        share=False,
        theme=THEME,
        css=CSS,
        head=HEAD,
        footer_links=["api", "settings"],
        max_file_size=int(app.upload_max_mb * 4 * 2**20),  # a ceiling; the per-file check says more
        allowed_paths=[str(demo.rag_handlers.downloads)],  # answers' .md and .docx, made by the app
        ssr_mode=False,
        pwa=False,
        mcp_server=False,
        enable_monitoring=False,
        app_kwargs={"openapi_url": None, **guarded},  # FastAPI's schema route would answer without the login
        show_error=True,
        prevent_thread_lock=True,
        quiet=quiet,
    )
    # The warm-up starts once the server answers: launch checks the page with one request of
    # 3 s and gives up on a timeout, which a model loading in this process (holding the
    # interpreter) could cause on a busy machine ("localhost is not accessible").
    demo.rag_handlers.startup.start()
    if block:
        demo.block_thread()
    return url
