"""Are two evaluation reports the same answers? For a change meant to move code without
changing behaviour: every question's answer text, abstention, error and scores, per
configuration, with timings, dates and hashes left out (they differ run to run).

    python -m eval.diff eval/out/before/report.json eval/out/after/report.json

Prints each difference and exits 1 when there is any, 0 when the reports agree.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

IGNORED_METRICS = ("search_s", "answer_s")  # timings: never the same twice


def answers(report: dict) -> dict[tuple[str, str], dict]:
    """(configuration, question id) -> what the question got: answer, abstained, error, scores."""
    out = {}
    for config in report["configs"]:
        for q in config["questions"]:
            metrics = {k: v for k, v in (q.get("metrics") or {}).items() if k not in IGNORED_METRICS}
            out[(config["name"], q["id"])] = {"answer": q.get("answer", ""), "abstained": q.get("abstained"), "error": q.get("error", ""), "metrics": metrics}
    return out


def differences(before: dict, after: dict) -> list[str]:
    """One line per question (and configuration) whose outcome differs, or is in one report only."""
    a, b = answers(before), answers(after)
    lines = []
    for key in sorted(a.keys() | b.keys()):
        name = f"{key[0]} {key[1]}"
        if key not in a or key not in b:
            lines.append(f"{name}: only in the {'second' if key in b else 'first'} report")
            continue
        for field in ("answer", "abstained", "error"):
            if a[key][field] != b[key][field]:
                lines.append(f"{name}: {field} differs: {a[key][field]!r:.120} -> {b[key][field]!r:.120}")
        ma, mb = a[key]["metrics"], b[key]["metrics"]
        for metric in sorted(ma.keys() | mb.keys()):
            if ma.get(metric) != mb.get(metric):
                lines.append(f"{name}: {metric} {ma.get(metric)} -> {mb.get(metric)}")
    return lines


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("before", type=Path)
    p.add_argument("after", type=Path)
    args = p.parse_args(argv)
    before, after = (json.loads(f.read_text(encoding="utf-8")) for f in (args.before, args.after))
    lines = differences(before, after)
    for line in lines:
        print(line)
    n = len(answers(before))
    print(f"{len(lines)} differences over {n} question runs" if lines else f"identical: {n} question runs, same answers and scores")
    return 1 if lines else 0


if __name__ == "__main__":
    sys.exit(main())
