"""Benchmark (not a test): ingest throughput from PDF to index, per embedding backend, next
to the model's own encode throughput on the same chunk texts in the same run.

    .venv/bin/python bench/ingest.py [--backends torch,onnx,onnx-int8] [--repeat 3]

For each backend and repeat: a fresh index, the model warm, then ``rag.ingest`` of the
shipped corpus laid out as PDFs (timed per stage), then that backend's own encode of the
very chunk texts it indexed (the limit for that backend) and PyTorch
``SentenceTransformer.encode`` on them (the reference limit). Backends take turns within a
repeat so they share the machine's load. Reports medians over repeats.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.corpora import pdf_corpus
from bench.report import RESULTS, command_line, header, load, median, table, wait_for_quiet, write

STAGES = ("read", "clean", "chunk", "embed", "write")


def measure(backend: str, pdfs: Path, work: Path, cache: Path) -> dict:
    """One ingest of the PDFs into a fresh index with ``backend``, and the raw encodes."""
    import numpy as np

    from rag.pipeline import components, ingest
    from rag.settings import load_settings

    settings = load_settings(index_dir=work / "index", corpus_dir=pdfs, embed={"backend": backend, "cache_dir": str(cache)})
    parts = components(settings)
    emb = parts.embedder
    emb.warm_up()
    emb.encode(["Management oversight of social work practice has improved since the last inspection."] * 16)
    row: dict = {"backend": backend, "load": load()[0]}

    t0 = time.perf_counter()
    report = ingest([pdfs], settings)
    row["ingest_s"] = time.perf_counter() - t0
    assert report.ok, [f.line for f in report.failed]
    row["chunks"] = report.embedded_chunks
    row.update({f"stage_{k}": v for k, v in report.timings.items()})

    t0 = time.perf_counter()
    parts.lexical.chunk_ids()  # BM25 is built from the collection on the first query
    row["bm25_s"] = time.perf_counter() - t0

    texts = [c.embed_text for c in parts.store.iter_chunks()]
    assert len(texts) == row["chunks"]
    t0 = time.perf_counter()
    own = emb.encode(texts)
    row["raw_own_s"] = time.perf_counter() - t0
    torch_model = emb.model
    t0 = time.perf_counter()
    ref = torch_model.encode(texts, batch_size=settings.embed.batch_size, normalize_embeddings=True, show_progress_bar=False)
    row["raw_torch_s"] = time.perf_counter() - t0
    row["cosine_to_torch"] = float(np.mean(np.sum(np.asarray(own) * np.asarray(ref), axis=1)))
    return row


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--backends", default="torch,onnx,onnx-int8", help="comma-separated embed backends")
    ap.add_argument("--repeat", type=int, default=3, help="repeats per backend (medians are reported)")
    ap.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "rag-bench" / "models", help="ONNX export folder")
    ap.add_argument("--max-load", type=float, default=1.5, help="wait (up to 10 min) for the 1-minute load to fall below this")
    ap.add_argument("--out", type=Path, default=RESULTS / "ingest.md")
    args = ap.parse_args(argv)
    backends = args.backends.split(",")

    pdfs = pdf_corpus(Path(tempfile.gettempdir()) / "rag-bench" / "pdf-corpus")
    rows: list[dict] = []
    loads = [wait_for_quiet(args.max_load, 600)]
    for rep in range(args.repeat):
        for backend in backends:
            with tempfile.TemporaryDirectory(prefix="rag-bench-ingest-") as tmp:
                row = measure(backend, pdfs, Path(tmp), args.cache)
            row["repeat"] = rep
            rows.append(row)
            loads.append(load())
            print(f"repeat {rep} {backend}: {row['chunks'] / row['ingest_s']:.1f} chunks/s ingest, "
                  f"{row['chunks'] / row['raw_own_s']:.1f} own raw, {row['chunks'] / row['raw_torch_s']:.1f} torch raw, load {row['load']:.2f}", flush=True)

    def med(backend: str, key: str) -> float:
        return median([r[key] for r in rows if r["backend"] == backend])

    summary, stages = [], []
    for b in backends:
        mine = [r for r in rows if r["backend"] == b]
        n = med(b, "chunks")
        rate = {k: [r["chunks"] / r[k] for r in mine] for k in ("ingest_s", "raw_own_s", "raw_torch_s")}
        summary.append([
            f"`{b}`", int(n),
            *(f"{median(rate[k]):.1f} (best {max(rate[k]):.1f})" for k in ("ingest_s", "raw_own_s", "raw_torch_s")),
            f"{median([r['raw_own_s'] / r['ingest_s'] for r in mine]):.0%}",
            f"{median([r['raw_torch_s'] / r['ingest_s'] for r in mine]):.0%}",
            f"{med(b, 'cosine_to_torch'):.4f}",
        ])
        total = med(b, "ingest_s")
        stage_cells = [f"{med(b, 'stage_' + s):.2f} ({med(b, 'stage_' + s) / total:.0%})" for s in STAGES]
        other = total - sum(med(b, "stage_" + s) for s in STAGES)
        stages.append([f"`{b}`", f"{total:.2f}", *stage_cells, f"{max(other, 0):.2f}",
                       f"{median([r['raw_own_s'] / r['stage_embed'] for r in mine]):.0%}", f"{med(b, 'bm25_s'):.2f}"])

    per_run = [
        [r["repeat"], f"`{r['backend']}`", f"{r['load']:.2f}", f"{r['chunks'] / r['ingest_s']:.1f}",
         f"{r['chunks'] / r['raw_own_s']:.1f}", f"{r['chunks'] / r['raw_torch_s']:.1f}"]
        for r in rows
    ]
    lines = header(
        "Ingest throughput: PDF to index, against raw encode",
        command_line(),
        loads,
        [
            (f"corpus: the 5 shipped documents laid out as PDFs with fpdf2 (`bench/corpora.py: pdf_corpus`), "
            f"{int(med(backends[0], 'chunks'))} chunks; a fresh index per run; the model warmed before timing"),
            f"medians of {args.repeat} repeats; backends take turns within each repeat",
            ("raw limit (own) = that backend's `Embedder.encode` of the same chunk texts (tokenise, forward pass, mean pooling, "
            "normalise); raw limit (torch) = `SentenceTransformer.encode(texts, batch_size=64, normalize_embeddings=True)`"),
        ],
    )
    lines += ["## Throughput (chunks/s)", ""]
    lines += table(
        ["backend", "chunks", "ingest PDF->index", "raw encode, same backend", "raw encode, torch",
         "ingest / own raw (median of per-run ratios)", "ingest / torch raw", "mean cosine to torch vectors"],
        summary,
    )
    lines += [
        "",
        ("Rates are medians over the repeats, with the best run in brackets (the machine is shared: the best run is the "
        "one least disturbed by other work). Ratios are taken within each run (ingest and raw encode measured minutes "
        "apart at most) and their median reported. Target: ingest within 80% of raw encode throughput."),
        "",
    ]
    lines += ["## Where the ingest time goes (seconds, median; share of the ingest wall time)", ""]
    lines += table(["backend", "ingest total", "read+parse PDF", "clean", "chunk", "embed", "write (Chroma)", "other",
                    "raw encode time / embed stage time", "BM25 build (first query)"], stages)
    lines += [
        "",
        ("`embed` includes the per-sentence vectors pooled from the same forward pass (used by the extractive answer); "
        "`other` is catalog reads, hashing and manifest parsing. BM25 is built from the collection on the first query "
        "after an ingest, not during it, and is shown apart."),
        "",
        "## Every run",
        "",
    ]
    lines += table(["repeat", "backend", "load (1 min)", "ingest chunks/s", "own raw chunks/s", "torch raw chunks/s"], per_run)
    write(args.out, lines)
    return 0


if __name__ == "__main__":
    sys.exit(main())
