"""Benchmark (not a test): the real national series, ../shared/ofsted (460 PDFs, 143 councils).

    .venv/bin/python bench/national.py [--library ../shared/ofsted] [--work /tmp/rag-bench/national]
    .venv/bin/python bench/national.py --reuse      # keep the index built by an earlier run

Reports, in one run on one machine:
- ``rag ingest`` of the whole folder into a fresh index: wall time, time per stage, chunks,
  files indexed and refused (with the reasons), index size on disk, peak memory;
- the model's own raw encode rate on a sample of the very chunk texts indexed, and ingest's
  rate as a share of it;
- a BM25 rebuild from the collection;
- warm ``rag.search`` and ``rag.ask`` p50/p95 over a mixed question set (the national eval
  questions, every type) at that size;
- the app: ``python app.py`` on that index, time to the first answer through its API after a
  restart, and the app process's peak memory after answering the question set.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.coldstart import running_app  # noqa: E402
from bench.report import RESULTS, command_line, header, load, pct, table, write  # noqa: E402

LIBRARY = ROOT.parent / "shared" / "ofsted"


def du(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20


def ingest_step(library: Path, work: Path, reuse: bool) -> dict:
    from rag.pipeline import components, ingest
    from rag.settings import load_settings

    settings = load_settings(index_dir=work / "index", corpus_dir=library)
    row: dict = {"load_before": load()[0]}
    if not reuse and (work / "index").exists():
        shutil.rmtree(work / "index")
    parts = components(settings)
    parts.embedder.warm_up()
    done = {"n": 0}

    def progress(i: int, n: int, path: str) -> None:
        if i and i % 50 == 0 and i != done["n"]:
            done["n"] = i
            print(f"  {i}/{n} files, {time.strftime('%H:%M:%S')}", file=sys.stderr, flush=True)

    t0 = time.perf_counter()
    report = ingest([library], settings, progress=progress)
    row["ingest_s"] = time.perf_counter() - t0
    row["load_after"] = load()[0]
    row["files"] = len(report.files)
    row["indexed"] = report.count("indexed") + report.count("replaced") + report.count("unchanged")
    row["failed"] = [f.line for f in report.failed]
    row["chunks_embedded"] = report.embedded_chunks
    row["chunks"] = parts.store.count()
    row["stages"] = dict(report.timings)
    row["index_mb"] = du(work / "index")
    row["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    sample = [c.embed_text for c in parts.store.iter_chunks()]
    random.Random(7).shuffle(sample)
    sample = sample[:3000]
    t0 = time.perf_counter()
    parts.embedder.encode(sample)
    row["raw_encode_chunks_per_s"] = len(sample) / (time.perf_counter() - t0)
    if row["chunks_embedded"]:
        row["ingest_chunks_per_s"] = row["chunks_embedded"] / row["ingest_s"]
        row["embed_stage_chunks_per_s"] = row["chunks_embedded"] / max(1e-9, row["stages"].get("embed", 0))

    import shutil as _sh

    from rag.lexical import LexicalIndex

    fresh = work / "bm25-rebuild"
    _sh.rmtree(fresh, ignore_errors=True)
    t0 = time.perf_counter()
    LexicalIndex(parts.store, fresh).chunk_ids()
    row["bm25_rebuild_s"] = time.perf_counter() - t0
    return row


def query_step(library: Path, work: Path, repeat: int) -> dict:
    import rag
    from eval.dataset import load_questions
    from rag.settings import load_settings

    settings = load_settings(index_dir=work / "index", corpus_dir=library)
    questions = load_questions(ROOT / "eval" / "national.jsonl", library)
    rag.ask(questions[0].question, settings)  # warm
    search, answer = [], []
    for _ in range(repeat):
        for q in questions:
            t0 = time.perf_counter()
            rag.search(q.question, settings)
            search.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            rag.ask(q.question, settings)
            answer.append(time.perf_counter() - t0)
    return {
        "questions": len(questions) * repeat,
        "search_p50_ms": pct(search, 50) * 1000, "search_p95_ms": pct(search, 95) * 1000,
        "ask_p50_ms": pct(answer, 50) * 1000, "ask_p95_ms": pct(answer, 95) * 1000,
        "load": load()[0],
    }


def app_step(library: Path, work: Path) -> dict:
    """Restart the app on the built index: first answer through the API, then the question
    set, then the app process's peak memory (VmHWM)."""
    from gradio_client import Client

    from eval.dataset import load_questions

    env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    env.update(RAG_INDEX_DIR=str(work / "index"), RAG_CORPUS_DIR=str(library), RAG_UPLOADS_DIR=str(work / "uploads"),
               RAG_APP__FEEDBACK_PATH=str(work / "feedback.jsonl"), GRADIO_ANALYTICS_ENABLED="False", ANONYMIZED_TELEMETRY="False")
    with running_app(env) as (proc, url, page_s):
        client = Client(url, verbose=False)
        t1 = time.perf_counter()
        client.predict("How has Kent's help and protection changed since 2015?", api_name="/ask")
        first_s = time.perf_counter() - t1
        for q in load_questions(ROOT / "eval" / "national.jsonl", library):
            client.predict(q.question, api_name="/ask")
        status = Path(f"/proc/{proc.pid}/status").read_text()
        hwm = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM")) / 1024
    return {"page_s": page_s, "first_answer_after_page_s": first_s, "restart_to_first_answer_s": page_s + first_s, "app_peak_rss_mb": hwm}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--library", type=Path, default=LIBRARY)
    p.add_argument("--work", type=Path, default=Path("/tmp/rag-bench/national"))
    p.add_argument("--reuse", action="store_true", help="keep the index an earlier run built (ingest then skips unchanged files)")
    p.add_argument("--repeat", type=int, default=2)
    p.add_argument("--no-ingest", action="store_true", help="only the query and app figures, on the index already in --work (ingest figures are left to the run that built it)")
    p.add_argument("--out", type=Path, default=RESULTS / "national.md")
    args = p.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    if args.no_ingest:
        return _query_only(args)
    ing = ingest_step(args.library, args.work, args.reuse)
    saved = args.work / "ingest.json"
    if ing["chunks_embedded"]:
        ing["measured"] = time.strftime("%Y-%m-%d %H:%M")
        saved.write_text(json.dumps(ing, default=str), encoding="utf-8")
    elif args.reuse and saved.is_file():
        # nothing was re-indexed: the ingest figures are those of the run that built the index
        ing = json.loads(saved.read_text(encoding="utf-8")) | {"reused": True}
    print(json.dumps(ing, indent=1, default=str), file=sys.stderr)
    qry = query_step(args.library, args.work, args.repeat)
    print(json.dumps(qry, indent=1), file=sys.stderr)
    app = app_step(args.library, args.work)
    print(json.dumps(app, indent=1), file=sys.stderr)
    st = ing["stages"]
    rows = [
        ["files / indexed / refused", f"{ing['files']} / {ing['indexed']} / {len(ing['failed'])}"],
        ["chunks", f"{ing['chunks']:,} ({ing['chunks_embedded']:,} embedded in {'that' if ing.get('reused') else 'this'} run)"],
        ["ingest wall time", f"{ing['ingest_s'] / 60:.1f} min" + (f" (the run of {ing.get('measured', '?')} that built the index; this run re-used it)" if ing.get("reused") else "")],
        ["stages (read, clean, chunk, embed, write)", ", ".join(f"{st.get(k, 0):.0f} s" for k in ("read", "clean", "chunk", "embed", "write"))],
        ["ingest rate / raw encode rate", f"{ing.get('ingest_chunks_per_s', 0):.1f} / {ing['raw_encode_chunks_per_s']:.1f} chunks/s "
         f"({ing.get('ingest_chunks_per_s', 0) / ing['raw_encode_chunks_per_s']:.0%}); embed stage alone {ing.get('embed_stage_chunks_per_s', 0):.1f}/s"],
        ["index on disk", f"{ing['index_mb']:.0f} MB"],
        ["peak memory of the ingest process", f"{ing['peak_rss_mb']:.0f} MB"],
        ["BM25 rebuild", f"{ing['bm25_rebuild_s']:.1f} s"],
        ["search p50 / p95", f"{qry['search_p50_ms']:.0f} / {qry['search_p95_ms']:.0f} ms ({qry['questions']} questions)"],
        ["ask p50 / p95", f"{qry['ask_p50_ms']:.0f} / {qry['ask_p95_ms']:.0f} ms"],
        ["app restart: page served, first answer", f"{app['page_s']:.1f} s, {app['restart_to_first_answer_s']:.1f} s"],
        ["app peak memory after the question set", f"{app['app_peak_rss_mb']:.0f} MB"],
        ["load average (before ingest, after ingest, during queries)", f"{ing['load_before']:.1f}, {ing['load_after']:.1f}, {qry['load']:.1f}"],
    ]
    lines = [
        *header("National series: ingest, query and app at real scale", command_line(), [(ing["load_before"], 0, 0), (ing["load_after"], 0, 0), (qry["load"], 0, 0)]),
        "",
        *table(["measure", "value"], rows),
        "",
        "Refused files:",
        "",
        *[f"- `{line}`" for line in ing["failed"]],
    ]
    write(args.out, lines)
    return 0


