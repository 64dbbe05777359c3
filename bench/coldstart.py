"""Benchmark (not a test): cold start, from launching a process to its first answer, on an
index that is already built.

    .venv/bin/python bench/coldstart.py [--backends torch,onnx] [--repeat 3]

- the app: ``python app.py`` launched; time until the page answers HTTP, and until the
  first answer comes back through its API (``gradio_client``, ``/ask``);
- the CLI: ``rag ask "..."`` in a fresh process, launch to exit;
- where a cold process spends the time: imports, opening the index, loading the model,
  loading BM25, the first answer and a second one (in a fresh subprocess).

The operating system's file cache is warm after the first run (the benchmark does not drop
it), so these are the times of a restart, not of the first boot after installing.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.request import urlopen

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.report import PYTHON, RESULTS, command_line, header, load, median, table, wait_for_quiet, write

QUESTION = "How has management oversight changed since 2014?"

# Runs in a fresh interpreter: the stages of a cold `rag ask`, each timed.
STAGES_SCRIPT = r"""
import json, sys, time
t = {"start": time.perf_counter()}
import rag
from rag.pipeline import ask, components
from rag.settings import load_settings
t["import rag"] = time.perf_counter()
settings = load_settings()
parts = components(settings)
parts.store.count()
t["open index"] = time.perf_counter()
parts.embedder.encode_query("warm up")
t["load model"] = time.perf_counter()
parts.lexical.chunk_ids()
t["load BM25"] = time.perf_counter()
ask(sys.argv[1], settings)
t["first answer"] = time.perf_counter()
ask(sys.argv[1], settings)
t["second answer"] = time.perf_counter()
keys = list(t)
import resource
out = {b: t[b] - t[a] for a, b in zip(keys, keys[1:])}
out["peak RSS (MB)"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
out["torch imported"] = float("torch" in sys.modules)
print(json.dumps(out))
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def environment(work: Path, backend: str, cache: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    env.update(
        RAG_INDEX_DIR=str(work / "index"), RAG_CORPUS_DIR=str(work / "corpus"), RAG_UPLOADS_DIR=str(work / "uploads"),
        RAG_APP__FEEDBACK_PATH=str(work / "feedback.jsonl"), RAG_EMBED__BACKEND=backend, RAG_EMBED__CACHE_DIR=str(cache),
        GRADIO_ANALYTICS_ENABLED="False", ANONYMIZED_TELEMETRY="False",
    )
    return env


@contextmanager
def running_app(env: dict[str, str], timeout_s: float = 600) -> Iterator[tuple[subprocess.Popen, str, float]]:
    """app.py started on a free port: (the process, its URL, seconds until the page answered
    200); stopped on leaving the block. Used here and by bench/national.py."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    t0 = time.perf_counter()
    proc = subprocess.Popen([PYTHON, str(ROOT / "app.py"), "--port", str(port)], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"app.py exited with {proc.returncode}")
            if time.perf_counter() - t0 > timeout_s:
                raise RuntimeError(f"app.py did not serve its page within {timeout_s:.0f} s")
            try:
                with urlopen(url, timeout=5) as page:
                    if page.status == 200:
                        break
            except OSError:
                time.sleep(0.05)
        yield proc, url, time.perf_counter() - t0
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()


def app_cold_start(env: dict[str, str]) -> dict[str, float]:
    """Launch app.py; seconds to the first HTTP answer of the page and to the first answer."""
    from gradio_client import Client

    t0 = time.perf_counter()
    with running_app(env) as (_, url, page_s):
        answer = Client(url, verbose=False).predict(QUESTION, api_name="/ask")
        answer_s = time.perf_counter() - t0
        assert answer["text"], answer
        t1 = time.perf_counter()
        Client(url, verbose=False).predict(QUESTION, api_name="/ask")
        warm_s = time.perf_counter() - t1
    return {"page_s": page_s, "answer_s": answer_s, "warm_client_s": warm_s}


def cli_cold(env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    subprocess.run([str(ROOT / ".venv" / "bin" / "rag"), "ask", QUESTION], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def stages(env: dict[str, str]) -> dict[str, float]:
    out = subprocess.run([PYTHON, "-c", STAGES_SCRIPT, QUESTION], cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--backends", default="torch,onnx", help="comma-separated embed backends")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "rag-bench" / "coldstart")
    ap.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "rag-bench" / "models")
    ap.add_argument("--max-load", type=float, default=1.5, help="wait (up to 10 min) for the 1-minute load to fall below this")
    ap.add_argument("--out", type=Path, default=RESULTS / "coldstart.md")
    args = ap.parse_args(argv)
    backends = args.backends.split(",")

    shutil.rmtree(args.work, ignore_errors=True)
    shutil.copytree(ROOT / "corpus", args.work / "corpus")
    for b in backends:  # the index is built before anything is timed
        subprocess.run([str(ROOT / ".venv" / "bin" / "rag"), "ingest", "--quiet"], cwd=ROOT,
                       env=environment(args.work, b, args.cache), check=True, stdout=subprocess.DEVNULL)
    import gradio_client  # noqa: F401  (the client's own import is not the app's cold start)

    loads = [wait_for_quiet(args.max_load, 600)]
    runs: dict[str, list[dict]] = {b: [] for b in backends}
    for rep in range(args.repeat):
        for b in backends:
            env = environment(args.work, b, args.cache)
            row = app_cold_start(env)
            row["cli_s"] = cli_cold(env)
            row["stages"] = stages(env)
            row["load"] = load()[0]
            runs[b].append(row)
            loads.append(load())
            print(f"repeat {rep} {b}: page {row['page_s']:.1f} s, first answer {row['answer_s']:.1f} s, "
                  f"rag ask {row['cli_s']:.1f} s, load {row['load']:.2f}", flush=True)

    rows, stage_rows = [], []
    stage_names = list(runs[backends[0]][0]["stages"])
    for b in backends:
        r = runs[b]
        rows.append([f"`{b}`", f"{median([x['page_s'] for x in r]):.1f}", f"{median([x['answer_s'] for x in r]):.1f}",
                     f"{median([x['warm_client_s'] for x in r]) * 1000:.0f} ms", f"{median([x['cli_s'] for x in r]):.1f}",
                     ", ".join(f"{x['answer_s']:.1f}" for x in r)])
        stage_rows.append([f"`{b}`", *(
            ("yes" if r[0]["stages"][s] else "no") if s == "torch imported"
            else f"{median([x['stages'][s] for x in r]):.0f}" if s.startswith("peak")
            else f"{median([x['stages'][s] for x in r]):.2f}"
            for s in stage_names)])
    lines = header(
        "Cold start: launch to first answer, index already built",
        command_line(),
        loads,
        [(f"question: \"{QUESTION}\" (a timeline answer); shipped corpus, index built beforehand with `rag ingest`; "
         f"medians of {args.repeat} launches per backend, backends taking turns; file cache warm (a restart, not a first boot)")],
    )
    lines += ["## Launch to first answer (seconds, median)", ""]
    lines += table(["backend", "`python app.py`: page served", "`python app.py`: first answer via API (/ask)",
                    "second answer via API (new client)", "`rag ask` in a fresh process (launch to exit)", "first answer, every run"], rows)
    lines += ["", "## Where a cold `rag ask` process spends it (seconds, median, fresh interpreter), and its memory", ""]
    lines += table(["backend", *stage_names], stage_rows)
    lines += [
        "",
        ("The app serves its page before the model is loaded (startup runs in a background thread) and answers once it "
        "is; nothing is re-indexed on a restart (the index is not empty, so startup only loads). "
        "A `gradio_client.Client` fetches the app's config on construction, included in both API columns."),
    ]
    write(args.out, lines)
    return 0


if __name__ == "__main__":
    sys.exit(main())
