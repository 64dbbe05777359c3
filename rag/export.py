"""Write a brief out: Markdown, Word (.docx, python-docx) and PDF (the .docx through LibreOffice).

Both formats show the same sections in the same order, with the same numbered notes: a
quote carries its note number ("[3]" in Markdown, a superscript 3 in Word) and the notes at
the end give document, date, page, paragraph and section, like the chat's sources.

    >>> path = write(brief, Path("oversight.docx"), "docx")     # doctest: +SKIP
    >>> to_markdown(brief).splitlines()[0]                     # doctest: +SKIP
    '# Induction brief: management oversight'
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rag.errors import RagError
from rag.records import BLANK, Brief, Judgement, Quote
from rag.text import slug as text_slug
from rag.vocabulary import format_date

FORMATS = ("md", "docx", "pdf")
AUTHOR = "Inspection documents app"  # the .docx author: the app that quoted, not the library
SECTIONS = (
    "1. What each document said, oldest first",
    "2. Strengths and areas for improvement",
    "3. Judgement context",
    "4. Discussion and quiz questions",
    "5. Sources",
    "Notes",
)
STRENGTHS, IMPROVEMENTS, ANSWERS = "Strengths recognised", "Areas for improvement and priority actions", "Answers, with the sentence that gives each"
TIMELINE_HEADERS = ("Date", "Document", "What it said")
SILENT = "Says nothing on this topic."
_KIND_NAMES = {"news": "news article (secondary source)"}
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#~])")


def slug(text: str) -> str:
    """'Management oversight' -> 'management-oversight' (file names)."""
    return text_slug(text, 60, "brief")


def title(brief: Brief) -> str:
    return f"Induction brief: {brief.topic}"


def intro(brief: Brief) -> str:
    spoke, total = sum(1 for row in brief.timeline if row.quotes), len(brief.timeline)
    years = sorted({s.date[:4] for s in brief.sources if s.date})
    span = f" ({years[0]} to {years[-1]})" if len(years) > 1 else (f" ({years[0]})" if years else "")
    return (
        f"What the inspection documents say about {brief.topic}. Scope: {brief.scope}; "
        f"{spoke} of the {total} documents in scope{span} address it. "
        "Every sentence in quotation marks is quoted word for word from the documents; its number points to the "
        "notes at the end, which give the document, date, paragraph and section."
    )


def note_groups(brief: Brief) -> list[tuple[str, str]]:
    """('16-20', reference) for runs of consecutive notes pointing to the same place."""
    groups: list[list[Any]] = []
    for c in brief.notes:
        ref = c.reference()
        if groups and groups[-1][2] == ref:
            groups[-1][1] = c.number
        else:
            groups.append([c.number, c.number, ref])
    return [(f"{a}" if a == b else f"{a}–{b}", ref) for a, b, ref in groups]


def kind_name(kind: str, capital: bool = False) -> str:
    name = _KIND_NAMES.get(kind, kind)
    return name[:1].upper() + name[1:] if capital else name


def footer(brief: Brief) -> str:
    return f"Built {format_date(brief.created)} from the indexed documents; settings {brief.settings_hash}."


def _by_document(judgements: Sequence[Judgement]) -> list[tuple[Judgement, list[Judgement]]]:
    groups: list[tuple[Judgement, list[Judgement]]] = []
    for j in judgements:
        if groups and groups[-1][0].doc_id == j.doc_id:
            groups[-1][1].append(j)
        else:
            groups.append((j, [j]))
    return groups


def _heading_for(j: Judgement) -> str:
    return f"The {kind_name(j.kind)} of {format_date(j.date) or 'unknown date'}"


# -- Markdown ----------------------------------------------------------------------------


def md_text(text: str) -> str:
    """Document text made inert in Markdown: its punctuation shown, never formatting
    (a quiz question's blank stays a blank)."""
    return _MD_SPECIAL.sub(r"\\\1", text).replace(_MD_SPECIAL.sub(r"\\\1", BLANK), BLANK)


def _md_quote(q: Quote) -> str:
    return f"\u201c{md_text(q.text)}\u201d [{q.note}]"


def _md_answer(q: Quote, key: str) -> str:
    text = md_text(q.text)
    k = md_text(key)
    if k and k != text and k in text:
        text = text.replace(k, f"**{k}**", 1)
    return f"\u201c{text}\u201d [{q.note}]"


def to_markdown(brief: Brief) -> str:
    """The brief as Markdown (GitHub-flavoured tables)."""
    out = [f"# {md_text(title(brief))}", "", md_text(intro(brief)), ""]
    out += [f"## {SECTIONS[0]}", "", "| " + " | ".join(TIMELINE_HEADERS) + " |", "|---|---|---|"]
    for row in brief.timeline:
        said = "<br>".join(_md_quote(q) for q in row.quotes) if row.quotes else f"*{SILENT}*"
        when = (format_date(row.date) or "undated").replace(" ", "\u00a0")  # a date never wraps
        out.append(f"| {when} | {md_text(kind_name(row.kind, capital=True))} | {said} |")
    out += ["", f"## {SECTIONS[1]}", ""]
    for heading, items in ((STRENGTHS, brief.strengths), (IMPROVEMENTS, brief.improvements)):
        out += [f"### {heading}", ""]
        out += [f"- {brief.note(q.note).date[:4]} {md_text(kind_name(brief.note(q.note).kind))}: {_md_quote(q)}" for q in items]
        out += ["- *None quoted on this topic.*"] if not items else []
        out.append("")
    out += [f"## {SECTIONS[2]}", ""]
    if not brief.judgements:
        out += ["*No judgement is stated in the documents that address this topic.*", ""]
    for first, group in _by_document(brief.judgements):
        out += [f"### {md_text(_heading_for(first))}", ""]
        rows = [j for j in group if len(j.cells) == 2]
        for j in group:
            if rows and j is rows[0]:
                out += ["", "| Judgement | Grade |", "|---|---|"]
                out += [f"| {md_text(r.cells[0])} | {md_text(r.cells[1])} [{r.quote.note}] |" for r in rows]
                out.append("")
            elif len(j.cells) != 2:
                out += [f"- {_md_quote(j.quote)}"]
        out.append("")
    out += [f"## {SECTIONS[3]}", ""]
    out += [f"{i}. {md_text(q.question)}" for i, q in enumerate(brief.quiz, start=1)] or ["*Too little is quoted on this topic to ask questions.*"]
    if brief.quiz:
        out += ["", f"### {ANSWERS}", ""]
        out += [f"{i}. {_md_answer(q.answer, q.key)}" for i, q in enumerate(brief.quiz, start=1)]
    out += ["", f"## {SECTIONS[4]}", ""]
    for i, s in enumerate(brief.sources, start=1):
        note = f" {md_text(s.source_note)}." if s.source_note else ""
        quiet = "" if s.cited else " *Not quoted: says nothing on this topic.*"
        out.append(f"{i}. **{md_text(s.title)}** ({md_text(kind_name(s.kind))}, {format_date(s.date) or 'undated'}).{note}{quiet}")
    out += ["", f"## {SECTIONS[5]}", ""]
    out += [f"- [{numbers}] {md_text(ref)}." for numbers, ref in note_groups(brief)]
    out += ["", f"*{md_text(footer(brief))}*", ""]
    return "\n".join(out)


# -- Word ------------------------------------------------------------------------------


def to_docx(brief: Brief, path: Path) -> Path:
    """The brief as a Word document: Title and Heading 1/2 styles, a timeline table, quotes
    with superscript note numbers, and the numbered notes as the last section."""
    doc = new_document(title(brief), f"Induction brief on {brief.topic}, quoted from the inspection documents")
    for part in (_docx_heading, _docx_timeline, _docx_findings, _docx_judgements, _docx_quiz, _docx_sources, _docx_notes):
        part(doc, brief)
    page_footer(doc.sections[0], footer(brief))
    path = Path(path)
    doc.save(str(path))
    return path


def _docx_heading(doc: Any, brief: Brief) -> None:
    doc.add_paragraph(title(brief), style="Title")
    doc.add_paragraph(intro(brief))


def _docx_timeline(doc: Any, brief: Brief) -> None:
    """Section 1: a row per document, its quotes one paragraph each (or that it is silent)."""
    from docx.shared import Cm, Pt, RGBColor

    doc.add_heading(SECTIONS[0], level=1)
    table = _table(doc, TIMELINE_HEADERS, (Cm(3.6), Cm(2.8), Cm(10.6)))
    _repeat_header(table.rows[0])
    for row in brief.timeline:
        cells = _add_row(table, (format_date(row.date) or "undated", kind_name(row.kind, capital=True), ""))
        p = cells[2].paragraphs[0]
        if not row.quotes:
            run = p.add_run(SILENT)
            run.italic = True
            run.font.color.rgb = RGBColor(0x59, 0x59, 0x59)
        for i, q in enumerate(row.quotes):
            if i:
                p = cells[2].add_paragraph()
            p.paragraph_format.space_after = Pt(4)
            _quote_runs(p, q)


def _docx_findings(doc: Any, brief: Brief) -> None:
    """Section 2: strengths, then areas for improvement, each quote with its year and kind."""
    doc.add_heading(SECTIONS[1], level=1)
    for heading, items in ((STRENGTHS, brief.strengths), (IMPROVEMENTS, brief.improvements)):
        doc.add_heading(heading, level=2)
        if not items:
            doc.add_paragraph("None quoted on this topic.", style="List Bullet").runs[0].italic = True
        for q in items:
            c = brief.note(q.note)
            p = doc.add_paragraph(style="List Bullet")
            p.add_run(f"{c.date[:4]} {kind_name(c.kind)}: ").bold = True
            _quote_runs(p, q)


def _docx_judgements(doc: Any, brief: Brief) -> None:
    """Section 3: per document, its judgement-table rows as a table, other statements quoted."""
    from docx.shared import Cm

    doc.add_heading(SECTIONS[2], level=1)
    if not brief.judgements:
        doc.add_paragraph("No judgement is stated in the documents that address this topic.").runs[0].italic = True
    for first, group in _by_document(brief.judgements):
        doc.add_heading(_heading_for(first), level=2)
        rows = [j for j in group if len(j.cells) == 2]
        for j in group:
            if rows and j is rows[0]:
                grades = _table(doc, ("Judgement", "Grade"), (Cm(11.0), Cm(6.0)))
                for r in rows:
                    cells = _add_row(grades, r.cells)
                    _note_run(cells[1].paragraphs[0], r.quote.note)
                doc.add_paragraph()
            elif len(j.cells) != 2:
                _quote_runs(doc.add_paragraph(style="List Bullet"), j.quote)


def _docx_quiz(doc: Any, brief: Brief) -> None:
    """Section 4: the questions, then their answers, the answering words in bold."""
    doc.add_heading(SECTIONS[3], level=1)
    if not brief.quiz:
        doc.add_paragraph("Too little is quoted on this topic to ask questions.").runs[0].italic = True
    for i, q in enumerate(brief.quiz, start=1):
        _numbered(doc, i, q.question)
    if brief.quiz:
        doc.add_heading(ANSWERS, level=2)
        for i, q in enumerate(brief.quiz, start=1):
            p = _numbered(doc, i, "")
            _quote_runs(p, q.answer, key=q.key)


def _docx_sources(doc: Any, brief: Brief) -> None:
    """Section 5: every document in scope, saying which ones the brief does not quote."""
    doc.add_heading(SECTIONS[4], level=1)
    for i, s in enumerate(brief.sources, start=1):
        p = _numbered(doc, i, "")
        p.add_run(s.title).bold = True
        p.add_run(f" ({kind_name(s.kind)}, {format_date(s.date) or 'undated'}).")
        if s.source_note:
            p.add_run(f" {s.source_note}.")
        if not s.cited:
            p.add_run(" Not quoted: says nothing on this topic.").italic = True


def _docx_notes(doc: Any, brief: Brief) -> None:
    """The numbered notes, in small type, runs of notes to one place grouped ('4–6')."""
    from docx.shared import Pt

    doc.add_heading(SECTIONS[5], level=1)
    for numbers, ref in note_groups(brief):
        p = _numbered(doc, numbers, f"{ref}.", indent=1.2)
        p.paragraph_format.space_after = Pt(2)
        for run in p.runs:
            run.font.size = Pt(9)


def new_document(heading: str, subject: str) -> Any:
    """A Word document on A4 with 2 cm margins and Arial, its properties filled in: author
    and "last modified by" are this app (python-docx's template says "python-docx" and dates
    itself 2013), created now."""
    import datetime as dt

    from docx import Document
    from docx.shared import Cm, Pt

    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(2.0))
    normal = doc.styles["Normal"]
    normal.font.name, normal.font.size = "Arial", Pt(10.5)
    for name in ("Title", "Heading 1", "Heading 2"):
        doc.styles[name].font.name = "Arial"
    doc.styles["Title"].font.size = Pt(22)
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    props = doc.core_properties
    props.title, props.subject = heading, subject
    props.author = props.last_modified_by = AUTHOR
    props.comments = "Every quoted sentence is cited to its document, date, page and paragraph."
    props.created = props.modified = now
    props.revision = 1
    return doc


