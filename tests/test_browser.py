"""The app in real headless Chromium (Debian's chromium + chromedriver, driven by Selenium).

Staff flows end to end: ask the management-oversight question and read the timeline and
its sources, open a source in the document viewer, rate the answer, upload a corrupt PDF
and a good one, and check a document containing <script> shows it as text. The page must
fetch nothing from outside loopback.

    RAG_SCREENSHOTS=1 python -m pytest tests/test_browser.py   # also writes docs/screenshot-*.png
"""

import json
import os
import re
import shutil
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
def browser(app):
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="rag-chromium-")
    options = Options()
    options.binary_location = CHROMIUM
    for arg in (
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic",
        "--no-first-run", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
        "--window-size=1400,1000", f"--user-data-dir={profile}",
    ):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(WAIT)
    driver.get(app[0])
    wait_for_text(driver, "#rag-status", "Ready")
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


# -- helpers ----------------------------------------------------------------------------


def until(driver, condition, timeout=WAIT, message=""):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout, poll_frequency=0.2).until(lambda d: condition(d), message)


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


def ask(driver, question):
    from selenium.webdriver.common.keys import Keys

    before = len(find_all(driver, "#rag-chat .rag-answer, #rag-chat .rag-error"))
    box = find(driver, "#rag-question textarea")
    box.clear()
    box.send_keys(question)
    box.send_keys(Keys.ENTER)
    until(driver, lambda d: len(find_all(d, "#rag-chat .rag-answer, #rag-chat .rag-error")) > before, message="no answer appeared")
    return find_all(driver, "#rag-chat .rag-answer, #rag-chat .rag-error")[-1]


def upload_file(driver, path: Path, expect: str):
    tab(driver, "Library")
    find(driver, "#rag-upload input[type=file]").send_keys(str(path))
    until(driver, lambda d: find_all(d, f'#rag-upload td.filename[aria-label="{path.name}"]'), message=f"{path.name} was not uploaded")
    find(driver, "#rag-add").click()
    return wait_for_text(driver, "#rag-upload-status", expect).text


def screenshot(driver, name):
    if SCREENSHOTS:
        SCREENSHOTS.mkdir(exist_ok=True)
        driver.save_screenshot(str(SCREENSHOTS / name))


SCROLL_CHAT_TO_TOP = """
for (let el = arguments[0]; el; el = el.parentElement) {
  if (el.scrollHeight > el.clientHeight + 4 && getComputedStyle(el).overflowY !== 'visible') { el.scrollTop = 0; break; }
}
window.scrollTo(0, 0);
"""


def resource_urls(driver):
    return driver.execute_script(
        "return [location.href].concat(performance.getEntriesByType('resource').map(e => e.name))"
    )


# -- flows ------------------------------------------------------------------------------


def test_question_gives_timeline_with_sources(browser):
    answer = ask(browser, QUESTION)
    blocks = answer.find_elements("css selector", ".rag-tl-block")
    assert len(blocks) >= 3
    years = [int(re.search(r"(19|20)\d\d", b.find_element("css selector", ".rag-tl-date").text).group()) for b in blocks]
    assert years == sorted(years) and years[0] >= 2014
    assert re.search(r"\[1\]", answer.text) and "[2]" in answer.text
    cards = find_all(browser, "#rag-sources .rag-source")
    markers = {int(m) for m in re.findall(r"\[(\d+)\]", answer.text)}
    assert len(cards) == max(markers)
    first = cards[0]
    meta = first.find_element("css selector", ".rag-meta").text
    assert "report" in meta and "2014" in meta and "paragraph" in meta
    assert first.find_element("css selector", "mark").text.strip()
    if SCREENSHOTS:  # show the conversation from the question down, once the chat's autoscroll is done
        time.sleep(1)
        browser.execute_script(SCROLL_CHAT_TO_TOP, answer)
        time.sleep(0.5)
    screenshot(browser, "screenshot-chat.png")


def test_open_a_source_shows_the_document_at_the_quote(browser):
    card = find_all(browser, "#rag-sources .rag-source")[0]
    quote = card.find_element("css selector", "mark").text
    card.find_element("css selector", "a.rag-open").click()
    mark = wait_for_text(browser, "#rag-viewer #rag-here", quote[:30])
    assert " ".join(mark.text.split()) == " ".join(quote.split())
    until(browser, lambda d: d.execute_script(
        "const m = document.getElementById('rag-here').getBoundingClientRect();"
        "const box = document.querySelector('.rag-doc-text').getBoundingClientRect();"
        "return m.height > 0 && m.top >= box.top && m.bottom <= box.bottom && m.bottom <= innerHeight"
    ), timeout=10, message="the quote was not scrolled into view")
    assert "Ofsted report" in find(browser, "#rag-viewer h3").text
    tab(browser, "Ask")


