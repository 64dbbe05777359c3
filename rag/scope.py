"""What an answer was made within: the filters as set, the documents searched, and a
warning when the question's own years, or the council it names, clash with the filters.

Staff must see the scope of every answer: a year filter left on from an earlier question
would otherwise silently answer "in 2010" from 2023 letters.

    >>> scope = scope_of(query, Filters(2023, 2024, ("letter",)), library)    # doctest: +SKIP
    >>> scope.described, scope.warning                                         # doctest: +SKIP
    ('2 letters, 2023–2024', 'Your question asks about 2010, but the year filter is 2023–2024: ...')
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import replace

from rag.question import Library
from rag.records import Scope
from rag.retrieve import Query
from rag.store import DocRecord, Filters
from rag.vocabulary import display_authority


def scope_of(query: Query, filters: Filters, library: Library) -> Scope:
    """The scope of an answer to ``query``, asked with the user's ``filters`` of ``library``."""
    documents = library.documents
    searched = [d for d in documents if query.filters.admits(d)]
    found = [c for c in (year_clash(query, filters, documents), council_clash(query, filters, library)) if c[0]]
    return Scope(
        since=filters.since,
        until=filters.until,
        kinds=tuple(filters.kinds),
        authorities=tuple(dict.fromkeys(council_name(library, k) for k in filters.authorities)),
        documents=tuple(d.doc_id for d in searched),
        described=describe(searched),
        warning=" ".join(w for w, _ in found),
        clashes=tuple(c for _, cs in found for c in cs),
    )


def council_name(library: Library, key: str) -> str:
    """A council as its documents write it ('Upton and Downton'), from any of its keys."""
    found = library.authority(key)
    return display_authority(found.name) if found else key


def council_clash(query: Query, filters: Filters, library: Library) -> tuple[str, tuple[str, ...]]:
    """A warning when the question names a council (as ``rag.question`` read it: aliases,
    typos and possessives allowed) that the council filter leaves out."""
    if not filters.authorities or query.frame is None:
        return "", ()
    chosen = set(filters.authorities)
    outside = [k for k in query.frame.authorities if not set(library.members(k)) & chosen]
    keys = tuple(m for k in outside for m in library.members(k))
    left_out = [d for d in library.documents if d.authority_key in keys and replace(filters, authorities=keys).admits(d)]
    if not left_out:
        return "", ()
    asked = " and ".join(council_name(library, k) for k in outside)
    held = " and ".join(dict.fromkeys(council_name(library, k) for k in filters.authorities))
    n = len(left_out)
    were = "was" if n == 1 else "were"
    warning = f"Your question asks about {asked}, but the council filter is {held}: {n} document{'s' if n != 1 else ''} of {asked} {were} not searched."
    return warning, ("authorities",)


def year_clash(query: Query, filters: Filters, documents: Sequence[DocRecord]) -> tuple[str, tuple[str, ...]]:
    """A warning when the year filter leaves out documents from the years the question names."""
    tf = query.timeframe
    if not tf.bounded or (filters.since is None and filters.until is None):
        return "", ()
    asked = replace(filters, since=tf.since, until=tf.until)
    left_out = [d for d in documents if asked.admits(d) and not filters.admits(d)]
    if not left_out:
        return "", ()
    n = len(left_out)
    were = "document from those years was" if n == 1 else "documents from those years were"
    warning = (
        f"Your question asks about {years(tf.since, tf.until)}, but the year filter is "
        f"{years(filters.since, filters.until)}: {n} {were} not searched."
    )
    return warning, ("years",)


def years(since: int | None, until: int | None) -> str:
    """'2010', '2014 onwards', 'up to 2020', '2014–2023', 'any year'."""
    if since is None and until is None:
        return "any year"
    if until is None:
        return f"{since} onwards"
    if since is None:
        return f"up to {until}"
    return str(since) if since == until else f"{since}\u2013{until}"


def describe(docs: Sequence[DocRecord]) -> str:
    """'2 letters, 2023–2024'; '1 report and 3 letters, 2014–2024'; 'no documents'."""
    if not docs:
        return "no documents"
    counts = Counter(d.kind or "document" for d in docs)
    parts = [plural(kind, n) for kind, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
    listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    dated = sorted(d.year for d in docs if d.year)
    return listed + (f", {years(dated[0], dated[-1])}" if dated else "")


def plural(kind: str, n: int) -> str:
    """'1 letter', '2 letters'; a kind that reads as uncountable ('news') counts items."""
    if kind.endswith("s"):
        return f"{n} {kind} item{'s' if n != 1 else ''}"
    return f"{n} {kind}{'s' if n != 1 else ''}"
