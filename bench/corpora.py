"""Corpora for the benchmarks, all made from the shipped one so their text is real.

- ``pdf_corpus``: the shipped documents laid out as PDFs (fpdf2, a real text layer), with a
  manifest, so ingest is measured from PDF as a deployment would see it.
- ``synthetic_corpus``: the shipped documents plus re-dated copies whose sentences are
  shuffled within each paragraph: word statistics, lengths and structure (sections,
  numbered paragraphs, bullets) stay those of real inspection documents.

    >>> import random
    >>> shuffle_paragraphs("12. One is here. Two is there. Three.", random.Random(1))[:4]
    '12. '
"""

from __future__ import annotations

import datetime as dt
import json
import random
import re
import shutil
import tomllib
from pathlib import Path

from bench.report import ROOT

CORPUS = ROOT / "corpus"
_YEAR = re.compile(r"\b(19[5-9]\d|20[0-4]\d)\b")
_PREFIX = re.compile(r"(?:[-•◼]\s+)?(?:\d{1,3}\.\s+)?")
YEARS = (2005, 2025)  # synthetic copies are dated within these years


def shipped() -> list[dict]:
    """The shipped manifest's entries, in file order."""
    data = tomllib.loads((CORPUS / "manifest.toml").read_text(encoding="utf-8"))
    return sorted(data["document"], key=lambda e: e["file"])


def write_manifest(folder: Path, entries: list[dict]) -> None:
    lines = []
    for e in entries:
        lines.append("[[document]]")
        for key, value in e.items():
            if isinstance(value, dt.date):
                lines.append(f"{key} = {value.isoformat()}")
            elif isinstance(value, (int, float)):
                lines.append(f"{key} = {value}")
            else:
                lines.append(f"{key} = {json.dumps(str(value), ensure_ascii=False)}")
        lines.append("")
    (folder / "manifest.toml").write_text("\n".join(lines), encoding="utf-8")


def pdf_corpus(dest: Path) -> Path:
    """The shipped documents as PDFs in ``dest`` (made once; later calls reuse them)."""
    from tests.pdfs import make_pdf, split_pages

    dest.mkdir(parents=True, exist_ok=True)
    entries = []
    for e in shipped():
        pdf = dest / Path(e["file"]).with_suffix(".pdf").name
        if not pdf.is_file():
            make_pdf(pdf, split_pages((CORPUS / e["file"]).read_text(encoding="utf-8")))
        entries.append({**e, "file": pdf.name})
    write_manifest(dest, entries)
    return dest


def shift_years(text: str, delta: int) -> str:
    """Every year from 1950 to 2049 in the text moved by ``delta`` (same length)."""
    return _YEAR.sub(lambda m: str(int(m.group(1)) + delta), text) if delta else text


def shuffle_slots(text: str, spans: list[tuple[int, int]], rng: random.Random) -> tuple[str, list[tuple[int, int]], list[int]]:
    """``text`` with the pieces at ``spans`` permuted among themselves, everything between
    them left in place, so the length is unchanged. Returns the text, the new spans (in
    text order) and, for each new span, the index of the old span now there."""
    order = list(range(len(spans)))
    rng.shuffle(order)
    out, new_spans, pos, cursor = [], [], 0, 0
    for slot, (a, b) in enumerate(spans):
        out.append(text[cursor:a])
        pos += a - cursor
        src = spans[order[slot]]
        piece = text[src[0] : src[1]]
        out.append(piece)
        new_spans.append((pos, pos + len(piece)))
        pos += len(piece)
        cursor = b
    out.append(text[cursor:])
    return "".join(out), new_spans, order


def shuffle_paragraphs(text: str, rng: random.Random) -> str:
    """Sentences shuffled within each paragraph (one line of the shipped text files); a
    paragraph's number or bullet stays at its front, so the document's structure survives."""
    from rag.text import sentence_spans

    pieces, cursor = [], 0
    for m in re.finditer(r"[^\n]+", text):
        a, b = m.span()
        pieces.append(text[cursor:a])
        block = text[a:b]
        lead = _PREFIX.match(block).end()
        spans = [(x + lead, y + lead) for x, y in sentence_spans(block[lead:])]
        pieces.append(shuffle_slots(block, spans, rng)[0] if len(spans) > 1 else block)
        cursor = b
    pieces.append(text[cursor:])
    return "".join(pieces)


def redate(day: dt.date, delta: int) -> dt.date:
    try:
        return day.replace(year=day.year + delta)
    except ValueError:  # 29 February
        return day.replace(year=day.year + delta, day=28)


def year_shift(year: int, rng: random.Random) -> int:
    """A non-zero shift that keeps ``year`` within YEARS."""
    choices = [d for d in range(YEARS[0] - year, YEARS[1] - year + 1) if d]
    return rng.choice(choices)


def synthetic_corpus(dest: Path, copies: int, seed: int = 7) -> Path:
    """``copies`` x the shipped corpus in ``dest`` as text files with a manifest: copy 0 is
    the shipped documents themselves, copies 1.. are re-dated and shuffled. Files already
    there are kept (so a larger corpus extends a smaller one and unchanged files are
    skipped by ingest)."""
    dest.mkdir(parents=True, exist_ok=True)
    entries = []
    for e in shipped():
        original = (CORPUS / e["file"]).read_text(encoding="utf-8")
        for i in range(copies):
            if i == 0:
                name = e["file"]
                if not (dest / name).is_file():
                    shutil.copyfile(CORPUS / name, dest / name)
                entries.append(dict(e))
                continue
            rng = random.Random(f"{seed}|{e['id']}|{i}")
            delta = year_shift(e["date"].year, rng)
            date = redate(e["date"], delta)
            name = f"{date.isoformat()}-{Path(e['file']).stem[11:]}-syn{i:04d}.txt"
            if not (dest / name).is_file():
                (dest / name).write_text(shift_years(shuffle_paragraphs(original, rng), delta), encoding="utf-8")
            entry = {**e, "id": f"{e['id']}-syn{i:04d}", "file": name, "title": f"{e['title']} (synthetic copy {i})", "date": date}
            for key in ("period_start", "period_end"):
                if key in e:
                    entry[key] = redate(e[key], delta)
            entries.append(entry)
    write_manifest(dest, entries)
    return dest
