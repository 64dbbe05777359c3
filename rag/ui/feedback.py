"""Thumbs up/down on answers, appended one JSON object per line for the evaluators.

Each line holds everything needed to turn it into an evaluation question later: the
question, the answer text, its citations written out, the settings hash and the rating.

    >>> record = feedback_record(answer, "down", "wrong year")   # doctest: +SKIP
    >>> append_feedback(Path("feedback.jsonl"), record)          # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from pathlib import Path
from typing import Any

from rag.errors import RagError
from rag.records import Answer

RATINGS = ("up", "down")
MAX_COMMENT_CHARS = 2000
_lock = threading.Lock()


class FeedbackError(RagError):
    """Feedback could not be recorded."""


def feedback_record(
    answer: Answer, rating: str, comment: str = "", filters: dict[str, Any] | None = None
) -> dict[str, Any]:
    """One feedback line: the rating and comment with the answer they are about, and the
    filters that answer was made with (its scope, not whatever the filters say now)."""
    if rating not in RATINGS:
        raise FeedbackError(f"rating must be one of {', '.join(RATINGS)}, got {rating!r}")
    scope = answer.scope
    comment = " ".join(str(comment or "").split())[:MAX_COMMENT_CHARS]
    return {
        "timestamp": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "rating": rating,
        "comment": comment,
        "question": answer.question,
        "answer": answer.text,
        "abstained": answer.abstained,
        "mode": answer.mode,
        "citations": [
            {k: v for k, v in c.to_dict().items() if k != "passage_text"} | {"reference": c.reference()}
            for c in answer.citations
        ],
        "filters": filters if filters is not None else {
            "since": scope.since, "until": scope.until, "kinds": list(scope.kinds), "authorities": list(scope.authorities)
        },
        "searched": {"described": scope.described, "documents": list(scope.documents)},
        "settings_hash": answer.settings_hash,
    }


def append_feedback(path: Path, record: dict[str, Any]) -> None:
    """Append ``record`` as one line; safe with many users rating at once."""
    line = json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n"
    try:
        with _lock:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("a", encoding="utf-8") as fh:
                fh.write(line)
    except OSError as exc:
        raise FeedbackError(
            f"cannot write feedback to {path}: {exc.strerror or exc}",
            help="check RAG_APP__FEEDBACK_PATH points to a writable file",
        ) from None
