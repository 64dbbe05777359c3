"""The project's exception tree.

Every error a user can cause or meet says what went wrong and what to do next, so the CLI
and the app can show ``str(error)`` as it is and never a stack trace.
"""

from __future__ import annotations


class RagError(Exception):
    """Base of every error this package raises on purpose."""

    help: str = ""

    def __init__(self, message: str, *, help: str | None = None) -> None:
        super().__init__(message)
        if help is not None:
            self.help = help

    def __str__(self) -> str:
        base = self.message
        return f"{base} ({self.help})" if self.help else base

    @property
    def message(self) -> str:
        """What went wrong and what to do, without the operator's ``help`` (CLI commands,
        settings): what the app shows a member of staff."""
        return super().__str__()


class SettingsError(RagError):
    """A setting has a value the pipeline cannot use."""


class DocumentError(RagError):
    """One input file cannot be read or has nothing to index. Names the file."""

    def __init__(self, path: object, reason: str, *, help: str | None = None) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}", help=help)


class IndexStoreError(RagError):
    """The index cannot be opened, read or written."""


class QuestionError(RagError):
    """A question or a filter value is unusable. ``field`` names it for code; the message
    is a plain sentence a member of staff can act on ("The 'from' year (2024) is after ...")."""

    def __init__(self, field: str, reason: str, *, help: str | None = None) -> None:
        self.field = field
        super().__init__(reason, help=help)


class BackendError(RagError):
    """An LLM backend is unreachable, timed out or answered nonsense."""


__all__ = [
    "RagError",
    "SettingsError",
    "DocumentError",
    "IndexStoreError",
    "QuestionError",
    "BackendError",
]
