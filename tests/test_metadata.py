import datetime as dt
from pathlib import Path

from rag.clean import clean_pages
from rag.facts import read_facts
from rag.load import read_document
from rag.metadata import date_in_name, describe, load_manifest
from rag.records import Page

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


def test_manifest_covers_every_shipped_document():
    manifest = load_manifest(CORPUS)
    files = {p.name for p in CORPUS.iterdir() if p.suffix in (".txt", ".pdf")}
    assert set(manifest) == files
    for entry in manifest.values():
        assert entry.get("id") and entry.get("source"), entry["file"]
        if entry["file"].endswith(".txt"):  # text extractions carry their facts; PDFs state their own
            for key in ("title", "kind", "date", "period_start", "period_end", "authority"):
                assert entry.get(key), (entry["file"], key)


def test_one_report_is_one_document():
    names = [p.name for p in CORPUS.iterdir() if p.name.startswith("2014-06-30")]
    assert names == ["2014-06-30-ofsted-report-help-protection-looked-after-lscb.pdf"]


def test_manifest_facts_win_and_say_so():
    name = "2023-08-02-ofsted-letter-second-monitoring-visit.txt"
    data = (CORPUS / name).read_bytes()
    doc = describe(CORPUS / name, data, load_manifest(CORPUS)[name])
    assert doc.doc_id == "ofsted-2023-08-letter" and doc.date == dt.date(2023, 8, 2)
    assert doc.provenance["date"] == "manifest"


def test_a_pdf_report_describes_itself():
    name = "2026-01-12-ofsted-report-local-authority-childrens-services.pdf"
    text, starts = clean_pages(read_document(CORPUS / name)[0])
    doc = describe(CORPUS / name, (CORPUS / name).read_bytes(), load_manifest(CORPUS)[name], read_facts(text, starts), text)
    assert doc.doc_id == "ofsted-2026-01-report"
    assert (doc.kind, doc.framework, doc.authority) == ("report", "ILACS standard", "Herefordshire")
    assert doc.title == "Inspection of Herefordshire local authority children's services"
    assert doc.date == dt.date(2026, 1, 12) and doc.provenance["date"] == "file name"
    assert doc.period == "2025-11-10 to 2025-11-21"
    assert doc.provenance["authority"].startswith("extracted: 'Inspection of Herefordshire")


def test_the_report_published_line_wins_over_the_file_name(tmp_path):
    name = "2014-06-30-ofsted-report-help-protection-looked-after-lscb.pdf"
    text, starts = clean_pages(read_document(CORPUS / name)[0])
    doc = describe(tmp_path / "report-2019-01-01.pdf", b"x", None, read_facts(text, starts), text)
    assert doc.date == dt.date(2014, 6, 30) and doc.provenance["date"].startswith("extracted: 'Report published")
    assert doc.title.startswith("Herefordshire: Inspection of services for children in need")
    assert doc.title.endswith("children looked after and care leavers")  # its wrapped 'and' is not the end
    assert doc.doc_id == "report-2019-01-01"


def test_facts_are_read_from_a_letter_without_manifest(tmp_path):
    text = (CORPUS / "2023-08-02-ofsted-letter-second-monitoring-visit.txt").read_text()
    cleaned, starts = clean_pages([Page(None, text)])
    doc = describe(tmp_path / "Some Letter.txt", text.encode(), None, read_facts(cleaned, starts), cleaned)
    assert doc.date == dt.date(2023, 8, 2) and doc.kind == "letter" and doc.framework == "monitoring visit"
    assert doc.title.startswith("Monitoring visit to Herefordshire")
    assert doc.period == "2023-06-28 to 2023-06-29"
    assert doc.doc_id == "some-letter"


def test_dates_in_file_names():
    assert date_in_name("kent--18-june-2022.pdf") == dt.date(2022, 6, 18)
    assert date_in_name("2014-06-30-ofsted-report.pdf") == dt.date(2014, 6, 30)
    assert date_in_name("notes.txt") is None and date_in_name("report-2019-13-45.pdf") is None


def test_a_change_to_the_manifest_entry_changes_the_content_hash():
    name = "2023-06-15-news-first-monitoring-visit.txt"
    data = (CORPUS / name).read_bytes()
    entry = dict(load_manifest(CORPUS)[name])
    a = describe(CORPUS / name, data, entry)
    entry["title"] = "Another title"
    b = describe(CORPUS / name, data, entry)
    assert a.content_hash != b.content_hash
