"""Induction briefs: where each part now lives, its names re-exported for older imports.

    records (Brief, TimelineRow, Quote, ...)   rag.records
    the briefing stage (quotes, sorting)       rag.briefing, fed by rag.pipeline.build_brief
    strength / improvement cue words           rag.classify
    judgement statements                       rag.judgements (grades from rag.vocabulary)
    quiz questions                             rag.quiz
    topic suggestions                          rag.topics, via rag.pipeline.suggest_topics
    export (Markdown, Word, PDF)               rag.export
    the `rag brief` command                    rag.cli
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from rag.briefing import (  # noqa: F401
    LIST_ITEMS,
    MAX_TOPIC_CHARS,
    MIN_COVERAGE,
    PASSAGES_PER_DOCUMENT,
    TIMELINE_SENTENCES,
    clean_topic,
    readable,
    topic_coverage,
)
from rag.classify import classify, cue_word, main_clause  # noqa: F401
from rag.judgements import graded_heading, judgement_spans  # noqa: F401
from rag.pipeline import build_brief, suggest_topics  # noqa: F401
from rag.quiz import QUIZ_MAX, QUIZ_MIN, QUIZ_TARGET, make_question, quiz_questions  # noqa: F401
from rag.records import (  # noqa: F401
    BLANK,
    IMPROVEMENT,
    STRENGTH,
    Brief,
    Judgement,
    QuizQuestion,
    Quote,
    Source,
    TimelineRow,
)
from rag.topics import topic_candidates  # noqa: F401


def main(argv: Sequence[str] | None = None) -> int:
    """`rag brief ...`, for callers of this old entry point: the command lives in ``rag.cli``."""
    from rag.cli import main as cli_main

    return cli_main(["brief", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    sys.exit(main())