def _quote_runs(p: Any, q: Quote, key: str = "") -> None:
    """A quote in quotation marks, its note number as a superscript; ``key`` in bold."""
    text = q.text
    at = text.find(key) if key and key != text else -1
    p.add_run("\u201c")
    if at >= 0:
        p.add_run(text[:at])
        p.add_run(key).bold = True
        p.add_run(text[at + len(key) :])
    else:
        p.add_run(text)
    p.add_run("\u201d")
    _note_run(p, q.note)


def _note_run(p: Any, number: int) -> None:
    run = p.add_run(f"{number}")
    run.font.superscript = True
    run.bold = True


def _numbered(doc: Any, number: int | str, text: str, indent: float = 0.75) -> Any:
    """'3.  text' with a hanging indent: Word's list numbering would run on across lists."""
    from docx.shared import Cm

    p = doc.add_paragraph()
    p.paragraph_format.left_indent = Cm(indent)
    p.paragraph_format.first_line_indent = Cm(-indent)
    p.paragraph_format.tab_stops.add_tab_stop(Cm(indent))
    p.add_run(f"{number}.\t{text}")
    return p


def _table(doc: Any, headers: Sequence[str], widths: Sequence[Any]) -> Any:
    """A grid table with a shaded, bold header row and fixed column widths (Word reads the
    cell widths, LibreOffice the grid's)."""
    from docx.enum.table import WD_TABLE_ALIGNMENT

    table = doc.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for column, width in zip(table.columns, widths):
        column.width = width
    for cell, text in zip(table.rows[0].cells, headers):
        cell.paragraphs[0].add_run(text).bold = True
        _shade(cell, "DCE6F1")
    for cell, width in zip(table.rows[0].cells, widths):
        cell.width = width
    return table


