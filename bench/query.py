"""Benchmark (not a test): warm query latency over the eval questions, next to the naive
baseline's similarity search for the same k, measured in the same run.

    .venv/bin/python bench/query.py [--backends torch,onnx,onnx-int8] [--repeat 3]

Per backend: the shipped corpus indexed once, the naive baseline (eval/baseline.py:
LangChain splitter 1000/200, same model and backend, Chroma similarity search) built once,
both warmed; then, question by question, ``rag.search`` (k=8), ``rag.ask`` (extractive)
and the baseline's ``similarity_search`` (k=8) are timed back to back so they share the
machine's load. The parts of a question's path are timed apart too (query embedding,
catalog read, Chroma query, BM25 search) to show where the time goes.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.report import RESULTS, command_line, header, load, median, pct, table, wait_for_quiet, write

TARGET_SEARCH_MS, TARGET_ASK_MS = 30.0, 80.0


def questions() -> list[dict]:
    return [json.loads(line) for line in (ROOT / "eval" / "questions.jsonl").open() if line.strip()]


def timed(fn, *args, **kwargs) -> float:
    t0 = time.perf_counter()
    fn(*args, **kwargs)
    return (time.perf_counter() - t0) * 1000


def chroma_server(path: Path):
    """`chroma run` on a free loopback port; returns (process, url)."""
    import os
    import socket
    import subprocess

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([str(ROOT / ".venv" / "bin" / "chroma"), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, "ANONYMIZED_TELEMETRY": "False"})
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return proc, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError("chroma run did not start within 60 s")


def run_backend(backend: str, qs: list[dict], repeat: int, k: int, work: Path, cache: Path, chroma_url: str | None = None) -> dict[str, list[float]]:
    """Latencies (ms) per measure for one backend (on a Chroma server if ``chroma_url``)."""
    from eval.baseline import NaiveBaseline
    from rag.pipeline import ask, components, ingest, search
    from rag.settings import load_settings
    from rag.store import Filters
    from rag.timeframe import read_timeframe

    settings = load_settings(index_dir=work / "index", corpus_dir=ROOT / "corpus", chroma_url=chroma_url,
                             embed={"backend": backend, "cache_dir": str(cache)})
    parts = components(settings)
    assert ingest(settings=settings).ok
    naive = NaiveBaseline(ROOT / "corpus", settings.embed)
    naive.build()
    for q in qs[:8]:  # warm: model, BM25 (built here from the collection), Chroma pages
        ask(q["question"], settings)
        naive.store.similarity_search(q["question"], k=k)

    out: dict[str, list[float]] = {m: [] for m in (
        "search", "ask", "naive", "ask_timeline", "ask_other", "embed_query", "catalog", "chroma_query", "bm25", "bm25_kind_filter")}
    for _ in range(repeat):
        for q in qs:
            text = q["question"]
            out["search"].append(timed(search, text, settings, k=k))
            ms = timed(ask, text, settings)
            out["ask"].append(ms)
            out["ask_timeline" if read_timeframe(text).change else "ask_other"].append(ms)  # = Query.is_timeline
            out["naive"].append(timed(naive.store.similarity_search, text, k=k))
            t0 = time.perf_counter()
            vector = parts.embedder.encode_query(text)
            out["embed_query"].append((time.perf_counter() - t0) * 1000)
            if hasattr(parts.store, "_docs_cache"):  # the store caches the catalog for a second: time the read itself
                parts.store._docs_cache = None
            out["catalog"].append(timed(parts.store.documents))
            out["chroma_query"].append(timed(parts.store.query, vector, settings.retrieve.candidates))
            out["bm25"].append(timed(parts.lexical.search, text, settings.retrieve.candidates))
            out["bm25_kind_filter"].append(timed(parts.lexical.search, text, settings.retrieve.candidates, Filters(kinds=("report",))))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--backends", default="torch,onnx,onnx-int8", help="comma-separated embed backends")
    ap.add_argument("--repeat", type=int, default=3, help="passes over the questions")
    ap.add_argument("-k", type=int, default=8, help="passages per search, for the pipeline and the baseline")
    ap.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "rag-bench" / "models", help="ONNX export folder")
    ap.add_argument("--max-load", type=float, default=1.5, help="wait (up to 10 min) for the 1-minute load to fall below this")
    ap.add_argument("--server", default="onnx", help="also measure this backend with the index on a Chroma server "
                    "(`chroma run` on loopback); empty: skip")
    ap.add_argument("--out", type=Path, default=RESULTS / "query.md")
    args = ap.parse_args(argv)
    logging.getLogger("bm25s").setLevel(logging.WARNING)
    qs = questions()

    loads = [wait_for_quiet(args.max_load, 600)]
    results: dict[str, dict[str, list[float]]] = {}
    for backend in args.backends.split(","):
        with tempfile.TemporaryDirectory(prefix="rag-bench-query-") as tmp:
            results[backend] = run_backend(backend, qs, args.repeat, args.k, Path(tmp), args.cache)
        loads.append(load())
        r = results[backend]
        print(f"{backend}: search p50 {median(r['search']):.1f} ms, ask p50 {median(r['ask']):.1f} ms, naive p50 {median(r['naive']):.1f} ms, load {load()[0]:.2f}", flush=True)

    if args.server:
        with tempfile.TemporaryDirectory(prefix="rag-bench-query-server-") as tmp:
            proc, url = chroma_server(Path(tmp) / "chroma")
            try:
                results[f"{args.server} + Chroma server"] = run_backend(args.server, qs, args.repeat, args.k, Path(tmp), args.cache, url)
            finally:
                proc.terminate()
                proc.wait(20)
        loads.append(load())

    def cell(values: list[float]) -> str:
        return f"{median(values):.1f} / {pct(values, 95):.1f}"

    main_rows, part_rows = [], []
    for backend, r in results.items():
        s50, a50, n50 = median(r["search"]), median(r["ask"]), median(r["naive"])
        main_rows.append([
            f"`{backend}`", cell(r["search"]), cell(r["ask"]), cell(r["naive"]),
            f"{s50 / n50:.2f}x", f"{'yes' if s50 < TARGET_SEARCH_MS else 'no'} ({s50:.0f} ms)",
            f"{'yes' if a50 < TARGET_ASK_MS else 'no'} ({a50:.0f} ms)",
        ])
        part_rows.append([f"`{backend}`", *(cell(r[m]) for m in ("embed_query", "catalog", "chroma_query", "bm25", "bm25_kind_filter", "ask_other", "ask_timeline"))])
    n_timeline = len(next(iter(results.values()))["ask_timeline"]) // args.repeat
    lines = header(
        "Warm query latency against the naive baseline",
        command_line(),
        loads,
        [
            (f"questions: the {len(qs)} of `eval/questions.jsonl` ({n_timeline} of them change-over-time questions answered as "
            f"timelines), {args.repeat} passes; shipped corpus; k = {args.k} for the pipeline and the baseline"),
            ("naive baseline: `eval/baseline.py` (RecursiveCharacterTextSplitter 1000/200, same model and backend, "
            "langchain_chroma `similarity_search`, in-memory Chroma)"),
            "every figure is the median / 95th percentile in milliseconds, the model and indexes warm",
            ("`+ Chroma server`: the same pipeline with `RAG_CHROMA_URL` pointing at `chroma run` on loopback (HTTP); "
            "the naive baseline stays in-process"),
        ],
    )
    lines += ["## Latency (ms, p50 / p95)", ""]
    lines += table(
        ["backend", "`rag.search` (hybrid, time-aware)", "`rag.ask` (extractive answer)", "naive `similarity_search`",
         "search p50 / naive p50", f"search p50 < {TARGET_SEARCH_MS:.0f} ms", f"ask p50 < {TARGET_ASK_MS:.0f} ms"],
        main_rows,
    )
    lines += ["", "## Parts of the path (ms, p50 / p95)", ""]
    lines += table(
        ["backend", "embed the question", "catalog read (`store.documents`, uncached)", "Chroma query (40)", "BM25 (40)",
         "BM25 (40), kind filter", "ask, plain questions", "ask, timeline questions"],
        part_rows,
    )
    lines += [
        "",
        ("`rag.search` = catalog read + question plan + embed + Chroma query + BM25 + fusion + fetching chunks only BM25 found; "
        "a timeline question runs the dense and BM25 rankings once per document in its window. "
        "`rag.ask` adds the extractive answer (sentence scoring with the stored sentence vectors, citations)."),
    ]
    write(args.out, lines)
    return 0


if __name__ == "__main__":
    sys.exit(main())
