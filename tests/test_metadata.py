import datetime as dt
from pathlib import Path

from rag.metadata import describe, extract_facts, load_manifest

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


def test_manifest_covers_every_shipped_document_with_its_facts():
    manifest = load_manifest(CORPUS)
    files = {p.name for p in CORPUS.glob("*.txt")}
    assert set(manifest) == files
    for entry in manifest.values():
        for key in ("id", "title", "kind", "date", "period_start", "period_end", "authority", "source"):
            assert entry.get(key), (entry["file"], key)


def test_manifest_facts_win_and_say_so():
    name = "2014-06-30-ofsted-report-help-protection-looked-after-lscb.txt"
    data = (CORPUS / name).read_bytes()
    doc = describe(CORPUS / name, data, "", load_manifest(CORPUS)[name])
    assert doc.doc_id == "ofsted-2014-06-report" and doc.date == dt.date(2014, 6, 30)
    assert doc.provenance["date"] == "manifest"


def test_facts_are_extracted_from_a_report_without_manifest():
    text = (CORPUS / "2014-06-30-ofsted-report-help-protection-looked-after-lscb.txt").read_text()
    facts = extract_facts(text)
    assert facts["date"] == dt.date(2014, 6, 30)
    assert facts["provenance"]["date"] == "extracted: 'Report published' line"
    assert facts["kind"] == "report" and facts["period"].startswith("29 April 2014")


def test_facts_are_extracted_from_a_letter_without_manifest(tmp_path):
    text = (CORPUS / "2023-08-02-ofsted-letter-second-monitoring-visit.txt").read_text()
    p = tmp_path / "Some Letter.txt"
    doc = describe(p, text.encode(), text, None)
    assert doc.date == dt.date(2023, 8, 2) and doc.kind == "letter"
    assert doc.provenance["date"] == "extracted: letter date line"
    assert doc.title.startswith("Letter: Monitoring visit to Herefordshire")
    assert doc.period == "28 and 29 June 2023"
    assert doc.doc_id == "some-letter"


def test_a_change_to_the_manifest_entry_changes_the_content_hash():
    name = "2023-06-15-news-first-monitoring-visit.txt"
    data = (CORPUS / name).read_bytes()
    entry = dict(load_manifest(CORPUS)[name])
    a = describe(CORPUS / name, data, "", entry)
    entry["title"] = "Another title"
    b = describe(CORPUS / name, data, "", entry)
    assert a.content_hash != b.content_hash
