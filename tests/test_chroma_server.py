"""The index on a real Chroma server (`chroma run` on loopback): ingest through it, answer,
survive the server going away and coming back."""

import os
import socket
import subprocess
import time
from pathlib import Path

import pytest
from loopback import free_port

from rag.errors import IndexStoreError
from rag.pipeline import ask, components, ingest, search
from rag.settings import load_settings

pytestmark = [pytest.mark.integration, pytest.mark.slow]
ROOT = Path(__file__).resolve().parent.parent


def start_server(path: Path, port: int) -> subprocess.Popen:
    chroma = Path(os.sys.executable).parent / "chroma"
    proc = subprocess.Popen(
        [str(chroma), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return proc
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError("chroma run did not start within 60 s")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    path = tmp_path_factory.mktemp("chroma-server")
    port = free_port()
    state = {"path": path, "port": port, "proc": start_server(path, port)}
    yield state
    state["proc"].terminate()  # the test may have restarted it: stop whichever runs now
    state["proc"].wait(timeout=20)


def test_ingest_and_answer_through_a_chroma_server(server, tmp_path):
    settings = load_settings(chroma_url=f"http://127.0.0.1:{server['port']}", index_dir=tmp_path / "cache", corpus_dir=ROOT / "corpus")
    report = ingest(settings=settings)
    assert report.ok and report.count("indexed") == 8
    assert not any((tmp_path / "cache").glob("*.sqlite3"))  # nothing embedded locally: only the BM25 cache
    answer = ask("How has management oversight changed since 2014?", settings)
    assert {c.date[:4] for c in answer.citations} >= {"2014", "2023", "2024"}
    # A second worker with its own BM25 cache agrees with the first.
    other = settings.model_copy(update={"index_dir": tmp_path / "cache2"})
    assert [p.chunk.chunk_id for p in search("caseloads in 2014", other)] == [p.chunk.chunk_id for p in search("caseloads in 2014", settings)]


def test_server_going_away_gives_a_clear_error_and_recovers(server, tmp_path):
    settings = load_settings(chroma_url=f"http://127.0.0.1:{server['port']}", index_dir=tmp_path / "cache", corpus_dir=ROOT / "corpus")
    ingest(settings=settings)
    server["proc"].terminate()
    server["proc"].wait(timeout=20)
    components(settings).lexical.invalidate()
    t0 = time.monotonic()
    with pytest.raises(IndexStoreError) as err:
        search("caseloads", settings)
    assert time.monotonic() - t0 < 60 and "127.0.0.1" in str(err.value)
    server["proc"] = start_server(server["path"], server["port"])
    components(settings).lexical.invalidate()
    assert search("caseloads", settings)
