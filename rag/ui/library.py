"""The Library tab: what is indexed; add files with progress per file and stage; remove or
replace a document (through ``rag.remove``, as ``rag remove`` does, so app and CLI agree).

    with gr.Tabs():
        lib = library_tab(settings, handlers)     # then lib.wire(...) once the page exists
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import gradio as gr

import rag
from rag.errors import RagError
from rag.pipeline import STAGES
from rag.ui import render
from rag.ui.handlers import CHOICE_OUTPUTS, Handlers
from rag.ui.uploads import UploadResult, add_uploads, display_name

UPLOAD_HEADERS = ["File", "Result", "Detail"]
REDRAW_S = 0.3
# Each stage's share of a file's progress bar (embedding is most of the time for a long file).
WEIGHTS = dict(zip(STAGES, (0.2, 0.05, 0.1, 0.55, 0.1)))
OK = ("indexed", "replaced", "unchanged", "duplicate")


def share(stage: str, done: float) -> float:
    """How far through a file is at ``stage`` with ``done`` of it, 0..1."""
    if stage not in WEIGHTS:
        return 0.0
    before = sum(WEIGHTS[s] for s in STAGES[: STAGES.index(stage)])
    return min(1.0, before + WEIGHTS[stage] * max(0.0, min(1.0, done)))


def files_html(names: Sequence[str], progress: dict[int, tuple[str, float]], results: Sequence[UploadResult] = ()) -> str:
    """One line per file: its stage and a moving bar while it is indexed, then its result
    (green when added, red when not), under a summary that counts both."""
    rows = []
    for i, name in enumerate(names):
        r = results[i] if i < len(results) else None
        if r is not None:
            good = r.status in OK
            state = "Added" if r.status in ("indexed", "replaced") else ("Already in the library" if good else "Not added")
            rows.append(
                f'<li class="rag-file {"rag-ok" if good else "rag-bad"}"><span class="rag-file-name">{render.text_html(name)}</span>'
                f'<span class="rag-file-state">{state}</span>'
                f'<span class="rag-file-detail">{render.text_html(r.detail)}</span></li>'
            )
            continue
        stage, done = progress.get(i, ("waiting", 0.0))
        pct = round(100 * share(stage, done))
        what = "waiting its turn" if stage == "waiting" else f"{stage}\u2026 {pct}%"
        rows.append(
            f'<li class="rag-file rag-working"><span class="rag-file-name">{render.text_html(name)}</span>'
            f'<span class="rag-file-state rag-busy">{render.text_html(what)}</span>'
            f'<progress max="100" value="{pct}" aria-label="{render.attr(name)}: {pct}%"></progress></li>'
        )
    head = ""
    if results:
        added = sum(1 for r in results if r.status in OK)
        failed = len(results) - added
        head = f"{added} of {len(results)} file{'s' if len(results) != 1 else ''} in the library."
        head += f" {failed} not added: see below." if failed else ""
        head = f'<p class="rag-upload-summary">{render.text_html(head)}</p>'
    return f'<div class="rag-upload-files">{head}<ol class="rag-files">{"".join(rows)}</ol></div>'


@dataclass
class LibraryParts:
    library: Any
    files: Any
    add: Any
    upload_status: Any
    upload_results: Any
    refresh: Any
    chosen: Any
    remove: Any
    confirm_row: Any
    confirm_text: Any
    confirm: Any
    cancel: Any
    new_version: Any
    replace: Any
    manage_status: Any


class LibraryTab:
    """The tab's handlers (testable without a browser)."""

    def __init__(self, handlers: Handlers) -> None:
        self.h = handlers
        self.settings = handlers.settings

    def _after(self) -> tuple[Any, ...]:
        """Library rows, every document choice and filter, the status line: after a change."""
        return (self.h.library_rows(), *self.h.choice_updates(), self.h.status())

    def upload(self, files: Sequence[str] | None) -> Iterator[tuple[Any, ...]]:
        """Add files: yields (per-file view, result rows, library, choices..., file box, status)."""
        files = [f for f in (files or []) if f]
        rest = [gr.skip()] * (3 + CHOICE_OUTPUTS)
        if not files:
            yield (render.status_html("Choose one or more PDF, TXT or MD files first.", failed=True), [], *rest)
            return
        names = [display_name(str(f).replace("\\", "/").rsplit("/", 1)[-1]) for f in files]
        progress: dict[int, tuple[str, float]] = {}
        outcome: dict[str, Any] = {}

        def work() -> None:
            try:
                with self.h.ingest_lock:
                    outcome["results"] = add_uploads(files, self.settings, stages=lambda i, s, d: progress.__setitem__(i, (s, d)))
            except RagError as exc:
                outcome["error"] = str(exc)
            except Exception as exc:  # a thread must report, never die silently
                outcome["error"] = f"{type(exc).__name__}: {exc}"

        worker = threading.Thread(target=work, name="rag-upload", daemon=True)
        worker.start()
        shown = None
        while worker.is_alive():
            view = files_html(names, dict(progress))
            if view != shown:
                shown = view
                yield (view, [], *rest)
            worker.join(REDRAW_S)
        if "error" in outcome:
            yield (render.status_html(outcome["error"], failed=True), [], *rest)
            return
        results = outcome["results"]
        yield (files_html(names, {}, results), [r.row for r in results], *self._after()[:-1], gr.File(value=None), self.h.status())

    # -- remove and replace ------------------------------------------------------------
    def ask_remove(self, doc_id: str | None) -> tuple[Any, Any, Any]:
        """'Remove…': say what will go and ask to confirm. (confirm row, its text, status)."""
        doc = self._doc(doc_id)
        if doc is None:
            return gr.Row(visible=False), gr.skip(), render.status_html("Choose a document first.", failed=True)
        text = (f"Remove \u201c{doc.title}\u201d ({doc.kind}, {doc.date or 'undated'}) and its {doc.chunks} passages "
                "from the library? Answers will no longer quote it.")
        return gr.Row(visible=True), render.status_html(text), ""

    def remove(self, doc_id: str | None) -> tuple[Any, ...]:
        """Confirmed: (status, confirm row, library, choices..., status line)."""
        doc = self._doc(doc_id)
        if doc is None:
            return (render.status_html("That document is no longer in the library.", failed=True), gr.Row(visible=False), *self._after())
        try:
            with self.h.ingest_lock:
                [done] = rag.remove([doc.doc_id], self.settings)
        except RagError as exc:
            return (render.status_html(str(exc), failed=True), gr.Row(visible=False), *[gr.skip()] * (2 + CHOICE_OUTPUTS))
        said = f"Removed \u201c{doc.title}\u201d and its {done.chunks} passages from the library."
        return (render.status_html(said), gr.Row(visible=False), *self._after())

    def replace(self, doc_id: str | None, new_file: str | None) -> tuple[Any, ...]:
        """A new version of a document: the file is added first, and the old document goes
        only once the new one is in. (status, new-file box, library, choices..., status line)."""
        doc = self._doc(doc_id)
        if doc is None or not new_file:
            missing = "Choose a document first." if doc is None else "Choose the new version's file first."
            return (render.status_html(missing, failed=True), gr.skip(), *[gr.skip()] * (2 + CHOICE_OUTPUTS))
        try:
            with self.h.ingest_lock:
                [result] = add_uploads([new_file], self.settings)
                if result.status not in OK:
                    said, failed = f"Not replaced: {result.name}: {result.detail}. \u201c{doc.title}\u201d is unchanged.", True
                elif result.doc_id == doc.doc_id:
                    said, failed = f"\u201c{doc.title}\u201d is already this file: nothing to replace.", False
                else:
                    rag.remove([doc.doc_id], self.settings)
                    said, failed = f"Replaced \u201c{doc.title}\u201d with {result.name}: {result.detail}.", False
        except RagError as exc:
            return (render.status_html(str(exc), failed=True), gr.skip(), *[gr.skip()] * (2 + CHOICE_OUTPUTS))
        return (render.status_html(said, failed=failed), gr.File(value=None), *self._after())

    def chosen_from_table(self, evt: gr.SelectData) -> Any:
        """Clicking a row of the library chooses that document below."""
        docs = self.h.documents()
        row = evt.index[0] if isinstance(evt.index, (list, tuple)) else evt.index
        return gr.Dropdown(value=docs[row].doc_id) if isinstance(row, int) and 0 <= row < len(docs) else gr.skip()

    def _doc(self, doc_id: str | None) -> Any:
        return next((d for d in self.h.documents() if d.doc_id == doc_id), None) if doc_id else None


