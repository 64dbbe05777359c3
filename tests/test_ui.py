"""Unit tests of the app's parts that need no server: rendering, feedback, upload checks.

Fast and deterministic: hand-built answers, no model, no index, no gradio import.
"""

import json
import re

import pytest

from rag.errors import DocumentError
from rag.records import Answer, AnswerSentence, Citation, Scope, TimelineEntry
from rag.settings import Settings
from rag.ui import conversation, exports, history, render, sources
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
    turn = conversation.turn_html(conversation.Turn(XSS, answer=a, downloads=("/t/a.md", "/t/a.docx")), 0, str)
    for html_out in (render.chat_html(a), sources.sources_html(a, 0), render.question_html(a.question), turn):
        assert "<script" not in html_out.lower()
        assert "<img" not in html_out.lower()
        assert 'onerror="' not in html_out  # the words may show, as text; never as an attribute
    assert "&#60;script&#62;" in sources.sources_html(a, 0)


def test_attributes_are_quoted():
    c = citation(doc_id='x" onmouseover="alert(1)')
    out = sources.card_html(sources.Card((c,)), 0)
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
    assert "Nearest matches (these do not answer the question)" in sources.sources_html(a, 0)


def test_unsupported_sentences_are_marked():
    a = answer(mode="llm", sentences=[AnswerSentence("Made up claim.", (1,), supported=False), AnswerSentence("Caseloads fell to 18.", (1,))])
    out = render.chat_html(a)
    assert out.count('class="rag-unsupported"') == 1
    assert "unsupported" in out and render.UNSUPPORTED_NOTE in out


def test_source_card_highlights_quote_in_passage():
    out = sources.card_html(sources.Card((citation(),)), 0)
    assert '57. <mark data-n="1">Caseloads fell to 18.<sup class="rag-mark-n">1</sup></mark> Staff were pleased.' in out
    assert "report · 30 June 2014 · page 3 · paragraph 57 · section" in out
    assert 'data-n="1"' in out and "Open the whole document" in out


def test_source_card_tolerates_whitespace_and_shows_missing_quote():
    spaced = citation(quote="Caseloads fell\nto 18.")
    assert '<mark data-n="1">Caseloads fell to 18.<sup' in sources.card_html(sources.Card((spaced,)), 0)
    missing = citation(quote="Not in the passage.")
    assert '<mark data-n="1">Not in the passage.</mark><br>' in sources.card_html(sources.Card((missing,)), 0)


def test_one_card_per_passage_lists_every_sentence_quoted_from_it():
    passage = "57. Caseloads fell to 18. Staff were pleased. Morale rose."
    a = answer(citations=[
        citation(1, quote="Caseloads fell to 18.", passage=passage),
        citation(2, quote="Other.", passage="Other.", chunk_id="c2", page=4),
        citation(3, quote="Morale rose.", passage=passage, start=50, page=4),
    ])
    found = sources.cards(a)
    assert [c.numbers for c in found] == [(1, 3), (2,)]
    out = sources.card_html(found[0], 5)
    assert 'data-nums=" 1 3 "' in out and out.count("<mark") == 2 and out.count('class="rag-open"') == 2
    assert "pages 3\u20134" in out and "Quoted from this passage:" in out
    panel = sources.panel_html([(0, answer(question="First?")), (5, a)])
    assert panel.count('class="rag-sources-for"') == 2 and 'data-turn="0" hidden' in panel
    assert "for &ldquo;What happened to caseloads?&rdquo;" in panel


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


# -- a turn of the conversation, and what staff take away ---------------------------------


def scoped(**kw):
    fields = dict(since=2023, until=2024, kinds=("letter",), documents=("a", "b"), described="2 letters, 2023\u20132024")
    fields.update(kw)
    return answer(scope=Scope(**fields))


def test_a_turn_shows_its_scope_and_one_feedback_control():
    out = conversation.turn_html(conversation.Turn("Q?", answer=scoped(), downloads=("/d/a.md", "/d/a.docx")), 3, lambda p: "f=" + p)
    assert "Searched 2 letters, 2023\u20132024. Filters: years 2023\u20132024; kinds: letter." in out
    assert out.count('class="rag-action rag-rate"') == 2 and 'data-turn="3"' in out
    assert 'href="f=/d/a.docx" download="answer.docx"' in out and "rag-warning" not in out
    rated = conversation.turn_html(conversation.Turn("Q?", answer=scoped(), rating="up", comment="ok"), 3, str)
    assert 'class="rag-action rag-rate"' not in rated and "recorded as useful with your comment" in rated
    failed = conversation.turn_html(conversation.Turn("Q?", error="The question is empty."), 4, str)
    assert "rag-rate" not in failed and "rag-copy" not in failed and "rag-dl" not in failed and "The question is empty." in failed


