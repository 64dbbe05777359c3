"""Checks on the evaluation question sets: eval/questions.jsonl (the shipped corpus) and
eval/national.jsonl (../shared/ofsted, checked when that folder is present).

Independent of the package under test: documents are read with pypdf and plain file reads,
never through rag. Every per-question check is parametrised by question id, so a failure
names the question to fix.
"""

import json
import re
from collections import Counter
from functools import lru_cache
from pathlib import Path

import pytest

from eval.split import assign

ROOT = Path(__file__).parent.parent
SETS = {
    "herefordshire": (ROOT / "eval" / "questions.jsonl", ROOT / "corpus"),
    "national": (ROOT / "eval" / "national.jsonl", ROOT.parent / "shared" / "ofsted"),
}
REQUIRED_KEYS = {"id", "type", "style", "origin", "question", "answer", "key_facts", "sources", "years", "split"}
OPTIONAL_KEYS = {"follows", "councils"}
VALID_TYPES = {
    "single_fact", "numeric", "change_over_time", "multi_doc", "who_when", "comparison", "latest",
    "unanswerable", "false_premise",
}
VALID_STYLES = {"exam", "paraphrase", "keywords", "lowercase", "typo", "title_case", "capitals", "follow_up"}
MIN_QUESTIONS = {"herefordshire": 160, "national": 60}
MAX_KEY_FACT_WORDS = 6
_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-"})


def normalise(text):
    """Straight quotes and dashes, whitespace runs to one space, trimmed."""
    return re.sub(r"\s+", " ", text.translate(_QUOTES)).strip()


def _records(path):
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


RECORDS = {name: _records(path) for name, (path, _) in SETS.items()}
ALL = [(name, r) for name, recs in RECORDS.items() for r in recs]


@lru_cache(maxsize=None)
def document_text(library: str, name: str) -> str | None:
    """The document's whole text (PDF pages joined), normalised; None when it is absent."""
    path = Path(library) / name
    if not path.is_file():
        return None
    if path.suffix == ".pdf":
        from pypdf import PdfReader

        text = " ".join(p.extract_text() or "" for p in PdfReader(path).pages)
    else:
        text = path.read_text(encoding="utf-8")
    return normalise(text)


def by_id(pairs):
    return pytest.mark.parametrize(("name", "rec"), pairs, ids=[f"{n}:{r.get('id')}" for n, r in pairs])


def library_of(name):
    library = SETS[name][1]
    if not library.is_dir():
        pytest.skip(f"{library} is not here (the national library lives outside the repository)")
    return library


# ---------------------------------------------------------------- file level


@pytest.mark.parametrize("name", sorted(SETS))
def test_enough_questions_with_unique_ids(name):
    recs = RECORDS[name]
    assert len(recs) >= MIN_QUESTIONS[name], f"only {len(recs)} questions"
    dupes = [i for i, c in Counter(r["id"] for r in recs).items() if c > 1]
    assert not dupes, f"duplicate ids: {dupes}"


@pytest.mark.parametrize("name", sorted(SETS))
def test_split_is_the_seeded_stratified_one_and_balanced(name):
    recs = RECORDS[name]
    expected = assign(recs)
    assert {r["id"]: r["split"] for r in recs} == expected
    for qtype in {r["type"] for r in recs}:
        splits = Counter(r["split"] for r in recs if r["type"] == qtype)
        # each (type, origin) stratum halves exactly, or leaves one question over
        odd = sum(n % 2 for n in Counter(r.get("origin", "") for r in recs if r["type"] == qtype).values())
        assert abs(splits["dev"] - splits["test"]) <= max(1, odd), (qtype, splits)


def test_half_the_new_questions_were_written_without_sight_of_the_code():
    origins = Counter(r["origin"] for _, r in ALL)
    unseen = sum(c for o, c in origins.items() if o.startswith("unseen"))
    assert unseen >= 80 and unseen >= 0.5 * (len(ALL) - origins["original"])