def library_tab(settings: Any, h: Handlers) -> tuple[LibraryTab, LibraryParts]:
    """Add the tab (inside ``gr.Tabs``); its events are wired by :func:`wire_library`."""
    with gr.Tab("Library", id="library"):
        library = gr.Dataframe(
            headers=render.LIBRARY_HEADERS, interactive=False, wrap=True, label="Indexed documents (click one to remove or replace it)",
            elem_id="rag-library", column_widths=["22%", "6%", "9%", "9%", "24%", "5%", "6%", "8%", "11%"],
        )
        refresh = gr.Button("Refresh the list", size="sm")
        gr.Markdown(
            f"**Add documents**: PDF, TXT or MD files, up to {settings.app.upload_max_mb:g} MB each. "
            "Each file is checked by its content and indexed, with its progress and result shown; "
            "a file that cannot be read changes nothing."
        )
        with gr.Row():
            files = gr.File(label="Files to add", file_count="multiple", elem_id="rag-upload", scale=3, height=130)
            with gr.Column(scale=2):
                add = gr.Button("Add to library", variant="primary", elem_id="rag-add")
                upload_status = gr.HTML("", elem_id="rag-upload-status")
        upload_results = gr.Dataframe(headers=UPLOAD_HEADERS, interactive=False, visible=False, elem_id="rag-upload-results")
        gr.Markdown("**Remove or replace a document**")
        with gr.Row(equal_height=False):
            chosen = gr.Dropdown([], label="Document", scale=3, elem_id="rag-manage-doc")
            remove = gr.Button("Remove from the library\u2026", size="sm", scale=1, elem_id="rag-remove")
        with gr.Row(visible=False, elem_id="rag-confirm") as confirm_row:
            confirm_text = gr.HTML("")
            confirm = gr.Button("Yes, remove it", variant="stop", size="sm", scale=0, min_width=140, elem_id="rag-remove-yes")
            cancel = gr.Button("Cancel", size="sm", scale=0, min_width=90)
        with gr.Row(equal_height=False):
            new_version = gr.File(label="New version of the chosen document", file_count="single", elem_id="rag-new-version", scale=3, height=100)
            replace = gr.Button("Replace with this file", size="sm", scale=1, elem_id="rag-replace")
        manage_status = gr.HTML("", elem_id="rag-manage-status")
    parts = LibraryParts(library, files, add, upload_status, upload_results, refresh, chosen, remove, confirm_row,
                         confirm_text, confirm, cancel, new_version, replace, manage_status)
    return LibraryTab(h), parts


def wire_library(tab: LibraryTab, p: LibraryParts, choices: Sequence[Any], status: Any) -> None:
    """``choices``: the CHOICE_OUTPUTS components every change to the index refreshes."""
    after = [p.library, *choices, status]
    private: dict[str, Any] = dict(api_visibility="private")
    p.add.click(tab.upload, [p.files], [p.upload_status, p.upload_results, *after[:-1], p.files, status],
                concurrency_limit=1, concurrency_id="ingest", api_name="upload", show_progress="hidden")
    p.refresh.click(tab.h.library_rows, None, [p.library], **private)
    p.library.select(tab.chosen_from_table, None, [p.chosen], **private)
    p.remove.click(tab.ask_remove, [p.chosen], [p.confirm_row, p.confirm_text, p.manage_status], **private)
    p.cancel.click(lambda: gr.Row(visible=False), None, [p.confirm_row], **private)
    busy: dict[str, Any] = dict(concurrency_id="ingest", show_progress_on=[p.manage_status], **private)
    p.confirm.click(tab.remove, [p.chosen], [p.manage_status, p.confirm_row, *after], **busy)
    p.replace.click(tab.replace, [p.chosen, p.new_version], [p.manage_status, p.new_version, *after], **busy)
