"""Helpers for tests that talk to a real server on loopback: a free port, a plain HTTP request
(no redirects followed), a multipart upload body and the login form's post."""

from __future__ import annotations

import http.client
import socket
import uuid
from urllib.parse import urlencode, urlparse


def free_port() -> int:
    """A port nothing listens on now (the OS picks it)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(url: str, method: str, path: str, body: bytes | None = None, headers: dict | None = None, *, idle_s: float | None = None, timeout: float = 120):
    """(status, lower-cased headers, body text). With ``idle_s`` a stream that stays open is cut
    after that long without data, and at 256 kB; without it the body is read to its end."""
    u = urlparse(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        head = {k.lower(): v for k, v in resp.getheaders()}
        if idle_s is None:
            return resp.status, head, resp.read().decode("utf-8", "replace")
        conn.sock.settimeout(idle_s)
        chunks, size = [], 0
        try:
            while size < 256_000 and (chunk := resp.read1(65536)):
                chunks.append(chunk)
                size += len(chunk)
        except TimeoutError:
            pass
        return resp.status, head, b"".join(chunks).decode("utf-8", "replace")
    finally:
        conn.close()


def multipart(name: str, content: bytes, content_type: str = "application/octet-stream") -> tuple[bytes, dict]:
    """The body and header of a one-file upload, as Gradio's upload route takes it."""
    boundary = uuid.uuid4().hex
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{name}"\r\n'
        f"Content-Type: {content_type}\r\n\r\n"
    ).encode() + content + f"\r\n--{boundary}--\r\n".encode()
    return body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}


def login(url: str, user: str, password: str, headers: dict | None = None) -> tuple[int, str]:
    """Post the login form as a browser does: (status, the Cookie header carrying every cookie
    the response set, or '')."""
    u = urlparse(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    try:
        form = urlencode({"username": user, "password": password})
        conn.request("POST", "/login", form, {"Content-Type": "application/x-www-form-urlencoded", **(headers or {})})
        resp = conn.getresponse()
        resp.read()
        cookies = [v.split(";", 1)[0] for k, v in resp.getheaders() if k.lower() == "set-cookie"]
        return resp.status, "; ".join(cookies)
    finally:
        conn.close()