def test_a_clash_with_the_filters_is_a_warning_with_a_way_out():
    warning = "Your question asks about 2010, but the year filter is 2023\u20132024: 1 document from those years was not searched."
    out = conversation.turn_html(conversation.Turn("Q?", answer=scoped(warning=warning, clashes=("years",))), 2, str)
    assert 'class="rag-warning" role="alert"' in out and "Your question asks about 2010" in out
    assert '<button type="button" class="rag-widen" data-turn="2">Ask again with any year</button>' in out


def test_copy_text_is_clean_with_citations_in_full():
    text = exports.answer_text(timeline_answer())
    assert "<" not in text and "&#" not in text
    assert text.startswith("Q: How has oversight changed since 2014?\n")
    assert "[1] Report (report, 30 June 2014), page 3, paragraph 57, section 'Workforce'\n    \u201cOversight was weak.\u201d" in text
    assert "The 2023 news does not address this." in text and "settings abc123def456" in text


def test_markdown_renders_each_source_and_its_quote_apart():
    from markdown_it import MarkdownIt

    a = timeline_answer()
    a.scope = Scope(since=2014, described="1 report and 2 letters, 2014\u20132024")
    md = exports.answer_markdown(a, generated="generated 2025-01-01 10:00")
    assert md.startswith("# How has oversight changed since 2014?")
    html_out = MarkdownIt().render(md)
    assert html_out.count("<blockquote>") == len(a.citations) and "&gt;" not in html_out
    for c in a.citations:
        assert f"<strong>[{c.number}]</strong> {c.reference().replace(chr(39), '&#x27;')}" in html_out or f"<strong>[{c.number}]</strong>" in html_out
        assert f"\u201c{c.quote}\u201d" in html_out
    assert "<h2>30 June 2014 (report): First report</h2>" in html_out
    assert "Filters: years 2014 onwards." in html_out and "settings abc123def456" in html_out


def test_markdown_flags_unsupported_and_abstention_and_escapes_document_text():
    md = exports.answer_markdown(answer(sentences=[AnswerSentence("Made up.", (1,), supported=False)]))
    assert "Made up. [1] (UNSUPPORTED: check the source)" in md
    md = exports.answer_markdown(answer(abstained=True, text="The documents don't say.", sentences=[]))
    assert "## Nearest matches" in md
    md = exports.answer_markdown(answer(sentences=[AnswerSentence("**Bold** <b>x</b>", (1,))]))
    assert "\\*\\*Bold\\*\\* \\<b\\>x\\</b\\>" in md


def test_word_export_records_scope_and_settings(tmp_path):
    from docx import Document

    md, docx = exports.write_downloads(scoped(), tmp_path, "generated now")
    assert md.read_text(encoding="utf-8").startswith("# What happened to caseloads?")
    doc = Document(str(docx))
    assert doc.paragraphs[0].text == "What happened to caseloads?"
    assert "Filters: years 2023\u20132024; kinds: letter" in doc.paragraphs[1].text
    supers = [r.text for p in doc.paragraphs for r in p.runs if r.font.superscript]
    assert supers == ["1"]
    assert "settings abc123def456" in doc.sections[0].footer.paragraphs[0].text
    assert doc.core_properties.author == "Inspection documents app"
    assert exports.write_downloads(scoped(), tmp_path, "generated now") == (md, docx)  # named by content


def test_downloads_folder_keeps_only_the_newest(tmp_path, monkeypatch):
    monkeypatch.setattr(exports, "KEEP_FILES", 4)
    for i in range(6):
        exports.write_downloads(answer(question=f"Q{i}?"), tmp_path)
    assert len(list(tmp_path.iterdir())) <= 5
    assert any(p.read_text(encoding="utf-8").startswith("# Q5?") for p in tmp_path.glob("*.md"))


def test_history_keeps_answers_as_data_and_restores_them_whole():
    a = timeline_answer()
    a.scope = Scope(since=2014, kinds=("letter",), documents=("a",), described="1 letter, 2014", warning="W", clashes=("years",))
    conv = history.new_conversation()
    conv["turns"] = [conversation.Turn(a.question, answer=a, rating="down", comment="hm"), conversation.Turn("Bad?", error="E.")]
    saved = json.loads(json.dumps(history.saved_with([], conv)))  # as local storage holds it
    back = history.conversation_from(saved[0])
    [t1, t2] = back["turns"]
    assert t1.answer.citations == a.citations and t1.answer.timeline == a.timeline and t1.answer.scope == a.scope
    assert (t1.rating, t1.comment, t2.error) == ("down", "hm", "E.")
    assert history.conversation_from({"id": "x", "turns": [{"question": 1, "answer": {"bad": True}}, "junk"]})["turns"] == []
    assert history.valid([{"id": 1}, "x", {"id": "ok", "turns": []}]) == [{"id": "ok", "turns": []}]


