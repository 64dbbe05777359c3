"""Export of a hand-made brief: Markdown and Word carry the same sections, quotes and notes."""

import os
import shutil

import pytest

from rag.errors import RagError
from rag.export import ANSWERS, IMPROVEMENTS, SECTIONS, STRENGTHS, TIMELINE_HEADERS, note_groups, slug, to_docx, to_markdown, write
from rag.records import BLANK, IMPROVEMENT, STRENGTH, Brief, Citation, Judgement, QuizQuestion, Quote, Source, TimelineRow

T2010 = "Ofsted letter: annual unannounced inspection of contact, referral and assessment arrangements"
T2014 = "Ofsted report: inspection of services for children in need of help and protection"


def cite(n, doc_id, title, kind, date, quote, paragraph="", section=""):
    return Citation(n, doc_id, title, kind, date, None, paragraph, section, quote, 10 * n, 10 * n + len(quote), "c", quote)


@pytest.fixture
def brief() -> Brief:
    notes = (
        cite(1, "l2010", T2010, "letter", "2010-07-28", "Management oversight and decision making is inconsistent.", section="Areas for development"),
        cite(2, "r2014", T2014, "report", "2014-06-30", "Since January 2014 management oversight of casework has become more robust.", "53", "Findings"),
        cite(3, "r2014", T2014, "report", "2014-06-30", "Oversight of *some* teams | was <script>alert(1)</script> weak.", "54", "Findings"),
        cite(4, "r2014", T2014, "report", "2014-06-30", "The overall judgement is requires improvement", section="Summary"),
        cite(5, "r2014", T2014, "report", "2014-06-30", "1. Children who need help and protection\tRequires improvement", section="Summary"),
        cite(6, "r2014", T2014, "report", "2014-06-30", "2.1 Adoption performance\tGood", section="Summary"),
    )
    q = {n.number: Quote(" ".join(n.quote.split()), n.number) for n in notes}
    robust = Quote(notes[1].quote, 2, STRENGTH, "cue words: robust")
    weak = Quote(notes[0].quote, 1, IMPROVEMENT, "listed under 'Areas for development'")
    return Brief(
        topic="management oversight",
        since=None,
        until=None,
        kinds=(),
        timeline=(
            TimelineRow("l2010", T2010, "letter", "2010-07-28", (weak,)),
            TimelineRow("r2014", T2014, "report", "2014-06-30", (robust, q[3])),
            TimelineRow("n2023", "Local news article", "news", "2023-06-15", ()),
        ),
        strengths=(robust,),
        improvements=(weak,),
        judgements=(
            Judgement("r2014", "report", "2014-06-30", q[4]),
            Judgement("r2014", "report", "2014-06-30", q[5], ("1. Children who need help and protection", "Requires improvement")),
            Judgement("r2014", "report", "2014-06-30", q[6], ("2.1 Adoption performance", "Good")),
        ),
        quiz=(
            QuizQuestion("According to the 2014 report (paragraph 53), what happened to management oversight of casework from January 2014?", robust, "become more robust"),
            QuizQuestion(f"Fill the gap in this sentence from the 2010 letter: \u201cManagement oversight and decision making is {BLANK}.\u201d", weak, "inconsistent"),
        ),
        sources=(
            Source("l2010", T2010, "letter", "2010-07-28", "Ofsted, letter of 28 July 2010 (Crown copyright)", True),
            Source("r2014", T2014, "report", "2014-06-30", "Ofsted, report published 30 June 2014 (Crown copyright)", True),
            Source("n2023", "Local news article", "news", "2023-06-15", "", False),
        ),
        notes=notes,
        settings_hash="abc123",
        created="2025-01-31",
    )


def test_markdown_has_every_section_in_order_and_the_timeline_table(brief):
    md = to_markdown(brief)
    assert md.startswith("# Induction brief: management oversight\n")
    positions = [md.index(f"\n## {s}\n") for s in SECTIONS]
    assert positions == sorted(positions)
    assert "| Date | Document | What it said |" in md
    assert "| 15\u00a0June\u00a02023 | News article (secondary source) | *Says nothing on this topic.* |" in md
    assert "robust.\u201d [2]<br>\u201cOversight of" in md
    assert "\u201cSince January 2014 management oversight of casework has become more robust.\u201d [2]" in md
    assert "| 2.1 Adoption performance | Good [6] |" in md
    assert f"### {STRENGTHS}" in md and f"### {IMPROVEMENTS}" in md and f"### {ANSWERS}" in md
    assert "has **become more robust**.\u201d [2]" in md
    assert f"decision making is {BLANK}." in md  # the blank is not escaped into \_\_


