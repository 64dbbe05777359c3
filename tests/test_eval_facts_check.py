"""The facts check compares report facts with an independent record, field by field."""

from eval import facts_check
from eval.facts_check import Read, compare, markdown, read_of
from rag.records import Fact, ReportFacts


def facts(grade: str = "good") -> ReportFacts:
    return ReportFacts(
        authority="Barset", framework="ILACS standard", published="2026-01-16", lead_inspector="Ann Example",
        inspection_start="2025-11-03", inspection_end="2025-11-14",
        facts=(Fact("judgement", grade, f"Overall effectiveness\t{grade.capitalize()}", 0, 1, "overall_effectiveness"),
               Fact("lead_inspector", "Ann Example", "Lead inspector: Ann Example", 40, 1)),
    )


def test_fields_are_read_from_the_facts():
    r = read_of("barset-2026.pdf", facts())
    assert r.values["authority"] == "barset" and r.values["framework"] == "standard"
    assert r.values["overall_effectiveness"] == "good" and r.values["lead_inspector"] == "Ann Example"
    assert r.lines["lead_inspector"] == "Lead inspector: Ann Example"


def test_agreement_and_disagreement_are_counted_and_listed():
    reads = [read_of("a.pdf", facts()), read_of("b.pdf", facts("inadequate")), Read("c.pdf", {}, {}, error="not a PDF")]
    row = {"local_authority": "Barset", "overall_effectiveness": "Good", "lead_inspector": "Ann Example",
           "publication_date": "2026-01-16", "inspection_framework": "standard", "impact_of_leaders": "not_reported_post_reform"}
    stats, wrong = compare(reads, {"a.pdf": row, "b.pdf": row, "c.pdf": row})
    assert stats["overall_effectiveness"] == (1, 1, 0)
    assert stats["lead_inspector"] == (2, 0, 0) and stats["impact_of_leaders"] == (0, 0, 2)
    assert wrong == [("b.pdf", "overall_effectiveness", "Good", "inadequate", "Overall effectiveness\tInadequate")]
    text = markdown(stats, wrong, reads)
    assert "| overall_effectiveness | 1 | 1 | 50.0% | 0 |" in text and "- c.pdf: not a PDF" in text


def test_requires_improvement_wordings_agree():
    assert facts_check._norm("overall_effectiveness", "Requires improvement to be good") == "requires improvement"
