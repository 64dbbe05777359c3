"""No telemetry and no outbound call from any component: `rag ingest`, `rag ask` and the app
run in subprocesses that record (and refuse) every attempt to reach a non-loopback address.

Two layers watch each run:
- a ``sitecustomize.py`` first on PYTHONPATH, so it loads before anything else in every
  Python process of the run: it wraps socket connect/sendto, name resolution and uvloop's
  event loop (the app's server loop), records any non-loopback host and raises instead of
  sending anything;
- where ``strace`` is installed, the connect/sendto/sendmsg system calls of the whole process
  tree, which also sees native code (Chroma's Rust core, ONNX Runtime, tokenizers).

The runs use the product's own defaults: the telemetry switches that the test suite sets
(ANONYMIZED_TELEMETRY, GRADIO_ANALYTICS_ENABLED, HF_HUB_OFFLINE...) are removed first.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse
from urllib.request import urlopen

import pytest
from loopback import free_port
from test_app_api import QUESTION, ROOT
from test_load_app import call, upload

pytestmark = [pytest.mark.integration, pytest.mark.slow]

OFFLINE_SWITCHES = (
    "ANONYMIZED_TELEMETRY", "GRADIO_ANALYTICS_ENABLED", "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE",
    "HF_DATASETS_OFFLINE", "DO_NOT_TRACK", "ORT_DISABLE_TELEMETRY",
)

GUARD = r'''
"""Test network guard (tests/test_offline.py): records and refuses every non-loopback attempt."""
import errno
import ipaddress
import os
import socket
import sys

_LOG = os.environ.get("NET_GUARD_LOG")
_argv = " ".join(getattr(sys, "orig_argv", sys.argv))[:160]


def _note(path, line):
    with open(path, "a", encoding="utf-8") as f:
        f.write(line + "\n")


def _local(host):
    if host is None:
        return True
    if isinstance(host, bytes):
        host = host.decode(errors="replace")
    host = str(host).strip("[]").split("%")[0].lower()
    if host in ("", "localhost", "localhost.localdomain") or host.endswith(".localhost"):
        return True
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False
    ip = getattr(ip, "ipv4_mapped", None) or ip
    return ip.is_loopback or ip.is_unspecified


def _check(kind, host, port=None, resolve=False):
    if _local(host):
        return
    _note(_LOG, f"{os.getpid()}\t{kind}\t{host}:{port}\t{_argv}")
    if resolve:
        raise socket.gaierror(socket.EAI_NONAME, f"name resolution blocked by the test guard: {host}")
    raise OSError(errno.ENETUNREACH, f"network blocked by the test guard: {host}:{port}")


def _address(args):
    return args[0] if args and isinstance(args[0], tuple) else None


if _LOG:
    _connect, _connect_ex, _sendto, _sendmsg = (
        socket.socket.connect, socket.socket.connect_ex, socket.socket.sendto, socket.socket.sendmsg
    )
    _getaddrinfo, _byname, _byname_ex = socket.getaddrinfo, socket.gethostbyname, socket.gethostbyname_ex
    _byaddr, _nameinfo = socket.gethostbyaddr, socket.getnameinfo

    def connect(self, address):
        if isinstance(address, tuple):
            _check("connect", address[0], address[1])
        return _connect(self, address)

    def connect_ex(self, address):
        if isinstance(address, tuple):
            _check("connect_ex", address[0], address[1])
        return _connect_ex(self, address)

    def sendto(self, data, *args):
        if isinstance(args[-1], tuple):
            _check("sendto", args[-1][0], args[-1][1])
        return _sendto(self, data, *args)

    def sendmsg(self, buffers, *args):
        if len(args) >= 3 and isinstance(args[2], tuple):
            _check("sendmsg", args[2][0], args[2][1])
        return _sendmsg(self, buffers, *args)

    def getaddrinfo(host, port, *args, **kwargs):
        _check("getaddrinfo", host, port, resolve=True)
        return _getaddrinfo(host, port, *args, **kwargs)

    def gethostbyname(host):
        _check("gethostbyname", host, resolve=True)
        return _byname(host)

    def gethostbyname_ex(host):
        _check("gethostbyname_ex", host, resolve=True)
        return _byname_ex(host)

    def gethostbyaddr(host):
        _check("gethostbyaddr", host, resolve=True)
        return _byaddr(host)

    def getnameinfo(sockaddr, flags):
        _check("getnameinfo", sockaddr[0], sockaddr[1], resolve=True)
        return _nameinfo(sockaddr, flags)

    socket.socket.connect, socket.socket.connect_ex = connect, connect_ex
    socket.socket.sendto, socket.socket.sendmsg = sendto, sendmsg
    socket.getaddrinfo, socket.gethostbyname = getaddrinfo, gethostbyname
    socket.gethostbyname_ex, socket.gethostbyaddr = gethostbyname_ex, gethostbyaddr
    socket.getnameinfo = getnameinfo

    try:  # uvloop (uvicorn's loop, so the app server's) resolves and connects in C: wrap the loop
        import uvloop
    except ImportError:
        uvloop = None
    if uvloop is not None:

        class GuardedLoop(uvloop.Loop):
            async def create_connection(self, protocol_factory, host=None, port=None, *args, **kwargs):
                if host is not None:
                    _check("uvloop.create_connection", host, port)
                return await super().create_connection(protocol_factory, host, port, *args, **kwargs)

            async def getaddrinfo(self, host, port, *args, **kwargs):
                _check("uvloop.getaddrinfo", host, port, resolve=True)
                return await super().getaddrinfo(host, port, *args, **kwargs)

            async def sock_connect(self, sock, address):
                if isinstance(address, tuple):
                    _check("uvloop.sock_connect", address[0], address[1])
                return await super().sock_connect(sock, address)

            async def create_datagram_endpoint(self, factory, local_addr=None, remote_addr=None, **kwargs):
                if remote_addr:
                    _check("uvloop.create_datagram_endpoint", remote_addr[0], remote_addr[1])
                return await super().create_datagram_endpoint(factory, local_addr, remote_addr, **kwargs)

        uvloop.new_event_loop = GuardedLoop
        uvloop.Loop = GuardedLoop

    import importlib.abc

    class OnnxRuntimeWatch(importlib.abc.MetaPathFinder):
        """ONNX Runtime (1.2x+, Linux too) sends usage telemetry from native code unless
        ORT_DISABLE_TELEMETRY=1 is set before it is imported; strace, where there is one,
        sees the calls, and this sees the cause without it."""

        def find_spec(self, name, path=None, target=None):
            if name == "onnxruntime":
                sys.meta_path.remove(self)
                if os.environ.get("ORT_DISABLE_TELEMETRY") != "1":
                    what = "onnxruntime imported without ORT_DISABLE_TELEMETRY=1"
                    _note(_LOG, f"{os.getpid()}\ttelemetry\t{what}\t{_argv}")
            return None

    sys.meta_path.insert(0, OnnxRuntimeWatch())
    _note(os.environ["NET_GUARD_LOADED"], f"{os.getpid()}\t{_argv}")
    socket.NET_GUARD = True
'''

# Run in a subprocess to prove the guard works. It checks the guard is loaded before it tries
# anything, so a broken guard fails the test without a packet leaving the machine.
SELF_TEST = r'''
import asyncio, socket, urllib.request
assert getattr(socket, "NET_GUARD", False), "guard not loaded"
blocked = 0
def attempt(f):
    global blocked
    try:
        f()
    except OSError:
        blocked += 1
attempt(lambda: urllib.request.urlopen("http://example.com", timeout=5))
attempt(lambda: socket.create_connection(("198.51.100.7", 443), timeout=5))
attempt(lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"x", ("198.51.100.7", 53)))
attempt(lambda: asyncio.run(asyncio.open_connection("198.51.100.8", 443)))
import uvloop
attempt(lambda: uvloop.new_event_loop().run_until_complete(asyncio.open_connection("198.51.100.9", 443)))
attempt(lambda: uvloop.new_event_loop().run_until_complete(asyncio.open_connection("tele.example.com", 443)))
print("blocked", blocked)
import onnxruntime  # imported with its telemetry on: recorded
'''


class Guard:
    """Runs commands under the guard (and strace, where there is one) and reads what they tried."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        (folder / "sitecustomize.py").write_text(GUARD)
        self.strace = shutil.which("strace") if self._strace_works() else None

    @staticmethod
    def _strace_works() -> bool:
        exe = shutil.which("strace")
        if not exe:
            return False
        probe = subprocess.run([exe, "-f", "-qq", "-e", "trace=connect", "true"], capture_output=True)
        return probe.returncode == 0

    def env(self, name: str, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in OFFLINE_SWITCHES and not k.startswith("RAG_")}
        return env | {
            "PYTHONPATH": os.pathsep.join([str(self.folder), str(ROOT)]),
            "NET_GUARD_LOG": str(self.folder / f"{name}.attempts"),
            "NET_GUARD_LOADED": str(self.folder / f"{name}.loaded"),
            "PYTHONUNBUFFERED": "1",
        } | extra

    def argv(self, name: str, command: list[str]) -> list[str]:
        if not self.strace:
            return command
        trace = ["-f", "-qq", "-e", "signal=none", "-e", "trace=connect,sendto,sendmsg,sendmmsg"]
        return [self.strace, *trace, "-o", str(self.folder / f"{name}.strace"), *command]

    def run(self, name: str, command: list[str], **env: str) -> subprocess.CompletedProcess:
        argv, env = self.argv(name, command), self.env(name, **env)
        return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=600)

    def popen(self, name: str, command: list[str], **env: str) -> subprocess.Popen:
        """Started in a process group of its own (strace and what it traces): see :func:`stop`."""
        with open(self.folder / f"{name}.out", "w") as log:  # the child keeps its own copy
            return subprocess.Popen(
                self.argv(name, command),
                env=self.env(name, **env),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def attempts(self, name: str) -> list[str]:
        """Every non-loopback attempt the run made: the guard's records, then strace's."""
        found = []
        log = self.folder / f"{name}.attempts"
        if log.exists():
            found += log.read_text().splitlines()
        trace = self.folder / f"{name}.strace"
        if trace.exists():
            for line in trace.read_text(errors="replace").splitlines():
                for addr in re.findall(r'inet_addr\("([^"]+)"\)|inet_pton\(AF_INET6, "([^"]+)"', line):
                    ip = ipaddress.ip_address(addr[0] or addr[1])
                    ip = getattr(ip, "ipv4_mapped", None) or ip
                    if not (ip.is_loopback or ip.is_unspecified):
                        found.append(f"syscall: {line[:200]}")
        return found

    def loaded(self, name: str) -> list[str]:
        path = self.folder / f"{name}.loaded"
        return path.read_text().splitlines() if path.exists() else []


@pytest.fixture(scope="module")
def guard(tmp_path_factory) -> Guard:
    return Guard(tmp_path_factory.mktemp("netguard"))


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> dict[str, str]:
    """The folders every run uses, as the environment variables the product reads."""
    tmp = tmp_path_factory.mktemp("offline")
    corpus = shutil.copytree(ROOT / "corpus", tmp / "corpus")
    return {
        "RAG_CORPUS_DIR": str(corpus),
        "RAG_INDEX_DIR": str(tmp / "index"),
        "RAG_UPLOADS_DIR": str(tmp / "uploads"),
        "RAG_APP__FEEDBACK_PATH": str(tmp / "feedback.jsonl"),
    }


@pytest.fixture(scope="module")
def ingested(guard, workspace):
    """`rag ingest` of the corpus under the guard: the finished process (index for the rest)."""
    return guard.run("ingest", [rag_command(), "ingest", "--quiet"], **workspace)


def external_resources(text: str) -> list[str]:
    """URLs a browser would fetch (src=, href=, url(), @import) that are not on this machine."""
    pattern = (
        r"""(?:src|href)\s*=\s*["']?(https?://[^"'\s>]+)"""
        r"""|url\(\s*["']?(https?://[^"')\s]+)"""
        r"""|@import\s+(?:url\()?\s*["']?(https?://[^"')\s]+)"""
    )
    urls = [u for groups in re.findall(pattern, text) for u in groups if u]
    return [u for u in urls if urlparse(u).hostname not in ("127.0.0.1", "localhost", "::1")]


def stop(proc: subprocess.Popen) -> None:
    """Ctrl-C to the whole group (strace ignores it and exits with the app), then SIGKILL to
    whatever is left: signalling strace alone would leave the app running, detached."""
    for sig, wait in ((signal.SIGINT, 30), (signal.SIGKILL, 30)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            continue
        try:  # the group may outlive its leader for a moment
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            return
        time.sleep(1)


def rag_command() -> str:
    exe = Path(sys.executable).with_name("rag")
    return str(exe) if exe.exists() else "rag"


# -- the guard itself --------------------------------------------------------------------------


def test_the_guard_records_and_refuses_outbound_calls(guard):
    done = guard.run("selftest", [sys.executable, "-c", SELF_TEST])
    assert done.returncode == 0, done.stderr
    assert "blocked 6" in done.stdout, done.stdout
    attempts = "\n".join(guard.attempts("selftest"))
    for expected in (
        "getaddrinfo\texample.com:80",
        "198.51.100.7:443",
        "sendto\t198.51.100.7:53",
        "connect\t198.51.100.8:443",
        "uvloop.create_connection\t198.51.100.9:443",
        "uvloop.create_connection\ttele.example.com:443",
    ):
        assert expected in attempts, attempts
    assert "onnxruntime imported without ORT_DISABLE_TELEMETRY=1" in attempts
    assert "syscall" not in attempts, "the guard let a call reach the kernel"
    assert guard.loaded("selftest")


def netns_works() -> bool:
    """Whether `unshare -n` can make a network namespace here (it needs root)."""
    if not shutil.which("unshare"):
        return False
    return subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode == 0


def test_strace_sees_native_calls_the_python_guard_cannot(guard):
    """A connect made below Python's socket module, inside a network namespace with no
    interfaces (so nothing can leave): strace must see it."""
    if not guard.strace or not netns_works():
        pytest.skip("needs strace and network namespaces (unshare -n)")
    native = "import _socket\ntry:\n    _socket.socket().connect(('198.51.100.10', 443))\n"
    native += "except OSError:\n    pass\n"
    done = guard.run("native", ["unshare", "-n", sys.executable, "-c", native])
    assert done.returncode == 0, done.stderr
    assert any("198.51.100.10" in a and a.startswith("syscall") for a in guard.attempts("native"))


# -- the product ------------------------------------------------------------------------------


def test_rag_ingest_makes_no_outbound_call(guard, ingested):
    assert ingested.returncode == 0, ingested.stderr
    assert "8 indexed" in ingested.stdout, ingested.stdout  # the shipped corpus: eight documents
    assert guard.loaded("ingest"), "the guard did not load in the ingest process"
    assert not (tried := guard.attempts("ingest")), "\n".join(tried)


def test_rag_ask_makes_no_outbound_call(guard, ingested, workspace):
    done = guard.run("ask", [rag_command(), "ask", QUESTION, "--json"], **workspace)
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["citations"] and not answer["abstained"]
    assert guard.loaded("ask")
    assert not (tried := guard.attempts("ask")), "\n".join(tried)


def test_the_app_makes_no_outbound_call(guard, ingested, workspace, tmp_path):
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    proc = guard.popen("app", [sys.executable, str(ROOT / "app.py"), "--port", str(port)], **workspace)
    try:
        deadline = time.monotonic() + 300
        status = ""
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                [status] = call(url, "status", [], timeout=10)
                if status.startswith(("ready", "failed")):
                    break
            except OSError:
                pass
            time.sleep(1)
        assert status.startswith("ready"), (status, (guard.folder / "app.out").read_text()[-3000:])

        with urlopen(url, timeout=30) as page, urlopen(url + "theme.css", timeout=30) as css:
            html, theme = page.read().decode(), css.read().decode()
        assert "<html" in html and "--font" in theme
        assert external_resources(html + theme) == [], "the page would make the browser call out"
        [answer] = call(url, "ask", [QUESTION, None, None, [], None])
        assert answer["citations"]
        note = tmp_path / "visit-note.md"
        note.write_text("# Visit note\n\nThe duty team answered every call within two minutes.\n")
        summary, results, *_ = upload(url, note)
        assert results["data"][0][1] == "indexed", results
        time.sleep(3)  # the page's timer polls; anything periodic gets a chance to call out
    finally:
        stop(proc)
    assert guard.loaded("app"), "the guard did not load in the app process"
    assert not (tried := guard.attempts("app")), "\n".join(tried)


def test_rag_ask_works_with_no_network_at_all(ingested, workspace, guard):
    """In a network namespace with nothing but a loopback that is down: nothing is needed."""
    if not netns_works():
        pytest.skip("network namespaces (unshare -n) are not available here")
    done = guard.run("netns-ask", ["unshare", "-n", rag_command(), "ask", QUESTION, "--json"], **workspace)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["citations"]
    assert guard.loaded("netns-ask")
