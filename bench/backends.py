"""Benchmark companion (not a test): do the eval's metrics hold on each embedding backend?

    .venv/bin/python bench/backends.py [--backends torch,onnx,onnx-int8]

Runs the evaluation suite (``python -m eval``, default settings) once per backend, each on
its own freshly built index, and puts the metrics side by side with the differences from
torch. A faster backend is worth adopting only if these hold; its speed is in
``results/ingest.md``, ``results/query.md`` and ``results/coldstart.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.report import PYTHON, RESULTS, command_line, header, load, table, write

RETRIEVAL = ("hit@1", "hit@3", "hit@5", "hit@10", "recall@5", "recall@10", "mrr", "ndcg@10")
ANSWERS = ("key_fact_recall", "citation_support", "citation_accuracy", "abstention_accuracy",
           "false_abstention_rate", "year_coverage", "crag")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--backends", default="torch,onnx,onnx-int8")
    ap.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "rag-bench" / "eval-backends")
    ap.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "rag-bench" / "models", help="ONNX export folder")
    ap.add_argument("--out", type=Path, default=RESULTS / "backends.md")
    args = ap.parse_args(argv)
    backends = args.backends.split(",")

    summaries, loads = {}, [load()]
    for b in backends:
        out = args.work / b
        env = {**{k: v for k, v in os.environ.items() if not k.startswith("RAG_")},
               "RAG_EMBED__BACKEND": b, "RAG_EMBED__CACHE_DIR": str(args.cache)}
        subprocess.run([PYTHON, "-m", "eval", "--out", str(out), "--index", str(out / "index"), "--rebuild"],
                       cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
        report = json.loads((out / "report.json").read_text())
        summaries[b] = report["configs"][0]["summary"]
        loads.append(load())
        print(f"{b}: hit@5 {summaries[b]['hit@5']:.3f}, recall@10 {summaries[b]['recall@10']:.3f}", flush=True)

    def rows(metrics: tuple[str, ...]) -> list[list[str]]:
        out = []
        for m in metrics:
            ref = summaries[backends[0]].get(m)
            cells = []
            for b in backends:
                v = summaries[b].get(m)
                if v is None:
                    cells.append("-")
                elif b == backends[0] or ref is None:
                    cells.append(f"{v:.3f}")
                else:
                    cells.append(f"{v:.3f} ({v - ref:+.3f})")
            out.append([m, *cells])
        return out

    lines = header(
        "Eval metrics per embedding backend",
        command_line(),
        loads,
        [(f"`python -m eval` with default settings (hybrid, time-aware, extractive answers), one fresh index per backend; "
         f"{int(summaries[backends[0]].get('questions', 84))} questions of `eval/questions.jsonl`; differences from `{backends[0]}` in brackets")],
    )
    lines += ["## Retrieval", ""] + table(["metric", *(f"`{b}`" for b in backends)], rows(RETRIEVAL))
    lines += ["", "## Answers", ""] + table(["metric", *(f"`{b}`" for b in backends)], rows(ANSWERS))
    lines += [
        "",
        ("The abstention threshold (`answer.abstain_below`) was calibrated on torch vectors (`eval/calibration.md`); a "
        "backend whose vectors differ (int8: mean cosine 0.95 to torch, `results/ingest.md`) shifts the support scores it "
        "is compared with, so abstention is the first metric to move."),
    ]
    write(args.out, lines)
    return 0


if __name__ == "__main__":
    sys.exit(main())
