"""Get the index and the model ready in the background, so the page comes up at once.

On first start with an empty index, the corpus folder and the uploads folder are ingested
(progress is readable from :meth:`Startup.status`); then the embedding model and the BM25
index are loaded. Questions asked meanwhile wait for :meth:`Startup.wait`. Once ready, what
a killed run left is cleared (chunks no document owns, uploads that never reached the
library): never shown, so no question waits for it (:meth:`Startup.tidied`).

    >>> startup = Startup(settings, threading.Lock())   # doctest: +SKIP
    >>> startup.start(); startup.wait(60)               # doctest: +SKIP
    True
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from rag.errors import RagError
from rag.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Status:
    phase: str  # starting | building | loading | ready | failed
    message: str
    done: int = 0
    total: int = 0

    @property
    def ready(self) -> bool:
        return self.phase == "ready"

    @property
    def settled(self) -> bool:
        return self.phase in ("ready", "failed")


class Startup:
    """Builds the index if it is empty, then warms the model, once, in a thread."""

    def __init__(self, settings: Settings, ingest_lock: threading.Lock) -> None:
        self.settings = settings
        self.ingest_lock = ingest_lock
        self._status = Status("starting", "Starting up…")
        self._done = threading.Event()
        self._tidied = threading.Event()
        self._thread: threading.Thread | None = None
        self._guard = threading.Lock()

    def start(self) -> None:
        with self._guard:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="rag-startup", daemon=True)
                self._thread.start()

    def status(self) -> Status:
        return self._status

    def wait(self, timeout: float | None = None) -> bool:
        """True once startup has finished (ready or failed)."""
        return self._done.wait(timeout)

    def tidied(self, timeout: float | None = None) -> bool:
        """True once what a killed run left has been cleared too (after ready)."""
        return self._tidied.wait(timeout)

    def _run(self) -> None:
        import rag
        from rag.pipeline import components

        try:
            docs = rag.documents(self.settings)
            corpus = self.settings.corpus_dir
            if not docs and corpus.is_dir():
                self._status = Status("building", f"Building the index from {corpus}/ (first start)…")
                uploads = [self.settings.uploads_dir] if self.settings.uploads_dir.is_dir() else []
                with self.ingest_lock:
                    report = rag.ingest([corpus, *uploads], self.settings, progress=self._progress)
                for f in report.failed:
                    log.warning("not indexed: %s", f.line)
            self._status = Status("loading", "Loading the language model…")
            components(self.settings).embedder.encode_query("warm up")
            count = len(rag.documents(self.settings))
            if count:
                rag.search("warm up", self.settings, k=1)  # builds or loads BM25 too
                self._status = Status("ready", f"Ready: {count} document{'s' if count != 1 else ''} indexed.")
            else:
                empty = f"Ready, but the index is empty: add documents in the Library tab or to {corpus}/."
                self._status = Status("ready", empty)
        except RagError as exc:
            self._status = Status("failed", f"Startup failed: {exc}")
            log.error("startup failed: %s", exc)
        except Exception as exc:  # a thread must report, never die silently
            self._status = Status("failed", f"Startup failed: {type(exc).__name__}: {exc}")
            log.exception("startup failed")
        finally:
            self._done.set()
        if self._status.ready:
            self._tidy()
        self._tidied.set()

    def _tidy(self) -> None:
        """Clear what a killed run left: chunks no document owns, uploads that never reached
        the library. Neither is ever shown, so questions need not wait for it (on the national
        series it is a second of the first answer's time after a restart)."""
        import rag
        from rag.ui.uploads import sweep_pending

        try:
            with self.ingest_lock:
                rag.pipeline.recover(self.settings)
                sweep_pending(self.settings)
        except Exception as exc:  # housekeeping: the app answers either way
            log.warning("clearing what an earlier run left failed: %s", exc)

    def _progress(self, i: int, n: int, path: str) -> None:
        what = "finishing" if i >= n else f"{i} of {n} files done"
        self._status = Status("building", f"Building the index (first start): {what}…", i, n)
