"""One answer as staff take it away: clean text to paste, Markdown, and Word.

All three write every citation out in full (document, kind, date, page, paragraph,
section, the quoted sentence) and record the scope the answer was made in (the filters set,
the documents searched) and the settings hash, so a pasted answer can be checked later.

    >>> answer_text(answer).splitlines()[0]          # doctest: +SKIP
    'Q: How has management oversight changed since 2014?'
    >>> md, docx = write_downloads(answer, folder)   # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rag.export import md_text, new_document, page_footer
from rag.records import Answer, AnswerSentence, Citation
from rag.ui.render import UNSUPPORTED_NOTE, origin_bits, scope_text, silent
from rag.vocabulary import format_date


def _sentences(sentences: Sequence[AnswerSentence], escape: Any = str) -> str:
    out = []
    for s in sentences:
        marks = "".join(f"[{n}]" for n in s.citations)
        flag = " (UNSUPPORTED: check the source)" if not s.supported else ""
        out.append(f"{escape(s.text)} {marks}{flag}".strip())
    return " ".join(out)


def _heading(date: str, kind: str, title: str) -> str:
    return f"{format_date(date) or 'Undated'} ({kind}): {title}"


def _blocks(answer: Answer, escape: Any = str) -> list[tuple[str, str]]:
    """(heading, body) blocks of the answer, in order; heading '' for plain text."""
    if answer.abstained:
        return [("", escape(answer.text))]
    if answer.timeline is not None:
        blocks = [
            (_heading(e.date, e.kind, ", ".join([e.title, *origin_bits(e.uploaded)])), _sentences(e.sentences, escape) if e.sentences else escape(silent(e)))
            for e in answer.timeline
        ]
        return blocks + ([("", escape(answer.summary))] if answer.summary else [])
    return [("", _sentences(answer.sentences, escape) if answer.sentences else escape(answer.text))]


def footer(answer: Answer, generated: str = "") -> str:
    """'Answer mode: extractive; settings 1a2b…; generated …'."""
    return f"Answer mode: {answer.mode}; settings {answer.settings_hash}" + (f"; {generated}" if generated else "")


def quote_of(c: Citation) -> str:
    return " ".join(c.quote.split())


def answer_text(answer: Answer) -> str:
    """What the copy button puts on the clipboard: plain text, no markup, citations in full."""
    lines = [f"Q: {answer.question}", ""]
    if answer.notice:
        lines += [f"({answer.notice})", ""]
    for heading, body in _blocks(answer):
        lines += ([heading] if heading else []) + [body, ""]
    if answer.citations:
        lines.append("Nearest matches (not an answer):" if answer.abstained else "Sources:")
        for c in answer.citations:
            lines += [f"[{c.number}] {c.reference()}", f"    \u201c{quote_of(c)}\u201d"]
        lines.append("")
    if any(not s.supported for s in answer.sentences):
        lines += [f"UNSUPPORTED marks sentences {UNSUPPORTED_NOTE}.", ""]
    lines += [scope_text(answer.scope), footer(answer)]
    return "\n".join(lines) + "\n"


def answer_markdown(answer: Answer, generated: str = "") -> str:
    """The answer as Markdown: each source its own paragraph and its quote a blockquote, so
    it renders the same in any Markdown viewer; document text escaped, never formatting."""
    lines = [f"# {md_text(answer.question)}", ""]
    if answer.notice:
        lines += [f"> {md_text(answer.notice)}", ""]
    for heading, body in _blocks(answer, md_text):
        lines += ([f"## {md_text(heading)}", ""] if heading else []) + [body, ""]
    if answer.citations:
        lines += ["## Nearest matches (not an answer)" if answer.abstained else "## Sources", ""]
        for c in answer.citations:
            lines += [f"**[{c.number}]** {md_text(c.reference())}", "", f"> \u201c{md_text(quote_of(c))}\u201d", ""]
    lines += ["---", "", f"*{md_text(scope_text(answer.scope))}*", "", f"*{md_text(footer(answer, generated))}*"]
    return "\n".join(lines) + "\n"


def answer_docx(answer: Answer, path: Path, generated: str = "") -> Path:
    """The answer as a Word document: the question, the answer with superscript citation
    numbers, the sources in full, and the scope and settings in the page footer."""
    from docx.shared import Pt, RGBColor

    doc = new_document(answer.question, "An answer quoted from the inspection documents")
    doc.add_heading(answer.question, level=1)
    scope = doc.add_paragraph()
    run = scope.add_run(scope_text(answer.scope))
    run.italic, run.font.size, run.font.color.rgb = True, Pt(9), RGBColor(0x59, 0x59, 0x59)
    if answer.notice:
        doc.add_paragraph(answer.notice).runs[0].italic = True
    for heading, body in _blocks(answer):
        if heading:
            doc.add_heading(heading, level=2)
        p = doc.add_paragraph()
        for text, number in _split_markers(body):
            run = p.add_run(text if number is None else str(number))
            if number is not None:
                run.font.superscript = run.bold = True
    if answer.citations:
        doc.add_heading("Nearest matches (not an answer)" if answer.abstained else "Sources", level=2)
        for c in answer.citations:
            p = doc.add_paragraph()
            p.add_run(f"[{c.number}] ").bold = True
            p.add_run(c.reference())
            q = doc.add_paragraph(f"\u201c{quote_of(c)}\u201d")
            q.paragraph_format.left_indent = Pt(18)
            q.runs[0].italic = True
    page_footer(doc.sections[0], f"{scope_text(answer.scope)} {footer(answer, generated)}.")
    doc.save(str(path))
    return path


def _split_markers(text: str) -> list[tuple[str, int | None]]:
    """'a [1] b' -> [('a ', None), ('', 1) ... ]: text runs and citation numbers."""
    from rag.cite import MARKER

    out: list[tuple[str, int | None]] = []
    pos = 0
    for m in MARKER.finditer(text):
        out.append((text[pos : m.start()], None))
        out.append(("", int(m.group(1))))
        pos = m.end()
    out.append((text[pos:], None))
    return [(t, n) for t, n in out if t or n is not None]


KEEP_FILES = 2000  # downloads kept in the folder; the oldest go first


def write_downloads(answer: Answer, folder: Path, generated: str = "") -> tuple[Path, Path]:
    """(.md, .docx) files of the answer in ``folder``, named by their content (written once).
    The folder keeps the newest KEEP_FILES files: a long-running app does not fill its disk."""
    markdown = answer_markdown(answer, generated)
    stem = "answer-" + hashlib.sha256(markdown.encode()).hexdigest()[:12]
    md, docx = folder / f"{stem}.md", folder / f"{stem}.docx"
    if not md.exists():
        md.write_text(markdown, encoding="utf-8")
        _prune(folder)
    if not docx.exists():
        answer_docx(answer, docx, generated)
    return md, docx


def _prune(folder: Path) -> None:
    files = sorted(folder.glob("answer-*"), key=lambda p: p.stat().st_mtime)
    for old in files[: max(0, len(files) - KEEP_FILES)]:
        old.unlink(missing_ok=True)
