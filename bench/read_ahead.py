"""Benchmark (not a test): ingest with and without reading ahead, on real national PDFs.

    .venv/bin/python bench/read_ahead.py [--every 8] [--repeat 2]

Every ``--every``-th PDF of ../shared/ofsted (sorted by name, from the fourth) is ingested
into a fresh index, in a fresh process, with ``read_ahead=0`` (read, clean, chunk, embed,
write one file at a time) and with the default (files read in a thread ahead of the encoder);
the two take turns within each repeat, so both see the same machine. Reports wall time,
chunks/s, process CPU time and the time summed per stage (stages overlap when reading
ahead, so their sum can exceed the wall time).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.report import RESULTS, command_line, header, load, median, table, write  # noqa: E402

LIBRARY = ROOT.parent / "shared" / "ofsted"


def one_run(folder: Path, read_ahead: int) -> dict:
    """Ingest ``folder`` into a fresh index in this process (called in a child process)."""
    from rag import pipeline
    from rag.settings import load_settings

    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(index_dir=Path(tmp) / "index", corpus_dir=folder, read_ahead=read_ahead)
        pipeline.components(settings).embedder.warm_up()
        before = load()[0]
        t0, c0 = time.perf_counter(), time.process_time()
        report = pipeline.ingest(settings=settings)
        wall = time.perf_counter() - t0
        return {
            "read_ahead": read_ahead, "wall_s": wall, "cpu_s": time.process_time() - c0, "chunks": report.embedded_chunks,
            "files": report.count("indexed"), "stages": dict(report.timings), "load": max(before, load()[0]),
        }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--library", type=Path, default=LIBRARY)
    p.add_argument("--every", type=int, default=8)
    p.add_argument("--repeat", type=int, default=2)
    p.add_argument("--out", type=Path, default=RESULTS / "read-ahead.md")
    p.add_argument("--child", nargs=2, metavar=("FOLDER", "READ_AHEAD"), help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        print(json.dumps(one_run(Path(args.child[0]), int(args.child[1]))))
        return 0
    from rag.settings import Settings

    ahead = Settings().read_ahead
    pdfs = sorted(args.library.glob("*.pdf"))[3 :: args.every]
    runs: list[dict] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "library"
        folder.mkdir()
        for pdf in pdfs:
            (folder / pdf.name).symlink_to(pdf.resolve())
        for i in range(args.repeat):
            for depth in (0, ahead):
                out = subprocess.run([sys.executable, __file__, "--child", str(folder), str(depth)], capture_output=True, text=True, check=True, env=os.environ)
                run = json.loads(out.stdout.strip().splitlines()[-1]) | {"repeat": i}
                print(json.dumps(run), file=sys.stderr, flush=True)
                runs.append(run)
    rows = []
    for depth in (0, ahead):
        mine = [r for r in runs if r["read_ahead"] == depth]
        stages = {k: median([r["stages"][k] for r in mine]) for k in ("read", "clean", "chunk", "embed", "write")}
        rows.append([
            f"{depth}" + (" (one file at a time)" if depth == 0 else " (default)"),
            f"{median([r['wall_s'] for r in mine]):.1f} s", f"{median([r['chunks'] / r['wall_s'] for r in mine]):.1f}",
            f"{median([r['cpu_s'] / r['wall_s'] for r in mine]):.2f}", ", ".join(f"{stages[k]:.1f}" for k in stages),
            ", ".join(f"{r['wall_s']:.1f}" for r in mine),
        ])
    first = runs[0]
    lines = [
        *header("Ingest reading ahead of the encoder, on real PDFs", command_line(), [(r["load"], 0, 0) for r in runs],
                [f"{first['files']} national PDFs (every {args.every}th), {first['chunks']:,} chunks; a fresh index and process per run; "
                 f"medians of {args.repeat} repeats, the two settings taking turns"]),
        "",
        *table(["read_ahead", "wall time", "chunks/s", "CPU cores busy", "stages summed: read, clean, chunk, embed, write (s)", "every run"], rows),
        "",
        "Reading ahead overlaps pypdf (pure Python, one core) with the encoder (ONNX Runtime, outside the GIL). On two "
        "cores the encoder then shares a core with the reader, so its stage takes longer; the wall time is what is saved.",
    ]
    write(args.out, lines)
    return 0


if __name__ == "__main__":
    sys.exit(main())
