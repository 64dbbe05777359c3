"""Benchmark (not a test): ingest throughput against the model's own encode throughput on
the same chunks, and warm search / ask latency over the eval questions.

    .venv/bin/python bench/spine.py [--repeat 3] [--out bench/results/spine.md]

Prints a Markdown table and writes it to --out. Figures are whatever this machine does
now: run it on a quiet machine and quote them with the machine described.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3, help="passes over the questions")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "spine.md"))
    args = ap.parse_args(argv)

    from rag.pipeline import ask, components, ingest, search
    from rag.settings import load_settings

    questions = [json.loads(line)["question"] for line in (ROOT / "eval" / "questions.jsonl").open()]
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(index_dir=Path(tmp) / "index", corpus_dir=ROOT / "corpus")
        parts = components(settings)
        parts.embedder.warm_up()  # model load is cold-start cost, not ingest throughput

        t0 = time.perf_counter()
        report = ingest(settings=settings)
        ingest_s = time.perf_counter() - t0
        n_chunks = report.embedded_chunks
        texts = [c.embed_text for c in parts.store.iter_chunks()]

        t0 = time.perf_counter()
        parts.embedder.model.encode(texts, batch_size=settings.embed.batch_size, normalize_embeddings=True)
        raw_s = time.perf_counter() - t0

        t0 = time.perf_counter()
        again = ingest(settings=settings)
        unchanged_s = time.perf_counter() - t0
        assert again.embedded_chunks == 0

        for q in questions[:5]:  # warm: model, BM25 cache, Chroma pages
            ask(q, settings)
        search_ms: list[float] = []
        ask_ms: list[float] = []
        for _ in range(args.repeat):
            for q in questions:
                t0 = time.perf_counter()
                search(q, settings)
                search_ms.append((time.perf_counter() - t0) * 1000)
                t0 = time.perf_counter()
                ask(q, settings)
                ask_ms.append((time.perf_counter() - t0) * 1000)

    stages = report.timings
    lines = [
        "# Spine benchmark",
        "",
        f"- machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, torch threads {__import__('torch').get_num_threads()}",
        f"- corpus: shipped corpus ({len(report.files)} files, {n_chunks} chunks); questions: {len(questions)} x {args.repeat}",
        f"- command: `.venv/bin/python bench/spine.py --repeat {args.repeat}`",
        "",
        "| measure | value |",
        "|---|---|",
        f"| ingest, PDF/text to index (model warm) | {n_chunks / ingest_s:.1f} chunks/s ({ingest_s:.2f} s) |",
        f"| raw `SentenceTransformer.encode`, same chunks | {n_chunks / raw_s:.1f} chunks/s ({raw_s:.2f} s) |",
        f"| ingest / raw encode | {raw_s / ingest_s:.0%} |",
        "| ingest time by stage (s) | " + ", ".join(f"{k} {v:.2f}" for k, v in stages.items()) + " |",
        f"| re-ingest, nothing changed | {unchanged_s * 1000:.0f} ms, 0 chunks embedded |",
        f"| warm `rag.search` p50 / p95 | {statistics.median(search_ms):.1f} / {pct(search_ms, 95):.1f} ms |",
        f"| warm `rag.ask` (extractive) p50 / p95 | {statistics.median(ask_ms):.1f} / {pct(ask_ms, 95):.1f} ms |",
        "",
    ]
    table = "\n".join(lines)
    print(table)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
