from hypothesis import given, settings, strategies as st

from rag.text import quotable_spans, sentence_spans


def test_sentences_respect_abbreviations_and_numbers():
    t = "Mr Smith met Dr Jones, e.g. on 3 May. Caseloads fell to 18.5 on average. Done!"
    assert [t[a:b] for a, b in sentence_spans(t)] == [
        "Mr Smith met Dr Jones, e.g. on 3 May.",
        "Caseloads fell to 18.5 on average.",
        "Done!",
    ]


def test_bullets_and_blank_lines_end_sentences():
    t = "Strengths\n\n- Morale is high\n- Training is valued"
    assert [t[a:b] for a, b in sentence_spans(t)] == ["Strengths", "- Morale is high", "- Training is valued"]


def test_quotable_spans_skip_headings_numbers_and_bullet_marks():
    t = "Areas for development\n\n53. Since January 2014 oversight improved.\n\n- Morale is high and stable.\n\nLead inspector: Pietro Battista"
    assert [t[a:b] for a, b in quotable_spans(t)] == [
        "Since January 2014 oversight improved.",
        "Morale is high and stable.",
        "Lead inspector: Pietro Battista",
    ]


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=400))
def test_sentence_spans_are_ordered_and_cover_all_non_space_text(text):
    spans = sentence_spans(text)
    last = 0
    for a, b in spans:
        assert last <= a < b <= len(text)
        assert text[last:a].strip() == ""
        last = b
    assert text[last:].strip() == ""
