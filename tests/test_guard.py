"""The app's guard against hostile clients: cross-origin writes, login guessing, the API
described before login, remote file paths, Gradio's temp files, uploads left behind.

Unit tests drive the middleware and helpers directly; the integration tests attack a
running app (an empty corpus, so it starts at once) over plain HTTP on loopback.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import loopback
import pytest
from loopback import free_port, multipart, request

from rag.settings import AppSettings, Settings
from rag.ui import guard

ROOT = Path(__file__).resolve().parent.parent
EVIL = "http://evil.example"
USER, PASSWORD = "staff", "s3cret-pa55"


# -- unit: origins, throttle, page, remote paths, temp files ----------------------------------


@pytest.mark.parametrize(
    "origin, host, allowed, same",
    [
        ("http://127.0.0.1:7860", "127.0.0.1:7860", (), True),
        ("http://localhost:7860", "localhost:7860", (), True),
        ("https://rag.example.org", "rag.example.org", (), True),
        ("https://rag.example.org", "127.0.0.1:7861", ("https://rag.example.org",), True),
        ("http://127.0.0.1:8000", "127.0.0.1:7860", (), False),  # another local service: same site, not same origin
        (EVIL, "127.0.0.1:7860", (), False),
        ("null", "127.0.0.1:7860", (), False),
        ("file://", "127.0.0.1:7860", (), False),
        ("http://127.0.0.1:x", "127.0.0.1:7860", (), False),
    ],
)
def test_same_origin(origin, host, allowed, same):
    assert guard.same_origin(origin, host, allowed) is same


def test_the_throttle_counts_failures_per_address_for_a_minute():
    now = [0.0]
    t = guard.LoginThrottle(5, clock=lambda: now[0])
    for _ in range(5):
        assert t.wait_s("1.2.3.4") == 0
        t.fail("1.2.3.4")
    assert 59 < t.wait_s("1.2.3.4") <= 60 and t.wait_s("5.6.7.8") == 0
    now[0] = 30.0
    assert 29 < t.wait_s("1.2.3.4") <= 30
    now[0] = 60.0
    assert t.wait_s("1.2.3.4") == 0
    t.fail("1.2.3.4")
    t.succeed("1.2.3.4")
    assert t.wait_s("1.2.3.4") == 0


def guarded_app(limit: int = 5):
    """A tiny app behind the guard: POST /login accepts PASSWORD; / serves a login page."""
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.requests import Request
    from starlette.responses import HTMLResponse, JSONResponse
    from starlette.routing import Route

    calls = []

    async def login(request: Request):
        form = await request.form()
        calls.append("login")
        ok = form.get("password") == PASSWORD
        return JSONResponse({"success": ok}, status_code=200 if ok else 400)

    async def upload(request: Request):
        calls.append("upload")
        return JSONResponse(["/tmp/x"])

    async def page(request: Request):
        info = json.dumps({"named_endpoints": {"/upload": {"parameters": [{"parameter_name": "files"}]}}})
        config = '{"auth_required":true}' if request.query_params.get("login") else '{"components":[]}'
        return HTMLResponse(f"<script>window.gradio_config = {config};</script><script>window.gradio_api_info = {info};</script>")

    routes = [Route("/login", login, methods=["POST"]), Route("/gradio_api/upload", upload, methods=["POST"]), Route("/", page)]
    middleware = [Middleware(guard.RequestGuard, throttle=guard.LoginThrottle(limit))]
    return Starlette(routes=routes, middleware=middleware), calls


def test_cross_origin_writes_are_refused_before_the_app_sees_them():
    from starlette.testclient import TestClient

    app, calls = guarded_app()
    client = TestClient(app, base_url="http://127.0.0.1:7860")
    files = {"files": ("x.txt", b"hello")}
    assert client.post("/gradio_api/upload", files=files, headers={"Origin": EVIL}).status_code == 403
    assert client.post("/gradio_api/upload", files=files, headers={"Sec-Fetch-Site": "cross-site"}).status_code == 403
    assert client.post("/login", data={"password": PASSWORD}, headers={"Origin": EVIL}).status_code == 403
    assert calls == []
    assert client.post("/gradio_api/upload", files=files, headers={"Origin": "http://127.0.0.1:7860"}).status_code == 200
    assert client.post("/gradio_api/upload", files=files).status_code == 200  # a script: no Origin
    assert calls == ["upload", "upload"]


def test_login_guesses_are_throttled():
    from starlette.testclient import TestClient

    app, calls = guarded_app(limit=5)
    client = TestClient(app, base_url="http://127.0.0.1:7860")
    statuses = [client.post("/login", data={"password": f"guess{i}"}).status_code for i in range(50)]
    assert statuses[:5] == [400] * 5 and set(statuses[5:]) == {429}
    assert calls == ["login"] * 5  # 45 guesses never reached the password check
    right = client.post("/login", data={"password": PASSWORD})
    assert right.status_code == 429 and int(right.headers["retry-after"]) <= 61


def test_the_login_page_carries_no_api_description():
    from starlette.testclient import TestClient

    app, _ = guarded_app()
    client = TestClient(app)
    login_page = client.get("/?login=1")
    assert "window.gradio_api_info = null;" in login_page.text and "parameter_name" not in login_page.text
    assert int(login_page.headers["content-length"]) == len(login_page.content)
    assert "parameter_name" in client.get("/").text  # logged in (no login asked): as Gradio made it


def test_remote_paths_are_refused_and_local_ones_pass():
    import asyncio

    import gradio as gr

    class Block:
        def __init__(self):
            self.fetched = []

        async def async_move_resource_to_block_cache(self, path):
            self.fetched.append(path)
            return path

        def move_resource_to_block_cache(self, path):
            self.fetched.append(path)
            return path

    block = Block()
    demo = type("Demo", (), {"blocks": {1: block}})()
    guard.refuse_remote_files(demo)
    for url in ("http://example.com/letter.pdf", "https://203.0.113.5/x.pdf"):
        with pytest.raises(gr.Error, match="not fetched"):
            asyncio.run(block.async_move_resource_to_block_cache(url))
        with pytest.raises(gr.Error, match="not fetched"):
            block.move_resource_to_block_cache(url)
    assert asyncio.run(block.async_move_resource_to_block_cache("/tmp/app-temp/ab/x.pdf")) == "/tmp/app-temp/ab/x.pdf"
    assert block.fetched == ["/tmp/app-temp/ab/x.pdf"]


def test_processed_temp_files_are_deleted_and_nothing_outside_the_temp_folder(tmp_path):
    settings = Settings(index_dir=tmp_path / "index", app=AppSettings(temp_dir=tmp_path / "temp"))
    folder = guard.empty_temp_dir(settings)
    (folder / "ab12").mkdir()
    inside = folder / "ab12" / "letter.pdf"
    inside.write_bytes(b"x")
    outside = tmp_path / "mine.pdf"
    outside.write_bytes(b"y")
    guard.discard_incoming([inside, outside, tmp_path / "gone.pdf"], settings)
    assert not inside.exists() and not (folder / "ab12").exists() and folder.is_dir() and outside.exists()
    (folder / "left-by-a-crash").write_bytes(b"z")
    guard.empty_temp_dir(settings)
    assert list(folder.iterdir()) == []


def test_an_upload_killed_after_storing_leaves_nothing_once_swept(tmp_path):
    """The app killed between storing an upload and indexing it: the file stays in
    uploads/ without being in the library, until the next upload or start-up sweeps it."""
    from rag.ui.uploads import PENDING, sweep_pending

    settings = Settings(index_dir=tmp_path / "index", uploads_dir=tmp_path / "uploads", corpus_dir=tmp_path / "corpus")
    incoming = tmp_path / "new-letter.txt"
    incoming.write_text("Dear Director\n\nInspectors found that the plan was not driving change.\n")
    env = {**os.environ, "RAG_CRASH_AT": "upload-stored", "RAG_INDEX_DIR": str(settings.index_dir),
           "RAG_UPLOADS_DIR": str(settings.uploads_dir), "PYTHONPATH": str(ROOT)}
    code = "import sys; from rag.settings import load_settings; from rag.ui.uploads import add_uploads; add_uploads([sys.argv[1]], load_settings())"
    done = subprocess.run([sys.executable, "-c", code, str(incoming)], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == -signal.SIGKILL, done.stderr
    [stored] = [p for p in settings.uploads_dir.iterdir() if p.is_file()]
    assert stored.name.startswith("new-letter-") and list((settings.uploads_dir / PENDING).iterdir())
    assert sweep_pending(settings) == [stored]
    assert [p for p in settings.uploads_dir.rglob("*") if p.is_file()] == []


@pytest.mark.integration
@pytest.mark.slow
def test_an_upload_killed_after_its_commit_is_kept_once_swept(tmp_path):
    """Killed after the upload's catalog record was written, before its marker was cleared:
    the document is in the library, so its file stays; the marker goes."""
    import rag
    from rag.ui.uploads import PENDING, sweep_pending

    settings = Settings(index_dir=tmp_path / "index", uploads_dir=tmp_path / "uploads", corpus_dir=tmp_path / "corpus")
    incoming = tmp_path / "new-letter.txt"
    incoming.write_text("Dear Director\n\nInspectors found that the plan was not driving change.\n")
    env = {**os.environ, "RAG_CRASH_AT": "catalog-written", "RAG_INDEX_DIR": str(settings.index_dir),
           "RAG_UPLOADS_DIR": str(settings.uploads_dir), "PYTHONPATH": str(ROOT)}
    code = "import sys; from rag.settings import load_settings; from rag.ui.uploads import add_uploads; add_uploads([sys.argv[1]], load_settings())"
    done = subprocess.run([sys.executable, "-c", code, str(incoming)], env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == -signal.SIGKILL, done.stderr
    [stored] = [p for p in settings.uploads_dir.iterdir() if p.is_file()]
    assert sweep_pending(settings) == []
    assert stored.exists() and not list((settings.uploads_dir / PENDING).iterdir())
    assert [d.path for d in rag.documents(settings)] == [str(stored)]


# -- integration: the running app -------------------------------------------------------------


def start(tmp: Path, **app):
    from rag.ui import create_app, serve

    corpus = tmp / "corpus"
    corpus.mkdir(exist_ok=True)
    settings = Settings(
        corpus_dir=corpus, index_dir=tmp / "index", uploads_dir=tmp / "uploads",
        app=AppSettings(port=free_port(), feedback_path=tmp / "feedback.jsonl", temp_dir=tmp / "app-temp", **app),
    )
    demo = create_app(settings)
    url = serve(demo, settings, block=False, quiet=True)
    assert demo.rag_handlers.startup.wait(600)
    return demo, url, settings


def call(url: str, api: str, data: list, headers: dict | None = None) -> tuple[str, object]:
    """(event, payload) of an API call: 'complete' and its output, or 'error' and its message."""
    status, _, text = request(url, "POST", f"/gradio_api/call/{api}", json.dumps({"data": data}).encode(),
                              {"Content-Type": "application/json", **(headers or {})})
    assert status == 200, text
    event_id = json.loads(text)["event_id"]
    _, _, stream = request(url, "GET", f"/gradio_api/call/{api}/{event_id}", headers=headers)
    event = None
    for line in stream.splitlines():
        if line.startswith("event:"):
            event = line.split(":", 1)[1].strip()
        elif line.startswith("data:") and event in ("complete", "error"):
            return event, json.loads(line.split(":", 1)[1].strip())
    raise AssertionError(stream[:500])


def upload(url: str, name: str, content: bytes, headers: dict | None = None):
    body, form = multipart(name, content)
    status, _, text = request(url, "POST", "/gradio_api/upload", body, {**form, **(headers or {})})
    assert status == 200, text
    [path] = json.loads(text)
    event, out = call(url, "upload", [[{"path": path, "orig_name": name, "meta": {"_type": "gradio.FileData"}}]], headers)
    assert event == "complete", out
    return path, out[1]["data"]


def files_in(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


@pytest.fixture(scope="module")
def open_app(tmp_path_factory):
    """The app without a login; a file left in its temp folder before it starts."""
    tmp = tmp_path_factory.mktemp("open")
    (tmp / "app-temp" / "deadbeef").mkdir(parents=True)
    (tmp / "app-temp" / "deadbeef" / "left-by-a-crash.pdf").write_bytes(b"%PDF-1.7 left over")
    demo, url, settings = start(tmp)
    yield url, settings
    demo.close()


@pytest.mark.integration
@pytest.mark.slow
def test_start_up_empties_the_temp_folder(open_app):
    _, settings = open_app
    assert files_in(settings.app.temp_dir) == []


@pytest.mark.integration
@pytest.mark.slow
def test_a_cross_origin_upload_is_refused_without_a_login(open_app):
    url, settings = open_app
    body, form = multipart("planted.txt", b"Inspectors praised everything.")
    status, _, _ = request(url, "POST", "/gradio_api/upload", body, {**form, "Origin": EVIL})
    assert status == 403 and files_in(settings.app.temp_dir) == []
    status, _, _ = request(url, "POST", "/gradio_api/call/upload", b'{"data": [[]]}', {"Content-Type": "application/json", "Origin": EVIL})
    assert status == 403
    status, _, text = request(url, "POST", "/gradio_api/upload", body, {**form, "Origin": url.rstrip("/")})
    assert status == 200, text  # the app's own page may
    guard.discard_incoming(json.loads(text), settings)


@pytest.mark.integration
@pytest.mark.slow
def test_temp_files_are_removed_after_processing_refused_ones_included(open_app):
    url, settings = open_app
    good = b"Dear Director\n\n1. Inspectors found that supervision of the night duty team was regular and reflective.\n"
    path, rows = upload(url, "night-duty.txt", good)
    assert rows[0][1] == "indexed", rows
    _, rows = upload(url, "junk.txt", bytes(range(256)) * 40)
    assert rows[0][1] == "failed" and "binary" in rows[0][2]
    _, rows = upload(url, "big.txt", b"a" * int(settings.app.upload_max_mb * 2**20 + 10))
    assert rows[0][1] == "failed" and "upload limit" in rows[0][2]
    assert files_in(settings.app.temp_dir) == [], "Gradio's copies of processed uploads are still there"
    assert [p.name.split("-")[0] for p in files_in(settings.uploads_dir)] == ["night"]


@pytest.mark.integration
@pytest.mark.slow
def test_an_identical_upload_under_another_name_keeps_one_copy(open_app):
    url, settings = open_app
    text = b"Dear Director\n\n1. Inspectors found that the fostering panel met monthly and kept full minutes.\n"
    _, first = upload(url, "panel.txt", text)
    _, second = upload(url, "panel-copy.txt", text)
    assert first[0][1] == "indexed" and second[0][1] == "unchanged" and "already in the library" in second[0][2]
    assert [p.name.split("-")[0] for p in files_in(settings.uploads_dir)].count("panel") == 1


@pytest.mark.integration
@pytest.mark.slow
def test_a_remote_path_given_as_an_upload_is_not_fetched(open_app):
    """Passing a URL as the server-side path of an upload made the server try to fetch it
    (here, with no network, it got as far as resolving the name: "Unable to resolve
    hostname example.com"). Now it is refused before any lookup. (The server runs on uvloop,
    whose name lookups are native, so the refusal message is what shows it.)"""
    url, settings = open_app
    for remote in ("http://example.com/letter.pdf", "https://example.org/a/b.txt"):
        event, out = call(url, "upload", [[{"path": remote, "orig_name": "letter.pdf", "meta": {"_type": "gradio.FileData"}}]])
        message = json.dumps(out)
        assert event == "error" and guard.REMOTE_REFUSED in message and "resolve" not in message, out
    assert files_in(settings.app.temp_dir) == []


@pytest.fixture(scope="module")
def login_app(tmp_path_factory):
    demo, url, settings = start(tmp_path_factory.mktemp("login"), username=USER, password=PASSWORD, login_failures_per_minute=5)
    yield url, settings
    demo.close()


def login(url: str, password: str = PASSWORD, headers: dict | None = None) -> tuple[int, str]:
    return loopback.login(url, USER, password, headers)


@pytest.mark.integration
@pytest.mark.slow
def test_the_login_page_describes_nothing_of_the_api(login_app):
    url, _ = login_app
    status, _, page = request(url, "GET", "/")
    assert status == 200 and '"auth_required":true' in page.replace(" ", "")
    assert "window.gradio_api_info = null;" in page
    for name in ("named_endpoints", "parameter_name", "/upload", "/ask", "FileData"):
        assert name not in page, f"the login page still shows {name!r}"


@pytest.mark.integration
@pytest.mark.slow
def test_cross_origin_writes_are_refused_with_a_login(login_app):
    url, settings = login_app
    status, cookie = login(url)
    assert status == 200 and cookie
    body, form = multipart("planted.txt", b"Inspectors praised everything.")
    status, _, _ = request(url, "POST", "/gradio_api/upload", body, {**form, "Cookie": cookie, "Origin": EVIL})
    assert status == 403 and files_in(settings.app.temp_dir) == []
    assert login(url, headers={"Origin": EVIL})[0] == 403  # nor may another site log a browser in
    status, _, text = request(url, "POST", "/gradio_api/upload", body, {**form, "Cookie": cookie})
    assert status == 200, text


@pytest.mark.integration
@pytest.mark.slow
def test_login_guesses_are_throttled_on_the_running_app(login_app):
    """About 1,650 guesses a second were possible; now 5 a minute from one address."""
    url, _ = login_app
    statuses = [login(url, f"guess-{i}")[0] for i in range(30)]
    assert statuses.count(400) == 5 and statuses[5:] == [429] * 25
    assert login(url)[0] == 429  # the right password too, until the minute has passed
