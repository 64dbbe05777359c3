"""The filters above the conversation (years, kinds): reading them, and saying what is set.

    >>> year_or_none("any"), year_or_none("2014")
    (None, 2014)
    >>> label(2023, None, ["letter"])
    'Filters: years 2023 onwards; kinds: letter'
    >>> label(None, None, [], ["Barset"])
    'Filters: council: Barset'
"""

from __future__ import annotations

from collections.abc import Sequence

from rag.errors import QuestionError
from rag.scope import years

ANY_YEAR = "any"


def year_or_none(value: object) -> int | None:
    """A year from a dropdown ('any' or blank: no limit)."""
    if value in (None, "", ANY_YEAR):
        return None
    try:
        return int(str(value).strip())
    except ValueError:
        raise QuestionError("year", f"\u2018{value}\u2019 is not a year: choose one like 2014, or \u2018{ANY_YEAR}\u2019.") from None


def label(since: int | None, until: int | None, kinds: Sequence[str] | None, councils: Sequence[str] | None = ()) -> str:
    """The filters' heading, so what is set shows while they are folded away."""
    parts = []
    if since is not None or until is not None:
        parts.append(f"years {years(since, until)}")
    if kinds:
        parts.append("kinds: " + ", ".join(kinds))
    if councils:
        parts.append("council: " + ", ".join(councils))
    return "Filters: " + ("; ".join(parts) if parts else "none (all documents)")


def safe_label(since: object, until: object, kinds: Sequence[str] | None, councils: Sequence[str] | None = ()) -> str:
    try:
        return label(year_or_none(since), year_or_none(until), kinds, councils)
    except QuestionError:
        return "Filters: check the years"
