"""What stands between the app and a hostile client, before Gradio sees the request.

- **Cross-origin writes refused.** A page on another site can make a browser POST a form
  to the app (a multipart upload needs no preflight), with the login cookie (Gradio sets it
  ``SameSite=None``). Every POST/PUT/PATCH/DELETE whose ``Origin`` is not the app's own
  (or one in ``RAG_APP__ALLOWED_ORIGINS``, for a proxy) gets 403. Scripts send no Origin.
- **Login attempts throttled**: after ``RAG_APP__LOGIN_FAILURES_PER_MINUTE`` failures from
  one address in a minute, further attempts get 429 until the minute has passed.
- **Nothing of the API before login**: Gradio embeds the API description in every page,
  the login form included; it is taken out of a page that asks for a login.
- **No server-side fetch of remote files**: a file input given a URL as its path would be
  downloaded by Gradio; every component refuses it instead.
- **Gradio's temp files are the app's own**: kept in ``RAG_APP__TEMP_DIR`` (by default
  ``<index_dir>/app-temp``, one per worker), emptied at start-up, and an upload's temp file
  is deleted once it has been processed.

    >>> kwargs = launch_kwargs(demo, settings)   # doctest: +SKIP  then demo.launch(**kwargs, ...)
"""

from __future__ import annotations

import json
import os
import re
import shutil
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from rag.settings import Settings

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
LOGIN_PATHS = frozenset({"/login", "/login/"})
WINDOW_S = 60.0
REMOTE_REFUSED = "a file given by URL is not fetched: upload the file itself"
_API_INFO = re.compile(rb"window\.gradio_api_info\s*=\s*.*?;\s*</script>", re.S)
_AUTH_REQUIRED = re.compile(rb'"auth_required"\s*:\s*true')


# -- the temp folder --------------------------------------------------------------------------


def temp_dir(settings: Settings) -> Path:
    """Where Gradio keeps this app's uploads while they are processed."""
    return (settings.app.temp_dir or settings.index_dir / "app-temp").resolve()


def empty_temp_dir(settings: Settings) -> Path:
    """Start-up: whatever a previous run left (a crash leaves Gradio no time to clean)."""
    folder = temp_dir(settings)
    if folder.exists():
        shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def discard_incoming(paths: Iterable[str | Path], settings: Settings) -> None:
    """Delete uploaded temp files once processed, and their folders if left empty; a path
    outside the app's temp folder is never touched. Also the empty file Gradio's File
    component makes (and forgets) for every file it hands on: an empty ``tmp*`` file at the
    top of the folder that no file handle of this process holds open (a multipart upload
    still arriving holds its own open)."""
    folder = temp_dir(settings)
    _discard_given(paths, folder)
    held = _open_files()
    if held is None:
        return
    for stray in folder.glob("tmp*"):
        try:
            if stray.is_file() and stray.stat().st_size == 0 and str(stray) not in held:
                stray.unlink(missing_ok=True)
        except OSError:
            continue


def _open_files() -> set[str] | None:
    """Paths this process holds open (Linux), or None where that cannot be told."""
    fds = Path("/proc/self/fd")
    if not fds.is_dir():
        return None
    held = set()
    for fd in fds.iterdir():
        try:
            held.add(os.readlink(fd))
        except OSError:
            continue
    return held


def _discard_given(paths: Iterable[str | Path], folder: Path) -> None:
    for raw in paths:
        path = Path(raw).resolve()
        try:
            path.relative_to(folder)
        except ValueError:
            continue
        path.unlink(missing_ok=True)
        parent = path.parent
        while parent != folder and parent.is_relative_to(folder):
            try:
                parent.rmdir()
            except OSError:
                break
            parent = parent.parent


# -- remote files -----------------------------------------------------------------------------


def refuse_remote_files(demo: Any) -> None:
    """Make every component of ``demo`` refuse a URL where a file path should be, instead
    of Gradio downloading it (its own check only refuses private addresses)."""
    import gradio as gr
    from gradio_client.utils import is_http_url_like

    for block in [demo, *demo.blocks.values()]:
        if not hasattr(block, "async_move_resource_to_block_cache"):
            continue
        local_async, local_sync = block.async_move_resource_to_block_cache, block.move_resource_to_block_cache

        async def guarded_async(url_or_file_path, _local=local_async):  # noqa: ANN001
            if url_or_file_path is not None and is_http_url_like(str(url_or_file_path)):
                raise gr.Error(REMOTE_REFUSED)
            return await _local(url_or_file_path)

        def guarded_sync(url_or_file_path, _local=local_sync):  # noqa: ANN001
            if url_or_file_path is not None and is_http_url_like(str(url_or_file_path)):
                raise gr.Error(REMOTE_REFUSED)
            return _local(url_or_file_path)

        block.async_move_resource_to_block_cache = guarded_async
        block.move_resource_to_block_cache = guarded_sync


# -- login throttling -------------------------------------------------------------------------


