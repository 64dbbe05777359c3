from pathlib import Path

from rag.clean import clean_pages
from rag.load import read_document
from rag.records import Page

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
REPORT_2014 = "2014-06-30-ofsted-report-help-protection-looked-after-lscb.pdf"


def cleaned(name: str) -> str:
    if name.endswith(".pdf"):
        return clean_pages(read_document(CORPUS / name)[0])[0]
    return clean_pages([Page(None, (CORPUS / name).read_text(encoding="utf-8"))])[0]


def test_hard_wrapped_lines_are_unwrapped():
    text = cleaned("2024-12-04-ofsted-letter-fifth-monitoring-visit.txt")
    assert (
        "This letter summarises the findings of the monitoring visit to Herefordshire children's "
        "services on 22 and 23 October 2024." in text
    )


def test_bullets_and_quotes_are_normalised():
    text = cleaned("2024-12-04-ofsted-letter-fifth-monitoring-visit.txt")
    assert "◼" not in text and "’" not in text
    assert "- The protection of vulnerable children from extra-familial risk." in text


def test_stray_html_tags_go():
    text, _ = clean_pages([Page(None, "<p>One finding.</p> <p>Another.</p>")])
    assert "<p>" not in text and "</p>" not in text


def test_a_real_report_keeps_its_paragraph_numbers_and_judgement_lines():
    text = cleaned(REPORT_2014)
    assert "The overall judgement is requires improvement" in text
    assert "\n\n95. The quality of management oversight in the looked after children team is too variable." in text


def test_letterhead_and_contact_details_are_dropped_but_the_letter_date_stays():
    text = cleaned("2010-07-28-ofsted-letter-contact-referral-assessment.txt")
    assert "enquiries@ofsted.gov.uk" not in text and "0300" not in text and "HR1 1SH" not in text
    assert text.startswith("28 July 2010")
    assert "Copy: Mr Chris Bull" not in text
    assert "Martin Davis Her Majesty's Inspector" in text  # the signature is content


def test_paragraph_cut_by_a_page_break_is_joined():
    text = cleaned(REPORT_2014)
    assert "inspection in 2010 which judged the services as good." in text
    text = cleaned("2010-07-28-ofsted-letter-contact-referral-assessment.txt")
    assert "difficult for social workers and managers to understand the family history" in text


def test_headings_are_kept_as_their_own_blocks():
    text = cleaned("2024-12-04-ofsted-letter-fifth-monitoring-visit.txt")
    assert "\n\nHeadline findings\n\n" in text
    assert "\n\nFindings and evaluation of progress\n\n" in text


def test_words_hyphenated_across_lines_are_joined_unless_the_document_hyphenates_them():
    text, _ = clean_pages([Page(None, "The assess-\nment of risk was weak in extra-\nfamilial cases. Extra-familial harm.")])
    assert "assessment of risk" in text
    assert "extra-familial cases" in text


def test_page_offsets_point_at_each_page():
    pages = [Page(1, "First page sentence one.\n"), Page(2, "Second page sentence two."), Page(3, "Third page.")]
    text, starts = clean_pages(pages)
    for offset, number in starts:
        assert text[offset:].startswith({1: "First", 2: "Second", 3: "Third"}[number])


def test_script_tags_are_kept_as_text_not_stripped():
    text, _ = clean_pages([Page(None, "Before <script>alert(1)</script> after. <p>Para</p>")])
    assert "<script>alert(1)</script>" in text and "<p>" not in text


def test_a_finding_that_mentions_a_link_or_an_address_stays():
    text, _ = clean_pages([Page(None, "12. Inspectors found that the plan, at www.example.gov.uk/plan, was not driving change.\n\n"
                                      "Leaders can be reached at director@example.gov.uk, and they replied within a day to every concern raised.")])
    assert "www.example.gov.uk/plan, was not driving change." in text
    assert "director@example.gov.uk, and they replied" in text


def test_contact_lines_of_a_letterhead_go():
    text, _ = clean_pages([Page(None, "Ofsted\nT 0300 123 1231\nenquiries@example.gov.uk\nwww.gov.uk/ofsted\n\n2 August 2023\n\nThe letter says something.")])
    assert "0300" not in text and "enquiries@" not in text and "www.gov.uk" not in text
    assert "The letter says something." in text


def test_cleaning_is_linear_on_adversarial_lines():
    """Long runs that made the old contact and markup patterns backtrack quadratically (a
    150k-character 'a-a-a-' line took 27 s; a million characters would take about an hour)
    now clean in well under the generous ceiling, for every shape of run tried."""
    import time

    runs = ["a-" * 500_000, "a." * 500_000, "a@" * 300_000, "**" * 300_000 + "x", "www." + "a" * 900_000,
            "0" * 900_000, ("assess-\nment " * 60_000), "A1 1AA " * 120_000, "x" * 1_000_000]
    for run in runs:
        t0 = time.perf_counter()
        clean_pages([Page(None, run)])
        assert time.perf_counter() - t0 < 60, run[:20]


WRAPPED = """Children in Barset are well cared for and the services that support the most
vulnerable children and their families have continued to improve over the last year.
What needs to improve?
◼ The timeliness of assessments for children who are referred by partner agencies.
◼ Manageable caseloads and workload support for social workers and their managers.
Leaders know their services well and have a clear plan for the areas that need work,
which they review with partners every quarter and report to the council's cabinet.
How do leaders know it works?
They audit cases every month and share what they learn with every team in the service.
"""


def test_a_short_question_before_a_list_is_its_heading_even_after_a_line_at_the_margin():
    from rag.chunk import blocks_of

    text, _ = clean_pages([Page(1, WRAPPED)])
    assert "\n\nWhat needs to improve?\n\n- The timeliness" in text
    heading = next(b for b in blocks_of(text) if b.text.startswith("What needs"))
    assert heading.kind == "heading"
    # a question run on in a paragraph, with no list after it, stays in its paragraph
    assert "every quarter and report to the council's cabinet. How do leaders know it works?" in text
