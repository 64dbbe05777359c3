"""The app in real headless Chromium (Debian's chromium + chromedriver, driven by Selenium).

Staff flows end to end, at 1400x1000 and on a 390x844 phone: ask and read a timeline with
one source card per passage; jump from [n] to its card; open a source in the document
viewer; ten questions in a row, each scrolled into view; filters that clash with the question
warn and offer to widen, and every answer shows its scope; copy, Markdown and Word with the
filters and settings; one feedback control per answer; history that survives a reload and a
real "new conversation"; uploads with per-file progress and per-file results; removing and
replacing a document (the CLI agreeing); briefs; plain-English errors. The page must fetch
nothing from outside loopback.

    RAG_SCREENSHOTS=1 python -m pytest tests/test_browser.py   # also writes docs/screenshot-*.png
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest

from test_app_api import GOOD_PDF_LINES, QUESTION, make_corrupt_pdf, make_pdf, start_app

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.slow]

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("RAG_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("RAG_CHROMEDRIVER", "/usr/bin/chromedriver")
SCREENSHOTS = ROOT / "docs" if os.environ.get("RAG_SCREENSHOTS") else None
WAIT = 120
POLICE_2010 = "How good was information sharing with the police in 2010?"
TEN_QUESTIONS = [
    "What did inspectors say about caseloads in 2014?",
    "What did the fifth monitoring visit find about supervision?",
    "How has management oversight changed since 2014?",
    "Were children seen alone?",
    "How well are care leavers supported?",
    "What about return home interviews?",
    "How good was information sharing with the police in 2010?",
    "What did the first monitoring visit find?",
    "Is the workforce stable?",
    "How are children at risk of exploitation protected?",
]
SCRIPT_LETTER = """12 January 2025

Dear Director <script>window.__xss = 1</script>

Zebra crossing audit of children's centres <img src=x onerror="window.__xss = 2">

The zebra crossing audit found that <script>window.__xss = 3</script> every children's centre had a safe crossing outside its door.
Inspectors also noted <b>bold claims</b> and **starred words** in the audit's summary.

Yours sincerely

A. Inspector
"""


def _chromium_missing() -> str:
    for path in (CHROMIUM, CHROMEDRIVER):
        if not (Path(path).is_file() and os.access(path, os.X_OK)):
            return f"{path} not found: install Debian's chromium and chromium-driver packages to run browser tests"
    return ""


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    if reason := _chromium_missing():
        pytest.skip(reason)
    demo, url, settings = start_app(tmp_path_factory.mktemp("browser-app"))
    yield url, settings
    demo.close()


@pytest.fixture(scope="module")
def downloads(tmp_path_factory):
    return tmp_path_factory.mktemp("downloads")


def open_browser(url, downloads, width, height):
    """Chromium at exactly ``width`` x ``height`` CSS pixels (a phone when narrow)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="rag-chromium-")
    options = Options()
    options.binary_location = CHROMIUM
    for arg in (
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic",
        "--no-first-run", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
        f"--window-size={max(width, 500)},{height}", f"--user-data-dir={profile}",
    ):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(WAIT)
    metrics = {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 500}
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
    driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    origin = url.rstrip("/")
    driver.execute_cdp_cmd("Browser.grantPermissions", {"origin": origin, "permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"]})
    driver.get(url)
    wait_for_text(driver, "#rag-status", "Ready")
    return driver, profile


@pytest.fixture(scope="module")
def browser(app, downloads):
    driver, profile = open_browser(app[0], downloads, 1400, 1000)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="module")
def phone(app, downloads):
    driver, profile = open_browser(app[0], downloads, 390, 844)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


# -- helpers ----------------------------------------------------------------------------


def until(driver, condition, timeout=WAIT, message=""):
    from selenium.webdriver.support.ui import WebDriverWait

    from selenium.common.exceptions import StaleElementReferenceException

    # an element redrawn between finding it and reading it is looked for again
    return WebDriverWait(driver, timeout, poll_frequency=0.2, ignored_exceptions=(StaleElementReferenceException,)).until(lambda d: condition(d), message)


def find(driver, css):
    from selenium.webdriver.common.by import By

    return driver.find_element(By.CSS_SELECTOR, css)


def find_all(driver, css):
    from selenium.webdriver.common.by import By

    return driver.find_elements(By.CSS_SELECTOR, css)


def wait_for_text(driver, css, text, timeout=WAIT):
    def seen(d):
        els = find_all(d, css)
        return els and text in els[0].text

    until(driver, seen, timeout, f"{text!r} never appeared in {css}")
    return find(driver, css)


def tab(driver, name):
    from selenium.webdriver.common.by import By

    [button] = [b for b in driver.find_elements(By.CSS_SELECTOR, "button[role=tab]") if b.text.strip() == name]
    button.click()


DONE = "#rag-chat .rag-turn[data-state=done]"


