"""With a login configured, nothing of the app is reachable without it; by default the app
listens on loopback only.

The routes are enumerated from the running app's own FastAPI router, so a route that a
Gradio upgrade adds is probed too: it must refuse (401/403, or a redirect to the login),
or be on PUBLIC with the reason it holds nothing of ours. Every unauthenticated response,
refused or public, is checked for the app's content: document titles and text, an uploaded
file's text, the app's own widgets, an answer.
"""

from __future__ import annotations

import json
import re
import shutil
import uuid
from pathlib import Path
from urllib.parse import quote, urlencode

import loopback
import pytest
from loopback import free_port, multipart
from test_app_api import QUESTION, ROOT

from rag.settings import AppSettings, Settings

pytestmark = [pytest.mark.integration, pytest.mark.slow]

USER, PASSWORD = "staff", "s3cret-pa55"
SECRET = "ZEBRA-7741 the duty team kept a secret rota"  # the text of a file uploaded with login

# Routes answered without a login, and why that exposes nothing: Gradio's own frontend
# assets, the login machinery, and endpoints that act only on an id a logged-in session
# was given (an unguessable event id or session hash). Matched against the route template.
PUBLIC = {
    "/": "the page: without a login it is Gradio's login form",
    "/login": "the login form posts here",
    "/login/": "the login form posts here",
    "/logout": "clears the cookie",
    "/favicon.ico": "Gradio's icon",
    "/theme.css": "the theme's CSS",
    "/gradio_api/theme.css": "the theme's CSS",
    "/robots.txt": "tells crawlers to keep out",
    "/manifest.json": "the PWA manifest: the app's name and Gradio's icon",
    "/pwa_icon": "Gradio's icon",
    "/pwa_icon/{size}": "Gradio's icon",
    "/static/{path:path}": "Gradio's frontend files",
    "/assets/{path:path}": "Gradio's frontend files",
    "/svelte/{path:path}": "Gradio's frontend files",
    "/gradio_api/custom_component/{id}/{environment}/{type}/{file_name}": "custom components' files (none)",
    "/gradio_api/runs": "the same frontend shell as /",
    "/gradio_api/runs/": "the same frontend shell as /",
    "/gradio_api/user": "who is logged in: null",
    "/gradio_api/user/": "who is logged in: null",
    "/gradio_api/token": "the caller's own token: null",
    "/gradio_api/token/": "the caller's own token: null",
    "/gradio_api/app_id": "a random number naming this server process",
    "/gradio_api/app_id/": "a random number naming this server process",
    "/gradio_api/startup-events": "runs the app's load-time events once (none are ours); says true/false",
    "/gradio_api/heartbeat/{session_hash}": "keeps a browser session alive; sends nothing but heartbeats",
    "/gradio_api/reset": "a no-op kept for old clients",
    "/gradio_api/reset/": "a no-op kept for old clients",
    "/gradio_api/cancel": "cancels a job only given its session hash and event id",
    "/gradio_api/stream/{event_id}": "feeds a live streaming input, given its event id (no input streams)",
    "/gradio_api/stream/{event_id}/close": "closes a live streaming input, given its event id",
    "/gradio_api/stream/{session_hash}/{run}/{component_id}/playlist.m3u8": "media streams (none)",
    "/gradio_api/stream/{session_hash}/{run}/{component_id}/{segment_id}.{ext}": "media streams (none)",
    "/gradio_api/stream/{session_hash}/{run}/{component_id}/playlist-file": "media streams (none)",
}


# -- plain HTTP, no redirects followed, streams cut short ----------------------------------