def test_history_keeps_the_newest_within_its_limits(monkeypatch):
    monkeypatch.setattr(history, "MAX_CONVERSATIONS", 3)
    saved = []
    for i in range(5):
        conv = {"id": f"c{i}", "turns": [conversation.Turn(f"Q{i}?", answer=answer(question=f"Q{i}?"))]}
        saved = history.saved_with(saved, conv)
    assert [r["id"] for r in saved] == ["c4", "c3", "c2"]
    listed = history.list_html(saved, "c3")
    assert listed.count('class="rag-history-item"') == 3 and 'aria-current="true"><a href="#" class="rag-history-open" data-id="c3"' in listed
    assert history.without(saved, "c3")[1]["id"] == "c2"


def test_library_rows():
    class Doc:
        title, kind, date, pages, chunks, indexed_at = "T", "letter", "2010-07-28", 0, 9, "2025-01-02T03:04:05"

    assert render.library_rows([Doc()]) == [["T", "letter", "28 July 2010", "", "", "–", 9, "2025-01-02 03:04:05", "corpus"]]


def test_library_rows_show_the_report_s_facts():
    from rag.records import Fact, ReportFacts

    facts = ReportFacts(
        authority="Barset", framework="ILACS", published="2026-01-16", inspection_start="2025-11-03", inspection_end="2025-11-14",
        lead_inspector="Ann Example",
        facts=(Fact("judgement", "good", "Overall effectiveness\tGood", 0, 1, "overall_effectiveness"),
               Fact("judgement", "outstanding", "The impact of leaders\tOutstanding", 30, 1, "impact_of_leaders")),
    )

    class Doc:
        title, kind, date, pages, chunks, indexed_at, authority = "Inspection of Barset", "report", "2026-01-16", 20, 90, "", "Barset"
        report_facts = facts

    [row] = render.library_rows([Doc()])
    assert row[3] == "Barset"
    assert row[4] == ("Overall effectiveness: good; The impact of leaders: outstanding; inspected 3 November 2025 to 14 November 2025; "
                      "published 16 January 2026; lead inspector Ann Example")


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
    assert first["filters"] == {"since": 2014} and first["searched"] == {"described": "", "documents": []}
    made_with = json.loads(lines[1])["filters"]  # by default: the filters the answer was made with
    assert made_with == {"since": None, "until": None, "kinds": [], "authorities": []}
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



def test_upload_progress_moves_by_stage_and_results_are_per_file():
    from rag.ui.library import files_html, share
    from rag.ui.uploads import UploadResult

    assert share("reading", 0.0) == 0.0 and share("embedding", 0.5) > share("chunking", 1.0) and share("writing", 1.0) == 1.0
    moving = files_html(["a.pdf", "b.txt"], {0: ("embedding", 0.5)})
    assert "embedding\u2026 62%" in moving and 'value="62"' in moving and "waiting its turn" in moving
    done = files_html(["a.pdf", "b.exe"], {}, [UploadResult("a.pdf", "indexed", "indexed: 3 passages"), UploadResult("b.exe", "failed", "unsupported file type")])
    assert "1 of 2 files in the library. 1 not added: see below." in done
    assert 'class="rag-file rag-ok"' in done and 'class="rag-file rag-bad"' in done and "Not added</span>" in done and "Added</span>" in done


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


def test_startup_is_ready_before_it_clears_what_a_killed_run_left(monkeypatch, tmp_path):
    """Questions wait for startup; the sweep of orphan chunks and pending uploads (never
    shown) comes after ready, and its failure leaves the app ready."""
    import threading

    import rag.pipeline
    from rag.errors import IndexStoreError
    from rag.ui.startup import Startup

    class Parts:
        class embedder:
            @staticmethod
            def encode_query(text):
                return [0.0]

    order = []
    startup = Startup(Settings(index_dir=tmp_path / "index", uploads_dir=tmp_path / "uploads"), threading.Lock())

    def recover(settings):
        order.append(("recover", startup.status().phase, startup.wait(0)))
        raise IndexStoreError("the sweep broke")

    monkeypatch.setattr(rag.pipeline, "documents", lambda settings: ["one"])
    monkeypatch.setattr(rag.pipeline, "components", lambda settings: Parts)
    monkeypatch.setattr(rag.pipeline, "search", lambda *a, **k: order.append(("warm", startup.status().phase, startup.wait(0))) or [])
    monkeypatch.setattr(rag.pipeline, "recover", recover)
    startup.start()
    assert startup.wait(10) and startup.tidied(10)
    assert order == [("warm", "loading", False), ("recover", "ready", True)]
    assert startup.status().ready


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