def test_thumbs_up_with_comment_is_recorded(browser, app):
    find(browser, "#rag-chat")  # still on the chat
    comment = find(browser, "#rag-comment textarea")
    comment.send_keys("Clear timeline")
    find(browser, "#rag-up").click()
    wait_for_text(browser, "body", "feedback recorded with your comment")
    [line] = app[1].app.feedback_path.read_text(encoding="utf-8").splitlines()
    record = json.loads(line)
    assert record["rating"] == "up" and record["comment"] == "Clear timeline"
    assert record["question"] == QUESTION and record["citations"] and record["settings_hash"]


def test_example_question_is_asked_on_click(browser):
    before = len(find_all(browser, "#rag-chat .rag-answer"))
    [example] = [b for b in find_all(browser, "#rag-examples button") if "caseloads in 2014" in b.text]
    example.click()
    until(browser, lambda d: len(find_all(d, "#rag-chat .rag-answer")) > before, message="the example was not asked")
    assert "What did inspectors say about caseloads in 2014?" in find_all(browser, "#rag-chat .rag-question")[-1].text
    assert "18" in find_all(browser, "#rag-chat .rag-answer")[-1].text


def test_dislike_icon_on_an_answer_is_recorded(browser, app):
    path = app[1].app.feedback_path
    lines = len(path.read_text(encoding="utf-8").splitlines())
    [*_, dislike] = [b for b in find_all(browser, "#rag-chat button") if b.get_attribute("aria-label") == "Dislike"]
    dislike.click()
    until(browser, lambda d: len(path.read_text(encoding="utf-8").splitlines()) > lines, timeout=20)
    record = json.loads(path.read_text(encoding="utf-8").splitlines()[-1])
    assert record["rating"] == "down" and "caseloads in 2014" in record["question"]


def test_too_long_question_shows_the_limit(browser, app):
    limit = app[1].answer.max_question_chars
    browser.execute_script(
        "const t = document.querySelector('#rag-question textarea');"
        "t.value = arguments[0]; t.dispatchEvent(new Event('input', {bubbles: true}));",
        "x" * (limit + 1),
    )
    from selenium.webdriver.common.keys import Keys

    before = len(find_all(browser, "#rag-chat .rag-error"))
    find(browser, "#rag-question textarea").send_keys(Keys.ENTER)
    until(browser, lambda d: len(find_all(d, "#rag-chat .rag-error")) > before)
    assert f"the limit is {limit}" in find_all(browser, "#rag-chat .rag-error")[-1].text


def test_corrupt_pdf_upload_shows_its_error(browser, app, tmp_path):
    tab(browser, "Library")
    rows_before = find(browser, "#rag-library").text
    status = upload_file(browser, make_corrupt_pdf(tmp_path / "broken-report.pdf"), "Not added")
    assert "broken-report.pdf: corrupt PDF" in status
    assert "failed" in find(browser, "#rag-upload-results").text
    assert find(browser, "#rag-library").text == rows_before


def test_good_pdf_upload_appears_in_the_library(browser, tmp_path):
    status = upload_file(browser, make_pdf(tmp_path / "testshire.pdf", GOOD_PDF_LINES), "1 of 1 file in the library")
    assert "Not added" not in status
    wait_for_text(browser, "#rag-library", "Inspection of Testshire children's services")
    assert "indexed" in find(browser, "#rag-upload-results").text
    screenshot(browser, "screenshot-library.png")


def test_document_with_script_renders_as_text(browser, tmp_path):
    letter = tmp_path / "zebra-letter.txt"
    letter.write_text(SCRIPT_LETTER, encoding="utf-8")
    upload_file(browser, letter, "1 of 1 file in the library")
    wait_for_text(browser, "#rag-library", "<img src=x onerror=")  # the title, shown as text
    tab(browser, "Ask")
    answer = ask(browser, "What did the zebra crossing audit find?")
    assert "<script>window.__xss = 3</script>" in answer.text
    sources = find(browser, "#rag-sources")
    assert "<script>window.__xss = 3</script>" in sources.text
    assert "Zebra crossing audit of children's centres <img src=x" in sources.text
    assert browser.execute_script("return window.__xss") is None
    for root in ("#rag-chat", "#rag-sources", "#rag-library"):
        assert not find_all(browser, f"{root} script, {root} img[onerror], {root} b")


def test_page_fetches_nothing_from_outside_loopback(browser):
    urls = resource_urls(browser)
    assert len(urls) > 5
    outside = [u for u in urls if urlparse(u).hostname not in ("127.0.0.1", "localhost")]
    assert outside == []


def test_briefs_tab_builds_a_cited_brief_to_download(browser):
    from selenium.webdriver.common.keys import Keys

    tab(browser, "Briefs")
    box = find(browser, "#rag-brief-topic input")
    box.clear()
    box.send_keys("management oversight")
    box.send_keys(Keys.ENTER)
    find(browser, "#rag-brief-build").click()
    preview = wait_for_text(browser, "#rag-brief-preview", "What each document said, oldest first", timeout=WAIT * 2)
    assert "management oversight" in preview.text.lower() and "2014" in preview.text
    until(browser, lambda d: find(d, "#rag-brief-docx").is_enabled(), message="no Word download offered")
    tab(browser, "Ask")
