"""Unit tests of the app's parts that need no server: rendering, feedback, upload checks.

Fast and deterministic: hand-built answers, no model, no index, no gradio import.
"""

import json
import re

import pytest

from rag.errors import DocumentError
from rag.records import Answer, AnswerSentence, Citation, TimelineEntry
from rag.settings import Settings
from rag.ui import render
from rag.ui.feedback import FeedbackError, append_feedback, feedback_record
from rag.ui.uploads import add_uploads, check, display_name, safe_name, store

XSS = "<script>alert(1)</script><img src=x onerror=\"window.__xss=1\">"


def citation(n=1, *, quote="Caseloads fell to 18.", passage="57. Caseloads fell to 18. Staff were pleased.", title="Report", start=4, **kw):
    fields = dict(
        number=n,
        doc_id="doc-2014",
        title=title,
        kind="report",
        date="2014-06-30",
        page=3,
        paragraph="57",
        section="Workforce",
        quote=quote,
        start=start,
        end=start + len(quote),
        chunk_id="c1",
        passage_text=passage,
    )
    fields.update(kw)
    return Citation(**fields)


def answer(**kw):
    c = kw.pop("citations", [citation()])
    fields = dict(
        question="What happened to caseloads?",
        text="Caseloads fell to 18. [1]",
        abstained=False,
        mode="extractive",
        sentences=[AnswerSentence("Caseloads fell to 18.", (1,))],
        citations=c,
        passages=[],
        settings_hash="abc123def456",
    )
    fields.update(kw)
    return Answer(**fields)


def timeline_answer():
    c1 = citation(1, quote="Oversight was weak.", passage="Oversight was weak.", start=0)
    c2 = citation(2, quote="Oversight is now strong.", passage="Oversight is now strong.", date="2024-12-04", kind="letter", title="Fifth letter", paragraph="", page=None, start=0)
    entries = [
        TimelineEntry("a", "First report", "report", "2014-06-30", (AnswerSentence("Oversight was weak.", (1,)),)),
        TimelineEntry("b", "News piece", "news", "2023-06-15", ()),
        TimelineEntry("c", "Fifth letter", "letter", "2024-12-04", (AnswerSentence("Oversight is now strong.", (2,)),)),
    ]
    return answer(
        question="How has oversight changed since 2014?",
        text="...",
        sentences=[s for e in entries for s in e.sentences],
        citations=[c1, c2],
        timeline=entries,
        summary='Direction of travel: in 2014 the report said "Oversight was weak." [1]; by 2024 the letter said "Oversight is now strong." [2].',
    )


# -- escaping ----------------------------------------------------------------------------


def test_text_html_leaves_no_markup():
    out = render.text_html(XSS + " **bold** [link](http://x) $$x$$ &amp;")
    assert "<" not in out and ">" not in out and '"' not in out
    assert "*" not in out and "[" not in out and "$" not in out
    assert "&#60;script&#62;" in out
    assert "&#38;amp;" in out  # an entity in a document stays visible as written


def test_chat_and_sources_escape_document_text():
    c = citation(quote=f"Inspectors found {XSS}.", passage=f"Intro. Inspectors found {XSS}. More.", title=f"Title {XSS}", section=XSS)
    a = answer(citations=[c], sentences=[AnswerSentence(f"Inspectors found {XSS}.", (1,))], question=XSS)
    for html_out in (render.chat_html(a), render.sources_html(a), render.question_html(a.question)):
        assert "<script" not in html_out.lower()
        assert "<img" not in html_out.lower()
        assert 'onerror="' not in html_out  # the words may show, as text; never as an attribute
    assert "&#60;script&#62;" in render.sources_html(a)


def test_attributes_are_quoted():
    c = citation(doc_id='x" onmouseover="alert(1)')
    out = render.source_html(c)
    assert 'onmouseover="alert' not in out
    assert 'data-doc="x&quot; onmouseover=&quot;alert(1)"' in out