class LoginThrottle:
    """Failed logins per client address in the last minute; thread-safe.

    >>> t = LoginThrottle(2, clock=lambda: 0.0)
    >>> t.fail("a"); t.fail("a"); t.wait_s("a") > 0
    True
    """

    def __init__(self, failures_per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = failures_per_minute
        self.clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._failures.setdefault(key, deque())
        while times and now - times[0] >= WINDOW_S:
            times.popleft()
        return times

    def wait_s(self, key: str) -> float:
        """Seconds before ``key`` may try again (0: now)."""
        with self._lock:
            now = self.clock()
            times = self._recent(key, now)
            return 0.0 if len(times) < self.limit else WINDOW_S - (now - times[0])

    def fail(self, key: str) -> None:
        with self._lock:
            now = self.clock()
            self._recent(key, now).append(now)
            if len(self._failures) > 10_000:  # forget quiet addresses rather than grow
                for k in [k for k, v in self._failures.items() if not v or now - v[-1] >= WINDOW_S]:
                    del self._failures[k]

    def succeed(self, key: str) -> None:
        with self._lock:
            self._failures.pop(key, None)


# -- the middleware ---------------------------------------------------------------------------


def same_origin(origin: str, host: str, allowed: Iterable[str] = ()) -> bool:
    """Is ``origin`` (the browser's Origin header) the app at ``host`` (the Host header),
    or one of ``allowed`` (full origins such as 'https://rag.example.org')?"""
    if not origin or origin == "null":
        return False
    if origin.rstrip("/") in {a.rstrip("/") for a in allowed}:
        return True
    parts = urlsplit(origin)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return False
    default = 443 if parts.scheme == "https" else 80
    want = urlsplit(f"//{host}")
    try:
        return parts.hostname == want.hostname and (parts.port or default) == (want.port or default)
    except ValueError:  # a port that is not a number
        return False


class RequestGuard:
    """ASGI middleware: cross-origin writes refused, logins throttled, the API description
    kept off pages that ask for a login."""

    def __init__(self, app: Any, *, allowed_origins: Iterable[str] = (), throttle: LoginThrottle) -> None:
        self.app = app
        self.allowed = tuple(allowed_origins)
        self.throttle = throttle

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        method, path = scope["method"], scope.get("path", "")
        if method in UNSAFE_METHODS and not self._from_here(headers):
            await _reply(send, 403, {"detail": "cross-origin request refused: use the app's own page"})
            return
        if method == "POST" and path in LOGIN_PATHS:
            await self._login(scope, receive, send)
            return
        if method == "GET":  # any page (/, /gradio_api/runs, ...): HTML is checked, the rest passes
            await self.app(scope, receive, _without_api_info(send))
            return
        await self.app(scope, receive, send)

    def _from_here(self, headers: dict[str, str]) -> bool:
        origin = headers.get("origin")
        if origin is None:  # no browser sends a cross-site write without an Origin
            return headers.get("sec-fetch-site", "same-origin") in ("same-origin", "none")
        return same_origin(origin, headers.get("host", ""), self.allowed)

    async def _login(self, scope: dict, receive: Callable, send: Callable) -> None:
        key = (scope.get("client") or ("unknown", 0))[0]
        wait = self.throttle.wait_s(key)
        if wait > 0:
            retry = str(int(wait) + 1)
            body = {"detail": f"too many failed logins from this address; try again in {retry} s"}
            await _reply(send, 429, body, [(b"retry-after", retry.encode())])
            return
        status: list[int] = []

        async def watch(message: dict) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])
            await send(message)

        await self.app(scope, receive, watch)
        if status and status[0] == 200:
            self.throttle.succeed(key)
        elif status and 400 <= status[0] < 500:
            self.throttle.fail(key)


def _without_api_info(send: Callable) -> Callable:
    """A ``send`` that holds an HTML page back and, if it is the login form, empties the
    API description Gradio embeds in it (the browser fetches it again after logging in)."""
    start: dict | None = None
    body: list[bytes] = []

    async def wrapped(message: dict) -> None:
        nonlocal start
        if message["type"] == "http.response.start":
            kinds = dict(message.get("headers", [])).get(b"content-type", b"")
            if b"text/html" not in kinds:
                await send(message)
                return
            start = message
            return
        if start is None or message["type"] != "http.response.body":
            await send(message)
            return
        body.append(message.get("body", b""))
        if message.get("more_body"):
            return
        page = b"".join(body)
        if _AUTH_REQUIRED.search(page):
            page = _API_INFO.sub(b"window.gradio_api_info = null;</script>", page)
        head = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
        await send({**start, "headers": [*head, (b"content-length", str(len(page)).encode())]})
        await send({"type": "http.response.body", "body": page})

    return wrapped


async def _reply(send: Callable, status: int, body: dict, extra: list[tuple[bytes, bytes]] | None = None) -> None:
    data = json.dumps(body).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode()), *(extra or [])]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": data})


# -- wiring -----------------------------------------------------------------------------------


def launch_kwargs(demo: Any, settings: Settings) -> dict[str, Any]:
    """Everything ``serve`` needs for the guard: the temp folder emptied and given to every
    component, remote files refused, and the middleware for ``launch(app_kwargs=...)``."""
    from starlette.middleware import Middleware

    folder = empty_temp_dir(settings)
    os.environ["GRADIO_TEMP_DIR"] = str(folder)  # read when launch makes the server app; the app's process only
    for block in [demo, *demo.blocks.values()]:
        if hasattr(block, "GRADIO_CACHE"):
            block.GRADIO_CACHE = str(folder)
    demo.delete_cache = (900, 6 * 3600)  # uploads never sent on for processing go after 6 h
    refuse_remote_files(demo)
    throttle = LoginThrottle(settings.app.login_failures_per_minute)
    middleware = Middleware(RequestGuard, allowed_origins=settings.app.allowed_origins, throttle=throttle)
    return {"middleware": [middleware]}


__all__ = [
    "LoginThrottle",
    "RequestGuard",
    "discard_incoming",
    "empty_temp_dir",
    "launch_kwargs",
    "refuse_remote_files",
    "same_origin",
    "temp_dir",
]
