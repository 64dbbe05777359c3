"""Strength or area for improvement: the heading decides first, then cue words."""

import pytest

from rag.classify import classify, cue_word, main_clause
from rag.records import IMPROVEMENT, STRENGTH


@pytest.mark.parametrize(
    ("sentence", "section", "role"),
    [
        ("Morale is high and social workers have access to training.", "Strengths", STRENGTH),
        ("Processes are well managed.", "The local authority has the following strengths", STRENGTH),
        ("Management oversight and decision making is inconsistent.", "Areas for development", IMPROVEMENT),
        ("Assessment processes are not always timely.", "Area for priority action", IMPROVEMENT),
        ("Ensure that supervision is regular.", "Areas for improvement", IMPROVEMENT),
        ("Since January 2014 management oversight of casework has become more robust.", "Findings", STRENGTH),
        ("The quality of management oversight is too variable.", "Findings", IMPROVEMENT),
        ("Management oversight continues to need improvement.", "Findings", IMPROVEMENT),
        ("Supervision is improving in regularity, but remains inconsistent in its quality.", "", IMPROVEMENT),
        ("Child protection conferences are not well managed.", "", IMPROVEMENT),
        ("Inspectors saw few examples of good supervision records.", "", IMPROVEMENT),
        ("While plans have improved, the quality of practice remains variable.", "", IMPROVEMENT),
        ("Most social workers now benefit from regular management oversight.", "", STRENGTH),
        ("The letter was sent to the council on Monday.", "", ""),
    ],
)
def test_headings_decide_first_then_cue_words(sentence, section, role):
    got, basis = classify(sentence, section)
    assert got == role
    assert (basis.startswith("listed under") if section in ("Strengths", "Areas for development") else True)

def test_a_mixed_heading_leaves_it_to_the_cue_words():
    assert classify("Partnership working is effective.", "Key strengths and weaknesses of the LSCB") == (STRENGTH, "cue words: effective")

def test_the_clause_after_but_decides():
    assert main_clause("Most supervision is regular, but it does not address drift.") == "it does not address drift."
    assert main_clause("Although staff are positive, audits remain limited.") == "audits remain limited."
    assert main_clause("Caseloads are manageable.") == "Caseloads are manageable."


def test_the_cue_word_is_the_most_telling_one():
    assert cue_word("Management oversight is inconsistent and not timely.", IMPROVEMENT) == "inconsistent"
    assert cue_word("Supervision is not yet effective.", STRENGTH) == "effective"
    assert cue_word("The letter was sent.", STRENGTH) == ""