def test_chat_html_has_no_blank_lines():
    # A blank line would end the raw HTML block and let Markdown loose on document text.
    a = answer(sentences=[AnswerSentence("First.\n\n# Heading\n\n* item", (1,))])
    out = render.chat_html(a)
    assert "\n" not in out
    assert re.search(r"\n\s*\n", out) is None


# -- what the answer looks like ---------------------------------------------------------


def test_streaming_text_is_escaped_and_labelled():
    out = render.streaming_html(f"Partial {XSS}\n\nmore")
    assert "<script" not in out and "\n" not in out
    assert "checked against the documents" in out


def test_chat_html_shows_markers():
    out = render.chat_html(answer())
    assert 'class="rag-cite"' in out and "&#91;1&#93;" in out
    assert "Caseloads fell to 18." in out


def test_timeline_renders_dated_blocks_oldest_first():
    out = render.chat_html(timeline_answer())
    dates = [m.group(1) for m in re.finditer(r'class="rag-tl-date">([^<]+)<', out)]
    assert dates == ["30 June 2014 · report", "15 June 2023 · news", "4 December 2024 · letter"]
    assert "The 2023 news does not address this." in out
    assert 'class="rag-summary"' in out and "&#91;2&#93;" in out


def test_abstention_says_so_and_lists_nearest():
    a = answer(abstained=True, text="The documents don't say.", sentences=[])
    out = render.chat_html(a)
    assert "No answer found." in out
    assert "Nearest matches (not an answer)" in out
    assert "Caseloads fell to 18." in out
    assert "Nearest matches (these do not answer the question)" in render.sources_html(a)


def test_unsupported_sentences_are_marked():
    a = answer(mode="llm", sentences=[AnswerSentence("Made up claim.", (1,), supported=False), AnswerSentence("Caseloads fell to 18.", (1,))])
    out = render.chat_html(a)
    assert out.count('class="rag-unsupported"') == 1
    assert "unsupported" in out and render.UNSUPPORTED_NOTE in out


def test_source_card_highlights_quote_in_passage():
    out = render.source_html(citation())
    assert "57. <mark>Caseloads fell to 18.</mark> Staff were pleased." in out
    assert "report · 30 June 2014 · page 3 · paragraph 57 · section" in out
    assert 'data-n="1"' in out and "Open the whole document" in out


def test_source_card_tolerates_whitespace_and_shows_missing_quote():
    spaced = citation(quote="Caseloads fell\nto 18.")
    assert "<mark>Caseloads fell to 18.</mark>" in render.source_html(spaced)
    missing = citation(quote="Not in the passage.")
    assert "<mark>Not in the passage.</mark><br>" in render.source_html(missing)


def test_document_view_marks_and_anchors_the_quote():
    text = "Intro <b>.\n\nCaseloads fell to 18. End."
    start = text.index("Caseloads")
    span, note = render.cited_span(text, start, start + 21, "Caseloads fell to 18.")
    assert span == (start, start + 21) and note == ""
    out = render.document_html("T", "report", text, span)
    assert f'<mark id="{render.HIGHLIGHT_ID}">Caseloads fell to 18.</mark>' in out
    assert "&#60;b&#62;" in out


def test_document_view_finds_a_moved_quote_or_says_it_is_gone():
    text = "New first line. Caseloads fell to 18."
    span, note = render.cited_span(text, 0, 21, "Caseloads fell to 18.")
    assert span == (16, 37) and note == ""
    span, note = render.cited_span(text, 0, 5, "Vanished sentence.")
    assert span is None and "no longer in this document" in note


# -- Markdown export ---------------------------------------------------------------------


def test_markdown_writes_citations_in_full():
    a = timeline_answer()
    md = render.answer_markdown(a, generated="generated 2025-01-01 10:00")
    assert md.startswith("# How has oversight changed since 2014?")
    assert "## 30 June 2014 (report): First report" in md
    assert "The 2023 news does not address this." in md
    for c in a.citations:
        assert f"[{c.number}] {c.reference()}" in md
        assert f"\u201c{c.quote}\u201d" in md
    assert "[1] Report (report, 30 June 2014), page 3, paragraph 57, section 'Workforce'" in md
    assert "settings abc123def456" in md