def test_every_type_and_style_staff_use_is_present():
    recs = RECORDS["herefordshire"]
    assert {r["type"] for r in recs} >= VALID_TYPES - {"comparison", "latest"}
    assert {r["style"] for r in recs} >= {"keywords", "lowercase", "typo", "paraphrase", "title_case", "follow_up"}
    assert {r["type"] for r in RECORDS["national"]} >= {"comparison", "latest", "change_over_time", "unanswerable", "false_premise"}


# ---------------------------------------------------------------- per question


@by_id(ALL)
def test_fields(name, rec):
    assert REQUIRED_KEYS <= set(rec) <= REQUIRED_KEYS | OPTIONAL_KEYS, sorted(set(rec) ^ REQUIRED_KEYS)
    assert rec["type"] in VALID_TYPES and rec["style"] in VALID_STYLES and rec["split"] in ("dev", "test")
    assert isinstance(rec["question"], str) and rec["question"].strip() and rec["answer"].strip()
    for group in rec["key_facts"]:
        assert isinstance(group, list) and group and all(isinstance(p, str) and p.strip() for p in group)
        for phrase in group:
            assert 1 <= len(phrase.split()) <= MAX_KEY_FACT_WORDS, f"key-fact phrase {phrase!r} is too long"
    for src in rec["sources"]:
        assert set(src) == {"doc", "quote"} and src["quote"].strip()
    assert all(isinstance(y, int) and not isinstance(y, bool) for y in rec["years"])
    assert ("follows" in rec) == (rec["style"] == "follow_up"), "a follow-up names the question it follows"


@by_id(ALL)
def test_answerable_have_gold_and_unanswerable_none(name, rec):
    if rec["type"] == "unanswerable":
        assert rec["sources"] == [] and rec["key_facts"] == [] and rec["years"] == []
    else:
        assert rec["sources"] and rec["key_facts"] and rec["years"]


@by_id(ALL)
def test_quotes_and_key_facts_are_in_the_documents(name, rec):
    library = library_of(name)
    texts = []
    for src in rec["sources"]:
        text = document_text(str(library), src["doc"])
        assert text is not None, f"unknown document {src['doc']!r}"
        assert normalise(src["quote"]) in text, f"quote not found in {src['doc']}: {src['quote']!r}"
        texts.append(text)
    haystack = " ".join(texts).lower()
    for group in rec["key_facts"]:
        assert any(normalise(p).lower() in haystack for p in group), f"no phrase of {group!r} in the cited documents"


@by_id([(n, r) for n, r in ALL if r["origin"] == "original" and r["type"] != "unanswerable"])
def test_original_key_facts_are_in_the_gold_quotes(name, rec):
    haystack = normalise(" ".join(s["quote"] for s in rec["sources"])).lower()
    for group in rec["key_facts"]:
        assert any(normalise(p).lower() in haystack for p in group), f"no phrase of {group!r} in the gold quotes"


def _year_of(doc: str) -> int:
    m = re.match(r"((?:19|20)\d\d)-", doc) or re.search(r"-((?:19|20)\d\d)\.\w+$", doc)
    assert m, f"document name {doc!r} gives no year"
    return int(m.group(1))


@by_id(ALL)
def test_years_are_those_of_the_cited_documents(name, rec):
    years = {_year_of(s["doc"]) for s in rec["sources"]}
    assert len(rec["years"]) == len(set(rec["years"])) and set(rec["years"]) == years


@by_id([(n, r) for n, r in ALL if r["type"] == "change_over_time"])
def test_change_over_time_spans_years(name, rec):
    assert len({_year_of(s["doc"]) for s in rec["sources"]}) >= 2


@by_id([(n, r) for n, r in ALL if r["type"] in ("multi_doc", "comparison")])
def test_multi_document_questions_cite_several_documents(name, rec):
    assert len({s["doc"] for s in rec["sources"]}) >= 2
