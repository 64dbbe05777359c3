"""The development / test split of a question set: seeded, stratified by type and origin.

Every weight and threshold is tuned on ``dev``; ``test`` is reported and gated, never tuned
on. The split is a pure function of the question ids and the seed, so it is stable when
questions are added (a new question lands in one split without moving any other) and can be
checked: ``tests/test_eval_set.py`` asserts the ``split`` written in each file is this one.

    python -m eval.split eval/questions.jsonl eval/national.jsonl   # (re)write the split field
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections import defaultdict
from pathlib import Path

SEED = "inspection-rag-eval-2026"
TEST_SHARE = 0.5


def _rank(qid: str) -> str:
    return hashlib.sha256(f"{SEED}:{qid}".encode()).hexdigest()


def assign(rows: list[dict]) -> dict[str, str]:
    """id -> 'dev' | 'test': within each (type, origin) stratum, ordered by a seeded hash of
    the id, the first half (rounded down) is dev and the rest test."""
    strata: dict[tuple[str, str], list[str]] = defaultdict(list)
    for row in rows:
        strata[(row["type"], row.get("origin", ""))].append(row["id"])
    out: dict[str, str] = {}
    for ids in strata.values():
        ordered = sorted(ids, key=_rank)
        n_dev = len(ordered) - round(len(ordered) * TEST_SHARE)
        for i, qid in enumerate(ordered):
            out[qid] = "dev" if i < n_dev else "test"
    return out


def rewrite(path: Path) -> dict[str, int]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    split = assign(rows)
    for row in rows:
        row["split"] = split[row["id"]]
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    counts: dict[str, int] = defaultdict(int)
    for row in rows:
        counts[row["split"]] += 1
    return dict(counts)


if __name__ == "__main__":
    for arg in sys.argv[1:]:
        print(arg, rewrite(Path(arg)))