def test_markdown_flags_unsupported_and_abstention():
    md = render.answer_markdown(answer(sentences=[AnswerSentence("Made up.", (1,), supported=False)]))
    assert "Made up. [1] (UNSUPPORTED: check the source)" in md
    md = render.answer_markdown(answer(abstained=True, text="The documents don't say.", sentences=[]))
    assert "## Nearest matches" in md


def test_library_rows():
    class Doc:
        title, kind, date, pages, chunks, indexed_at = "T", "letter", "2010-07-28", 0, 9, "2025-01-02T03:04:05"

    assert render.library_rows([Doc()]) == [["T", "letter", "28 July 2010", "–", 9, "2025-01-02 03:04:05", "corpus"]]


# -- feedback ----------------------------------------------------------------------------


def test_feedback_line_has_the_fields_evaluators_need(tmp_path):
    path = tmp_path / "sub" / "feedback.jsonl"
    a = timeline_answer()
    append_feedback(path, feedback_record(a, "down", "  wrong\nyear  ", {"since": 2014}))
    append_feedback(path, feedback_record(a, "up"))
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2
    first = json.loads(lines[0])
    assert {"timestamp", "rating", "comment", "question", "answer", "citations", "settings_hash", "filters"} <= set(first)
    assert first["rating"] == "down" and first["comment"] == "wrong year"
    assert first["question"] == a.question and first["answer"] == a.text
    assert first["settings_hash"] == "abc123def456"
    assert first["citations"][0]["quote"] == "Oversight was weak."
    assert first["citations"][0]["reference"] == a.citations[0].reference()
    assert "passage_text" not in first["citations"][0]
    assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$", first["timestamp"])


def test_feedback_rejects_unknown_rating():
    with pytest.raises(FeedbackError, match="rating must be one of up, down"):
        feedback_record(answer(), "meh")


def test_feedback_unwritable_path_is_a_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(FeedbackError, match="cannot write feedback"):
        append_feedback(blocker / "feedback.jsonl", feedback_record(answer(), "up"))


# -- uploads -----------------------------------------------------------------------------


@pytest.mark.parametrize("client_name", ["../../etc/passwd", "..\\..\\windows\\win.ini", "/abs/path/.hidden", "a/../../b.txt", "\x00evil\n.txt", ""])
def test_safe_name_cannot_escape(client_name, tmp_path):
    name = safe_name(client_name, b"some text", "text")
    assert re.fullmatch(r"[a-z0-9][a-z0-9-]*-[0-9a-f]{10}\.(txt|md|pdf)", name)
    path, new = store(client_name, b"some text", "text", tmp_path / "uploads")
    assert new and path.parent == (tmp_path / "uploads").resolve()
    assert list((tmp_path / "uploads").iterdir()) == [path]


def test_safe_name_by_content_and_stable():
    assert safe_name("Report FINAL (2).txt", b"%PDF-1.4 ...", "pdf").startswith("report-final-2-")
    assert safe_name("x.pdf", b"%PDF-1.4", "pdf").endswith(".pdf")
    assert safe_name("notes.MD", b"# hi", "text").endswith(".md")
    assert safe_name("a.txt", b"one", "text") == safe_name("a.txt", b"one", "text")
    assert safe_name("a.txt", b"one", "text") != safe_name("a.txt", b"two", "text")


def test_display_name_is_the_last_component_only():
    assert display_name("../../etc/passwd") == "passwd"
    assert display_name("C:\\Users\\me\\report.pdf") == "report.pdf"
    assert display_name("a\x00b\x1f.txt") == "ab.txt"


