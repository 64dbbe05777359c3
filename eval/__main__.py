"""python -m eval: score the pipeline on the questions with known answers.

    python -m eval                  # default settings; table, eval/report.md, eval/report.json
    python -m eval --compare        # BM25, dense, hybrid, hybrid + time-aware, naive baseline
    python -m eval --ci             # exit 1 naming each metric below eval/thresholds.toml
    python -m eval --calibrate      # sweep answer.abstain_below, write eval/calibration.md
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

from eval import calibrate, gate, report, runner
from eval.dataset import load_questions
from rag.errors import RagError
from rag.metadata import manifest_hash


def parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m eval", description=__doc__.split("\n")[0])
    p.add_argument("--section", choices=tuple(runner.SECTIONS), default="herefordshire",
                   help="herefordshire: eval/questions.jsonl on corpus/; national: eval/national.jsonl on ../shared/ofsted")
    p.add_argument("--questions", type=Path, default=None, help="JSONL question set (default: the section's)")
    p.add_argument("--mode", choices=("extractive", "llm"), default="extractive", help="answer mode")
    p.add_argument("--compare", action="store_true", help="run every retrieval configuration and the naive baseline")
    p.add_argument("--configs", default=None, help="comma-separated configurations to run instead (of: " + ", ".join(runner.CONFIGS) + "), e.g. default,naive")
    p.add_argument("--ci", action="store_true", help="fail (exit 1) when a metric misses eval/thresholds.toml")
    p.add_argument("--calibrate", action="store_true", help="sweep the abstention threshold instead")
    p.add_argument("--out", type=Path, default=None, help="folder for the reports (default: eval/; with --ci: eval/out/)")
    p.add_argument("--index", type=Path, default=None, help="evaluation index folder (default: the section's, under eval/out/)")
    p.add_argument("--rebuild", action="store_true", help="build the evaluation index afresh")
    p.add_argument("--corpus", type=Path, default=None, help="library folder (default: the section's)")
    p.add_argument("--thresholds", type=Path, default=gate.THRESHOLDS, help="thresholds file for --ci")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    section = runner.SECTIONS[args.section]
    args.questions = args.questions or section.questions
    args.index = args.index or section.index
    args.corpus = args.corpus or section.library
    if args.out is None:  # a CI run must not overwrite the committed report
        args.out = runner.OUT if args.ci else (runner.HERE if args.section == "herefordshire" else runner.HERE / args.section)
    command = "python -m eval " + " ".join(sys.argv[1:] if argv is None else argv)
    try:
        questions = load_questions(args.questions, args.corpus)
        meta = report.Meta.now(
            command=command.strip(),
            questions_file=_shown(args.questions),
            questions=len(questions),
            mode=args.mode,
            manifest_hash=manifest_hash(args.corpus),
        )
        if args.calibrate:
            return _calibrate(args, questions, meta)
        configs = runner.pick_configs(args.configs) if args.configs else runner.COMPARE if args.compare else (runner.DEFAULT,)
        runs = runner.evaluate(
            questions,
            configs,
            index_dir=args.index,
            corpus_dir=args.corpus,
            mode=args.mode,
            rebuild=args.rebuild,
            progress=runner.print_progress,
        )
    except (RagError, ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(report.terminal(runs, meta))
    for path in report.write(runs, meta, args.out, with_chart=args.compare or len(configs) > 1):
        print(f"wrote {path}")
    if args.ci:  # the gate reads the test split: nothing was tuned on it
        main_run = report.main_run(runs)
        failures = gate.check(main_run.summary(main_run.split("test")), gate.load_thresholds(args.thresholds))
        for line in failures:
            print(f"FAIL {line}")
        print("CI gate: " + (f"{len(failures)} metrics missed their thresholds" if failures else "all thresholds met"))
        return 1 if failures else 0
    return 0


def _calibrate(args: argparse.Namespace, questions: list, meta: report.Meta) -> int:
    questions = [q for q in questions if q.split == "dev"]  # tuned on dev only
    meta = dataclasses.replace(meta, questions=len(questions), questions_file=f"{meta.questions_file}, dev split")
    points = calibrate.sweep(
        questions,
        index_dir=args.index,
        corpus_dir=args.corpus,
        mode=args.mode,
        rebuild=args.rebuild,
        progress=runner.print_progress,
    )
    settings_hash = runner.settings_for(runner.DEFAULT, args.index, args.corpus).hash()
    print(calibrate.terminal(points))
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "calibration.md"
    path.write_text(calibrate.markdown(points, meta, settings_hash), encoding="utf-8")
    print(f"wrote {path}")
    return 0


def _shown(path: Path) -> str:
    """The path as typed from the repository root, where it lies below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


if __name__ == "__main__":
    sys.exit(main())
