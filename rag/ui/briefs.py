"""The "Briefs" tab: pick or type a topic, build the cited induction brief, preview it, download it.

Called inside the app's ``gr.Tabs`` block; builds its own tab and events:

    with gr.Tabs():
        ...
        briefs_tab(settings)

Cheap to build (no index, no model): topics and years are read when the tab is opened.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import gradio as gr

from rag import export
from rag.pipeline import build_brief, suggest_topics
from rag.errors import RagError
from rag.settings import Settings
from rag.ui import render
from rag.ui.filters import ANY_YEAR, year_or_none

INTRO = (
    "Build a handout on one topic for induction or training: what each document said, oldest first; "
    "strengths and areas for improvement; the judgements; quiz questions with their answers. Every "
    "statement is a sentence quoted from the documents, with a numbered note saying where it is."
)
TOPICS = 40  # the dropdown filters as one types, so a longer list costs nothing
EMPTY_PREVIEW = "*Choose or type a topic, then press **Build brief**. The brief appears here.*"


class BriefsTab:
    """What the tab's controls do, for one settings object (testable without a browser)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._downloads: Path | None = None

    @property
    def downloads(self) -> Path:
        if self._downloads is None:
            self._downloads = Path(tempfile.mkdtemp(prefix="rag-briefs-"))
        return self._downloads

    def choices(self) -> tuple[list[str], list[str], list[str]]:
        """(suggested topics, years, kinds) from what is indexed now; empty while it builds."""
        import rag

        try:
            docs = rag.documents(self.settings)
            topics = suggest_topics(self.settings, TOPICS) if docs else []
        except RagError:
            return [], [ANY_YEAR], []
        years = sorted({str(d.year) for d in docs if d.year})
        return topics, [ANY_YEAR, *years], sorted({d.kind for d in docs})

    def refresh(self) -> tuple[Any, Any, Any, Any]:
        topics, years, kinds = self.choices()
        return gr.Dropdown(choices=topics), gr.Dropdown(choices=years), gr.Dropdown(choices=years), gr.CheckboxGroup(choices=kinds)

    def make(self, topic: str | None, since: object, until: object, kinds: Sequence[str] | None, pdf: bool = False) -> tuple[Any, ...]:
        """Build: (status, preview Markdown, .md download, .docx download, .pdf download)."""
        off = gr.DownloadButton(value=None, interactive=False)
        text = (topic or "").strip()
        if not text:
            return render.status_html("Choose a suggested topic or type one first.", failed=True), gr.skip(), off, off, off
        started = time.perf_counter()
        try:
            brief = build_brief(text, self.settings, since=year_or_none(since), until=year_or_none(until), kinds=list(kinds or ()))
            stem = f"brief-{export.slug(brief.topic)}-{dt.datetime.now():%Y%m%d-%H%M%S}"
            folder = self.downloads
            md = export.write(brief, folder / f"{stem}.md", "md")
            docx = export.write(brief, folder / f"{stem}.docx", "docx")
            made_pdf = export.write(brief, folder / f"{stem}.pdf", "pdf") if pdf else None
        except RagError as exc:
            message = render.plain_error(exc)
            if message.startswith("the index is empty"):
                message = "The library is empty or still being indexed: wait until the status at the top says Ready."
            return render.status_html(message, failed=True), gr.skip(), off, off, off
        seconds = time.perf_counter() - started
        spoke = sum(1 for row in brief.timeline if row.quotes)
        status = f"Brief on \u201c{brief.topic}\u201d: {spoke} of {len(brief.timeline)} documents address it, {len(brief.notes)} notes, {len(brief.quiz)} questions ({seconds:.1f} s)."
        return (
            render.status_html(status),
            md.read_text(encoding="utf-8"),
            gr.DownloadButton(value=str(md), interactive=True),
            gr.DownloadButton(value=str(docx), interactive=True),
            gr.DownloadButton(value=str(made_pdf), interactive=True) if made_pdf else off,
        )


def briefs_tab(settings: Settings) -> BriefsTab:
    """Add the "Briefs" tab to the enclosing ``gr.Tabs`` (inside a ``gr.Blocks``)."""
    h = BriefsTab(settings)
    can_pdf = bool(shutil.which("libreoffice") or shutil.which("soffice"))
    with gr.Tab("Briefs", id="briefs") as tab:
        gr.Markdown(INTRO)
        with gr.Row(equal_height=True):
            topic = gr.Dropdown(
                [], value=None, allow_custom_value=True, filterable=True, label="Topic", scale=3, elem_id="rag-brief-topic",
                info="Pick a topic found in the documents, or type your own (a few words).",
            )
            since = gr.Dropdown([ANY_YEAR], value=ANY_YEAR, label="From year", allow_custom_value=True, scale=1)
            until = gr.Dropdown([ANY_YEAR], value=ANY_YEAR, label="To year", allow_custom_value=True, scale=1)
        with gr.Row(equal_height=True):
            kinds = gr.CheckboxGroup([], label="Document kinds (none ticked: all)", scale=3)
            pdf = gr.Checkbox(False, label="Also make a PDF (a few seconds more)", visible=can_pdf, scale=1)
            build = gr.Button("Build brief", variant="primary", scale=1, elem_id="rag-brief-build")
        status = gr.HTML("", elem_id="rag-brief-status")
        with gr.Row():
            md_file = gr.DownloadButton("Download Markdown (.md)", interactive=False, size="sm", elem_id="rag-brief-md")
            docx_file = gr.DownloadButton("Download Word (.docx)", interactive=False, size="sm", elem_id="rag-brief-docx")
            pdf_file = gr.DownloadButton("Download PDF", interactive=False, size="sm", visible=can_pdf, elem_id="rag-brief-pdf")
        preview = gr.Markdown(EMPTY_PREVIEW, sanitize_html=True, latex_delimiters=[], elem_id="rag-brief-preview")

    tab.select(h.refresh, None, [topic, since, until, kinds], api_visibility="private")
    outputs = [status, preview, md_file, docx_file, pdf_file]
    opts: dict[str, Any] = dict(concurrency_limit=2, concurrency_id="brief", api_visibility="private")
    build.click(h.make, [topic, since, until, kinds, pdf], outputs, **opts)
    return h
