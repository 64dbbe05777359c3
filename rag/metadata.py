"""Facts about a document: from the corpus manifest where it has an entry, else read from
the text (letter date, 'Report published', 'Inspection date'), recording where each came from.

    >>> m = load_manifest(Path("corpus"))
    >>> m["2014-06-30-ofsted-report-help-protection-looked-after-lscb.txt"]["kind"]
    'report'
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
from rag.records import SourceDoc

MANIFEST_NAME = "manifest.toml"
_MONTHS = {m: i for i, m in enumerate(
    "january february march april may june july august september october november december".split(), 1)}
_DATE = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)?\s+(" + "|".join(m.capitalize() for m in _MONTHS) + r")\s+((?:19|20)\d\d)\b")


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
        for key in ("id", "file", "title", "kind", "date"):
            if key not in entry:
                raise DocumentError(path, f"document #{i + 1} has no '{key}'")
        entries[entry["file"]] = entry
    return entries


def manifest_hash(folder: Path) -> str:
    path = folder / MANIFEST_NAME
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12] if path.is_file() else "none"


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:80] or "document"


def describe(path: Path, data: bytes, text: str, entry: dict[str, Any] | None) -> SourceDoc:
    """A SourceDoc for the file: manifest facts first, extracted ones otherwise."""
    content_hash = hashlib.sha256(data + json.dumps(entry or {}, sort_keys=True, default=str).encode()).hexdigest()
    if entry:
        date = entry["date"]
        if isinstance(date, str):
            date = dt.date.fromisoformat(date)
        period = ""
        if entry.get("period_start") and entry.get("period_end"):
            period = f"{entry['period_start']} to {entry['period_end']}"
        return SourceDoc(
            doc_id=str(entry["id"]),
            path=str(path),
            title=str(entry["title"]),
            kind=str(entry["kind"]),
            date=date,
            content_hash=content_hash,
            period=period,
            authority=str(entry.get("authority", "")),
            source_note=str(entry.get("source", "")),
            provenance={k: "manifest" for k in ("id", "title", "kind", "date", "period") if k in entry or k == "period"},
        )
    facts = extract_facts(text)
    provenance = facts.pop("provenance")
    title = facts.get("title") or path.stem.replace("-", " ").replace("_", " ").strip().capitalize()
    provenance.setdefault("title", "file name")
    provenance["id"] = "file name"
    return SourceDoc(
        doc_id=slug(path.stem),
        path=str(path),
        title=title,
        kind=facts.get("kind", "document"),
        date=facts.get("date"),
        content_hash=content_hash,
        period=facts.get("period", ""),
        authority=facts.get("authority", ""),
        provenance=provenance,
    )


def parse_date(text: str) -> dt.date | None:
    m = _DATE.search(text)
    if not m:
        return None
    try:
        return dt.date(int(m.group(3)), _MONTHS[m.group(2).lower()], int(m.group(1)))
    except ValueError:
        return None


def extract_facts(text: str) -> dict[str, Any]:
    """Date, kind, title and period read from the text itself, with their provenance."""
    facts: dict[str, Any] = {}
    prov: dict[str, str] = {}
    head = text[:6000]
    lines = [ln.strip() for ln in head.splitlines() if ln.strip()]
    published = re.search(r"Report published:?\s*(.+)", head)
    letter_date = next((ln for ln in lines[:40] if re.fullmatch(r"\d{1,2} [A-Z][a-z]+ (19|20)\d\d", ln)), None)
    if published and parse_date(published.group(1)):
        facts["date"], prov["date"] = parse_date(published.group(1)), "extracted: 'Report published' line"
    elif letter_date and parse_date(letter_date):
        facts["date"], prov["date"] = parse_date(letter_date), "extracted: letter date line"
    elif parse_date(head):
        facts["date"], prov["date"] = parse_date(head), "extracted: first date in the text"
    else:
        prov["date"] = "unknown: no date found"
    inspected = re.search(r"Inspection dates?:?\s*(.+)", head)
    visit = re.search(r"(?:visit|inspection)[^.]{0,80}? on (\d{1,2}(?: and \d{1,2})? [A-Z][a-z]+ (?:19|20)\d\d)", head)
    if inspected:
        facts["period"], prov["period"] = inspected.group(1).strip(), "extracted: 'Inspection date' line"
    elif visit:
        facts["period"], prov["period"] = visit.group(1), "extracted: visit dates in the text"
    dear = next((i for i, ln in enumerate(lines) if ln.startswith("Dear ")), None)
    if published or re.search(r"^Inspection of ", head, re.M):
        facts["kind"], prov["kind"] = "report", "extracted: report headings"
    elif dear is not None and re.search(r"Yours (sincerely|faithfully)", text):
        facts["kind"], prov["kind"] = "letter", "extracted: 'Dear ...' and sign-off"
    else:
        facts["kind"], prov["kind"] = "document", "default"
    if dear is not None and dear + 1 < len(lines):
        facts["title"], prov["title"] = f"Letter: {lines[dear + 1][:150]}", "extracted: subject line after 'Dear'"
    elif published:
        first = next((ln for ln in lines if ln.startswith("Inspection of")), None)
        if first:
            facts["title"], prov["title"] = first[:150], "extracted: report heading"
    facts["provenance"] = prov
    return facts
