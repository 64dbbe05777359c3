"""The Gradio app: the chat, the document viewer and the library, wired to the handlers.

Nothing is fetched from the internet: analytics are off, the theme uses system fonts,
and the page's only scripts are Gradio's own, served by the app.

    >>> demo = create_app(load_settings())        # cheap: no model, no index opened
    >>> serve(demo, load_settings())              # doctest: +SKIP  binds 127.0.0.1:7860
"""

from __future__ import annotations

import os

os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"  # read by gradio at import and at launch

from typing import Any  # noqa: E402

import gradio as gr  # noqa: E402

import rag  # noqa: E402
from rag.errors import RagError, SettingsError  # noqa: E402
from rag.settings import Settings  # noqa: E402
from rag.ui import guard, render  # noqa: E402
from rag.ui.briefs import briefs_tab  # noqa: E402
from rag.ui.handlers import ANY_YEAR, UPLOAD_HEADERS, Handlers, new_state  # noqa: E402

TITLE = "Inspection documents: ask, with the inspectors' own words"
EXAMPLES = [
    "How has management oversight changed since 2014?",
    "What did inspectors say about caseloads in 2014?",
    "How good was information sharing with the police in 2010?",
    "What did the fifth monitoring visit find about supervision?",
]

THEME = gr.themes.Default(
    font=["system-ui", "-apple-system", "Segoe UI", "Roboto", "Helvetica Neue", "Arial", "sans-serif"],
    font_mono=["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "monospace"],
)

# Clicks on a source's "open" link reach Python as a click event carrying the citation number.
OPEN_SOURCE_JS = """
element.addEventListener('click', (e) => {
  const link = e.target.closest('a.rag-open');
  if (!link) return;
  e.preventDefault();
  trigger('click', {n: Number(link.dataset.n), doc: link.dataset.doc});
});
"""
SCROLL_TO_QUOTE_JS = """
() => { setTimeout(() => {
  const m = document.getElementById('rag-here');
  if (m) m.scrollIntoView({block: 'center'});
}, 250); }
"""

CSS = """
.rag-status { font-size: .95em; color: var(--body-text-color-subdued); padding: 2px 0; }
.rag-busy::before { content: ''; display: inline-block; width: .75em; height: .75em; margin-right: .45em;
  vertical-align: -.05em; border: 2px solid currentColor; border-right-color: transparent; border-radius: 50%;
  animation: rag-spin 1s linear infinite; }
@keyframes rag-spin { to { transform: rotate(360deg); } }
.rag-status.rag-failed, .rag-error { color: #b3261e; font-weight: 600; }
#rag-upload-status .rag-status { color: var(--body-text-color); }
#rag-upload-status .rag-status.rag-failed { color: #b3261e; }
.rag-answer p { margin: .35em 0; }
.rag-lead { font-weight: 600; }
.rag-tl-block { border-left: 4px solid #1d70b8; padding: .1em 0 .1em .7em; margin: .7em 0; }
.rag-tl-date { font-weight: 700; }
.rag-tl-title { font-size: .88em; color: var(--body-text-color-subdued); }
.rag-silent { font-style: italic; color: var(--body-text-color-subdued); }
.rag-summary { border-top: 1px solid var(--border-color-primary); padding-top: .5em; }
.rag-cite { color: #1d70b8; font-weight: 700; margin-left: 1px; }
.rag-unsupported { background: #fdecea; text-decoration: underline wavy #b3261e; }
.rag-flag { color: #b3261e; font-size: .8em; font-weight: 700; }
.rag-notice, .rag-legend { font-size: .9em; color: #8a5a00; }
.rag-abstain strong { color: #8a5a00; }
.rag-sources h3 { margin: 0 0 .5em 0; }
.rag-empty { color: var(--body-text-color-subdued); padding: .5em; }
.rag-source { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: .6em .8em; margin-bottom: .7em; }
.rag-source-head { font-weight: 700; }
.rag-num { color: #1d70b8; }
.rag-meta { font-size: .85em; color: var(--body-text-color-subdued); margin: .2em 0 .4em 0; }
.rag-passage { margin: .3em 0; padding-left: .7em; border-left: 3px solid var(--border-color-primary); font-size: .92em; }
.rag-sources mark, .rag-doc mark, .rag-answer mark { background: #ffdd00; color: #0b0c0c; padding: 0 1px; }
.rag-open { font-size: .9em; color: #1d70b8; text-decoration: underline; cursor: pointer; }
.rag-doc h3 { margin: .2em 0; }
.rag-doc-text { white-space: pre-wrap; max-height: 68vh; overflow-y: auto; border: 1px solid var(--border-color-primary);
  border-radius: 8px; padding: .8em 1em; line-height: 1.5; }
#rag-sources-panel { max-height: 760px; overflow-y: auto; }
.rag-h { margin: .2em 0; font-size: 1.35em; white-space: nowrap; }
#rag-header > :first-child { flex-grow: 4 !important; }
#rag-header { align-items: center; }
#rag-library *, #rag-upload-results * { font-family: var(--font) !important; }
"""


def create_app(settings: Settings) -> gr.Blocks:
    """The app for ``settings``. Cheap: the index and model open in :func:`serve`'s thread.

    The handlers are kept as ``demo.rag_handlers`` (startup status, ingest lock).
    """
    h = Handlers(settings)
    show_modes = settings.llm.backend != "none"
    limit = settings.answer.max_question_chars

    with gr.Blocks(title=TITLE, analytics_enabled=False) as demo:
        demo.rag_handlers = h
        state = gr.State(new_state())
        with gr.Row(elem_id="rag-header", equal_height=True):
            gr.HTML(f'<h2 class="rag-h">{render.text_html(TITLE)}</h2>', scale=4)
            status = gr.HTML(h.status(), elem_id="rag-status", scale=1)
        timer = gr.Timer(1.0)

        with gr.Tabs(selected="chat") as tabs:
            with gr.Tab("Ask", id="chat"):
                with gr.Row(equal_height=False):
                    with gr.Column(scale=3):
                        chatbot = gr.Chatbot(
                            label="Conversation",
                            elem_id="rag-chat",
                            height=520,
                            latex_delimiters=[],
                            sanitize_html=True,
                            buttons=["copy", "copy_all"],  # no "share": it would upload the chat
                            feedback_options=("Like", "Dislike"),
                            placeholder="Ask about the inspection documents. Every sentence of an answer is "
                            "quoted from them, with a [number] pointing to its source on the right.",
                        )
                        with gr.Row(equal_height=True):
                            question = gr.Textbox(
                                show_label=False,
                                placeholder=f"Type a question (up to {limit} characters) and press Enter",
                                scale=5,
                                elem_id="rag-question",
                                autofocus=True,
                            )
                            ask_btn = gr.Button("Ask", variant="primary", scale=1, elem_id="rag-ask")
                        with gr.Row(equal_height=True, elem_id="rag-feedback"):
                            comment = gr.Textbox(
                                show_label=False,
                                placeholder="Optional comment on the answer",
                                lines=1,
                                scale=4,
                                elem_id="rag-comment",
                            )
                            up = gr.Button("Useful", size="sm", scale=0, min_width=90, elem_id="rag-up")
                            down = gr.Button("Not useful", size="sm", scale=0, min_width=110, elem_id="rag-down")
                            clear = gr.Button("New conversation", size="sm", scale=0, min_width=150)
                        feedback_status = gr.HTML("", elem_id="rag-feedback-status")
                        examples = gr.Examples(
                            [[q] for q in EXAMPLES],
                            inputs=[question],
                            label="Example questions (click to ask)",
                            elem_id="rag-examples",
                            api_visibility="private",
                        )
                        with gr.Accordion("Filters", open=False):
                            with gr.Row():
                                year = dict(value=ANY_YEAR, allow_custom_value=True)
                                since = gr.Dropdown([ANY_YEAR], label="From year", **year)
                                until = gr.Dropdown([ANY_YEAR], label="To year", **year)
                            kinds = gr.CheckboxGroup([], label="Document kinds (none ticked: all)")
                            mode = gr.Radio(
                                ["extractive", "llm"],
                                value=settings.answer.mode,
                                label="Answer mode",
                                info="extractive quotes the documents only; "
                                "llm writes an answer and checks it against them",
                                visible=show_modes,
                            )
                        with gr.Accordion("Copy or download the answer as Markdown", open=False):
                            markdown = gr.Textbox(
                                show_label=False, lines=10, buttons=["copy"], interactive=False, elem_id="rag-markdown"
                            )
                            download = gr.DownloadButton(
                                "Download answer (.md)", interactive=False, elem_id="rag-download"
                            )
                    with gr.Column(scale=2, elem_id="rag-sources-panel"):
                        sources = gr.HTML(
                            render.sources_html(None), elem_id="rag-sources", js_on_load=OPEN_SOURCE_JS
                        )

            with gr.Tab("Document", id="document"):
                picker = gr.Dropdown([], label="Document", elem_id="rag-doc-picker")
                viewer = gr.HTML(h.document_view(None), elem_id="rag-viewer")
                back = gr.Button("\u2190 Back to the chat", size="sm")

            with gr.Tab("Library", id="library"):
                library = gr.Dataframe(
                    headers=render.LIBRARY_HEADERS,
                    interactive=False,
                    wrap=True,
                    label="Indexed documents",
                    elem_id="rag-library",
                    column_widths=["50%", "8%", "12%", "6%", "8%", "16%"],
                )
                refresh = gr.Button("Refresh the list", size="sm")
                gr.Markdown(
                    f"**Add documents**: PDF, TXT or MD files, up to {settings.app.upload_max_mb:g} MB each. "
                    "Each file is checked by its content, indexed, and its result shown; "
                    "a file that cannot be read changes nothing."
                )
                with gr.Row():
                    files = gr.File(
                        label="Files to add", file_count="multiple", elem_id="rag-upload", scale=3, height=130
                    )
                    with gr.Column(scale=1):
                        add_btn = gr.Button("Add to library", variant="primary", elem_id="rag-add")
                        upload_status = gr.HTML("", label="Upload summary", elem_id="rag-upload-status")
                upload_results = gr.Dataframe(
                    headers=UPLOAD_HEADERS,
                    interactive=False,
                    wrap=True,
                    label="Upload results",
                    elem_id="rag-upload-results",
                )

            briefs_tab(settings)

        # -- events ----------------------------------------------------------------------
        ask_inputs = [question, chatbot, since, until, kinds, mode, state]
        ask_outputs = [chatbot, sources, markdown, download, state, question]
        ask_opts: dict[str, Any] = dict(
            concurrency_limit=settings.app.concurrency, concurrency_id="ask", api_visibility="private"
        )
        question.submit(h.chat, ask_inputs, ask_outputs, **ask_opts)
        ask_btn.click(h.chat, ask_inputs, ask_outputs, **ask_opts)
        examples.load_input_event.then(h.chat, ask_inputs, ask_outputs, **ask_opts)
        chatbot.select(h.select_message, [state], [sources, markdown, download, state], api_visibility="private")
        clear.click(h.clear, None, ask_outputs, api_visibility="private")
        chatbot.clear(h.clear, None, ask_outputs, api_visibility="private")  # its own bin icon

        opened = sources.click(h.open_source, [state], [viewer, tabs, picker], api_visibility="private")
        opened.then(None, js=SCROLL_TO_QUOTE_JS)
        picker.input(h.document_view, [picker], [viewer], api_visibility="private")
        back.click(lambda: gr.Tabs(selected="chat"), None, [tabs], api_visibility="private")

        rate_inputs = [comment, state, since, until, kinds]
        rated = [feedback_status, comment]
        up.click(lambda *a: h.rate_current("up", *a), rate_inputs, rated, api_visibility="private")
        down.click(lambda *a: h.rate_current("down", *a), rate_inputs, rated, api_visibility="private")
        chatbot.like(h.rate_message, rate_inputs, rated, api_visibility="private")

        add_btn.click(
            h.upload,
            [files],
            [upload_status, upload_results, library, picker, since, until, kinds, files, status],
            concurrency_limit=1,
            concurrency_id="ingest",
            api_name="upload",
        )
        refresh.click(h.library_rows, None, [library], api_visibility="private")

        settled = [status, library, picker, since, until, kinds, timer]
        timer.tick(h.poll, None, settled, show_progress="hidden", api_visibility="private")
        demo.load(h.poll, None, settled, show_progress="hidden", api_visibility="private")

        # -- the scripting API (gradio_client) -------------------------------------------
        def ask(
            question: str,
            since: int | None = None,
            until: int | None = None,
            kinds: list[str] | None = None,
            mode: str | None = None,
        ) -> dict:
            """Answer a question: text with [n] markers, citations, timeline, and the Markdown."""
            if not h.startup.wait(600):
                raise gr.Error("the app is still starting (building the index); try again in a minute")
            try:
                answer = rag.ask(question, settings, since=since, until=until, kinds=kinds or (), mode=mode)
            except RagError as exc:
                raise gr.Error(str(exc)) from None
            return answer.to_dict() | {"markdown": render.answer_markdown(answer)}

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

    demo.queue(default_concurrency_limit=settings.app.concurrency, max_size=None)
    return demo


def serve(
    demo: gr.Blocks, settings: Settings, *, port: int | None = None, block: bool = True, quiet: bool = False
) -> str:
    """Start warming up in the background, then launch; returns the local URL.

    ``block=False`` returns once the server listens (tests, notebooks); ``demo.close()`` stops it.
    """
    app = settings.app
    if bool(app.username) != bool(app.password):
        raise SettingsError(
            "app.username and app.password must be set together",
            help="set both RAG_APP__USERNAME and RAG_APP__PASSWORD, or neither",
        )
    demo.rag_handlers.startup.start()
    guarded = guard.launch_kwargs(demo, settings)  # the temp folder, remote files, the middleware
    _, url, _ = demo.launch(
        server_name=app.host,
        server_port=port or app.port,
        auth=(app.username, app.password) if app.username else None,
        share=False,
        theme=THEME,
        css=CSS,
        footer_links=["api", "settings"],
        max_file_size=int(app.upload_max_mb * 4 * 2**20),  # a ceiling; the per-file check says more
        ssr_mode=False,
        pwa=False,
        mcp_server=False,
        enable_monitoring=False,
        app_kwargs={"openapi_url": None, **guarded},  # FastAPI's schema route would answer without the login
        show_error=True,
        prevent_thread_lock=not block,
        quiet=quiet,
    )
    return url
