"""Checks on the evaluation question set in eval/questions.jsonl.

Stdlib + pytest only. Every per-question check is parametrised by question id,
so a failure names the question to fix.
"""

import json
import re
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
QUESTIONS_PATH = ROOT / "eval" / "questions.jsonl"
CORPUS_DIR = ROOT / "corpus"

EXPECTED_KEYS = {"id", "type", "question", "answer", "key_facts", "sources", "years"}
VALID_TYPES = {
    "single_fact",
    "numeric",
    "change_over_time",
    "multi_doc",
    "who_when",
    "unanswerable",
    "false_premise",
}
# Allowed share of the whole set for each type (inclusive bounds).
TYPE_SHARE_BANDS = {
    "single_fact": (0.20, 0.40),
    "numeric": (0.05, 0.20),
    "change_over_time": (0.10, 0.25),
    "multi_doc": (0.05, 0.15),
    "who_when": (0.05, 0.15),
    "unanswerable": (0.10, 0.20),
    "false_premise": (0.05, 0.15),
}
MIN_QUESTIONS = 80
MAX_KEY_FACT_WORDS = 4


def normalise(text):
    """Collapse every whitespace run to a single space and trim."""
    return re.sub(r"\s+", " ", text).strip()


def _read_lines():
    if not QUESTIONS_PATH.exists():
        return []
    lines = QUESTIONS_PATH.read_text(encoding="utf-8").splitlines()
    return [(n, line) for n, line in enumerate(lines, 1) if line.strip()]


def _parse_records(lines):
    records = []
    for n, line in lines:
        try:
            obj = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(obj, dict):
            records.append(obj)
    return records


LINES = _read_lines()
RECORDS = _parse_records(LINES)


def _record_id(rec):
    rid = rec.get("id")
    return rid if isinstance(rid, str) and rid else repr(rid)


def _load_corpus():
    return {
        p.name: normalise(p.read_text(encoding="utf-8"))
        for p in sorted(CORPUS_DIR.glob("*.txt"))
    }


CORPUS = _load_corpus()

ANSWERABLE = [r for r in RECORDS if r.get("type") != "unanswerable"]
UNANSWERABLE = [r for r in RECORDS if r.get("type") == "unanswerable"]


def by_id(records):
    return pytest.mark.parametrize("rec", records, ids=[_record_id(r) for r in records])


# ---------------------------------------------------------------- file level


def test_questions_file_exists():
    assert QUESTIONS_PATH.exists(), f"missing {QUESTIONS_PATH}"


def test_corpus_present():
    assert CORPUS, f"no .txt documents found in {CORPUS_DIR}"


@pytest.mark.parametrize("lineno,line", LINES, ids=[f"line{n}" for n, _ in LINES])
def test_line_is_json_object_with_exact_keys(lineno, line):
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        pytest.fail(f"line {lineno} is not valid JSON: {exc}")
    assert isinstance(obj, dict), f"line {lineno} is not a JSON object"
    assert set(obj) == EXPECTED_KEYS, (
        f"line {lineno} ({obj.get('id')!r}) keys {sorted(obj)} != {sorted(EXPECTED_KEYS)}"
    )


def test_enough_questions():
    assert len(RECORDS) >= MIN_QUESTIONS, f"only {len(RECORDS)} questions"
    assert len(RECORDS) == len(LINES), "some non-empty lines did not parse as JSON objects"


def test_ids_unique():
    counts = Counter(_record_id(r) for r in RECORDS)
    dupes = sorted(i for i, c in counts.items() if c > 1)
    assert not dupes, f"duplicate ids: {dupes}"


@pytest.mark.parametrize("qtype", sorted(TYPE_SHARE_BANDS))
def test_type_share_within_band(qtype):
    total = len(RECORDS)
    assert total, "no questions"
    share = sum(1 for r in RECORDS if r.get("type") == qtype) / total
    low, high = TYPE_SHARE_BANDS[qtype]
    assert low <= share <= high, f"{qtype}: share {share:.1%} outside [{low:.0%}, {high:.0%}]"


# ---------------------------------------------------------------- per question


