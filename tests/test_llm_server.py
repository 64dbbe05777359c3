"""LLM answers for real: SmolLM2-135M-Instruct behind llama-cpp-python's OpenAI-compatible
server on loopback (started by scripts/llm-server), and the same GGUF in-process.

The 135M model gets things wrong. These tests do not ask it to be right; they check that
what it says is verified, that what is marked supported really is, and that a reply with
nothing verifiable falls back to the quoted answer with a notice.
"""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from loopback import free_port

pytestmark = [pytest.mark.integration, pytest.mark.llm]

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "llm-server"
QUESTION = "What did inspectors say about caseloads in 2014?"
READY_WITHIN_S = 120
FELL_BACK = (
    "The model's answer could not be verified against the documents; showing the quoted answer instead.",
    "The model found no answer in the documents; showing the quoted answer instead.",
)


@pytest.fixture(scope="session")
def llm_server(tmp_path_factory: pytest.TempPathFactory):
    """The base URL of a llama.cpp server running SmolLM2; stopped after the session."""
    pytest.importorskip("llama_cpp.server", reason="llama-cpp-python's server extra is not installed: pip install -e '.[llm]'")
    port = free_port()
    log_path = tmp_path_factory.mktemp("llm-server") / "server.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen([sys.executable, str(SCRIPT), "--port", str(port)], stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + READY_WITHIN_S
        while True:
            if proc.poll() is not None:
                pytest.fail(f"llm server exited with {proc.returncode}:\n{log_path.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{base}/models", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"llm server not ready within {READY_WITHIN_S}s:\n{log_path.read_text()[-2000:]}")
            time.sleep(0.5)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def served_settings(corpus_settings, llm_server):
    from rag.settings import load_settings

    return load_settings(
        index_dir=corpus_settings.index_dir,
        corpus_dir=corpus_settings.corpus_dir,
        llm={"backend": "openai", "base_url": llm_server, "timeout_s": 180, "max_tokens": 150},
    )


def retrieved(settings, k: int = 3):
    """The query, passages and extractive answer rag.ask would hand to the LLM stage."""
    from rag.answer import answer
    from rag.pipeline import components, make_filters, prepare

    query = prepare(QUESTION, settings, k, make_filters())
    parts = components(settings)
    passages = parts.retriever.run(query)
    fallback = answer(query, passages, settings, page_starts=parts.store.page_starts, idf=parts.lexical.idf)
    return query, passages, fallback, parts.store.page_starts


def assert_honest(a) -> None:
    """What is marked supported re-verifies; what is not says why; quotes are verbatim."""
    from rag.cite import is_verbatim
    from rag.verify import verify

    assert a.mode in ("llm", "extractive")
    if a.mode == "extractive":
        assert a.notice in FELL_BACK, a.notice  # the server answered: this is verification at work
    for s in a.sentences:
        if a.mode == "llm" and s.supported:
            assert all(1 <= n <= len(a.passages) for n in s.citations)
            assert verify(s.text, [a.passages[n - 1] for n in s.citations]) == (True, "")
        elif a.mode == "llm":
            assert s.note
    for c in a.citations:
        assert is_verbatim(c.quote, c.passage_text)


def test_ask_through_the_openai_compatible_server(served_settings):
    import rag

    t0 = time.perf_counter()
    a = rag.ask(QUESTION, served_settings, mode="llm", k=3)
    assert time.perf_counter() - t0 < 200
    assert_honest(a)
    assert "llm" in a.timings


def test_verification_ran_on_the_models_own_words(served_settings):
    from rag.llm import check_reply, stream_llm_answer
    from rag.records import Answer

    query, passages, fallback, page_starts = retrieved(served_settings)
    parts = list(stream_llm_answer(query, passages, served_settings, fallback=fallback, page_starts=page_starts))
    *deltas, final = parts
    reply = "".join(deltas)
    assert isinstance(final, Answer)
    assert reply.strip(), f"the model said nothing; notice: {final.notice}"
    judged = check_reply(reply, passages)
    assert judged, reply
    if final.mode == "llm":
        assert [(s.text, s.citations, s.supported, s.note) for s in final.sentences] == [
            (s.text, s.citations, s.supported, s.note) for s in judged
        ]
    else:
        assert not any(s.supported for s in judged), reply
    assert_honest(final)


def test_in_process_gguf_backend(corpus_settings):
    pytest.importorskip("llama_cpp", reason="llama-cpp-python is not installed: pip install -e '.[llm]'")
    from rag.llm import llm_answer
    from rag.settings import load_settings

    gguf = subprocess.run([sys.executable, str(SCRIPT), "--print-model"], capture_output=True, text=True, check=True).stdout.strip()
    settings = load_settings(
        index_dir=corpus_settings.index_dir,
        corpus_dir=corpus_settings.corpus_dir,
        llm={"backend": "llamacpp", "gguf_path": gguf, "max_tokens": 150},
    )
    query, passages, fallback, page_starts = retrieved(settings)
    a = llm_answer(query, passages, settings, fallback=fallback, page_starts=page_starts)
    assert_honest(a)
