"""Turn scored runs into what people and machines read: a terminal table, report.md,
report.json and, for a comparison, compare.png.

Every report carries the settings hash of each configuration, the corpus manifest hash and
the date, so a number can always be traced to what produced it.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from eval.runner import ANSWER_METRICS, LATENCY_METRICS, RETRIEVAL_METRICS, ConfigRun

PER_TYPE = (
    "questions",
    "hit@1",
    "hit@5",
    "recall@10",
    "mrr",
    "key_fact_recall",
    "answer_precision",
    "citation_accuracy",
    "abstention_accuracy",
    "false_abstention_rate",
    "year_coverage",
    "crag",
)
PER_QUESTION = (
    "hit@1",
    "hit@5",
    "recall@10",
    "mrr",
    "ndcg@10",
    "key_fact_recall",
    "answer_precision",
    "citation_accuracy",
    "crag",
    "year_coverage",
)
SHORT = {  # terminal column headers
    "questions": "n",
    "key_fact_recall": "key_facts",
    "answer_precision": "precision",
    "citation_support": "cite_support",
    "citation_accuracy": "cite_acc",
    "abstention_accuracy": "abstain_acc",
    "false_abstention_rate": "false_abstain",
    "year_coverage": "years",
}
CHART_RETRIEVAL = ("hit@1", "hit@5", "recall@10", "mrr", "ndcg@10")
CHART_ANSWER = ("key_fact_recall", "citation_support", "citation_accuracy", "crag")


@dataclass(frozen=True)
class Meta:
    """What produced a report."""

    command: str
    questions_file: str
    questions: int
    mode: str
    manifest_hash: str
    date: str = ""

    @classmethod
    def now(cls, **kwargs: object) -> Meta:
        return cls(date=dt.datetime.now().isoformat(timespec="seconds"), **kwargs)  # type: ignore[arg-type]


def fmt(value: float | None, name: str = "") -> str:
    if value is None:
        return "-"
    if name == "questions" or name == "errors":
        return str(int(value))
    if name.endswith("_s"):
        return f"{value:.3f}"
    return f"{value:+.2f}" if name == "crag" else f"{value:.2f}"


def text_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    line = lambda cells: "  ".join(str(c).ljust(w) for c, w in zip(cells, widths)).rstrip()  # noqa: E731
    return [line(header), line(["-" * w for w in widths])] + [line(r) for r in rows]


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    return out + ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]


SPLITS = ("dev", "test")


def _columns(runs: Sequence[ConfigRun]) -> list[tuple[str, dict[str, float | None]]]:
    """(header, summary) for each configuration on each split, then all questions of the main one."""
    cols = [(f"{r.config.name} {split}", r.summary(r.split(split))) for r in runs for split in SPLITS if r.split(split)]
    main = main_run(runs)
    cols.append((f"{main.config.name} all", main.summary()))
    return cols


def _overall_rows(runs: Sequence[ConfigRun]) -> list[list[str]]:
    cols = _columns(runs)
    names = ("questions",) + RETRIEVAL_METRICS + ANSWER_METRICS + LATENCY_METRICS + ("errors",)
    return [[name] + [fmt(s[name], name) for _, s in cols] for name in names]


def _type_rows(run: ConfigRun, split: str | None = None, by: str = "type") -> list[list[str]]:
    groups = run.by_type(split) if by == "type" else run.by_style(split)
    return [[t] + [fmt(s[m], m) for m in PER_TYPE] for t, s in groups.items()]


def terminal(runs: Sequence[ConfigRun], meta: Meta) -> str:
    """Overall metrics side by side for every configuration, then per type for the main one."""
    main = main_run(runs)
    lines = [
        f"{meta.questions} questions, mode {meta.mode}, manifest {meta.manifest_hash}, {meta.date}",
        "",
    ]
    lines += text_table(["metric"] + [h for h, _ in _columns(runs)], _overall_rows(runs))
    for split in SPLITS:
        if main.split(split):
            lines += ["", f"per type, {split} split ({main.config.label}):"]
            lines += text_table(["type"] + [SHORT.get(m, m) for m in PER_TYPE], _type_rows(main, split))
    errors = [r for r in main.results if r.error]
    if errors:
        lines += ["", f"{len(errors)} questions failed:"] + [f"  {r.id}: {r.error}" for r in errors]
    return "\n".join(lines)


def main_run(runs: Sequence[ConfigRun]) -> ConfigRun:
    """The configuration users get: the defaults, or hybrid + time-aware in a comparison."""
    by_name = {r.config.name: r for r in runs}
    return by_name.get("default") or by_name.get("hybrid_time") or runs[0]


def markdown(runs: Sequence[ConfigRun], meta: Meta, chart: str | None) -> str:
    main = main_run(runs)
    lines = [
        "# Evaluation report",
        "",
        f"- Command: `{meta.command}`",
        f"- Date: {meta.date}",
        f"- Questions: {meta.questions} from `{meta.questions_file}`; answer mode: {meta.mode}",
        f"- Corpus manifest hash: `{meta.manifest_hash}`",
        "- Settings hash per configuration: "
        + ", ".join(f"{r.config.name} `{r.settings_hash}`" for r in runs),
        "",
        "Metrics are explained in `eval/README.md`. `-` means the metric does not apply.",
        "",
        "## Overall",
        "",
    ]
    lines += markdown_table(["metric"] + [h for h, _ in _columns(runs)], _overall_rows(runs))
    if chart:
        lines += ["", f"![comparison]({chart})"]
    for split in SPLITS:
        if not main.split(split):
            continue
        lines += ["", f"## Per type, {split} split: {main.config.label}", ""]
        lines += markdown_table(["type", *PER_TYPE], _type_rows(main, split))
        lines += ["", f"## Per style of question, {split} split: {main.config.label}", ""]
        lines += markdown_table(["style", *PER_TYPE], _type_rows(main, split, by="style"))
    lines += ["", f"## Per question: {main.config.label} (settings `{main.settings_hash}`)", ""]
    rows = [
        [r.id, r.split, r.type]
        + [fmt(r.metrics.get(m), m) for m in PER_QUESTION]
        + ["yes" if r.abstained else "no", fmt(r.answer_s, "answer_s"), " ".join(r.error.replace("|", "/").split())]
        for r in main.results
    ]
    lines += markdown_table(["id", "split", "type", *PER_QUESTION, "abstained", "answer_s", "error"], rows)
    if len(runs) > 1:
        lines += ["", "## Per question: MRR by configuration", ""]
        by_id = [{q.id: q for q in r.results} for r in runs]
        rows = [
            [q.id, q.type] + [fmt(b[q.id].metrics.get("mrr"), "mrr") for b in by_id]
            for q in runs[0].results
            if q.type != "unanswerable"
        ]
        lines += markdown_table(["id", "type"] + [r.config.name for r in runs], rows)
    return "\n".join(lines) + "\n"


def to_json(runs: Sequence[ConfigRun], meta: Meta) -> dict:
    return {
        **asdict(meta),
        "configs": [
            {
                "name": r.config.name,
                "label": r.config.label,
                "retrieve": dict(r.config.retrieve),
                "settings_hash": r.settings_hash,
                "summary": r.summary(),
                "summary_dev": r.summary(r.split("dev")),
                "summary_test": r.summary(r.split("test")),
                "by_type": r.by_type(),
                "by_type_test": r.by_type("test"),
                "questions": [asdict(q) for q in r.results],
            }
            for r in runs
        ],
    }


def chart(runs: Sequence[ConfigRun], path: Path) -> None:
    """Grouped bars: retrieval metrics for every configuration, answer metrics where they apply."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    summaries = [r.summary() for r in runs]
    colours = {r.config.name: f"C{i}" for i, r in enumerate(runs)}
    fig, axes = plt.subplots(1, 2, figsize=(13, 5), gridspec_kw={"width_ratios": [5, 4]})
    for ax, names, title in ((axes[0], CHART_RETRIEVAL, "Retrieval (top 10)"), (axes[1], CHART_ANSWER, "Answers")):
        shown = [(r, s) for r, s in zip(runs, summaries) if any(s[n] is not None for n in names)]
        width = 0.8 / max(1, len(shown))
        for i, (run, s) in enumerate(shown):
            xs = [j + i * width for j in range(len(names))]
            ax.bar(xs, [s[n] or 0.0 for n in names], width, label=run.config.label, color=colours[run.config.name])
        ax.set_xticks([j + width * (len(shown) - 1) / 2 for j in range(len(names))], names)
        ax.set_title(title)
        ax.axhline(0, color="black", linewidth=0.6)
        lowest = min([0.0] + [s[n] for _, s in shown for n in names if s[n] is not None])
        ax.set_ylim(min(0.0, lowest - 0.05), 1.05)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=len(runs), frameon=False)
    fig.suptitle("Evaluation on eval/questions.jsonl (CRAG: -1..+1)")
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write(runs: Sequence[ConfigRun], meta: Meta, out_dir: Path, with_chart: bool) -> list[Path]:
    """Write report.md, report.json and (for a comparison) compare.png; returns the paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    chart_name = None
    if with_chart:
        chart(runs, out_dir / "compare.png")
        chart_name = "compare.png"
        written.append(out_dir / "compare.png")
    (out_dir / "report.md").write_text(markdown(runs, meta, chart_name), encoding="utf-8")
    (out_dir / "report.json").write_text(json.dumps(to_json(runs, meta), indent=1), encoding="utf-8")
    return [out_dir / "report.md", out_dir / "report.json", *written]
