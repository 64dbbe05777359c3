"""Named crash points, so tests can kill a process exactly where a write could be torn.

``RAG_CRASH_AT=catalog-written`` (or ``catalog-written:2`` for its second time) makes the
process SIGKILL itself there, as a power cut or an OOM kill would. Unset, a crash point
costs one dictionary lookup.

    >>> crash_point("chunks-written")   # nothing happens unless RAG_CRASH_AT names it
"""

from __future__ import annotations

import os
import signal
from collections import Counter

CRASH_ENV = "RAG_CRASH_AT"
_passed: Counter[str] = Counter()


def crash_point(name: str) -> None:
    wanted = os.environ.get(CRASH_ENV)
    if not wanted:
        return
    point, _, nth = wanted.partition(":")
    if point != name:
        return
    _passed[name] += 1
    if _passed[name] >= int(nth or 1):
        os.kill(os.getpid(), signal.SIGKILL)
