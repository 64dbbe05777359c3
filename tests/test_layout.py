"""Page layout on real published pages (pypdf's text of Ofsted PDFs from several councils,
both frameworks, in tests/fixtures/ofsted-pages.json): furniture goes, tables read as rows."""

import json
from pathlib import Path

import pytest

from rag.clean import clean_pages
from rag.layout import FOOTNOTE, read_layout
from rag.records import Page

FIXTURES = json.loads((Path(__file__).parent / "fixtures" / "ofsted-pages.json").read_text(encoding="utf-8"))


def pages_of(name: str) -> list[Page]:
    doc = FIXTURES[name]
    return [Page(int(n), text) for n, text in sorted(doc["pages"].items(), key=lambda kv: int(kv[0]))]


def text_of(name: str) -> str:
    return clean_pages(pages_of(name))[0]


@pytest.mark.parametrize(
    ("name", "rows"),
    [
        ("barnet--07-july-2017.pdf", ["Children who need help and protection:\tInadequate", "Adoption performance:\tRequires improvement"]),
        ("devon--12-may-2015.pdf", ["Children looked after and achieving permanence:\tRequires Improvement", "Experiences and progress of care leavers:\tInadequate"]),
        ("bradford--31-january-2023.pdf", ["Overall effectiveness:\tInadequate"]),
        ("barnet--23-july-2024.pdf", ["The experiences and progress of children in care:\tOutstanding", "Overall effectiveness:\tGood"]),
        ("bath-and-north-east-somerset--05-august-2025.pdf", ["The experiences and progress of care leavers:\tGood"]),
        ("east-riding-of-yorkshire--13-march-2020.pdf", ["The experiences and progress of children in care and care leavers:\tGood"]),
        ("blackpool--28-july-2026.pdf", ["The experiences and progress of care leavers:\tOutstanding"]),
    ],
)
def test_judgement_tables_become_one_line_a_row(name, rows):
    text = text_of(name)
    for row in rows:
        assert f"\n{row}\n" in text, row


def test_a_row_keeps_its_grade_as_the_table_writes_it():
    raw = (
        "Judgement Grade\nThe impact of leaders on social work\npractice with children and families\nRequires improvement\nto be good\n"
        "The experiences and progress of\nchildren who need help and protection\nGood\nOverall effectiveness Requires improvement to be good\n"
    )
    text = clean_pages([Page(1, raw), Page(2, "More.\n")])[0]
    assert "\nThe impact of leaders on social work practice with children and families:\tRequires improvement to be good\n" in text
    assert "\nOverall effectiveness:\tRequires improvement to be good\n" in text


def test_a_statement_of_a_grade_is_prose_not_a_row():
    text = text_of("barnet--07-july-2017.pdf")
    assert "Children's services in Barnet are inadequate" in text
    assert "are:\tInadequate" not in text


def test_running_headers_and_page_numbers_go():
    raw = pages_of("bradford--31-january-2023.pdf")
    assert "Inspection of City of Bradford Metropolitan Borough Council local authority children" in raw[1].text
    text = text_of("bradford--31-january-2023.pdf")
    assert text.count("Inspection of City of Bradford") == 1  # the title on page 1 only
    assert "\n2\n" not in text and not any(line.strip().isdigit() for line in text.splitlines())


def test_footnotes_are_their_own_blocks_and_their_markers_go():
    laid = read_layout(pages_of("devon--12-may-2015.pdf"))
    first = laid[0].text
    assert FOOTNOTE + "1 Ofsted produces this report" in first
    assert "Board1" not in first and "protection.2" not in first
    text = text_of("devon--12-may-2015.pdf")
    assert "\n\n1 Ofsted produces this report under its power" in text and FOOTNOTE not in text


def test_the_contents_page_goes():
    text = text_of("barking-and-dagenham--07-july-2014.pdf")
    assert "Contents" not in text
    assert "Information about this inspection 7" not in text


def test_the_publishers_back_page_goes():
    for name in FIXTURES:
        text = text_of(name)
        assert "enquiries@ofsted.gov.uk" not in text and "Piccadilly Gate" not in text, name


def test_a_paragraph_cut_by_a_page_break_and_a_footnote_is_one_block():
    pages = [
        Page(1, "Title\n1\n12. Inspectors found that the plan1 was not driving change because leaders did\n \n1 A footnote about plans.\n"),
        Page(2, "Title\n2\nnot review it. Nothing else.\n13. Next paragraph.\n"),
        Page(3, "Title\n3\nMore.\n"),
    ]
    text, starts = clean_pages(pages)
    assert "the plan was not driving change because leaders did not review it." in text
    assert "\n\n1 A footnote about plans." in text
    assert dict((n, o) for o, n in starts)[2] <= text.index("not review it")

