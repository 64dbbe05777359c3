"""What one document may cost to index, checked between the stages of ingest.

Embedding is the expensive stage (tens of passages a second on a laptop), so a file must
not buy more of it than its own size pays for. Reading already bounds the text per byte of
the file (``rag.load``: a 5 kB PDF drawing one line 25,000 times is refused there). Two
checks follow, each a DocumentError naming the file, with the numbers and the setting:

- repetition: the text read from the file compresses at most ``max_repetition`` times (zlib; real
  reports compress 2-4x, text repeated to fill a file compresses hundreds of times);
- passages: at most ``max_passages`` per document, checked before anything is embedded.

    >>> check_repetition("Caseloads were manageable. " * 100, "a.txt", max_repetition=12)
    Traceback (most recent call last):
    ...
    rag.errors.DocumentError: a.txt: the text is mostly repetition: ...
"""

from __future__ import annotations

import zlib
from pathlib import Path

from rag.errors import DocumentError

SAMPLE = 4_000_000  # characters compressed to judge repetition (the rest costs time, not insight)
MIN_JUDGED = 2_000  # shorter texts are not judged: headers alone compress poorly or well by chance


def repetition(text: str) -> float:
    """How many times zlib compresses ``text`` (a sample of it when it is long)."""
    data = text[:SAMPLE].encode("utf-8")
    return len(data) / max(1, len(zlib.compress(data, 6)))


def check_repetition(text: str, path: Path | str, *, max_repetition: float) -> None:
    """Refuse text made of the same content over and over."""
    if len(text) >= MIN_JUDGED:
        ratio = repetition(text)
        if ratio > max_repetition:
            raise DocumentError(
                path,
                f"the text is mostly repetition: {len(text):,} characters compress {ratio:.0f} times "
                f"(limit {max_repetition:g}; real documents compress 2-4 times)",
                help="remove the repeated content, or raise RAG_MAX_REPETITION",
            )


def check_passages(count: int, path: Path | str, max_passages: int) -> None:
    """Refuse a document that would make more passages than one document may."""
    if count > max_passages:
        raise DocumentError(
            path,
            f"would make {count:,} passages, over the limit of {max_passages:,} for one document",
            help="split the document, or raise RAG_MAX_PASSAGES",
        )