@by_id(RECORDS)
def test_field_types(rec):
    assert isinstance(rec["id"], str) and re.fullmatch(r"q\d{3,}", rec["id"]), rec["id"]
    assert rec["type"] in VALID_TYPES, f"invalid type {rec['type']!r}"
    assert isinstance(rec["question"], str) and rec["question"].strip()
    assert isinstance(rec["answer"], str) and rec["answer"].strip()
    assert isinstance(rec["key_facts"], list)
    for group in rec["key_facts"]:
        assert isinstance(group, list) and group, f"empty or non-list key-fact group {group!r}"
        for phrase in group:
            assert isinstance(phrase, str) and phrase.strip(), f"bad phrase {phrase!r}"
    assert isinstance(rec["sources"], list)
    for src in rec["sources"]:
        assert isinstance(src, dict) and set(src) == {"doc", "quote"}, f"bad source {src!r}"
        assert isinstance(src["doc"], str) and isinstance(src["quote"], str)
        assert src["quote"].strip(), "empty quote"
    assert isinstance(rec["years"], list)
    for y in rec["years"]:
        assert isinstance(y, int) and not isinstance(y, bool), f"year {y!r} is not an int"


@by_id(RECORDS)
def test_key_fact_phrases_are_short(rec):
    for group in rec["key_facts"]:
        for phrase in group:
            n = len(phrase.split())
            assert 1 <= n <= MAX_KEY_FACT_WORDS, f"key-fact phrase {phrase!r} has {n} words"


@by_id(ANSWERABLE)
def test_answerable_has_sources_and_key_facts(rec):
    assert rec["sources"], "answerable question has no sources"
    assert rec["key_facts"], "answerable question has no key facts"
    assert rec["years"], "answerable question has no years"


@by_id(UNANSWERABLE)
def test_unanswerable_has_no_gold(rec):
    assert rec["sources"] == [], "unanswerable question must have no sources"
    assert rec["key_facts"] == [], "unanswerable question must have no key facts"
    assert rec["years"] == [], "unanswerable question must have no years"


@by_id(RECORDS)
def test_source_docs_exist(rec):
    for src in rec["sources"]:
        assert src["doc"] in CORPUS, f"unknown corpus document {src['doc']!r}"


@by_id(RECORDS)
def test_quotes_found_in_documents(rec):
    for src in rec["sources"]:
        doc_text = CORPUS.get(src["doc"])
        assert doc_text is not None, f"unknown corpus document {src['doc']!r}"
        quote = normalise(src["quote"])
        assert quote in doc_text, f"quote not found in {src['doc']}: {src['quote']!r}"


@by_id(ANSWERABLE)
def test_key_facts_found_in_source_documents(rec):
    docs = []
    for name in dict.fromkeys(s["doc"] for s in rec["sources"]):
        assert name in CORPUS, f"unknown corpus document {name!r}"
        docs.append(CORPUS[name])
    haystack = " ".join(docs).lower()
    for group in rec["key_facts"]:
        assert any(normalise(p).lower() in haystack for p in group), (
            f"no phrase of key-fact group {group!r} found in the source documents"
        )


@by_id(ANSWERABLE)
def test_key_facts_found_in_gold_quotes(rec):
    haystack = normalise(" ".join(s["quote"] for s in rec["sources"])).lower()
    for group in rec["key_facts"]:
        assert any(normalise(p).lower() in haystack for p in group), (
            f"no phrase of key-fact group {group!r} found in the gold quotes"
        )


@by_id(RECORDS)
def test_years_match_source_documents(rec):
    for s in rec["sources"]:
        assert s["doc"][:4].isdigit(), f"document name {s['doc']!r} does not start with a year"
    doc_years = {int(s["doc"][:4]) for s in rec["sources"]}
    assert len(rec["years"]) == len(set(rec["years"])), f"duplicate years {rec['years']}"
    assert set(rec["years"]) == doc_years, (
        f"years {rec['years']} != years of source documents {sorted(doc_years)}"
    )


@by_id([r for r in RECORDS if r.get("type") == "change_over_time"])
def test_change_over_time_spans_years(rec):
    years = {int(s["doc"][:4]) for s in rec["sources"]}
    assert len(years) >= 2, f"change_over_time question draws on only {sorted(years)}"


@by_id([r for r in RECORDS if r.get("type") == "multi_doc"])
def test_multi_doc_uses_several_documents(rec):
    docs = {s["doc"] for s in rec["sources"]}
    assert len(docs) >= 2, f"multi_doc question cites only {sorted(docs)}"
