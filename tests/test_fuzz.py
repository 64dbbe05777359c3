"""Fuzzing the cleaning and chunking stages: they never crash and never lose text."""

from hypothesis import HealthCheck, given, settings, strategies as st

from rag.chunk import chunk
from rag.clean import clean
from rag.records import Page, SourceDoc

PIECES = st.sampled_from(
    ["Management oversight", "is weak.", "\n", "\n\n", "\t", "- ", "◼ ", "53. ", "1. ", "<p>", "</p>", "<script>",
     "Dear Sir", "Yours sincerely", "28 July 2010", "enquiries@ofsted.gov.uk", "assess-\nment", "’", "“quoted”",
     "Strengths", "\f", "  ", "é", "字", "\x00", "\r\n", "www.example.org", "HR4 0LE", "e.g.", "Mr.", "?", "!"]
)
TEXT = st.lists(st.one_of(PIECES, st.text(max_size=30)), max_size=60).map("".join)
DOC = SourceDoc("fuzz", "fuzz.txt", "Fuzz", "report", None, "h")


def words_per_token(s: str) -> int:
    return len(s.split()) + 2


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(TEXT, min_size=1, max_size=4), st.integers(min_value=50, max_value=230))
def test_clean_and_chunk_never_crash_and_never_lose_text(pages, max_tokens):
    cleaned = clean(DOC, [Page(i + 1, t) for i, t in enumerate(pages)])
    assert all(0 <= off <= len(cleaned.text) for off, _ in cleaned.page_starts)
    chunks = chunk(cleaned, max_tokens, words_per_token)
    covered = bytearray(len(cleaned.text))
    for c in chunks:
        assert cleaned.text[c.start : c.end] == c.text
        assert words_per_token(c.embed_text) <= max_tokens or len(c.text.split()) <= 1
        covered[c.start : c.end] = b"\x01" * (c.end - c.start)
    lost = "".join(ch for ch, ok in zip(cleaned.text, covered) if not ok)
    assert lost.strip() == ""