def test_markdown_shows_document_text_literally(brief):
    md = to_markdown(brief)
    assert "<script>" not in md and r"\<script\>" in md
    assert r"\*some\* teams \| was" in md


def test_notes_pointing_to_the_same_place_are_grouped(brief):
    groups = note_groups(brief)
    assert [g for g, _ in groups] == ["1", "2", "3", "4\u20136"]
    assert groups[0][1].startswith(T2010) and "section 'Areas for development'" in groups[0][1]
    assert f"- [4\u20136] {T2014} (report, 30 June 2014), section 'Summary'." in to_markdown(brief)


def test_docx_has_real_headings_the_timeline_table_and_superscript_notes(brief, tmp_path):
    from docx import Document

    path = to_docx(brief, tmp_path / "b.docx")
    doc = Document(str(path))
    styled = [(p.style.name, p.text) for p in doc.paragraphs if p.style.name in ("Title", "Heading 1", "Heading 2")]
    assert styled[0] == ("Title", "Induction brief: management oversight")
    assert [t for s, t in styled if s == "Heading 1"] == list(SECTIONS)
    assert {STRENGTHS, IMPROVEMENTS, ANSWERS, "The report of 30 June 2014"} <= {t for s, t in styled if s == "Heading 2"}
    timeline = doc.tables[0]
    assert [c.text for c in timeline.rows[0].cells] == list(TIMELINE_HEADERS)
    assert [r.cells[0].text for r in timeline.rows[1:]] == ["28 July 2010", "30 June 2014", "15 June 2023"]
    assert timeline.rows[3].cells[2].text == "Says nothing on this topic."
    assert "Oversight of *some* teams | was <script>alert(1)</script> weak." in timeline.rows[2].cells[2].text
    supers = [r.text for p in timeline.rows[2].cells[2].paragraphs for r in p.runs if r.font.superscript]
    assert supers == ["2", "3"]
    grades = doc.tables[1]
    assert [[c.text for c in r.cells] for r in grades.rows] == [["Judgement", "Grade"], ["1. Children who need help and protection", "Requires improvement5"], ["2.1 Adoption performance", "Good6"]]
    notes = [p.text for p in doc.paragraphs[[p.text for p in doc.paragraphs].index("Notes") + 1 :]]
    assert notes[0].startswith(f"1.\t{T2010}") and notes[-1].startswith("4\u20136.\t")
    answers = [p for p in doc.paragraphs if p.text.startswith("1.\t\u201cSince January")]
    assert [r.text for r in answers[0].runs if r.bold] == ["become more robust", "2"]
    assert "abc123" in doc.sections[0].footer.paragraphs[0].text
    props = doc.core_properties
    assert props.author == props.last_modified_by == "Inspection documents app"
    assert "python-docx" not in f"{props.author} {props.last_modified_by} {props.comments}"
    assert props.created.year >= 2025 and props.title == "Induction brief: management oversight"


def test_write_checks_format_and_folder(brief, tmp_path):
    assert write(brief, tmp_path / "b.md", "md").read_text(encoding="utf-8") == to_markdown(brief)
    with pytest.raises(RagError, match="unknown format"):
        write(brief, tmp_path / "b.rtf", "rtf")
    with pytest.raises(RagError, match="does not exist"):
        write(brief, tmp_path / "nowhere" / "b.docx", "docx")
    assert slug("Return home interviews?") == "return-home-interviews"


def _office_or_skip() -> None:
    """LibreOffice must be there in CI (`scripts/setup test` installs it); elsewhere its
    absence skips the PDF tests."""
    if shutil.which("libreoffice") or shutil.which("soffice"):
        return
    if os.environ.get("CI"):
        pytest.fail("LibreOffice is not installed: `scripts/setup test` installs libreoffice-writer-nogui")
    pytest.skip("LibreOffice is not installed (`scripts/setup test` installs it)")


@pytest.mark.integration
def test_pdf_is_made_from_the_docx(brief, tmp_path):
    from pypdf import PdfReader

    _office_or_skip()
    path = write(brief, tmp_path / "b.pdf", "pdf")
    assert path.read_bytes()[:5] == b"%PDF-"
    text = " ".join((page.extract_text() or "") for page in PdfReader(str(path)).pages)
    assert "Induction brief: management oversight" in " ".join(text.split())
    assert not list(tmp_path.glob("*.docx"))  # the .docx it was made from stayed in its own folder