def ask(driver, question):
    """Type a question, press Enter; the finished turn (answer or error)."""
    from selenium.webdriver.common.keys import Keys

    before = len(find_all(driver, DONE))
    box = find(driver, "#rag-question textarea")
    box.clear()
    box.send_keys(question)
    box.send_keys(Keys.ENTER)
    until(driver, lambda d: len(find_all(d, DONE)) > before, message=f"no answer to {question!r}")
    return find_all(driver, DONE)[-1]


def visible_in(driver, element, box_css):
    """Is the top of ``element`` inside the visible part of the scroll box ``box_css`` and the window?"""
    return driver.execute_script(
        "const e = arguments[0].getBoundingClientRect(), b = document.querySelector(arguments[1]).getBoundingClientRect();"
        "return e.top >= b.top - 1 && e.top < b.bottom - 20 && e.top >= 0 && e.top < innerHeight - 20;",
        element, box_css,
    )


def open_filters(driver):
    if not find_all(driver, "#rag-since input") or not find(driver, "#rag-since input").is_displayed():
        find(driver, "#rag-filters button").click()
        until(driver, lambda d: find(d, "#rag-since input").is_displayed(), timeout=20)


def set_year(driver, which, value):
    from selenium.webdriver.common.keys import Keys

    box = find(driver, f"#rag-{which} input")
    box.click()
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys(str(value))
    box.send_keys(Keys.ENTER)
    find(driver, "#rag-filters").click()  # blur: the dropdown keeps what was typed


def set_filters(driver, since, until_, kinds=()):
    open_filters(driver)
    set_year(driver, "since", since)
    set_year(driver, "until", until_)
    for label in find_all(driver, "#rag-kinds label"):
        ticked = label.find_element("css selector", "input").is_selected()
        if ticked != (label.text.strip() in kinds):
            label.click()
    expect = filters_label(since, until_, kinds)
    wait_for_text(driver, "#rag-filters", expect, timeout=20)


def filters_label(since, until_, kinds, councils=()):
    from rag.ui.filters import label

    return label(None if since == "any" else int(since), None if until_ == "any" else int(until_), list(kinds), list(councils))


def set_councils(driver, councils):
    from selenium.webdriver.common.keys import Keys

    open_filters(driver)
    for remove in find_all(driver, "#rag-councils .token-remove, #rag-councils button.token-remove"):
        remove.click()
    box = find(driver, "#rag-councils input")
    for name in councils:
        box.click()
        box.send_keys(name)
        box.send_keys(Keys.ENTER)
    find(driver, "#rag-filters").click()


def new_conversation(driver):
    side_open(driver)
    find(driver, "#rag-new").click()
    until(driver, lambda d: not find_all(d, "#rag-chat .rag-turn"), timeout=20, message="the conversation was not cleared")


def side_open(driver):
    side = find(driver, "#rag-side")
    if not side.find_element("css selector", "#rag-new").is_displayed():
        side.find_element("css selector", "button.toggle-button").click()
        until(driver, lambda d: find(d, "#rag-new").is_displayed(), timeout=20)


def side_close(driver):
    if find(driver, "#rag-new").is_displayed():
        find(driver, "#rag-side button.toggle-button").click()
        until(driver, lambda d: not find(d, "#rag-new").is_displayed(), timeout=20)


def upload_file(driver, paths, expect):
    paths = paths if isinstance(paths, list) else [paths]
    tab(driver, "Library")
    find(driver, "#rag-upload input[type=file]").send_keys("\n".join(str(p) for p in paths))
    for path in paths:
        until(driver, lambda d: find_all(d, f'#rag-upload td.filename[aria-label="{path.name}"]'), message=f"{path.name} was not uploaded")
    find(driver, "#rag-add").click()
    return wait_for_text(driver, "#rag-upload-status", expect).text


