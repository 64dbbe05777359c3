"""Report facts read from real pages of several councils' reports (both frameworks) and from
the shipped letters: authority, framework, dates, lead inspector, judgements, addressee."""

import json
from pathlib import Path

import pytest

from rag.clean import clean_pages
from rag.facts import read_facts
from rag.load import read_document
from rag.records import Page

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = json.loads((Path(__file__).parent / "fixtures" / "ofsted-pages.json").read_text(encoding="utf-8"))


def facts_of_fixture(name: str):
    pages = [Page(int(n), t) for n, t in sorted(FIXTURES[name]["pages"].items(), key=lambda kv: int(kv[0]))]
    text, starts = clean_pages(pages)
    return read_facts(text, starts), text


def facts_of_file(name: str):
    path = ROOT / "corpus" / name
    pages = read_document(path)[0]
    text, starts = clean_pages(pages)
    return read_facts(text, starts), text


# (file, authority, framework, published, inspection start, end, lead inspector, {area: grade})
CASES = [
    ("barnet--07-july-2017.pdf", "Barnet", "SIF", "2017-07-07", "2017-04-25", "2017-05-18", "",
     {"overall_effectiveness": "inadequate", "help_and_protection": "inadequate", "adoption": "requires improvement",
      "care_leavers": "requires improvement", "impact_of_leaders": "inadequate"}),
    ("devon--12-may-2015.pdf", "Devon", "SIF", "2015-05-12", "2015-02-24", "2015-03-18", "",
     {"overall_effectiveness": "requires improvement", "children_in_care": "requires improvement", "care_leavers": "inadequate"}),
    ("bradford--31-january-2023.pdf", "Bradford", "ILACS standard", "", "2022-11-21", "2022-12-02", "Matt Reed",
     {"overall_effectiveness": "inadequate", "impact_of_leaders": "inadequate", "help_and_protection": "inadequate",
      "children_in_care": "inadequate"}),
    ("barnet--23-july-2024.pdf", "Barnet", "ILACS short", "", "2024-06-10", "2024-06-14", "Naintara Khosla",
     {"overall_effectiveness": "good", "children_in_care": "outstanding", "care_leavers": "good"}),
    ("bath-and-north-east-somerset--05-august-2025.pdf", "Bath and North East Somerset", "ILACS short", "", "2025-06-09",
     "2025-06-13", "Amanda Maxwell", {"overall_effectiveness": "good", "care_leavers": "good"}),
    ("east-riding-of-yorkshire--13-march-2020.pdf", "East Riding of Yorkshire", "ILACS short", "", "2019-12-02",
     "2019-12-06", "Neil Penswick", {"overall_effectiveness": "inadequate", "children_in_care": "good"}),
    ("barking-and-dagenham--07-july-2014.pdf", "Barking and Dagenham", "SIF", "2014-07-07", "2014-04-29", "2014-05-22", "",
     {"overall_effectiveness": "requires improvement", "lscb": "requires improvement"}),
    # the overall judgement said after the dates line, and as 'require improvement to be good' over two lines
    ("derbyshire--11-february-2014.pdf", "Derbyshire", "SIF", "", "2013-11-19", "2013-12-11", "",
     {"overall_effectiveness": "good", "help_and_protection": "good", "children_in_care": "good"}),
    ("manchester--21-december-2017.pdf", "Manchester", "SIF", "2017-12-21", "2017-10-09", "2017-11-02", "",
     {"overall_effectiveness": "requires improvement", "help_and_protection": "requires improvement", "adoption": "good",
      "impact_of_leaders": "good"}),
    ("blackpool--28-july-2026.pdf", "Blackpool", "ILACS standard", "", "2026-06-08", "2026-06-19", "Margaret Burke",
     {"impact_of_leaders": "outstanding", "help_and_protection": "good", "children_in_care": "outstanding", "care_leavers": "outstanding"}),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_facts_of_real_report_pages(case):
    name, authority, framework, published, start, end, lead, grades = case
    facts, text = facts_of_fixture(name)
    assert (facts.authority, facts.framework, facts.published) == (authority, framework, published)
    assert (facts.inspection_start, facts.inspection_end) == (start, end)
    if lead:
        assert facts.lead_inspector == lead
    got = {j.area: j.value for j in facts.judgements}
    assert {a: got.get(a) for a in grades} == grades


def test_each_fact_keeps_the_line_it_came_from_and_its_page():
    facts, text = facts_of_fixture("bradford--31-january-2023.pdf")
    for f in facts.facts:
        assert text[f.start : f.start + len(f.line)].replace("\t", " ") == f.line.replace("\t", " ")
        assert f.page == (2 if f.name == "to_improve" else 1)  # the cover page's facts; the list of what must improve overleaf
    assert facts.of("lead_inspector").line.startswith("Lead inspector: Matt Reed")
    assert [f.value[:40] for f in facts.facts if f.name == "to_improve"][:2] == ["Council and corporate senior leaders sho", "The sufficiency and stability of the wor"]


def test_a_report_without_an_overall_grade_gives_none():
    facts, _ = facts_of_fixture("blackpool--28-july-2026.pdf")
    assert facts.judgement("overall_effectiveness") is None


def test_shipped_reports():
    f14, _ = facts_of_file("2014-06-30-ofsted-report-help-protection-looked-after-lscb.pdf")
    assert (f14.authority, f14.framework, f14.published, f14.lead_inspector) == ("Herefordshire", "SIF", "2014-06-30", "Pietro Battista")
    assert f14.judgement("adoption").value == "good"
    f26, _ = facts_of_file("2026-01-12-ofsted-report-local-authority-childrens-services.pdf")
    assert (f26.framework, f26.inspection_start, f26.lead_inspector) == ("ILACS standard", "2025-11-10", "Rebecca Dubbins")
    assert f26.judgement("impact_of_leaders").value == "outstanding"
    assert f26.judgement("overall_effectiveness").value == "good"
    f18, _ = facts_of_file("2018-07-23-ofsted-report-children-social-care.pdf")
    assert f18.judgement("impact_of_leaders").value == "inadequate" and f18.lead_inspector == "Pauline Higham"


def test_letters_give_their_addressee_visit_number_and_areas():
    text, starts = clean_pages([Page(None, (ROOT / "corpus" / "2024-12-04-ofsted-letter-fifth-monitoring-visit.txt").read_text())])
    f = read_facts(text, starts)
    assert (f.framework, f.visit_number, f.published) == ("monitoring visit", 5, "2024-12-04")
    assert f.addressee.startswith("Tina Russell Interim Corporate Director")
    assert f.inspectors == ("Alison Smale", "Ceri Evans") and f.lead_inspector == "Alison Smale"
    assert f.areas_covered == ("The protection of vulnerable children from extra-familial risk",)
    assert (f.inspection_start, f.inspection_end) == ("2024-10-22", "2024-10-23")


def test_facts_survive_the_catalog_round_trip():
    from rag.records import ReportFacts

    facts, _ = facts_of_fixture("barnet--23-july-2024.pdf")
    assert ReportFacts.from_json(facts.to_json()) == facts


def test_judged_areas_are_read_from_report_labels_and_from_questions():
    from rag.facts import area_of

    assert area_of("The experiences and progress of children in care and care leavers") == "children_in_care"
    assert area_of("The experiences and progress of care leavers") == "care_leavers"
    assert area_of("Children looked after and achieving permanence") == "children_in_care"
    assert area_of("which council looks after its young people in care better?") == "children_in_care"
    assert area_of("how well are care leavers supported?") == "care_leavers"
    assert area_of("how have verdicts on support for young people leaving care moved since 2017?") == "care_leavers"
    assert area_of("care-experienced young people grade 2024") == "care_leavers"


def test_the_list_of_what_must_improve_is_read_in_each_framework():
    from rag.facts import read_facts

    ilacs = "Inspection of Barset local authority children's services\n\nWhat needs to improve?\n\n- The management oversight of the designated officer.\n\n- The identification of private fostering arrangements.\n\nThe experiences and progress of children: good\n\n1. Children benefit from help.\n"
    assert [f.value for f in read_facts(ilacs).facts if f.name == "to_improve"] == [
        "The management oversight of the designated officer", "The identification of private fostering arrangements"]
    sif = "Recommendations\n\n1. Ensure that strategy discussions are held for all children when risk increases.\n\n2. Ensure that private fostering assessments are robust.\n\nSummary for children and young people\n\n- Children are safe.\n"
    assert [f.value for f in read_facts(sif).facts if f.name == "to_improve"] == [
        "Ensure that strategy discussions are held for all children when risk increases", "Ensure that private fostering assessments are robust"]
    staged = "Areas for improvement\n\n22. In order to improve services, the local authority should take the following action.\n\nImmediately:\n\n- improve the quality of supervision\n\nWithin three months:\n\n- reduce caseloads\n\nThe overall effectiveness is adequate.\n"
    assert [f.value for f in read_facts(staged).facts if f.name == "to_improve"] == ["improve the quality of supervision", "reduce caseloads"]
    letter = "Area for priority action\n\nAssessment processes are not always timely and management oversight is inconsistent.\n\nAreas for development\n"
    assert [f.value for f in read_facts(letter).facts if f.name == "to_improve"] == ["Assessment processes are not always timely and management oversight is inconsistent"]
