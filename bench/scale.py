"""Benchmark (not a test): how query latency, ingest rate, index size and memory grow with
the corpus, at 1x, 10x, 100x and 1000x the shipped corpus.

    .venv/bin/python bench/scale.py [--sizes 1,10,100,1000] [--real-upto 10] [--budget-min 25]

The corpus grows in one index, step by step. Up to ``--real-upto`` the synthetic documents
(``bench/corpora.py``: re-dated copies with sentences shuffled within paragraphs) go
through ``rag.ingest`` for real. Beyond that, embedding is out of reach on 2 cores (~250k
chunks at well under 100 chunks/s), and only the query path is being measured, so the
larger sizes are written straight through ``ChromaStore.replace_document``: copies of the
really embedded documents, re-dated, sentences shuffled within each chunk, their chunk and
sentence vectors reused with a little noise (cosine ~0.98 to the source). The results say
which sizes are which.

Each step runs in two fresh subprocesses, one growing the index and one querying it, so
each reports its own peak memory (ru_maxrss). A step is skipped when its projected time
would overrun ``--budget-min``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import logging
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.corpora import redate, shift_years, shuffle_slots, synthetic_corpus, year_shift
from bench.report import (
    PYTHON,
    RESULTS,
    command_line,
    du_mb,
    header,
    load,
    median,
    pct,
    peak_rss_mb,
    table,
    write,
)

NOISE = 0.01  # per-dimension sigma: |noise| ~ 0.2 for 384 dimensions, cosine ~0.98
SHIPPED_DOCS = 5


# -- the children: grow the index to a size, or query it ------------------------------


def _settings(args: argparse.Namespace):
    from rag.settings import load_settings

    return load_settings(index_dir=args.work / "index", corpus_dir=args.work / "corpus",
                         embed={"backend": args.backend, "cache_dir": str(args.cache)})


def grow(args: argparse.Namespace) -> dict:
    """Bring the index to ``args.size`` x the shipped corpus."""
    from rag.pipeline import components, ingest

    settings = _settings(args)
    parts = components(settings)
    before = parts.store.count()
    if args.size <= args.real_upto:
        parts.embedder.warm_up()
        parts.embedder.encode(["Management oversight has improved since the last inspection."] * 16)
        corpus = synthetic_corpus(args.work / "corpus", args.size)
        t0 = time.perf_counter()
        report = ingest([corpus], settings)
        seconds = time.perf_counter() - t0
        assert report.ok, [f.line for f in report.failed][:5]
        written, mode, stages = report.embedded_chunks, "embedded", report.timings
        write_s = report.timings["write"]
    else:
        written, seconds, write_s = copy_documents(parts.store, args)
        mode, stages = "vectors reused", {}
    return {
        "size": args.size, "mode": mode, "new_chunks": written, "seconds": seconds, "write_s": write_s,
        "chunks": parts.store.count(), "chunks_before": before, "stages": stages, "peak_rss_mb": peak_rss_mb(),
    }


def copy_documents(store, args: argparse.Namespace) -> tuple[int, float, float]:
    """Write re-dated, shuffled copies of the really embedded documents until the index
    holds ``args.size`` x the shipped documents; returns (chunks, seconds, seconds writing)."""
    import numpy as np

    from rag.embed import pack, unpack
    from rag.records import CleanDoc, SourceDoc
    from rag.vocabulary import format_date

    docs = store.documents()
    corpus = str((args.work / "corpus").resolve())
    sources = [d for d in docs if d.path.startswith(corpus)]
    by_doc: dict[str, list] = {d.doc_id: [] for d in sources}
    for c in store.iter_chunks():
        if c.doc_id in by_doc:
            by_doc[c.doc_id].append(c)
    vectors: dict[str, list[float]] = {}
    ids = [c.chunk_id for cs in by_doc.values() for c in cs]
    for i in range(0, len(ids), 2000):
        vectors.update(store.vectors(ids[i : i + 2000]))
    texts = {d.doc_id: store.document_text(d.doc_id) for d in sources}
    pages = {d.doc_id: store.page_starts(d.doc_id) for d in sources}

    target = SHIPPED_DOCS * args.size
    written, t_start, t_write = 0, time.perf_counter(), 0.0
    for j in range(len(docs), target):
        src = sources[j % len(sources)]
        rng = random.Random(f"scale|{j}")
        np_rng = np.random.default_rng(j)
        old_date = dt.date.fromisoformat(src.date)
        delta = year_shift(old_date.year, rng)
        date = redate(old_date, delta)
        doc_id = f"{src.doc_id}-copy{j:05d}"
        doc_text = list(shift_years(texts[src.doc_id], delta))
        chunks, vecs = [], []
        for n, c in enumerate(sorted(by_doc[src.doc_id], key=lambda c: c.start)):
            text, spans, order = shuffle_slots(shift_years(c.text, delta), list(c.sentences), rng)
            if c.end - c.start == len(text):
                doc_text[c.start : c.end] = text
            sv = unpack(c.sentence_vectors)
            if len(sv):
                sv = sv[order] + np_rng.normal(0, NOISE, sv.shape)
                sv /= np.linalg.norm(sv, axis=1, keepdims=True)
            v = np.asarray(vectors[c.chunk_id]) + np_rng.normal(0, NOISE, 384)
            vecs.append((v / np.linalg.norm(v)).tolist())
            chunks.append(c.__class__(
                chunk_id=hashlib.sha256(f"{doc_id}|{n}".encode()).hexdigest()[:24], doc_id=doc_id,
                title=f"{src.title} (synthetic copy {j})", kind=c.kind, date=date.isoformat(), year=date.year,
                text=text, start=c.start, end=c.end, header=c.header.replace(format_date(old_date), format_date(date)),
                section=c.section, page=c.page, page_end=c.page_end, paragraphs=c.paragraphs,
                sentences=tuple(spans), sentence_vectors=pack(sv.tolist()) if len(sv) else b"",
            ))
        full = "".join(doc_text)
        doc = SourceDoc(
            doc_id=doc_id, path=str(args.work / "synthetic" / f"{doc_id}.txt"), title=f"{src.title} (synthetic copy {j})",
            kind=src.kind, date=date, content_hash=hashlib.sha256(full.encode()).hexdigest(), authority=src.authority,
            source_note=f"bench/scale.py: copy of {src.doc_id}", provenance={"all": "bench/scale.py synthetic copy"},
        )
        t0 = time.perf_counter()
        store.replace_document(CleanDoc(doc, full, tuple(tuple(p) for p in pages[src.doc_id])), chunks, vecs, pages=src.pages)
        t_write += time.perf_counter() - t0
        written += len(chunks)
    return written, time.perf_counter() - t_start, t_write


def query(args: argparse.Namespace) -> dict:
    """Warm latencies at this size, and the parts of the path that may grow with it."""
    from rag.lexical import LexicalIndex
    from rag.pipeline import ask, components, prepare, search
    from rag.store import Filters
    from rag.timeframe import read_timeframe

    settings = _settings(args)
    parts = components(settings)
    store = parts.store
    parts.embedder.warm_up()
    docs = store.documents()
    out: dict = {"size": args.size, "chunks": store.count(), "docs": len(docs)}
    shutil.rmtree(settings.index_dir / "bm25", ignore_errors=True)  # time a real rebuild, as after an ingest
    t0 = time.perf_counter()
    parts.lexical.chunk_ids()
    out["bm25_build_s"] = time.perf_counter() - t0
    out["rss_after_bm25_mb"] = peak_rss_mb()
    t0 = time.perf_counter()
    LexicalIndex(store, settings.index_dir).chunk_ids()  # another worker: loads the cached BM25
    out["bm25_load_s"] = time.perf_counter() - t0

    qs = [json.loads(line)["question"] for line in (ROOT / "eval" / "questions.jsonl").open() if line.strip()]
    timeline = [q for q in qs if read_timeframe(q).change]  # what Query.is_timeline says, without a catalog read
    plain = [q for q in qs if q not in timeline]
    for q in plain[:3]:
        ask(q, settings)

    def ms(fn, *a, **kw) -> float:
        t0 = time.perf_counter()
        fn(*a, **kw)
        return (time.perf_counter() - t0) * 1000

    def uncached(fn):
        """``fn`` after dropping the store's short-lived catalog cache (if it has one), so
        the catalog read itself is measured: what a question pays once the cache expires."""
        def run() -> None:
            if hasattr(store, "_docs_cache"):
                store._docs_cache = None
            fn()
        return run

    parts_ms: dict[str, list[float]] = {k: [] for k in (
        "embed", "catalog", "content_version", "chroma", "chroma_kind", "chroma_doc", "bm25", "bm25_kind", "bm25_doc")}
    n = settings.retrieve.candidates
    for i, q in enumerate(plain[:20]):
        one_doc = Filters(doc_ids=(docs[(i * 7919) % len(docs)].doc_id,))
        t0 = time.perf_counter()
        v = parts.embedder.encode_query(q)
        parts_ms["embed"].append((time.perf_counter() - t0) * 1000)
        parts_ms["catalog"].append(ms(uncached(store.documents)))
        parts_ms["content_version"].append(ms(uncached(store.content_version)))
        parts_ms["chroma"].append(ms(store.query, v, n))
        parts_ms["chroma_kind"].append(ms(store.query, v, n, Filters(kinds=("report",))))
        parts_ms["chroma_doc"].append(ms(store.query, v, n, one_doc))
        parts_ms["bm25"].append(ms(parts.lexical.search, q, n))
        parts_ms["bm25_kind"].append(ms(parts.lexical.search, q, n, Filters(kinds=("report",))))
        parts_ms["bm25_doc"].append(ms(parts.lexical.search, q, n, one_doc))
    out["parts_ms"] = parts_ms

    lat: dict[str, list[float]] = {"search": [], "ask": [], "timeline_ask": []}
    deadline = time.monotonic() + args.plain_budget_s
    for _ in range(args.repeat):
        for q in plain:
            if time.monotonic() > deadline:
                break
            lat["search"].append(ms(search, q, settings))
            lat["ask"].append(ms(ask, q, settings))
    # Timeline questions are timed until their budget is spent (at least one is run).
    windows: list[int] = []
    deadline = time.monotonic() + args.timeline_budget_s
    for q in timeline:
        if lat["timeline_ask"] and time.monotonic() > deadline:
            break
        windows.append(len(prepare(q, settings, None, Filters()).window))
        lat["timeline_ask"].append(ms(ask, q, settings))
    out.update(lat=lat, windows=windows, n_plain=len(plain), n_timeline=len(timeline), peak_rss_mb=peak_rss_mb())
    return out


# -- the parent: steps, budget, table and chart ------------------------------------------


def child(step: str, size: int, args: argparse.Namespace) -> dict:
    result = args.work / f"{step}-{size}.json"
    cmd = [PYTHON, str(Path(__file__).resolve()), "--child", step, "--size", str(size), "--work", str(args.work),
           "--backend", args.backend, "--cache", str(args.cache), "--real-upto", str(args.real_upto),
           "--repeat", str(args.repeat), "--plain-budget-s", str(args.plain_budget_s),
           "--timeline-budget-s", str(args.timeline_budget_s)]
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, cwd=ROOT)
    data = json.loads(result.read_text())
    data["wall_s"] = time.perf_counter() - t0
    data["load"] = load()[0]
    return data


def chart(rows: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    x = [r["query"]["chunks"] for r in rows]
    ticks = [f"{r['size']}x{'' if r['grow']['mode'] == 'embedded' else '*'}\n{r['query']['chunks']:,}" for r in rows]
    fig, (lat, mem, bm) = plt.subplots(1, 3, figsize=(17, 7.5), gridspec_kw={"width_ratios": [1.7, 1, 1]})
    series = [
        ("search p50, plain questions", lambda r: median(r["query"]["lat"]["search"]), "C0", "-o"),
        ("search p95, plain questions", lambda r: pct(r["query"]["lat"]["search"], 95), "C0", "--o"),
        ("ask p50, plain questions", lambda r: median(r["query"]["lat"]["ask"]), "C1", "-s"),
        ("ask p95, plain questions", lambda r: pct(r["query"]["lat"]["ask"], 95), "C1", "--s"),
        ("part: catalog read (store.documents, uncached)", lambda r: median(r["query"]["parts_ms"]["catalog"]), "C2", ":d"),
        ("part: Chroma query, 40, no filter", lambda r: median(r["query"]["parts_ms"]["chroma"]), "C5", ":x"),
        ("part: Chroma query, 40, kind filter", lambda r: median(r["query"]["parts_ms"]["chroma_kind"]), "C6", ":P"),
        ("part: BM25, kind filter", lambda r: median(r["query"]["parts_ms"]["bm25_kind"]), "C4", ":v"),
    ]
    for label, fn, color, style in series:
        lat.plot(x, [fn(r) for r in rows], style, color=color, label=label, linewidth=2, markersize=7)
    measured = [(xi, median(r["query"]["lat"]["timeline_ask"])) for xi, r in zip(x, rows) if r["query"]["lat"]["timeline_ask"]]
    lat.plot([a for a, _ in measured], [b for _, b in measured], "-^", color="C3", linewidth=2, markersize=8,
             label="ask p50, timeline questions")
    y0 = median(rows[0]["query"]["lat"]["search"])
    lat.plot(x, [y0 * xi / x[0] for xi in x], color="black", linewidth=1, linestyle=(0, (1, 3)), label="linear in the corpus, for reference")
    for y, text, style in ((30, "target: search p50 < 30 ms", "-"), (80, "target: ask p50 < 80 ms", "--")):
        lat.axhline(y, color="grey", linewidth=1, linestyle=style)
        lat.annotate(text, (1, y), xycoords=("axes fraction", "data"), xytext=(-4, 3), textcoords="offset points",
                     ha="right", color="dimgrey", fontsize=9)
    lat.set(ylabel="milliseconds (log scale)", title="Warm query latency, and parts of the query path")

    mem.plot(x, [r["index_mb"] for r in rows], "-o", color="C0", label="index on disk", linewidth=2)
    mem.plot(x, [r["query"]["peak_rss_mb"] for r in rows], "-s", color="C1", label="peak RSS, query process", linewidth=2)
    mem.plot(x, [r["grow"]["peak_rss_mb"] for r in rows], "--D", color="C2", label="peak RSS, growing process (loads the model only where it embeds)", linewidth=2)
    mem.set(ylabel="MB (log scale)", title="Index size and peak memory")

    bm.plot(x, [r["query"]["bm25_build_s"] for r in rows], "-^", color="C3", label="BM25 rebuild from the collection", linewidth=2)
    bm.plot(x, [max(r["query"]["bm25_load_s"], 1e-3) for r in rows], "--v", color="C3", label="BM25 load from the on-disk cache", linewidth=2)
    bm.set(ylabel="seconds (log scale)", title="BM25 upkeep when the content changes")

    for ax in (lat, mem, bm):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xticks(x, ticks, fontsize=9)
        ax.minorticks_off()
        ax.set_xlabel("size (x shipped corpus) and chunks, log scale")
        ax.grid(True, which="major", alpha=0.3)
        ax.legend(fontsize=8.5, loc="upper center", bbox_to_anchor=(0.5, -0.17), ncol=1 if ax is not lat else 2, frameon=False)
    lat.yaxis.set_minor_locator(matplotlib.ticker.LogLocator(subs="all"))
    fig.suptitle("Scale benchmark (bench/scale.py). * = sizes written with reused vectors (not embedded): only the query path is measured there",
                 fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def report(rows: list[dict], skipped: list[str], args: argparse.Namespace, loads: list, total_s: float, earlier_s: float = 0.0) -> None:
    def cell(v: list[float]) -> str:
        return f"{median(v):.0f} / {pct(v, 95):.0f}" if v else "-"

    def timeline_cell(q: dict) -> str:
        window = f"window {median(q['windows']):.0f} docs" if q["windows"] else "no window measured"
        if q["lat"]["timeline_ask"]:
            return f"{cell(q['lat']['timeline_ask'])} (n={len(q['lat']['timeline_ask'])}, {window})"
        return "-"

    main_rows, part_rows, growth_rows = [], [], []
    for r in rows:
        g, q = r["grow"], r["query"]
        rate = g["new_chunks"] / g["seconds"] if g["seconds"] else float("nan")
        what = "embedded (rag.ingest)" if g["mode"] == "embedded" else "vectors reused (store writes)"
        main_rows.append([
            f"{r['size']}x", q["docs"], q["chunks"], what,
            f"{rate:.0f} chunks/s" + ("" if g["mode"] == "embedded" else " (write only)"),
            cell(q["lat"]["search"]), cell(q["lat"]["ask"]),
            timeline_cell(q),
            f"{r['index_mb']:.0f} (Chroma {r['chroma_mb']:.0f}, BM25 {r['bm25_mb']:.0f})",
            f"{q['peak_rss_mb']:.0f}", f"{g['peak_rss_mb']:.0f}",
        ])
        pm = q["parts_ms"]
        part_rows.append([f"{r['size']}x", q["chunks"], *(f"{median(pm[k]):.1f}" for k in (
            "embed", "catalog", "content_version", "chroma", "chroma_kind", "chroma_doc", "bm25", "bm25_kind", "bm25_doc")),
            f"{q['bm25_build_s']:.1f}", f"{q['bm25_load_s']:.2f}"])
        growth_rows.append([f"{r['size']}x", len(q["lat"]["search"]), len(q["lat"]["timeline_ask"]), f"{g['load']:.2f}",
                            f"{q['load']:.2f}", f"{g['wall_s']:.0f}", f"{q['wall_s']:.0f}"])
    embedded = [f"{r['size']}x" for r in rows if r["grow"]["mode"] == "embedded"]
    reused = [f"{r['size']}x" for r in rows if r["grow"]["mode"] != "embedded"]
    lines = header(
        "Scale: latency, ingest rate, index size and memory from 1x to 1000x the shipped corpus",
        command_line(),
        loads,
        [
            (f"backend `{args.backend}`; one index grown step by step; each step grown in one subprocess and queried in another "
            "(peak RSS = that subprocess's ru_maxrss)"),
            (f"**embedded for real** through `rag.ingest` (text files): {', '.join(embedded) or 'none'}; "
            f"**vectors reused** (copies of the embedded documents written with `ChromaStore.replace_document`, chunk and "
            f"sentence vectors + N(0, {NOISE}) noise, re-dated, sentences shuffled within each chunk): {', '.join(reused) or 'none'}. "
            "For the reused sizes the ingest column is the store's write rate alone and only the query path is meaningful."),
            ("synthetic documents: re-dated within 2005-2025 (years in the text moved too), sentences shuffled within paragraphs "
            "(`bench/corpora.py`); 1x is the shipped corpus itself"),
            (f"plain questions: the eval questions that are not change-over-time, {args.repeat} pass(es) within "
            f"{args.plain_budget_s:.0f} s per size; timeline (change-over-time) questions: as many as fit in "
            f"{args.timeline_budget_s:.0f} s, at least one"),
            f"total run {total_s / 60:.1f} min" + (f", continuing (`--resume`) a run whose steps took {earlier_s / 60:.1f} min" if earlier_s else ""),
        ],
    )
    lines += ["## At each size (latency in ms, p50 / p95; memory in MB)", ""]
    lines += table(["size", "docs", "chunks", "how the size was made", "ingest rate", "search", "ask",
                    "ask, timeline questions", "index on disk (MB)", "peak RSS querying", "peak RSS growing"], main_rows)
    if skipped:
        lines += ["", *[f"- not run: {s}" for s in skipped]]
    lines += ["", "![scale chart](scale.png)", "", "## Parts of the query path (ms, median) and BM25 upkeep (s)", ""]
    lines += table(["size", "chunks", "embed question", "catalog read (`store.documents`, uncached)", "`content_version` (uncached)",
                    "Chroma query (40)", "Chroma query, kind filter", "Chroma query, one-document filter", "BM25 (40)", "BM25, kind filter",
                    "BM25, one-document filter", "BM25 rebuild (s)", "BM25 load from cache (s)"], part_rows)
    lines += ["", "## Runs", ""]
    lines += table(["size", "plain questions timed", "timeline questions timed", "load growing", "load querying",
                    "grow wall s", "query wall s"], growth_rows)
    write(args.out, lines)


def main(argv: list[str] | None = None) -> int:
    from rag.settings import Settings

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1,10,100,1000", help="multiples of the shipped corpus, ascending")
    ap.add_argument("--real-upto", type=int, default=10, help="largest size embedded for real")
    ap.add_argument("--backend", default=Settings().embed.backend, help="embed backend (torch, onnx, onnx-int8; default: the settings' default)")
    ap.add_argument("--budget-min", type=float, default=25.0, help="skip steps that would overrun this")
    ap.add_argument("--repeat", type=int, default=2, help="passes over the plain questions")
    ap.add_argument("--plain-budget-s", type=float, default=60.0, help="time for plain questions per size")
    ap.add_argument("--timeline-budget-s", type=float, default=60.0, help="time for timeline questions per size")
    ap.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "rag-bench" / "scale")
    ap.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "rag-bench" / "models")
    ap.add_argument("--resume", action="store_true", help="keep the index and results of a previous run in --work and "
                    "go on with the sizes it did not reach (e.g. 1000x with a larger --budget-min)")
    ap.add_argument("--redo-query", action="store_true", help="with --resume: time the query step again at the largest "
                    "size reached (the index holds only that size)")
    ap.add_argument("--out", type=Path, default=RESULTS / "scale.md")
    ap.add_argument("--child", choices=["grow", "query"], help=argparse.SUPPRESS)
    ap.add_argument("--size", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    logging.getLogger("bm25s").setLevel(logging.WARNING)

    if args.child:
        result = (grow if args.child == "grow" else query)(args)
        (args.work / f"{args.child}-{args.size}.json").write_text(json.dumps(result))
        return 0

    rows, skipped, loads = [], [], [load()]
    if args.resume and (args.work / "rows.json").is_file():
        rows = json.loads((args.work / "rows.json").read_text())
        loads += [(r[step]["load"], 0, 0) for r in rows for step in ("grow", "query")]
    else:
        shutil.rmtree(args.work, ignore_errors=True)
        args.work.mkdir(parents=True)
    start = time.monotonic()
    budget = args.budget_min * 60
    earlier_s = sum(r["grow"]["wall_s"] + r["query"]["wall_s"] for r in rows)
    if args.redo_query and rows:
        last = rows[-1]
        earlier_s -= last["query"]["wall_s"]
        print(f"--- {last['size']}x: querying again", flush=True)
        last["query"] = child("query", last["size"], args)
        (args.work / "rows.json").write_text(json.dumps(rows))
    sizes = [int(s) for s in args.sizes.split(",")]
    for i, size in enumerate(sizes):
        if any(r["size"] == size for r in rows):
            continue
        if rows:
            prev = rows[-1]
            new = SHIPPED_DOCS * (size - prev["size"]) * prev["query"]["chunks"] / prev["query"]["docs"]
            if size > args.real_upto:
                rate = prev["write_rate"] if prev["grow"]["mode"] != "embedded" else 300.0
            else:
                rate = prev["grow"]["new_chunks"] / prev["grow"]["seconds"] if prev["grow"]["new_chunks"] else 30.0
            projected = new / rate + 2 * prev["query"]["wall_s"] + 60
            left = budget - (time.monotonic() - start)
            if projected > left:
                skipped += [f"{s}x: projected {projected / 60:.0f} min (about {new:.0f} new chunks at {rate:.0f} chunks/s, "
                            f"then querying) but {left / 60:.0f} min of the {args.budget_min:.0f}-min budget left" for s in sizes[i:i + 1]]
                skipped += [f"{s}x: after {size}x" for s in sizes[i + 1:]]
                break
        print(f"--- {size}x: growing", flush=True)
        g = child("grow", size, args)
        print(f"--- {size}x: {g['chunks']} chunks ({g['new_chunks']} new in {g['seconds']:.0f} s); querying", flush=True)
        q = child("query", size, args)
        loads += [(g["load"], 0, 0), (q["load"], 0, 0)]
        index = args.work / "index"
        bm25 = du_mb(index / "bm25") if (index / "bm25").exists() else 0.0
        total = du_mb(index)
        rows.append({"size": size, "grow": g, "query": q, "index_mb": total, "bm25_mb": bm25, "chroma_mb": total - bm25,
                     "write_rate": g["new_chunks"] / g["write_s"] if g["write_s"] else 300.0})
        print(f"--- {size}x: search p50 {median(q['lat']['search']):.0f} ms, ask p50 {median(q['lat']['ask']):.0f} ms, "
              f"timeline ask p50 {median(q['lat']['timeline_ask']):.0f} ms, index {total:.0f} MB, elapsed {(time.monotonic() - start) / 60:.1f} min", flush=True)
        (args.work / "rows.json").write_text(json.dumps(rows))
    chart(rows, args.out.with_suffix(".png"))
    report(rows, skipped, args, loads, time.monotonic() - start, earlier_s)
    return 0


if __name__ == "__main__":
    sys.exit(main())