def downloaded(folder, before, suffix, timeout=60):
    """The new file with ``suffix`` in the download folder, once Chromium has finished it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        new = [p for p in Path(folder).iterdir() if p not in before and p.suffix == suffix]
        if new:
            return new[0]
        time.sleep(0.2)
    raise AssertionError(f"no {suffix} file was downloaded")


def screenshot(driver, name):
    if SCREENSHOTS:
        SCREENSHOTS.mkdir(exist_ok=True)
        driver.save_screenshot(str(SCREENSHOTS / name))


def resource_urls(driver):
    return driver.execute_script(
        "return [location.href].concat(performance.getEntriesByType('resource').map(e => e.name))"
    )


def feedback_lines(app):
    path = app[1].app.feedback_path
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


def rag_cli(app, *args):
    settings = app[1]
    env = {**os.environ, "RAG_INDEX_DIR": str(settings.index_dir), "RAG_CORPUS_DIR": str(settings.corpus_dir),
           "RAG_UPLOADS_DIR": str(settings.uploads_dir), "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "rag.cli", *args], capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)


# -- asking, and the sources ----------------------------------------------------------


def test_question_gives_timeline_with_one_card_per_passage(browser):
    answer = ask(browser, QUESTION)
    blocks = answer.find_elements("css selector", ".rag-tl-block")
    assert len(blocks) >= 3
    years = [int(re.search(r"(19|20)\d\d", b.find_element("css selector", ".rag-tl-date").text).group()) for b in blocks]
    assert years == sorted(years) and years[0] >= 2014
    markers = [int(m) for m in re.findall(r"\[(\d+)\]", answer.find_element("css selector", ".rag-answer").text)]
    assert 1 in markers and 2 in markers
    panel = find(browser, "#rag-sources .rag-sources-for:not([hidden])")
    assert f"for \u201c{QUESTION}\u201d" in panel.find_element("css selector", "h3").text  # headed by its question
    cards = panel.find_elements("css selector", ".rag-source")
    passages = [c.find_element("css selector", ".rag-passage").text for c in cards]
    assert len(passages) == len(set(passages)), "a passage has more than one card"
    numbers = [int(n) for c in cards for n in c.get_attribute("data-nums").split()]
    assert sorted(numbers) == sorted(set(markers)), "every [n] has exactly one card"
    meta = cards[0].find_element("css selector", ".rag-meta").text
    assert "report" in meta and "2014" in meta and "paragraph" in meta
    screenshot(browser, "screenshot-chat.png")


def test_a_passage_quoted_three_times_is_one_card_listing_all_three(browser):
    answer = ask(browser, "What about return home interviews?")
    markers = {int(m) for m in re.findall(r"\[(\d+)\]", answer.find_element("css selector", ".rag-answer").text)}
    cards = find_all(browser, "#rag-sources .rag-sources-for:not([hidden]) .rag-source")
    passages = [c.find_element("css selector", ".rag-passage").text for c in cards]
    assert len(passages) == len(set(passages)) and len(cards) < len(markers), "one card per quote, not per passage"
    for c in cards:  # each card lists, and highlights, every sentence quoted from its passage
        nums = c.get_attribute("data-nums").split()
        assert len(c.find_elements("css selector", ".rag-quotes li")) == len(nums)
        assert len(c.find_elements("css selector", ".rag-passage mark")) == len(nums)
    assert max(len(c.get_attribute("data-nums").split()) for c in cards) >= 2


def test_citation_marker_jumps_to_its_card_and_highlights_it(browser):
    answer = find_all(browser, DONE)[-1]
    markers = answer.find_elements("css selector", "a.rag-cite")
    target = markers[-1]
    n = target.get_attribute("data-n")
    find(browser, "#rag-sources-panel").click()
    browser.execute_script("document.getElementById('rag-sources-panel').scrollTop = 0")
    target.click()
    card = until(browser, lambda d: find_all(d, "#rag-sources .rag-source.rag-target"), timeout=10, message="no card was highlighted")[0]
    assert n in card.get_attribute("data-nums").split()
    assert card.find_element("css selector", f'mark[data-n="{n}"]').get_attribute("class") == "rag-current"
    until(browser, lambda d: visible_in(d, card, "#rag-sources-panel"), timeout=10, message="the card was not scrolled into view")


def test_open_a_source_shows_the_document_at_the_quote(browser):
    card = find_all(browser, "#rag-sources .rag-sources-for:not([hidden]) .rag-source")[0]
    link = card.find_element("css selector", "a.rag-open")
    title = card.find_element("css selector", ".rag-title").text
    quote = card.find_element("css selector", f'mark[data-n="{link.get_attribute("data-n")}"]').text.rstrip("0123456789")
    link.click()
    mark = wait_for_text(browser, "#rag-viewer #rag-here", quote[:30])
    assert " ".join(mark.text.split()) == " ".join(quote.split())
    until(browser, lambda d: d.execute_script(
        "const m = document.getElementById('rag-here').getBoundingClientRect();"
        "const box = document.querySelector('.rag-doc-text').getBoundingClientRect();"
        "return m.height > 0 && m.top >= box.top && m.bottom <= box.bottom && m.bottom <= innerHeight"
    ), timeout=10, message="the quote was not scrolled into view")
    assert find(browser, "#rag-viewer h3").text == title
    tab(browser, "Ask")


def test_each_new_answer_scrolls_into_view(browser):
    for question in TEN_QUESTIONS:
        turn = ask(browser, question)
        assert question in turn.find_element("css selector", ".rag-question").text
        until(browser, lambda d: visible_in(d, find_all(d, "#rag-chat .rag-question")[-1], "#rag-chat"), timeout=10,
              message=f"the answer to {question!r} was not scrolled into view")
        shown = find(browser, "#rag-sources .rag-sources-for:not([hidden]) h3").text
        assert question in shown, "the sources panel shows another answer's sources"


def test_example_question_is_asked_on_click(browser):
    before = len(find_all(browser, DONE))
    [example] = [b for b in find_all(browser, "#rag-examples button") if "caseloads in 2014" in b.text]
    example.click()
    until(browser, lambda d: len(find_all(d, DONE)) > before, message="the example was not asked")
    turn = find_all(browser, DONE)[-1]
    assert "What did inspectors say about caseloads in 2014?" in turn.find_element("css selector", ".rag-question").text
    assert "18" in turn.find_element("css selector", ".rag-answer").text


# -- copy and export --------------------------------------------------------------------


def test_copy_puts_clean_text_with_citations_on_the_clipboard(browser):
    turn = find_all(browser, DONE)[-1]
    browser.execute_script(
        "window.__copied = []; const w = navigator.clipboard.writeText.bind(navigator.clipboard);"
        "navigator.clipboard.writeText = (t) => { window.__copied.push(t); return w(t); };"
    )
    button = turn.find_element("css selector", "button.rag-copy")
    button.click()
    until(browser, lambda d: button.text == "Copied", timeout=10, message="the copy did not finish")
    [text] = browser.execute_script("return window.__copied")
    board = browser.execute_async_script("navigator.clipboard.readText().then(arguments[0], () => arguments[0](null))")
    assert board in (None, text)  # what reached the clipboard, where the headless one can be read
    assert "<" not in text and "&#" not in text and "rag-" not in text
    assert text.startswith("Q: What did inspectors say about caseloads in 2014?")
    assert "Sources:\n[1] " in text and "(report, 30 June 2014)" in text and "paragraph" in text
    assert "\u201c" in text and "Searched 1 report, 2014. Filters: none." in text and "settings " in text


def test_markdown_and_word_downloads_record_scope_and_settings(browser, downloads):
    from docx import Document
    from markdown_it import MarkdownIt

    turn = find_all(browser, DONE)[-1]
    before = set(Path(downloads).iterdir())
    turn.find_element("css selector", 'a.rag-dl[download="answer.md"]').click()
    md = downloaded(downloads, before, ".md").read_text(encoding="utf-8")
    html = MarkdownIt().render(md)
    quotes = len(turn.find_elements("css selector", ".rag-answer a.rag-cite"))
    assert html.count("<blockquote>") == quotes and "&gt;" not in html  # each quote its own blockquote
    assert "<h1>What did inspectors say about caseloads in 2014?</h1>" in html
    assert "Filters: none." in md and re.search(r"settings [0-9a-f]{12}", md)
    before = set(Path(downloads).iterdir())
    turn.find_element("css selector", 'a.rag-dl[download="answer.docx"]').click()
    doc = Document(str(downloaded(downloads, before, ".docx")))
    assert doc.core_properties.author == "Inspection documents app"
    assert doc.paragraphs[0].text == "What did inspectors say about caseloads in 2014?"
    footer = doc.sections[0].footer.paragraphs[0].text
    assert "Filters: none." in footer and re.search(r"settings [0-9a-f]{12}", footer)


# -- filters, scope and the choice to widen -----------------------------------------------


def test_filters_sit_above_the_conversation_and_say_what_is_set(browser):
    filters = find(browser, "#rag-filters").rect
    chat = find(browser, "#rag-chat").rect
    assert filters["y"] + filters["height"] <= chat["y"] + 1 and filters["y"] < 400
    assert "Filters: none" in find(browser, "#rag-filters").text


def test_a_question_outside_the_filters_warns_and_can_be_widened(browser, app):
    new_conversation(browser)
    side_close(browser)
    set_filters(browser, 2023, 2024, ["letter"])
    turn = ask(browser, POLICE_2010)
    scope = turn.find_element("css selector", ".rag-scope").text
    assert scope.startswith("Searched 2 letters, 2023\u20132024.") and "Filters: years 2023\u20132024; kinds: letter." in scope
    warning = turn.find_element("css selector", ".rag-warning")
    assert "Your question asks about 2010, but the year filter is 2023\u20132024" in warning.text
    dates = [c.find_element("css selector", ".rag-meta").text for c in find_all(browser, "#rag-sources .rag-sources-for:not([hidden]) .rag-source")]
    assert dates and all("2023" in d or "2024" in d for d in dates)  # answered within the filters, and says so
    screenshot(browser, "screenshot-scope.png")

    warning.find_element("css selector", "button.rag-widen").click()
    until(browser, lambda d: len(find_all(d, DONE)) == 2, message="widening did not ask again")
    widened = find_all(browser, DONE)[-1]
    assert not widened.find_elements("css selector", ".rag-warning")
    assert "Filters: kinds: letter." in widened.find_element("css selector", ".rag-scope").text
    assert "2010" in " ".join(c.text for c in find_all(browser, "#rag-sources .rag-sources-for:not([hidden]) .rag-meta"))
    wait_for_text(browser, "#rag-filters", "Filters: kinds: letter", timeout=20)  # the year filters followed


def test_feedback_records_the_filters_the_answer_was_made_with(browser, app):
    before = len(feedback_lines(app))
    first = find_all(browser, DONE)[0]  # made with 2023-2024 and letters
    set_filters(browser, "any", "any", [])  # the filters change after the answer
    first.find_element("css selector", ".rag-comment-input").send_keys("answered from the wrong years")
    first.find_element("css selector", 'button.rag-rate[data-rating="down"]').click()
    until(browser, lambda d: len(feedback_lines(app)) > before, timeout=20, message="no feedback line")
    record = feedback_lines(app)[-1]
    assert record["rating"] == "down" and record["comment"] == "answered from the wrong years"
    assert record["filters"] == {"since": 2023, "until": 2024, "kinds": ["letter"], "authorities": []}
    assert record["question"] == POLICE_2010 and record["searched"]["described"] == "2 letters, 2023\u20132024"
    # the file is written before the page redraws the answer: wait for the redraw
    until(browser, lambda d: "recorded as not useful with your comment" in find_all(d, DONE)[0].text, timeout=20,
          message="the answer did not say its feedback was recorded")
    assert not find_all(browser, DONE)[0].find_elements("css selector", "button.rag-rate")


def test_one_feedback_control_per_answer_and_none_on_errors(browser, app):
    turns = find_all(browser, DONE)
    assert all(len(t.find_elements("css selector", ".rag-rate-box, .rag-rated")) == 1 for t in turns)
    assert not find_all(browser, "#rag-up, #rag-down, #rag-chat button[aria-label=Like], #rag-chat button[aria-label=Dislike]")
    limit = app[1].answer.max_question_chars
    browser.execute_script(
        "const t = document.querySelector('#rag-question textarea');"
        "t.value = arguments[0]; t.dispatchEvent(new Event('input', {bubbles: true}));",
        "x" * (limit + 1),
    )
    from selenium.webdriver.common.keys import Keys

    before = len(find_all(browser, DONE))
    find(browser, "#rag-question textarea").send_keys(Keys.ENTER)
    until(browser, lambda d: len(find_all(d, DONE)) > before)
    error = find_all(browser, DONE)[-1]
    assert f"The question is {limit + 1} characters long; the limit is {limit}. Shorten it and ask again." in error.text
    assert not error.find_elements("css selector", ".rag-rate-box, button.rag-copy, a.rag-dl")


def test_validation_errors_read_as_plain_english(browser):
    set_filters(browser, 2024, 2010)
    turn = ask(browser, "What about caseloads?")
    text = turn.find_element("css selector", ".rag-error").text
    assert "The 'from' year (2024) is after the 'to' year (2010): swap them, or set one to any year." in text
    assert "since/until" not in text and "until" not in text.replace("'to'", "")
    set_filters(browser, "any", "any")


# -- history ----------------------------------------------------------------------------


def test_history_survives_a_reload_and_new_conversation_really_clears(browser):
    questions = [t.find_element("css selector", ".rag-question").text for t in find_all(browser, DONE)]
    assert find_all(browser, ".rag-rated")  # a rating from the test before
    browser.refresh()
    wait_for_text(browser, "#rag-status", "Ready")
    until(browser, lambda d: len(find_all(d, DONE)) == len(questions), timeout=30, message="the conversation was lost on reload")
    assert [t.find_element("css selector", ".rag-question").text for t in find_all(browser, DONE)] == questions
    assert find_all(browser, "#rag-sources .rag-sources-for:not([hidden]) .rag-source"), "its sources came back"
    assert find_all(browser, ".rag-rated")
    assert all(t.find_elements("css selector", "a.rag-dl") for t in find_all(browser, DONE) if t.find_elements("css selector", ".rag-answer"))

    new_conversation(browser)
    assert "Sources for the answer appear here" in find(browser, "#rag-sources").text
    assert "Thank you" not in find(browser, "body").text  # nothing of the last conversation lingers
    items = find_all(browser, "#rag-history .rag-history-item")
    assert len(items) >= 2 and POLICE_2010 in items[0].text and QUESTION in items[1].text

    items[1].find_element("css selector", "a.rag-history-open").click()
    until(browser, lambda d: len(find_all(d, DONE)) >= 10, timeout=30, message="the first conversation did not come back")
    assert QUESTION in find_all(browser, DONE)[0].find_element("css selector", ".rag-question").text
    last = find_all(browser, DONE)[-1].find_element("css selector", ".rag-question").text
    assert last in find(browser, "#rag-sources .rag-sources-for:not([hidden]) h3").text
    screenshot(browser, "screenshot-history.png")
    side_close(browser)


# -- the library ------------------------------------------------------------------------


def test_corrupt_pdf_upload_shows_its_error(browser, app, tmp_path):
    tab(browser, "Library")
    rows_before = find(browser, "#rag-library").text
    status = upload_file(browser, make_corrupt_pdf(tmp_path / "broken-report.pdf"), "0 of 1 file in the library")
    assert "broken-report.pdf" in status and "corrupt PDF" in status
    assert find_all(browser, "#rag-upload-status .rag-file.rag-bad")
    assert find(browser, "#rag-library").text == rows_before


def test_partial_success_is_shown_per_file(browser, tmp_path):
    good = make_pdf(tmp_path / "testshire.pdf", GOOD_PDF_LINES)
    bad = tmp_path / "tool.exe"
    bad.write_bytes(b"MZ\x90\x00binary")
    status = upload_file(browser, [good, bad], "1 of 2 files in the library. 1 not added")
    assert "Added" in status and "Not added" in status and "unsupported file type" in status
    [ok] = find_all(browser, "#rag-upload-status .rag-file.rag-ok")
    [failed] = find_all(browser, "#rag-upload-status .rag-file.rag-bad")
    assert "testshire.pdf" in ok.text and "tool.exe" in failed.text
    assert not find_all(browser, "#rag-upload-status .rag-failed")  # the summary is not an error
    colour = lambda el: el.value_of_css_property("border-left-color")  # noqa: E731
    assert colour(ok) != colour(failed)
    wait_for_text(browser, "#rag-library", "Inspection of Testshire children's services")
    screenshot(browser, "screenshot-library.png")


def test_a_question_naming_a_council_outside_the_filter_warns_and_can_be_widened(browser):
    tab(browser, "Ask")
    new_conversation(browser)
    side_close(browser)
    set_councils(browser, ["Herefordshire"])
    wait_for_text(browser, "#rag-filters", "Filters: council: Herefordshire", timeout=20)
    turn = ask(browser, "What are the respite arrangements for young carers in Testshire like?")
    assert "Filters: council: Herefordshire." in turn.find_element("css selector", ".rag-scope").text
    warning = turn.find_element("css selector", ".rag-warning")
    assert "Your question asks about Testshire, but the council filter is Herefordshire: 1 document of Testshire was not searched." in warning.text
    button = warning.find_element("css selector", "button.rag-widen")
    assert button.text == "Ask again with any council"
    button.click()
    until(browser, lambda d: len(find_all(d, DONE)) == 2, message="widening did not ask again")
    widened = find_all(browser, DONE)[-1]
    assert not widened.find_elements("css selector", ".rag-warning") and "Filters: none." in widened.find_element("css selector", ".rag-scope").text
    titles = [t.text for t in find_all(browser, "#rag-sources .rag-sources-for:not([hidden]) .rag-title")]
    assert any("Testshire" in t for t in titles)
    wait_for_text(browser, "#rag-filters", "Filters: none", timeout=20)


def big_pdf(path: Path, pages: int = 60) -> Path:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("Helvetica", size=10)
    lines = ["Inspection of Largeshire children's services", "Report published: 4 April 2025"]
    for p in range(pages):
        pdf.add_page()
        for line in (lines if p == 0 else []):
            pdf.multi_cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")
        for i in range(14):
            n = p * 14 + i + 1
            text = (f"{n}. In team {n % 17} the inspectors read case {n * 7} and found that plan {n} for the child was "
                    f"reviewed in week {n % 52}, that visits happened every {n % 9 + 2} weeks and that managers signed off {n % 5 + 1} actions.")
            pdf.multi_cell(0, 5, text, new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))
    return path


def test_upload_progress_moves_by_stage_during_a_large_file(browser, tmp_path):
    path = big_pdf(tmp_path / "largeshire.pdf")
    tab(browser, "Library")
    find(browser, "#rag-upload input[type=file]").send_keys(str(path))
    until(browser, lambda d: find_all(d, f'#rag-upload td.filename[aria-label="{path.name}"]'), message="not uploaded")
    find(browser, "#rag-add").click()
    wait_for_text(browser, "#rag-upload-status", path.name)  # this upload's view, not the last one's
    seen: list[tuple[str, int]] = []
    overlays = 0
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        text = find(browser, "#rag-upload-status").text
        if "in the library" in text:
            break
        if m := re.search(r"(reading|cleaning|chunking|embedding|writing)\u2026 (\d+)%", text):
            if not seen or seen[-1] != (m.group(1), int(m.group(2))):
                seen.append((m.group(1), int(m.group(2))))
        overlays = max(overlays, len([e for e in find_all(browser, ".progress-text, .eta-bar") if e.is_displayed()]))
        time.sleep(0.1)
    assert "1 of 1 file in the library" in find(browser, "#rag-upload-status").text
    stages = {s for s, _ in seen}
    percents = [p for _, p in seen]
    # embedding is most of the time, so the page shows it; the other stages of a plain 60-page
    # PDF can finish between two redraws on a quiet machine (their order, every one of them, is
    # checked without a clock by tests/test_pipeline.py::test_ingest_reports_each_stage_of_each_file)
    assert "embedding" in stages and stages <= {"reading", "cleaning", "chunking", "embedding", "writing"}, seen
    assert len({p for p in percents if 0 < p < 100}) >= 3 and percents == sorted(percents), seen  # it moves, forward
    assert overlays == 0, "Gradio's own progress overlay covered parts of the page"


def test_document_with_script_renders_as_text(browser, tmp_path):
    letter = tmp_path / "zebra-letter.txt"
    letter.write_text(SCRIPT_LETTER, encoding="utf-8")
    upload_file(browser, letter, "1 of 1 file in the library")
    until(browser, lambda d: "zebra letter" in find(d, "#rag-library").text.lower(), message="the letter is not in the library")
    tab(browser, "Ask")
    # curated documents answer first; a question on a year only the upload covers reaches it
    answer = ask(browser, "What did the 2025 zebra crossing audit find?")
    assert "<script>window.__xss = 3</script>" in answer.find_element("css selector", ".rag-answer").text
    sources = find(browser, "#rag-sources .rag-sources-for:not([hidden])")
    assert "<script>window.__xss = 3</script>" in sources.text
    assert "Zebra crossing audit of children's centres <img src=x" in sources.text
    assert browser.execute_script("return window.__xss") is None
    for root in ("#rag-chat", "#rag-sources", "#rag-library"):
        assert not find_all(browser, f"{root} script, {root} img[onerror], {root} b")


def choose_document(driver, title_part):
    tab(driver, "Library")

    def rows(d):
        # the grid draws its rows after the tab opens, and redraws them as the list refreshes
        return [r for r in find_all(d, "#rag-library [role=row].virtual-row") if title_part.lower() in r.text.lower()]

    until(driver, rows, timeout=20, message=f"{title_part!r} is not in the library")
    rows(driver)[0].find_elements("css selector", "[role=gridcell]")[0].click()
    until(driver, lambda d: title_part.lower() in (find(d, "#rag-manage-doc input").get_attribute("value") or "").lower(),
          timeout=20, message="the row did not choose the document")


def test_removing_a_document_takes_it_out_of_answers_and_the_cli_agrees(browser, app):
    choose_document(browser, "Zebra letter")
    find(browser, "#rag-remove").click()
    wait_for_text(browser, "#rag-confirm", "Remove", timeout=20)
    find(browser, "#rag-remove-yes").click()
    wait_for_text(browser, "#rag-manage-status", "Removed", timeout=60)
    until(browser, lambda d: "zebra letter" not in find(d, "#rag-library").text.lower(), timeout=30)
    ids = rag_cli(app, "docs", "--ids")
    assert ids.returncode == 0 and "zebra letter" not in ids.stdout.lower() and "Largeshire" in ids.stdout
    passages = rag_cli(app, "ask", "zebra crossing audit children's centres", "--passages", "--json", "-k", "20")
    assert "zebra" not in passages.stdout.lower()  # neither the dense nor the BM25 ranking finds it

    [largeshire] = [line.split("\t")[0] for line in ids.stdout.splitlines() if "Largeshire" in line]
    removed = rag_cli(app, "remove", largeshire)
    assert removed.returncode == 0 and removed.stdout.startswith(f"removed   {largeshire}")
    [refresh] = [b for b in find_all(browser, "button") if b.text.strip() == "Refresh the list"]
    refresh.click()
    until(browser, lambda d: "Largeshire" not in find(d, "#rag-library").text, timeout=30, message="the app still lists what the CLI removed")
    tab(browser, "Ask")
    ask(browser, "How often did visits happen in team 3, and how many actions did managers sign off?")
    titles = [t.text for t in find_all(browser, "#rag-sources .rag-sources-for:not([hidden]) .rag-title")]
    assert titles and not [t for t in titles if "Largeshire" in t]


def test_replacing_a_document_keeps_one_version(browser, tmp_path):
    choose_document(browser, "Inspection of Testshire children's services")
    lines = [GOOD_PDF_LINES[0], "Report published: 9 May 2025", *GOOD_PDF_LINES[2:], "3. A new short breaks service opened in April 2025."]
    newer = make_pdf(tmp_path / "testshire-v2.pdf", lines)
    find(browser, "#rag-new-version input[type=file]").send_keys(str(newer))
    until(browser, lambda d: find_all(d, '#rag-new-version td.filename[aria-label="testshire-v2.pdf"]'), message="not uploaded")
    find(browser, "#rag-replace").click()
    wait_for_text(browser, "#rag-manage-status", "Replaced", timeout=120)
    library = find(browser, "#rag-library").text
    assert library.count("Inspection of Testshire children's services") == 1 and "9 May 2025" in library


# -- briefs ---------------------------------------------------------------------------


def build_brief(driver, topic):
    from selenium.webdriver.common.keys import Keys

    tab(driver, "Briefs")
    box = find(driver, "#rag-brief-topic input")
    box.clear()
    box.send_keys(topic)
    box.send_keys(Keys.ENTER)
    def said(d):
        found = find_all(d, "#rag-brief-status .rag-status")
        return found[0].text if found else ""

    before = said(driver)
    find(driver, "#rag-brief-build").click()
    until(driver, lambda d: said(d) not in ("", before), timeout=WAIT * 2, message="no brief status")
    return said(driver)


def dates_on_one_line(driver):
    return driver.execute_script(
        "return [...document.querySelectorAll('#rag-brief-preview table:first-of-type tbody td:first-child')].map(td => {"
        "  const r = document.createRange(); r.selectNodeContents(td);"
        "  const tops = new Set([...r.getClientRects()].map(x => Math.round(x.top))); return [td.textContent, tops.size]; })"
    )


def test_briefs_tab_builds_a_cited_brief_with_dates_on_one_line(browser, downloads):
    from docx import Document

    status = build_brief(browser, "management oversight")
    assert "Brief on \u201cmanagement oversight\u201d" in status
    preview = wait_for_text(browser, "#rag-brief-preview", "What each document said, oldest first", timeout=WAIT * 2)
    assert "2014" in preview.text
    dates = dates_on_one_line(browser)
    assert dates and all(lines == 1 for _, lines in dates), dates
    until(browser, lambda d: find(d, "#rag-brief-docx").is_enabled(), message="no Word download offered")
    before = set(Path(downloads).iterdir())
    find(browser, "#rag-brief-docx").click()
    doc = Document(str(downloaded(downloads, before, ".docx")))
    assert doc.core_properties.author == "Inspection documents app" and doc.core_properties.last_modified_by != "python-docx"


def test_a_brief_on_a_topic_no_document_covers_says_so(browser):
    status = build_brief(browser, "dental health")
    assert "No document says enough about \u2018dental health\u2019 to quote (they never use \u2018dental\u2019)" in status
    assert "dental health" not in find(browser, "#rag-brief-preview").text.lower()
    tab(browser, "Ask")


# -- a phone -------------------------------------------------------------------------------


def test_phone_layout_works_at_390_px_with_sources_under_each_answer(phone):
    width = phone.execute_script("return innerWidth")
    assert width == 390
    assert phone.execute_script("return document.documentElement.scrollWidth") <= width  # nothing off the side
    title = find(phone, ".rag-h")
    assert phone.execute_script("const e = arguments[0]; return e.scrollWidth <= e.clientWidth + 1", title), "the title is cut off"
    t, s = title.rect, find(phone, "#rag-status").rect
    assert t["y"] + t["height"] <= s["y"] + 1 and s["y"] - (t["y"] + t["height"]) < 40, "the status overlaps or drifts from the title"
    tabs = [b for b in find_all(phone, "button[role=tab]") if b.is_displayed()]
    assert [b.text.strip() for b in tabs] == ["Ask", "Document", "Library", "Briefs"]  # none behind a "..." menu
    assert all(b.rect["x"] + b.rect["width"] <= width for b in tabs)
    if find_all(phone, DONE):  # history from this profile; start clean
        new_conversation(phone)
        side_close(phone)
    turn = ask(phone, "What did the fifth monitoring visit find about supervision?")
    assert not find(phone, "#rag-sources-panel").is_displayed()
    inline = turn.find_element("css selector", "details.rag-inline-sources")
    assert inline.is_displayed() and inline.find_elements("css selector", ".rag-source")
    answer_bottom = turn.find_element("css selector", ".rag-answer").rect
    assert inline.rect["y"] >= answer_bottom["y"] + answer_bottom["height"] - 1  # under the answer
    until(phone, lambda d: d.execute_script("return arguments[0].getBoundingClientRect().top", turn.find_element("css selector", ".rag-question")) < 120,
          timeout=10, message="the answer was not scrolled into view")
    if SCREENSHOTS:  # the page from its top: title, status, tabs, filters, then the answer
        phone.execute_script("window.scrollTo(0, 0)")
        time.sleep(0.5)
    screenshot(phone, "screenshot-phone.png")
    marker = turn.find_elements("css selector", ".rag-answer a.rag-cite")[-1]
    marker.click()
    card = until(phone, lambda d: turn.find_elements("css selector", ".rag-inline-sources .rag-source.rag-target"), timeout=10)[0]
    assert marker.get_attribute("data-n") in card.get_attribute("data-nums").split()
    until(phone, lambda d: 0 <= card.rect["y"] - d.execute_script("return scrollY") < 844, timeout=10)
    screenshot(phone, "screenshot-phone-sources.png")


def test_phone_brief_dates_do_not_break(phone):
    build_brief(phone, "management oversight")
    wait_for_text(phone, "#rag-brief-preview", "What each document said, oldest first", timeout=WAIT * 2)
    dates = dates_on_one_line(phone)
    assert dates and all(lines == 1 for _, lines in dates), dates
    tab(phone, "Ask")


# -- nothing from outside -------------------------------------------------------------


def test_page_fetches_nothing_from_outside_loopback(browser, phone):
    for driver in (browser, phone):
        urls = resource_urls(driver)
        assert len(urls) > 5
        outside = [u for u in urls if urlparse(u).hostname not in ("127.0.0.1", "localhost")]
        assert outside == []
