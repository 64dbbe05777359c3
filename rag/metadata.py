"""What a document is: its id, title, kind, date and authority, from the corpus manifest
where it has an entry, else from what the document says about itself (``rag.facts``), else
from its file name, recording where each came from.

    >>> m = load_manifest(Path("corpus"))
    >>> m["2010-07-28-ofsted-letter-contact-referral-assessment.txt"]["kind"]
    'letter'
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import tomllib
from pathlib import Path
from typing import Any

from rag.errors import DocumentError
from rag.records import ReportFacts, SourceDoc
from rag.text import slug
from rag.vocabulary import MONTH_NUMBER, MONTHS, display_authority, parse_date

MANIFEST_NAME = "manifest.toml"


def load_manifest(folder: Path) -> dict[str, dict[str, Any]]:
    """Manifest entries of ``folder`` keyed by file name ({} when there is no manifest)."""
    path = folder / MANIFEST_NAME
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise DocumentError(path, f"manifest is not valid TOML: {exc}") from None
    entries = {}
    for i, entry in enumerate(data.get("document", [])):
        for key in ("id", "file"):
            if key not in entry:
                raise DocumentError(path, f"document #{i + 1} has no '{key}'")
        entries[entry["file"]] = entry
    return entries


def manifest_hash(folder: Path) -> str:
    path = folder / MANIFEST_NAME
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12] if path.is_file() else "none"


def describe(path: Path, data: bytes, entry: dict[str, Any] | None, facts: ReportFacts | None = None, text: str = "") -> SourceDoc:
    """A SourceDoc for the file: what the manifest says first, then what the document says
    about itself (``facts``, read from its cleaned ``text``), then its file name.

    With no ``facts`` (a probe to compare content hashes) only the manifest is read."""
    content_hash = hashlib.sha256(data + json.dumps(entry or {}, sort_keys=True, default=str).encode()).hexdigest()
    facts = facts or ReportFacts()
    entry = entry or {}
    provenance: dict[str, str] = {}

    def pick(name: str, *options: tuple[Any, str]) -> Any:
        for value, where in options:
            if value:
                provenance[name] = where
                return value
        provenance[name] = "unknown"
        return None

    date = pick(
        "date",
        (_as_date(entry.get("date")), "manifest"),
        (_as_date(facts.published), _where(facts, "published", "extracted")),
        (date_in_name(path.name), "file name"),
        (_as_date(facts.inspection_end), "extracted: last day of the inspection (no publication date given)"),
        (parse_date(text[:6000]), "extracted: first date in the text"),
    )
    kind = pick(
        "kind",
        (entry.get("kind"), "manifest"),
        (KIND_OF_FRAMEWORK.get(facts.framework), _where(facts, "framework", "extracted from the framework")),
        ("letter" if _LETTER_CLOSING.search(text) else "", "extracted: a letter's sign-off"),
        ("document", "default"),
    )
    framework = pick(
        "framework",
        (entry.get("framework"), "manifest"),
        (facts.framework, _where(facts, "framework", "extracted")),
        ("news" if kind == "news" else "", "kind"),
    ) or ""
    authority = pick(
        "authority",
        (display_authority(str(entry["authority"])) if entry.get("authority") else "", "manifest"),
        (facts.authority, _where(facts, "authority", "extracted")),
    ) or ""
    title = pick(
        "title",
        (entry.get("title"), "manifest"),
        (_title(facts, text), "extracted: the document's heading"),
        (path.stem.replace("-", " ").replace("_", " ").strip().capitalize(), "file name"),
    )
    period = ""
    if entry.get("period_start") and entry.get("period_end"):
        period, provenance["period"] = f"{entry['period_start']} to {entry['period_end']}", "manifest"
    elif facts.inspection_start:
        period, provenance["period"] = f"{facts.inspection_start} to {facts.inspection_end}", _where(facts, "inspection_dates", "extracted")
    provenance["id"] = "manifest" if entry.get("id") else "file name"
    return SourceDoc(
        doc_id=str(entry.get("id") or slug(path.stem)),
        path=str(path),
        title=str(title),
        kind=str(kind),
        date=date,
        content_hash=content_hash,
        period=period,
        authority=authority,
        source_note=str(entry.get("source", "")),
        provenance=provenance,
        framework=framework,
        facts=facts,
    )


KIND_OF_FRAMEWORK = {
    "SIF": "report", "ILACS standard": "report", "ILACS short": "report", "ILACS": "report",
    "monitoring visit": "letter", "focused visit": "letter", "unannounced inspection": "letter",
    "joint targeted area inspection": "letter", "news": "news",
}
_NAME_DATE = (
    re.compile(r"(?<!\d)((?:19|20)\d\d)[-_.](\d{1,2})[-_.](\d{1,2})(?!\d)"),
    re.compile(r"(?<!\d)(\d{1,2})[-_ ]?(" + "|".join(MONTHS) + r")[-_ ]?((?:19|20)\d\d)(?!\d)", re.I),
)


_LETTER_CLOSING = re.compile(r"^Yours (?:sincerely|faithfully)", re.M)


def date_in_name(name: str) -> dt.date | None:
    """A date the file's name gives ('2014-06-30-report.pdf', 'kent--18-june-2022.pdf')."""
    if m := _NAME_DATE[0].search(name):
        y, mo, d = (int(x) for x in m.groups())
    elif m := _NAME_DATE[1].search(name):
        d, mo, y = int(m.group(1)), MONTH_NUMBER[m.group(2).lower()], int(m.group(3))
    else:
        return None
    try:
        return dt.date(y, mo, d)
    except ValueError:
        return None


def _as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and value:
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _where(facts: ReportFacts, name: str, default: str) -> str:
    f = facts.of(name)
    return f"extracted: '{f.line[:80]}'" + (f" (page {f.page})" if f.page else "") if f else default


_DANGLING = re.compile(r"(?:[\s,;:]+(?:and|or|of|for|the|to|in|with|on|by))+[\s,;:]*$", re.I)


def _title(facts: ReportFacts, text: str) -> str:
    """The document's own heading: an inspection's title line, a letter's subject line."""
    for name in ("framework", "authority"):
        f = facts.of(name)
        if f and re.match(r"^(?:(?:Re-)?[Ii]nspection|Monitoring|Focused|Annual|Joint|Unannounced)\b", f.line):
            line = _DANGLING.sub("", f.line[:160])  # a wrapped title cut after its 'and'
            if re.match(r"^(?:Re-)?[Ii]nspection of (?:children['’]s social care services|services for)", line) and facts.authority:
                return f"{facts.authority}: {line}"
            return line
    return ""
