"""The vocabulary of dates and grades: the patterns briefs find judgements and dates with."""

from rag import vocabulary as v


def test_grade_words_include_the_earlier_frameworks():
    assert v.GRADE_WORDS[:4] == v.GRADES and {"adequate", "performs poorly"} <= set(v.GRADE_WORDS)
    assert v.GRADE_WORD.search("The service performs poorly.").group(0) == "performs poorly"


def test_judgement_statements():
    assert v.OVERALL_JUDGEMENT.search("Intro\nThe overall judgement is requires improvement\nMore")
    assert v.JUDGEMENT_ROW.search("2.1 Adoption performance\tGood")
    assert not v.JUDGEMENT_ROW.search("Adoption performance is good")
    assert v.EFFECTIVENESS_LINE.search("The effectiveness of the Local Safeguarding Children Board (LSCB) requires improvement")
    assert v.JUDGED_WHEN.search("since the council was judged inadequate in July 2022")
    assert v.JUDGED.search("The council was judged to be 'good'.") and not v.JUDGED_WHEN.search("The council was judged to be good.")
    assert v.LIMITING_JUDGEMENT.search("This is a limiting judgement.")
    assert v.GRADED_HEADING.search("Leadership and management requires improvement")


def test_date_mentions():
    found = [m.group(0) for m in v.DATE_MENTION.finditer("In March 2009, on 5th June and in 2014, seven children")]
    assert found == ["March 2009", "5th June", "2014"]
