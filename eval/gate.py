"""The CI gate: compare a run's metrics with the floors and ceilings in eval/thresholds.toml.

    >>> check({"mrr": 0.5, "errors": 0.0}, {"at_least": {"mrr": 0.6}, "at_most": {"errors": 0}})
    ['mrr = 0.500, below the threshold 0.600']
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path

THRESHOLDS = Path(__file__).resolve().parent / "thresholds.toml"


def load_thresholds(path: Path = THRESHOLDS) -> dict[str, dict[str, float]]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    unknown = set(data) - {"at_least", "at_most"}
    if unknown:
        raise ValueError(f"{path}: tables must be [at_least] and [at_most], got {sorted(unknown)}")
    return {"at_least": data.get("at_least", {}), "at_most": data.get("at_most", {})}


def check(summary: Mapping[str, float | None], thresholds: Mapping[str, Mapping[str, float]]) -> list[str]:
    """One line per metric that missed its threshold (or was not measured); [] when all pass."""
    failures = []
    for name, floor in thresholds.get("at_least", {}).items():
        value = summary.get(name)
        if value is None:
            failures.append(f"{name} was not measured (threshold {floor:.3f})")
        elif value < floor:
            failures.append(f"{name} = {value:.3f}, below the threshold {floor:.3f}")
    for name, ceiling in thresholds.get("at_most", {}).items():
        value = summary.get(name)
        if value is None:
            failures.append(f"{name} was not measured (ceiling {ceiling:.3f})")
        elif value > ceiling:
            failures.append(f"{name} = {value:.3f}, above the ceiling {ceiling:.3f}")
    return failures