@pytest.mark.parametrize(
    "name, data, message",
    [
        ("broken.pdf", b"this is not a pdf at all", "not a PDF"),
        ("empty.txt", b"", "empty file"),
        ("big.txt", b"x" * 2048, "MB upload limit"),
        ("tool.exe", b"MZ\x90\x00", "unsupported file type '.exe'"),
        ("passwd", b"root:x:0:0", "unsupported file type 'no extension'"),
        ("binary.txt", b"\x00\x01\x02" * 100, "binary data"),
    ],
)
def test_check_refuses_bad_files_by_content(name, data, message):
    with pytest.raises(DocumentError, match=re.escape(message)):
        check(name, data, max_bytes=1024)


def test_check_types_by_content_not_name():
    assert check("scan.txt", b"%PDF-1.7\n...", 10**6) == "pdf"
    assert check("notes.md", b"# Notes\n\nSome text here.", 10**6) == "text"


def test_refused_uploads_leave_nothing_behind(tmp_path):
    bad = tmp_path / "corrupt.pdf"
    bad.write_bytes(b"garbage that claims to be a PDF")
    settings = Settings(uploads_dir=tmp_path / "uploads", index_dir=tmp_path / "index")
    results = add_uploads([bad], settings)
    assert [(r.name, r.status) for r in results] == [("corrupt.pdf", "failed")]
    assert "not a PDF" in results[0].detail
    assert not (tmp_path / "uploads").exists() or not any((tmp_path / "uploads").iterdir())
    assert not (tmp_path / "index").exists()  # the index was not even opened


def test_upload_size_is_checked_before_reading(tmp_path):
    big = tmp_path / "big.txt"
    big.write_bytes(b"a" * (2 * 2**20))
    settings = Settings(uploads_dir=tmp_path / "uploads", index_dir=tmp_path / "index", app={"upload_max_mb": 1})
    [result] = add_uploads([big], settings)
    assert result.status == "failed" and "2.0 MB, over the 1 MB upload limit" in result.detail



# -- startup -----------------------------------------------------------------------------


def test_startup_builds_an_empty_index_with_progress_then_warms(monkeypatch, tmp_path):
    import threading

    import rag.pipeline
    from rag.ui.startup import Startup

    (tmp_path / "corpus").mkdir()
    seen, docs = [], []
    startup = Startup(Settings(corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "index"), threading.Lock())

    class Parts:
        class embedder:
            @staticmethod
            def encode_query(text):
                seen.append(("warm", startup.status().phase))

    def fake_ingest(paths, settings, progress):
        for i in range(3):
            progress(i, 3, f"/c/file{i}.txt")
            seen.append(startup.status().message)
        docs.append("one")
        return type("Report", (), {"failed": []})()

    monkeypatch.setattr(rag.pipeline, "documents", lambda settings: list(docs))
    monkeypatch.setattr(rag.pipeline, "ingest", fake_ingest)
    monkeypatch.setattr(rag.pipeline, "components", lambda settings: Parts)
    monkeypatch.setattr(rag.pipeline, "search", lambda *a, **k: [])
    monkeypatch.setattr(rag.pipeline, "recover", lambda settings: 0)
    startup.start()
    assert startup.wait(10)
    assert seen[:2] == ["Building the index (first start): 0 of 3 files done…", "Building the index (first start): 1 of 3 files done…"]
    assert ("warm", "loading") in seen
    assert startup.status().ready and startup.status().message == "Ready: 1 document indexed."


def test_startup_failure_is_reported_not_raised(monkeypatch, tmp_path):
    import threading

    import rag.pipeline
    from rag.errors import IndexStoreError
    from rag.ui.startup import Startup

    def broken(settings):
        raise IndexStoreError("cannot open the Chroma index at /x", help="is the folder writable?")

    monkeypatch.setattr(rag.pipeline, "documents", broken)
    startup = Startup(Settings(index_dir=tmp_path / "index"), threading.Lock())
    startup.start()
    assert startup.wait(10)
    assert startup.status().phase == "failed"
    assert startup.status().message == "Startup failed: cannot open the Chroma index at /x (is the folder writable?)"
