"""The evaluation set: questions with known answers, read from ``eval/questions.jsonl``.

Each gold source names a corpus file; the manifest of that folder turns the file name into
the document id the index uses, so gold and retrieved passages compare by id.

    >>> qs = load_questions(Path("eval/questions.jsonl"), Path("corpus"))
    >>> qs[0].sources[0].doc_id, qs[0].split in ("dev", "test")
    ('ofsted-2010-07-letter', True)
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from rag.metadata import load_manifest
from rag.text import slug

TYPES = (
    "single_fact",
    "numeric",
    "change_over_time",
    "multi_doc",
    "who_when",
    "comparison",
    "latest",
    "unanswerable",
    "false_premise",
)
SPLITS = ("dev", "test")


@dataclass(frozen=True)
class GoldSource:
    """A passage that answers the question: its document and a quote copied from it."""

    doc_id: str
    quote: str


@dataclass(frozen=True)
class Question:
    id: str
    type: str
    question: str
    answer: str
    key_facts: tuple[tuple[str, ...], ...]  # groups of alternative phrases
    sources: tuple[GoldSource, ...]
    years: tuple[int, ...]
    split: str = "dev"  # dev: tuned on; test: reported and gated, never tuned on
    style: str = ""  # exam, keywords, lowercase, typo, paraphrase, title_case, capitals, follow_up
    origin: str = ""  # original, unseen-staff, unseen-national (written without sight of the code)
    follows: str = ""  # a follow-up: the question asked just before it in the same chat
    councils: tuple[str, ...] = ()

    @property
    def answerable(self) -> bool:
        return self.type != "unanswerable"


def load_questions(path: Path, corpus_dir: Path) -> list[Question]:
    """Questions from a JSONL file; gold file names become document ids via the manifest."""
    manifest = load_manifest(corpus_dir)
    questions = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            q = Question(
                id=row["id"],
                type=row["type"],
                question=row["question"],
                answer=row["answer"],
                key_facts=tuple(tuple(group) for group in row["key_facts"]),
                sources=tuple(GoldSource(doc_id_of(s["doc"], manifest), s["quote"]) for s in row["sources"]),
                years=tuple(row["years"]),
                split=row.get("split", "dev"),
                style=row.get("style", ""),
                origin=row.get("origin", ""),
                follows=row.get("follows", ""),
                councils=tuple(row.get("councils", ())),
            )
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}:{n}: not a valid question ({exc})") from None
        if q.type not in TYPES:
            raise ValueError(f"{path}:{n}: type must be one of {', '.join(TYPES)}, got {q.type!r}")
        if q.split not in SPLITS:
            raise ValueError(f"{path}:{n}: split must be dev or test, got {q.split!r}")
        questions.append(q)
    if not questions:
        raise ValueError(f"{path}: no questions")
    return questions


def doc_id_of(file_name: str, manifest: dict[str, dict]) -> str:
    """The id ingest gives this file: its manifest id, else the slug of its stem."""
    entry = manifest.get(file_name)
    return str(entry["id"]) if entry else slug(Path(file_name).stem)