def _add_row(table: Any, texts: Sequence[str]) -> Any:
    cells = table.add_row().cells
    widths = [column.width for column in table.columns]
    for cell, text, width in zip(cells, texts, widths):
        cell.width = width
        if text:
            cell.paragraphs[0].add_run(text)
    return cells


def _shade(cell: Any, fill: str) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    cell._tc.get_or_add_tcPr().append(shading)


def _repeat_header(row: Any) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    marker = OxmlElement("w:tblHeader")
    marker.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(marker)


def page_footer(section: Any, text: str) -> None:
    """'Built ... ; settings ... · page N' in small grey type on every page."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt, RGBColor

    p = section.footer.paragraphs[0]
    p.add_run(f"{text}  Page ")
    for kind, value in (("begin", None), (None, "PAGE"), ("end", None)):
        run = p.add_run()
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        else:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = value
        run._r.append(el)
    for run in p.runs:
        run.font.size = Pt(8)
        run.font.color.rgb = RGBColor(0x59, 0x59, 0x59)


# -- PDF ---------------------------------------------------------------------------------


def to_pdf(brief: Brief, path: Path, timeout_s: float = 180.0) -> Path:
    """The .docx converted by LibreOffice (headless, a throwaway profile so that it can run
    beside an open LibreOffice)."""
    office = shutil.which("libreoffice") or shutil.which("soffice")
    if office is None:
        raise RagError("PDF export needs LibreOffice, which is not installed", help="install it, or export --format docx and print that")
    path = Path(path)
    with tempfile.TemporaryDirectory(prefix="rag-brief-") as tmp:
        source = to_docx(brief, Path(tmp) / f"{path.stem or 'brief'}.docx")
        profile = Path(tmp, "profile").as_uri()
        cmd = [office, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf", "--outdir", tmp, str(source)]
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s)
        except subprocess.TimeoutExpired:
            raise RagError(f"LibreOffice took longer than {timeout_s:.0f} s to make the PDF", help="try again, or export --format docx") from None
        made = source.with_suffix(".pdf")
        if done.returncode != 0 or not made.exists():
            detail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
            raise RagError(f"LibreOffice could not make the PDF: {detail[0]}", help="export --format docx instead")
        shutil.move(str(made), path)
    return path


def write(brief: Brief, path: Path, fmt: str) -> Path:
    """Write ``brief`` to ``path`` as md, docx or pdf; errors say what to do."""
    if fmt not in FORMATS:
        raise RagError(f"unknown format '{fmt}': use one of {', '.join(FORMATS)}")
    path = Path(path)
    if not path.parent.is_dir():
        raise RagError(f"cannot write {path}: the folder {path.parent} does not exist", help="create it or choose another -o")
    try:
        if fmt == "md":
            path.write_text(to_markdown(brief), encoding="utf-8")
            return path
        return to_docx(brief, path) if fmt == "docx" else to_pdf(brief, path)
    except OSError as exc:
        raise RagError(f"cannot write {path}: {exc.strerror or exc}", help="check the folder is writable") from None
