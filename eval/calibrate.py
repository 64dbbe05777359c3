"""Sweep the answerer's abstention threshold (``answer.abstain_below``) over the evaluation
set, so the threshold is chosen from measurements rather than guessed.

For each value: abstention accuracy on unanswerable questions, false-abstention rate on
answerable ones and the mean CRAG score over all. Retrieval does not depend on the
threshold, so only ``rag.ask`` runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from eval import metrics
from eval.dataset import Question
from eval.report import Meta, markdown_table, text_table
from eval.runner import CORPUS, DEFAULT, INDEX, Progress, ask, build_index, settings_for

VALUES = tuple(round(i * 0.05, 2) for i in range(21))  # 0.0 .. 1.0


@dataclass(frozen=True)
class Point:
    abstain_below: float
    abstention_accuracy: float | None
    false_abstention_rate: float | None
    crag: float | None
    key_fact_recall: float | None


def sweep(
    questions: Sequence[Question],
    values: Sequence[float] = VALUES,
    *,
    index_dir: Path = INDEX,
    corpus_dir: Path = CORPUS,
    mode: str = "extractive",
    rebuild: bool = False,
    progress: Progress | None = None,
) -> list[Point]:
    build_index(settings_for(DEFAULT, index_dir, corpus_dir), rebuild, questions)
    points = []
    for value in values:
        settings = settings_for(DEFAULT, index_dir, corpus_dir, answer={"abstain_below": value})
        rows = []
        for i, q in enumerate(questions, 1):
            answer, _, _ = ask(q, settings, mode)
            rows.append(metrics.answer_metrics(q, answer))
            if progress:
                progress(f"{value:.2f}", i, len(questions))
        points.append(
            Point(value, *(metrics.mean([r[m] for r in rows]) for m in ("abstention_accuracy", "false_abstention_rate", "crag", "key_fact_recall")))
        )
    return points


def best(points: Sequence[Point]) -> Point:
    """Highest mean CRAG score; ties go to the lower threshold (fewer abstentions)."""
    return max(points, key=lambda p: (p.crag if p.crag is not None else -2.0, -p.abstain_below))


def _rows(points: Sequence[Point]) -> list[list[str]]:
    top = best(points)
    return [
        [
            f"{p.abstain_below:.2f}",
            *(_fmt3(v) for v in (p.abstention_accuracy, p.false_abstention_rate)),
            "-" if p.crag is None else f"{p.crag:+.3f}",
            _fmt3(p.key_fact_recall),
            "<- best CRAG" if p is top else "",
        ]
        for p in points
    ]


HEADER = ["abstain_below", "abstention_acc", "false_abstention", "mean_crag", "key_fact_recall", ""]


def _fmt3(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def terminal(points: Sequence[Point]) -> str:
    return "\n".join(text_table(HEADER, _rows(points)))


def markdown(points: Sequence[Point], meta: Meta, settings_hash: str) -> str:
    top = best(points)
    lines = [
        "# Abstention threshold calibration",
        "",
        f"- Command: `{meta.command}`",
        f"- Date: {meta.date}",
        f"- Questions: {meta.questions} from `{meta.questions_file}`; answer mode: {meta.mode}",
        f"- Corpus manifest hash: `{meta.manifest_hash}`; settings hash (at the default threshold): `{settings_hash}`",
        "",
        f"Best mean CRAG score: abstain_below = {top.abstain_below:.2f}. Abstention accuracy is over the",
        "unanswerable questions, the false-abstention rate over the answerable ones, CRAG over all.",
        "",
    ]
    return "\n".join(lines + markdown_table(HEADER[:-1] + ["note"], _rows(points))) + "\n"
