"""The app through gradio_client, the API a script would use, against a real server.

One app per module, launched on a free loopback port in a background thread, with a
temporary index built from a copy of corpus/ by the app's own first-start build.
"""

import shutil
import socket
import time
from pathlib import Path

import pytest

from rag.settings import AppSettings, Settings

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ROOT = Path(__file__).resolve().parent.parent
QUESTION = "How has management oversight changed since 2014?"
GOOD_PDF_LINES = [
    "Inspection of Testshire children's services",
    "Report published: 3 March 2025",
    "Inspection dates: 10 to 14 February 2025",
    "1. The respite arrangements for young carers are excellent and are valued by families.",
    "2. Leaders have recruited twelve new foster carers since the last inspection.",
]


# -- helpers shared with test_browser.py -----------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_pdf(path: Path, lines: list[str]) -> Path:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    for line in lines:
        pdf.multi_cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))
    return path


def make_corrupt_pdf(path: Path) -> Path:
    """A PDF header and then garbage: passes the type check, fails to parse."""
    good = make_pdf(path.with_name("for-corrupting.pdf"), GOOD_PDF_LINES)
    path.write_bytes(good.read_bytes()[:300] + b"\x00garbage" * 20)
    good.unlink()
    return path


def start_app(tmp: Path):
    """(demo, url, settings): the app on loopback, its index built and the model warm."""
    from rag.ui import create_app, serve

    corpus = shutil.copytree(ROOT / "corpus", tmp / "corpus")
    settings = Settings(
        corpus_dir=corpus,
        index_dir=tmp / "index",
        uploads_dir=tmp / "uploads",
        app=AppSettings(host="127.0.0.1", port=free_port(), feedback_path=tmp / "feedback.jsonl"),
    )
    demo = create_app(settings)
    url = serve(demo, settings, block=False, quiet=True)
    startup = demo.rag_handlers.startup
    assert startup.wait(600), "startup did not finish in 10 minutes"
    assert startup.status().ready, startup.status().message
    return demo, url, settings


# -- fixtures ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    demo, url, settings = start_app(tmp_path_factory.mktemp("app"))
    yield url, settings
    demo.close()


@pytest.fixture(scope="module")
def client(app):
    from gradio_client import Client

    return Client(app[0], verbose=False)


def upload(client, *paths):
    from gradio_client import handle_file

    summary, results, library, *_ = client.predict([handle_file(str(p)) for p in paths], api_name="/upload")
    return summary, results["data"], library["data"]


# -- tests -------------------------------------------------------------------------------


def test_only_the_scripting_endpoints_are_public(client):
    assert set(client.view_api(print_info=False, return_format="dict")["named_endpoints"]) == {"/ask", "/documents", "/status", "/upload"}


def test_status_is_ready_after_first_start_built_the_index(client):
    status = client.predict(api_name="/status")
    assert status.startswith("ready: Ready: 5 documents indexed"), status
    titles = [d["title"] for d in client.predict(api_name="/documents")]
    assert len(titles) == 5


def test_management_oversight_question_gives_a_cited_timeline(client):
    result = client.predict(QUESTION, api_name="/ask")
    assert not result["abstained"]
    timeline = result["timeline"]
    assert timeline, "a change-over-time question gets a timeline"
    dates = [e["date"] for e in timeline]
    assert dates == sorted(dates) and dates[0] >= "2014"
    assert sum(1 for e in timeline if e["sentences"]) >= 2
    citations = result["citations"]
    assert citations and "[1]" in result["text"]
    for c in citations:
        assert c["title"] and c["kind"] and c["date"] and c["quote"]
        assert " ".join(c["quote"].split()) in " ".join(c["passage_text"].split())
    assert any(c["paragraph"] for c in citations)
    markdown = result["markdown"]
    assert markdown.startswith(f"# {QUESTION}")
    assert "## Sources" in markdown and f"[{len(citations)}] " in markdown


def test_filters_reach_the_pipeline(client):
    result = client.predict(QUESTION, 2023, 2023, api_name="/ask")
    assert all(c["date"].startswith("2023") for c in result["citations"])


def test_too_long_question_is_refused_with_the_limit(client, app):
    from gradio_client.exceptions import AppError

    limit = app[1].answer.max_question_chars
    with pytest.raises(AppError, match=f"question: is {limit + 500} characters long; the limit is {limit}"):
        client.predict("a" * (limit + 500), api_name="/ask")


def test_corrupt_pdf_upload_reports_its_error_and_changes_nothing(client, app, tmp_path):
    before = client.predict(api_name="/documents")
    summary, results, _ = upload(client, make_corrupt_pdf(tmp_path / "corrupt.pdf"))
    assert results == [["corrupt.pdf", "failed", results[0][2]]]
    assert "corrupt PDF" in results[0][2]
    assert "Not added: corrupt.pdf: corrupt PDF" in summary
    assert client.predict(api_name="/documents") == before
    uploads = app[1].uploads_dir
    assert not uploads.exists() or not [p for p in uploads.iterdir() if not p.name.startswith(".")]


def test_good_pdf_upload_is_indexed_and_answerable(client, app, tmp_path):
    summary, results, library = upload(client, make_pdf(tmp_path / "Testshire report.pdf", GOOD_PDF_LINES))
    [(name, status, detail)] = results
    assert (name, status) == ("Testshire report.pdf", "indexed"), detail
    assert "Inspection of Testshire children" in detail and "3 March 2025" in detail
    assert "1 of 1 file in the library" in summary
    assert any(row[0].startswith("Inspection of Testshire") for row in library)
    docs = client.predict(api_name="/documents")
    [doc] = [d for d in docs if d["title"].startswith("Inspection of Testshire")]
    assert doc["kind"] == "report" and doc["date"] == "2025-03-03" and doc["pages"] == 1
    stored = [p.name for p in app[1].uploads_dir.iterdir()]
    assert len(stored) == 1 and stored[0].startswith("testshire-report-") and stored[0].endswith(".pdf")

    answer = client.predict("What are the respite arrangements for young carers like?", api_name="/ask")
    assert not answer["abstained"]
    assert answer["citations"][0]["doc_id"] == doc["doc_id"]

    _, again, _ = upload(client, tmp_path / "Testshire report.pdf")
    assert again[0][1] == "unchanged" and "already in the library" in again[0][2]


def test_mixed_batch_adds_the_good_file_and_reports_the_bad(client, tmp_path):
    notes = tmp_path / "notes.md"
    notes.write_text("# Visit notes\n\nThe duty team answered every call within two minutes during the visit.\n")
    bad = tmp_path / "tool.exe"
    bad.write_bytes(b"MZ\x90\x00binary")
    summary, results, _ = upload(client, notes, bad)
    assert [r[:2] for r in results] == [["notes.md", "indexed"], ["tool.exe", "failed"]]
    assert "unsupported file type '.exe'" in results[1][2]
    assert "1 of 2 files in the library" in summary


def test_many_questions_at_once_queue_rather_than_fail(client, app):
    jobs = [client.submit(QUESTION, api_name="/ask") for _ in range(app[1].app.concurrency + 3)]
    deadline = time.time() + 300
    results = [job.result(timeout=max(1, deadline - time.time())) for job in jobs]
    assert all(r["timeline"] for r in results)
