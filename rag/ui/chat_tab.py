"""The Ask tab's layout and events, and the side panel of conversations.

Filters sit above the conversation, their heading saying what is set; the conversation and
the sources panel beside it (under each answer on a phone); the question box below.

    side = conversations_panel()                    # in the Blocks, before the tabs
    with gr.Tabs() as tabs:
        ask = ask_tab(settings)
    wire_chat(chat, ask, side, tabs, picker, viewer)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr

from rag.settings import Settings
from rag.ui import filters, history, sources
from rag.ui.chat import Chat
from rag.ui.conversation import PLACEHOLDER
from rag.ui.document import SCROLL_TO_QUOTE_JS
from rag.ui.filters import ANY_YEAR

ASSETS = Path(__file__).with_name("assets")
CONVERSATION_JS = (ASSETS / "conversation.js").read_text(encoding="utf-8")
# A source's 'open' link in the panel reaches Python as a click carrying its turn and number.
SOURCES_JS = """
element.addEventListener('click', (e) => {
  const link = e.target.closest('a.rag-open');
  if (!link) return;
  e.preventDefault();
  trigger('click', {turn: Number(link.dataset.turn), n: Number(link.dataset.n)});
});
"""
HISTORY_JS = """
element.addEventListener('click', (e) => {
  const forget = e.target.closest('button.rag-history-forget');
  const open = e.target.closest('a.rag-history-open');
  if (!forget && !open) return;
  e.preventDefault();
  trigger('click', {action: forget ? 'forget' : 'open', id: (forget || open).dataset.id});
});
"""
EXAMPLES = [
    "How has management oversight changed since 2014?",
    "What did inspectors say about caseloads in 2014?",
    "How good was information sharing with the police in 2010?",
    "What did the fifth monitoring visit find about supervision?",
]


@dataclass
class AskParts:
    since: Any
    until: Any
    kinds: Any
    councils: Any
    mode: Any
    filters_box: Any
    conversation: Any
    question: Any
    ask: Any
    examples: Any
    sources: Any
    conv: Any
    saved: Any


@dataclass
class SideParts:
    new: Any
    listing: Any


def conversations_panel() -> SideParts:
    """The side panel: a real "new conversation", and the conversations kept in this browser."""
    with gr.Sidebar(label="Conversations", open=False, position="left", elem_id="rag-side"):
        gr.Markdown("### Conversations")
        new = gr.Button("New conversation", variant="secondary", size="sm", elem_id="rag-new")
        listing = gr.HTML(history.list_html([]), elem_id="rag-history", js_on_load=HISTORY_JS)
    return SideParts(new, listing)


def ask_tab(settings: Settings) -> AskParts:
    with gr.Tab("Ask", id="chat"):
        conv = gr.State(history.new_conversation())
        saved = gr.BrowserState([], storage_key=history.STORAGE_KEY, secret=history.STORAGE_SECRET)
        with gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=300):
                with gr.Accordion(filters.label(None, None, []), open=False, elem_id="rag-filters") as filters_box:
                    with gr.Row():
                        year = dict(value=ANY_YEAR, allow_custom_value=True, min_width=120)
                        since = gr.Dropdown([ANY_YEAR], label="From year", elem_id="rag-since", **year)
                        until = gr.Dropdown([ANY_YEAR], label="To year", elem_id="rag-until", **year)
                    with gr.Row():
                        kinds = gr.CheckboxGroup([], label="Document kinds (none ticked: all)", elem_id="rag-kinds", scale=2)
                        councils = gr.Dropdown([], multiselect=True, label="Councils (none chosen: all)", elem_id="rag-councils", scale=1, min_width=160)
                    mode = gr.Radio(
                        ["extractive", "llm"], value=settings.answer.mode, label="Answer mode",
                        info="extractive quotes the documents only; llm writes an answer and checks it against them",
                        visible=settings.llm.backend != "none",
                    )
                conversation = gr.HTML(PLACEHOLDER, elem_id="rag-chat", js_on_load=CONVERSATION_JS)
                with gr.Row(equal_height=True, elem_id="rag-ask-row"):
                    question = gr.Textbox(
                        show_label=False, placeholder="Type a question and press Enter",
                        scale=5, elem_id="rag-question", autofocus=True,
                    )
                    ask = gr.Button("Ask", variant="primary", scale=1, min_width=80, elem_id="rag-ask")
                examples = gr.Examples(
                    [[q] for q in EXAMPLES], inputs=[question], label="Example questions (click to ask)",
                    elem_id="rag-examples", api_visibility="private",
                )
            with gr.Column(scale=2, min_width=300, elem_id="rag-sources-panel"):
                panel = gr.HTML(sources.EMPTY, elem_id="rag-sources", js_on_load=SOURCES_JS)
    return AskParts(since, until, kinds, councils, mode, filters_box, conversation, question, ask, examples, panel, conv, saved)


def wire_chat(chat: Chat, a: AskParts, side: SideParts, tabs: Any, picker: Any, viewer: Any, concurrency: int) -> None:
    private: dict[str, Any] = dict(api_visibility="private")
    asking: dict[str, Any] = dict(concurrency_limit=concurrency, concurrency_id="ask", **private)
    views = [a.conversation, a.sources, a.conv, a.saved, side.listing]
    ask_inputs = [a.question, a.since, a.until, a.kinds, a.councils, a.mode, a.conv, a.saved]
    a.question.submit(chat.submit, ask_inputs, [*views, a.question], **asking)
    a.ask.click(chat.submit, ask_inputs, [*views, a.question], **asking)
    a.examples.load_input_event.then(chat.submit, ask_inputs, [*views, a.question], **asking)
    acted = a.conversation.click(
        chat.act, [a.conv, a.saved, a.kinds, a.mode], [*views, a.since, a.until, a.councils, viewer, tabs, picker], **asking
    )
    acted.then(None, js=SCROLL_TO_QUOTE_JS)
    opened = a.sources.click(chat.open_source, [a.conv], [viewer, tabs, picker], **private)
    opened.then(None, js=SCROLL_TO_QUOTE_JS)
    side.new.click(chat.new, [a.saved], [a.conversation, a.sources, side.listing, a.conv, a.question], **private)
    side.listing.click(chat.pick, [a.conv, a.saved], views, **private)
    boxes = [a.since, a.until, a.kinds, a.councils]
    for box in boxes:
        box.change(lambda *values: gr.Accordion(label=filters.safe_label(*values)), boxes, [a.filters_box], **private)
