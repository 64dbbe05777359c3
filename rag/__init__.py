"""Question answering over inspection reports, with verbatim citations.

    >>> import rag
    >>> rag.ingest()                                           # doctest: +SKIP
    >>> rag.ask("How has management oversight changed since 2014?").text  # doctest: +SKIP

Nothing heavy is imported here: the model and the index open on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "ingest": "rag.pipeline",
    "search": "rag.pipeline",
    "ask": "rag.pipeline",
    "documents": "rag.pipeline",
    "remove": "rag.pipeline",
    "accept": "rag.pipeline",
    "Settings": "rag.settings",
    "load_settings": "rag.settings",
    "RagError": "rag.errors",
}

if TYPE_CHECKING:  # for type checkers and editors; at run time __getattr__ imports lazily
    from rag.errors import RagError  # noqa: F401
    from rag.pipeline import accept, ask, documents, ingest, remove, search  # noqa: F401
    from rag.settings import Settings, load_settings  # noqa: F401


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'rag' has no attribute {name!r}")


__all__ = list(_EXPORTS)