def request(url: str, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
    """(status, headers, first 256 kB of the body); a stream that stays open is cut at 3 s."""
    return loopback.request(url, method, path, body, headers, idle_s=3, timeout=30)


def json_body(data: dict) -> tuple[bytes, dict]:
    return json.dumps(data).encode(), {"Content-Type": "application/json"}


def routes(app) -> list[tuple[str, str]]:
    """(template, method) for every route the FastAPI app serves, routers included."""
    found = []

    def walk(items):
        for r in items:
            if hasattr(r, "effective_candidates"):  # an included router (fastapi >= 0.120)
                walk(r.effective_candidates())
                walk(r.effective_low_priority_routes())
            elif hasattr(r, "routes") and not hasattr(r, "methods"):  # a mount
                walk(r.routes)
            else:
                path = getattr(r, "path", None) or getattr(r, "path_format", None)
                for method in sorted(getattr(r, "methods", None) or {"GET"}):
                    found.append((path, method))

    walk(app.routes)
    return sorted(set(found))


# -- the app with a login ------------------------------------------------------------------


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """(demo, url, the Cookie header of a logged-in session, settings): the app with a login."""
    from rag.ui import create_app, serve

    tmp = tmp_path_factory.mktemp("auth")
    settings = Settings(
        corpus_dir=shutil.copytree(ROOT / "corpus", tmp / "corpus"),
        index_dir=tmp / "index",
        uploads_dir=tmp / "uploads",
        app=AppSettings(
            port=free_port(), username=USER, password=PASSWORD, feedback_path=tmp / "feedback.jsonl"
        ),  # and no host: the default
    )
    demo = create_app(settings)
    url = serve(demo, settings, block=False, quiet=True)
    try:
        assert demo.rag_handlers.startup.wait(600) and demo.rag_handlers.startup.status().ready
        yield demo, url, login(url), settings
    finally:
        demo.close()


def login(url: str) -> str:
    """Log in as the browser's form does; the Cookie header that carries the session."""
    status, cookie = loopback.login(url, USER, PASSWORD)
    assert status == 200 and cookie, f"login answered {status}, cookie {cookie!r}"
    return cookie


def inputs(api: str | None) -> list:
    """Valid inputs for an API route (the ask's by default)."""
    return {"ask": [QUESTION, None, None, [], None], "upload": [[]]}.get(api or "ask", [])


def start_call(url: str, cookie: str, api: str) -> str:
    """Start a call as a logged-in user; its event id."""
    body, headers = json_body({"data": inputs(api)})
    status, _, text = request(url, "POST", f"/gradio_api/call/{api}", body, headers | {"Cookie": cookie})
    assert status == 200, text
    return json.loads(text)["event_id"]


def call(url: str, cookie: str, api: str):
    """A call's output, as a logged-in user."""
    event_id = start_call(url, cookie, api)
    status, _, stream = request(url, "GET", f"/gradio_api/call/{api}/{event_id}", headers={"Cookie": cookie})
    assert status == 200 and "event: complete" in stream, stream[:500]
    return json.loads(stream.split("event: complete\ndata:", 1)[1].strip())


@pytest.fixture(scope="module")
def logged_in(app):
    """What a logged-in user can reach: inputs for the probes, and content that must not leak."""
    demo, url, cookie, settings = app
    body, headers = multipart("rota.txt", SECRET.encode(), "text/plain")
    status, _, text = request(url, "POST", "/gradio_api/upload", body, headers | {"Cookie": cookie})
    assert status == 200, text
    [uploaded] = json.loads(text)
    status, _, text = request(url, "GET", f"/gradio_api/file={quote(uploaded)}", headers={"Cookie": cookie})
    assert status == 200 and SECRET in text, (status, text[:300])
    [answer] = call(url, cookie, "ask")
    [documents] = call(url, cookie, "documents")
    corpus_lines = [
        line.strip()
        for p in sorted(settings.corpus_dir.glob("*.txt"))
        for line in p.read_text().splitlines()
        if len(line.strip()) > 60
    ]
    leaks = [SECRET, answer["citations"][0]["quote"][:60], "Add to library", "Answer mode", "rag-status"]
    leaks += [d["title"] for d in documents] + corpus_lines[::25]
    return {"uploaded": uploaded, "leaks": leaks}


def probes(demo, template: str, method: str, facts: dict, cookie: str, url: str):
    """Concrete requests for one route template: each API name, real ids and real bodies."""
    api_names = sorted({fn.api_name for fn in demo.fns.values() if fn.api_name})
    public_apis = {"ask", "documents", "status", "upload"}
    session = uuid.uuid4().hex[:11]
    uploaded = quote(facts["uploaded"])
    fills = {
        "{path_or_url:path}": uploaded,
        "{path:path}": uploaded if template.startswith("/gradio_api/file") else "img/logo.svg",
        "{url_path:path}": quote("http://127.0.0.1:9/x"),
        "{session_hash}": session,
        "{size}": "192", "{environment}": "client", "{type}": "js", "{file_name}": "index.js",
        "{run}": "1", "{component_id}": "1", "{segment_id}": "1", "{ext}": "ts",
    }
    for api in api_names if "{api_name}" in template else [None]:
        path = template.replace("{api_name}", api or "")
        if "{event_id}" in path:
            # a real event started with the login: its result must not be readable without it
            event_id = start_call(url, cookie, api) if api in public_apis else uuid.uuid4().hex
            path = path.replace("{event_id}", event_id)
        for key, value in fills.items():
            path = path.replace(key, value)
        path = re.sub(r"\{[^}]+\}", "x", path)
        body, headers = None, {}
        if method == "POST" and template == "/gradio_api/upload":
            body, headers = multipart("probe.txt", b"probe", "text/plain")
        elif method == "POST":
            fn_index = next((i for i, fn in demo.fns.items() if fn.api_name == (api or "ask")), 0)
            # every field any of Gradio's POST routes requires, so each reaches its handler
            fields = {"data": inputs(api), "fn_index": fn_index, "session_hash": session, "event_id": "x"}
            vibe = {"prompt": "x", "hash": "x", "code": "x"}  # the vibe editor's: refused unless enabled
            body, headers = json_body(fields | vibe)
        yield path, body, headers


# -- tests -----------------------------------------------------------------------------------


def test_every_route_refuses_without_login(app, logged_in):
    demo, url, cookie, _ = app
    assert not demo.vibe_mode  # its routes have no login check; off, they refuse (and write nothing)
    found = routes(demo.app)
    assert ("/gradio_api/call/{api_name}", "POST") in found and ("/gradio_api/upload", "POST") in found
    problems, leaks, probed = [], [], 0
    for template, method in found:
        for path, body, headers in probes(demo, template, method, logged_in, cookie, url):
            status, head, text = request(url, method, path, body, headers)
            probed += 1
            refused = status in (401, 403) or (300 <= status < 400 and "login" in head.get("location", ""))
            if template not in PUBLIC and not refused:
                problems.append(f"{method} {path} -> {status} {text[:120]!r}")
            leaks += [f"{method} {path} shows {m!r}" for m in logged_in["leaks"] if m and m in text]
            if status >= 500:
                problems.append(f"{method} {path} -> {status} (server error)")
    assert probed > 60, f"only {probed} requests: the route walk found too little"
    assert not problems, "answered without a login:\n" + "\n".join(problems)
    assert not leaks, "the app's content without a login:\n" + "\n".join(leaks)


def test_the_named_routes_of_the_brief_refuse(app, logged_in):
    """The ones that matter most, by name, so a change in the route walk cannot hide them."""
    demo, url, cookie, _ = app
    uploaded = quote(logged_in["uploaded"])
    gets = ["/config", "/gradio_api/info", "/gradio_api/openapi.json", f"/gradio_api/file={uploaded}",
            f"/gradio_api/file/{uploaded}", "/gradio_api/queue/data?session_hash=x"]
    apis = ("ask", "documents", "status", "upload")
    calls = [f"/gradio_api/{kind}/{api}" for kind in ("call", "run") for api in apis]
    requests = [("GET", path, None, {}) for path in gets]
    requests += [("POST", path, *json_body({"data": inputs(path.rsplit("/", 1)[1])})) for path in calls]
    requests += [("POST", "/gradio_api/queue/join", *json_body({"data": inputs("ask"), "fn_index": 0}))]
    requests += [("POST", "/gradio_api/upload", *multipart("x.txt", b"x"))]
    for method, path, body, headers in requests:
        status, _, text = request(url, method, path, body, headers)
        assert status in (401, 403), f"{method} {path} -> {status} {text[:200]!r}"


def test_the_page_without_login_is_the_login_form(app, logged_in):
    _, url, cookie, _ = app
    status, _, page = request(url, "GET", "/")
    assert status == 200
    assert '"auth_required":true' in page.replace(" ", "")
    assert not [m for m in logged_in["leaks"] if m in page]
    status, _, page = request(url, "GET", "/", headers={"Cookie": cookie})
    assert "Add to library" in page  # the real app, with the login


def test_a_wrong_password_is_refused(app):
    _, url, _, _ = app
    form = urlencode({"username": USER, "password": "guess"}).encode()
    status, _, _ = request(url, "POST", "/login", form, {"Content-Type": "application/x-www-form-urlencoded"})
    assert status in (400, 401, 403)


def test_with_the_login_the_ask_works(app):
    from gradio_client import Client

    _, url, _, _ = app
    result = Client(url, auth=(USER, PASSWORD), verbose=False).predict(QUESTION, api_name="/ask")
    assert not result["abstained"] and result["citations"] and result["timeline"]


# -- where it listens ----------------------------------------------------------------------


def listening_addresses(port: int) -> set[str]:
    """Local addresses with a socket listening on ``port``, from /proc/net/tcp{,6}."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                if len(address) == 8:
                    found.add(".".join(str(b) for b in reversed(bytes.fromhex(address))))
                else:
                    found.add(address)
    return found


def test_default_bind_is_loopback(app, monkeypatch):
    for name in ("RAG_APP__HOST", "GRADIO_SERVER_NAME"):
        monkeypatch.delenv(name, raising=False)
    assert AppSettings().host == "127.0.0.1"
    assert Settings().app.host == "127.0.0.1"
    demo = app[0]  # started without a host: the default
    assert demo.server_name == "127.0.0.1"
    if Path("/proc/net/tcp").exists():
        assert listening_addresses(demo.server_port) == {"127.0.0.1"}


def test_serve_and_app_py_pass_the_default_host_to_launch(monkeypatch, tmp_path):
    import gradio as gr

    import app as app_py
    from rag.ui import create_app, serve

    for name in ("RAG_APP__HOST", "GRADIO_SERVER_NAME"):
        monkeypatch.delenv(name, raising=False)
    launched = {}
    monkeypatch.setattr(gr.Blocks, "launch", lambda self, **kw: launched.update(kw) or (None, "url", None))
    settings = Settings(index_dir=tmp_path / "index", corpus_dir=tmp_path / "corpus")
    demo = create_app(settings)
    monkeypatch.setattr(demo.rag_handlers.startup, "start", lambda: None)
    serve(demo, settings)
    assert launched["server_name"] == "127.0.0.1" and launched["share"] is False

    served = {}
    monkeypatch.setattr(app_py, "serve", lambda demo, settings: served.update(settings=settings))
    monkeypatch.setattr(app_py, "create_app", lambda settings: None)
    assert app_py.main([]) == 0
    assert served["settings"].app.host == "127.0.0.1"
