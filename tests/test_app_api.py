"""The app through gradio_client, the API a script would use, against a real server.

One app per module, launched on a free loopback port in a background thread, with a
temporary index built from a copy of corpus/ by the app's own first-start build.
"""

import re
import shutil
import time
from pathlib import Path

import pytest
from loopback import free_port

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


def start_app(tmp: Path, early: dict | None = None):
    """(demo, url, settings): the app on loopback, its index built and the model warm.

    ``early`` (if given) receives what the page and the startup status were the moment
    the server first answered: the page must not wait for the index or the model.
    """
    from urllib.request import urlopen

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
    if early is not None:
        with urlopen(url, timeout=30) as page:
            early.update(http=page.status, phase=startup.status().phase, message=startup.status().message)
    assert startup.wait(600), "startup did not finish in 10 minutes"
    assert startup.status().ready, startup.status().message
    return demo, url, settings


# -- fixtures ----------------------------------------------------------------------------


EARLY: dict = {}


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    demo, url, settings = start_app(tmp_path_factory.mktemp("app"), EARLY)
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


def test_page_is_served_before_the_index_and_model_are_ready(app):
    assert EARLY["http"] == 200
    assert EARLY["phase"] in ("starting", "building", "loading"), EARLY
    assert EARLY["phase"] != "building" or EARLY["message"].startswith("Building the index")


def test_status_is_ready_after_first_start_built_the_index(client):
    status = client.predict(api_name="/status")
    assert status.startswith("ready: Ready: 8 documents indexed"), status
    titles = [d["title"] for d in client.predict(api_name="/documents")]
    assert len(titles) == 8


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
    assert "## Sources" in markdown and f"**[{len(citations)}]** " in markdown


def test_filters_reach_the_pipeline(client):
    result = client.predict(QUESTION, 2023, 2023, ["letter"], api_name="/ask")
    assert result["citations"]
    assert all(c["date"].startswith("2023") and c["kind"] == "letter" for c in result["citations"])


def test_too_long_question_is_refused_with_the_limit(client, app):
    from gradio_client.exceptions import AppError

    limit = app[1].answer.max_question_chars
    with pytest.raises(AppError, match=f"The question is {limit + 500} characters long; the limit is {limit}"):
        client.predict("a" * (limit + 500), api_name="/ask")


def test_corrupt_pdf_upload_reports_its_error_and_changes_nothing(client, app, tmp_path):
    before = client.predict(api_name="/documents")
    summary, results, _ = upload(client, make_corrupt_pdf(tmp_path / "corrupt.pdf"))
    assert results == [["corrupt.pdf", "failed", results[0][2]]]
    assert "corrupt PDF" in results[0][2]
    assert "0 of 1 file in the library. 1 not added" in summary and "corrupt PDF" in summary
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
    stored = [p.name for p in app[1].uploads_dir.iterdir() if p.name.startswith("testshire-report-")]
    assert len(stored) == 1 and re.fullmatch(r"testshire-report-[0-9a-f]{10}\.pdf", stored[0])

    assert doc["uploaded"] and not doc["accepted"]  # an upload, waiting for an administrator
    # Curated documents answer first; a question about a time only the upload covers reaches it.
    answer = client.predict("What did the 2025 report say about respite arrangements for young carers?", api_name="/ask")
    assert not answer["abstained"]
    assert answer["citations"][0]["doc_id"] == doc["doc_id"] and answer["citations"][0]["uploaded"] == doc["uploaded"]

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


def burst(client, n):
    jobs = [client.submit(QUESTION, api_name="/ask") for _ in range(n)]
    deadline = time.time() + 300
    return [job.result(timeout=max(1, deadline - time.time())) for job in jobs]


def test_many_questions_at_once_queue_rather_than_fail(client, app):
    client.predict(QUESTION, api_name="/ask")  # BM25 is current: this tests queueing alone
    results = burst(client, app[1].app.concurrency + 3)
    assert all(r["timeline"] for r in results)


def test_questions_right_after_an_upload_do_not_fail(client, app, tmp_path):
    note = tmp_path / "late-note.md"
    note.write_text("# Late note\n\nManagement oversight of the duty team was reviewed again in 2025.\n")
    upload(client, note)
    results = burst(client, app[1].app.concurrency + 3)
    assert all(r["timeline"] for r in results)


def test_login_when_username_and_password_are_set(app):
    from urllib.error import HTTPError
    from urllib.request import urlopen

    from gradio_client import Client

    from rag.ui import create_app, serve

    settings = app[1].model_copy(update={"app": app[1].app.model_copy(update={"username": "staff", "password": "s3cret", "port": free_port()})})
    demo = create_app(settings)
    url = serve(demo, settings, block=False, quiet=True)
    try:
        with pytest.raises(HTTPError) as refused:
            urlopen(url + "gradio_api/info", timeout=30)
        assert refused.value.code == 401
        assert Client(url, auth=("staff", "s3cret"), verbose=False).predict(api_name="/status")
    finally:
        demo.close()


def test_half_set_login_is_refused(app):
    from rag.errors import SettingsError
    from rag.ui import create_app, serve

    settings = app[1].model_copy(update={"app": app[1].app.model_copy(update={"username": "staff"})})
    with pytest.raises(SettingsError, match="username and app.password must be set together"):
        serve(create_app(settings), settings, block=False)


@pytest.mark.parametrize("backend, shown", [("none", False), ("openai", True)])
def test_answer_mode_is_offered_only_with_an_llm(backend, shown):
    import gradio as gr

    from rag.ui import create_app

    demo = create_app(Settings(llm={"backend": backend}))
    [mode] = [b for b in demo.blocks.values() if isinstance(b, gr.Radio) and b.label == "Answer mode"]
    assert mode.visible is shown


def test_llm_answers_stream_then_are_replaced_by_the_checked_answer(monkeypatch, tmp_path):
    """The chat handler with a stand-in for rag.pipeline.ask_stream (no LLM needed)."""
    from types import SimpleNamespace

    from rag.records import Answer, AnswerSentence
    from rag.ui import chat, history

    final = Answer("q", "Checked. [1]", False, "llm", [AnswerSentence("Checked.", (1,), supported=False)], [], [], "h")

    def fake_stream(question, settings, **kw):
        assert kw["mode"] == "llm" and kw["since"] == 2014 and kw["until"] is None
        yield from ["Partial <script>x</script> ", "reply"]
        yield final

    monkeypatch.setattr(chat, "ask_stream", fake_stream)
    monkeypatch.setattr(chat, "STREAM_EVERY_S", 0.0)
    c = chat.Chat(Settings(index_dir=tmp_path / "index"), SimpleNamespace(wait=lambda timeout=None: True), tmp_path, None)
    conv = history.new_conversation()
    chats = [step[0] for step in c.submit("Why?", "2014", "any", [], [], "llm", conv, [])]
    assert "Searching the documents" in chats[0]
    streaming = [html for html in chats if "rag-streaming" in html]
    assert streaming and "Partial &#60;script&#62;x&#60;/script&#62; reply" in streaming[-1]
    assert "rag-unsupported" in chats[-1] and "rag-streaming" not in chats[-1]
    assert conv["turns"][0].answer is final