def _query_only(args: argparse.Namespace) -> int:
    load_before = load()[0]
    qry = query_step(args.library, args.work, args.repeat)
    print(json.dumps(qry, indent=1), file=sys.stderr)
    app = app_step(args.library, args.work)
    print(json.dumps(app, indent=1), file=sys.stderr)
    from rag.pipeline import components
    from rag.settings import load_settings

    chunks = components(load_settings(index_dir=args.work / "index", corpus_dir=args.library)).store.count()
    rows = [
        ["chunks in the index", f"{chunks:,}"],
        ["search p50 / p95", f"{qry['search_p50_ms']:.0f} / {qry['search_p95_ms']:.0f} ms ({qry['questions']} questions)"],
        ["ask p50 / p95", f"{qry['ask_p50_ms']:.0f} / {qry['ask_p95_ms']:.0f} ms"],
        ["app restart: page served", f"{app['page_s']:.1f} s"],
        ["app restart: first answer (from launch; after the page)", f"{app['restart_to_first_answer_s']:.1f} s; {app['first_answer_after_page_s']:.1f} s"],
        ["app peak memory after the question set", f"{app['app_peak_rss_mb']:.0f} MB"],
    ]
    lines = [
        *header("National series: search, answers and the app on the built index", command_line(), [(load_before, 0, 0), (qry["load"], 0, 0)]),
        "",
        "Ingest figures are those of the run that built the index (`bench/results/national.md`).",
        "",
        *table(["measure", "value"], rows),
    ]
    write(args.out, lines)
    return 0


if __name__ == "__main__":
    sys.exit(main())
