"""Run the evaluation set through one or more configurations and score every question.

The index of the corpus lives in its own folder (``eval/out/index`` by default), built or
brought up to date incrementally, so an evaluation never touches the user's index.

    >>> run = evaluate(load_questions(QUESTIONS, CORPUS), [DEFAULT], index_dir=INDEX)[0]  # doctest: +SKIP
    >>> run.summary()["mrr"]                                                               # doctest: +SKIP
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import rag
from eval import metrics
from eval.baseline import CHUNK_OVERLAP, CHUNK_SIZE, NaiveBaseline
from eval.dataset import TYPES, Question, doc_id_of
from rag.metadata import load_manifest
from rag.settings import Settings, load_settings

HERE = Path(__file__).resolve().parent
QUESTIONS = HERE / "questions.jsonl"
CORPUS = HERE.parent / "corpus"
OUT = HERE / "out"  # scratch: the evaluation indexes, CI reports
INDEX = OUT / "index"


@dataclass(frozen=True)
class Section:
    """A question set and the library it is asked of, with its own evaluation index."""

    name: str
    questions: Path
    library: Path
    index: Path


SECTIONS = {
    "herefordshire": Section("herefordshire", QUESTIONS, CORPUS, INDEX),
    "national": Section("national", HERE / "national.jsonl", HERE.parent.parent / "shared" / "ofsted", OUT / "national-index"),
}
RETRIEVE_K = 10  # retrieval metrics look at the top 10, whatever the answerer's own k

RETRIEVAL_METRICS = tuple(f"hit@{k}" for k in metrics.KS) + tuple(f"recall@{k}" for k in metrics.KS) + ("mrr", "ndcg@10")
ANSWER_METRICS = (
    "key_fact_recall",
    "answer_precision",
    "citation_support",
    "citation_accuracy",
    "abstention_accuracy",
    "false_abstention_rate",
    "crag",
    "year_coverage",
)
LATENCY_METRICS = ("search_p50_s", "search_p95_s", "answer_p50_s", "answer_p95_s")


@dataclass(frozen=True)
class Config:
    """One way of running the pipeline: retrieve-settings overrides, or the naive baseline."""

    name: str
    label: str
    retrieve: tuple[tuple[str, Any], ...] = ()
    naive: bool = False


DEFAULT = Config("default", "default settings")
COMPARE = (
    Config("bm25", "BM25 only", (("mode", "bm25"), ("time_aware", False))),
    Config("dense", "dense only", (("mode", "dense"), ("time_aware", False))),
    Config("hybrid", "hybrid", (("mode", "hybrid"), ("time_aware", False))),
    Config("hybrid_time", "hybrid + time-aware", (("mode", "hybrid"), ("time_aware", True))),
    Config("naive", "naive LangChain baseline", naive=True),
)
CONFIGS = {c.name: c for c in (DEFAULT, *COMPARE)}


def pick_configs(names: str) -> tuple[Config, ...]:
    """The configurations named (comma-separated), in that order; ValueError naming an unknown one."""
    chosen = [n.strip() for n in names.split(",") if n.strip()]
    unknown = [n for n in chosen if n not in CONFIGS]
    if unknown or not chosen:
        raise ValueError(f"--configs: unknown configuration {', '.join(map(repr, unknown)) or '(none given)'}; choose from {', '.join(CONFIGS)}")
    return tuple(CONFIGS[n] for n in dict.fromkeys(chosen))


@dataclass
class QuestionResult:
    id: str
    type: str
    metrics: dict[str, float | None]
    search_s: float
    answer_s: float | None = None
    abstained: bool | None = None
    answer: str = ""
    error: str = ""
    split: str = "dev"
    style: str = ""


@dataclass
class ConfigRun:
    config: Config
    settings_hash: str
    results: list[QuestionResult] = field(default_factory=list)

    def summary(self, results: Sequence[QuestionResult] | None = None) -> dict[str, float | None]:
        """Means over the questions each metric applies to, latency percentiles, counts."""
        results = self.results if results is None else results
        out: dict[str, float | None] = {"questions": float(len(results))}
        for name in RETRIEVAL_METRICS + ANSWER_METRICS:
            out[name] = metrics.mean([r.metrics.get(name) for r in results])
        searches = [r.search_s for r in results]
        answers = [r.answer_s for r in results if r.answer_s is not None]
        out["search_p50_s"] = metrics.percentile(searches, 50)
        out["search_p95_s"] = metrics.percentile(searches, 95)
        out["answer_p50_s"] = metrics.percentile(answers, 50)
        out["answer_p95_s"] = metrics.percentile(answers, 95)
        out["errors"] = float(sum(1 for r in results if r.error))
        return out

    def split(self, name: str | None) -> list[QuestionResult]:
        """The results of one split ('dev', 'test'), or all of them for None."""
        return [r for r in self.results if name is None or r.split == name]

    def by_type(self, split: str | None = None) -> dict[str, dict[str, float | None]]:
        results = self.split(split)
        types = [t for t in TYPES if any(r.type == t for r in results)]
        return {t: self.summary([r for r in results if r.type == t]) for t in types}

    def by_style(self, split: str | None = None) -> dict[str, dict[str, float | None]]:
        results = self.split(split)
        styles = sorted({r.style for r in results if r.style})
        return {s: self.summary([r for r in results if r.style == s]) for s in styles}


Progress = Callable[[str, int, int], None]


def settings_for(config: Config, index_dir: Path, corpus_dir: Path, **sections: dict[str, Any]) -> Settings:
    """Settings of a configuration (environment ``RAG_*`` values apply beneath them)."""
    overrides: dict[str, Any] = {"index_dir": index_dir, "corpus_dir": corpus_dir, **sections}
    if config.retrieve:
        overrides["retrieve"] = dict(config.retrieve)
    return load_settings(**overrides)


def build_index(settings: Settings, rebuild: bool = False, questions: Sequence[Question] = ()) -> rag.pipeline.IngestReport:
    """Index the corpus into the evaluation's own folder; unchanged files are skipped.

    A file that fails to index is an error when a question cites it (its score would be
    meaningless), or when no questions are given; otherwise it is reported and left out,
    as it is from any library (the national series holds four web pages saved as .pdf)."""
    report = rag.ingest([settings.corpus_dir], settings, rebuild=rebuild)
    if not report.failed:
        return report
    manifest = load_manifest(settings.corpus_dir)
    cited = {s.doc_id for q in questions for s in q.sources}
    needed = [f for f in report.failed if not questions or doc_id_of(Path(f.path).name, manifest) in cited]
    if needed:
        lines = "; ".join(f.line for f in needed)
        raise rag.RagError(f"evaluation index incomplete: {lines}", help="fix or remove the files named")
    for f in report.failed:
        print(f"left out (no question cites it): {f.line.strip()}", file=sys.stderr)
    return report


def evaluate(
    questions: Sequence[Question],
    configs: Sequence[Config],
    *,
    index_dir: Path = INDEX,
    corpus_dir: Path = CORPUS,
    mode: str = "extractive",
    rebuild: bool = False,
    progress: Progress | None = None,
) -> list[ConfigRun]:
    """Score every question under every configuration, on one index built once."""
    build_index(settings_for(DEFAULT, index_dir, corpus_dir), rebuild, questions)
    runs = []
    for config in configs:
        settings = settings_for(config, index_dir, corpus_dir)
        baseline = None
        if config.naive:
            baseline = NaiveBaseline(corpus_dir, settings.embed)
            baseline.build()
        else:
            ask(questions[0], settings, mode)  # untimed: load the model and caches before measuring
        run = ConfigRun(config, f"naive:{CHUNK_SIZE}/{CHUNK_OVERLAP}:{settings.embed.model}" if baseline else settings.hash())
        for i, question in enumerate(questions, 1):
            result = _score_naive(question, baseline) if baseline else _score_pipeline(question, settings, mode)
            run.results.append(result)
            if progress:
                progress(config.name, i, len(questions))
        runs.append(run)
    return runs


def _score_naive(question: Question, baseline: NaiveBaseline) -> QuestionResult:
    t0 = time.perf_counter()
    ranked = baseline.search(question.question, RETRIEVE_K)
    elapsed = time.perf_counter() - t0
    scores = metrics.retrieval_metrics(ranked, question.sources) if question.answerable else {}
    return QuestionResult(question.id, question.type, dict(scores), elapsed, split=question.split, style=question.style)


def _score_pipeline(question: Question, settings: Settings, mode: str) -> QuestionResult:
    previous = _previous(question, settings, mode)
    t0 = time.perf_counter()
    search_error = ""
    try:
        passages = rag.search(question.question, settings, k=RETRIEVE_K, previous=previous)
    except Exception as exc:  # one failing question is reported, never ends the run
        passages, search_error = [], f"search: {type(exc).__name__}: {exc}"
    search_s = time.perf_counter() - t0
    scores: dict[str, float | None] = {}
    if question.answerable:
        ranked = [metrics.Ranked(p.chunk.doc_id, p.chunk.text) for p in passages]
        scores.update(metrics.retrieval_metrics(ranked, question.sources))
    answer, answer_s, ask_error = ask(question, settings, mode, previous)
    scores.update(metrics.answer_metrics(question, answer, [p.to_dict() for p in passages]))
    return QuestionResult(
        id=question.id,
        type=question.type,
        metrics=scores,
        search_s=search_s,
        answer_s=answer_s,
        abstained=bool(answer.get("abstained")),
        answer=answer.get("text", ""),
        error="; ".join(filter(None, [search_error, ask_error])),
        split=question.split,
        style=question.style,
    )


def _previous(question: Question, settings: Settings, mode: str) -> Any:
    """A follow-up is asked after the question it follows, as in the chat (untimed)."""
    if not question.follows:
        return None
    try:
        return rag.ask(question.follows, settings, mode=mode)
    except Exception:  # the follow-up is still asked, without its context
        return None


def ask(question: Question, settings: Settings, mode: str, previous: Any = None) -> tuple[dict[str, Any], float, str]:
    """The answer as a dict, its latency, and any error (an error scores as a wrong answer).
    ``previous``: the answer to the question a follow-up follows."""
    t0 = time.perf_counter()
    try:
        answer = rag.ask(question.question, settings, mode=mode, previous=previous).to_dict()
        error = ""
    except Exception as exc:  # one failing question is reported, never ends the run
        answer = {"text": "", "abstained": False, "sentences": [], "citations": [], "passages": []}
        error = f"ask: {type(exc).__name__}: {exc}"
    return answer, time.perf_counter() - t0, error


def print_progress(name: str, done: int, total: int) -> None:
    """A counter on a terminal; in a log (CI), one line per configuration."""
    if sys.stderr.isatty():
        print(f"\r  {name:<12} {done}/{total}", end="\n" if done == total else "", file=sys.stderr, flush=True)
    elif done == total:
        print(f"  {name:<12} {total} questions", file=sys.stderr, flush=True)
