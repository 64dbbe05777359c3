"""Check the report facts read from real PDFs against an independent record of them.

    python -m eval.facts_check                       # ../shared/ofsted and its reports.csv
    python -m eval.facts_check --library DIR --csv FILE --out eval/facts_check.md
    python -m eval.facts_check --index eval/out/national-index   # the facts as ingest stored them

Every PDF is read as ingest reads it (pypdf, cleaning, ``rag.facts``); each field is compared
with the CSV's value where the CSV has one, and every disagreement is listed with both values
and the line the fact came from, so it can be judged against the PDF (the CSV is an
independent scraper's and has errors of its own). Not a test: it prints agreement per field.
"""

from __future__ import annotations

import argparse
import csv
import sys
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from rag.errors import DocumentError
from rag.records import ReportFacts

ROOT = Path(__file__).resolve().parent.parent
LIBRARY = ROOT.parent / "shared" / "ofsted"
GRADE_FIELDS = ("overall_effectiveness", "impact_of_leaders", "help_and_protection", "children_in_care", "care_leavers")
FIELDS = ("authority", "publication_date", "framework", "lead_inspector", "inspection_start_date", "inspection_end_date", *GRADE_FIELDS)
CSV_COLUMNS = {"authority": "local_authority", "framework": "inspection_framework"}
NOT_GIVEN = {"", "data_unreadable", "inspection_pre_dates_judgement", "not_reported_post_reform"}


@dataclass
class Read:
    file: str
    values: dict[str, str]
    lines: dict[str, str]
    error: str = ""


def read_one(path: str) -> Read:
    """The facts of one file, as ingest would read them."""
    from rag.clean import clean_pages
    from rag.facts import read_facts
    from rag.load import read_document

    p = Path(path)
    try:
        pages, _ = read_document(p)
    except DocumentError as exc:
        return Read(p.name, {}, {}, error=exc.reason)
    text, starts = clean_pages(pages)
    return read_of(p.name, read_facts(text, starts))


def read_of(name: str, f: ReportFacts) -> Read:
    """The fields compared, from one document's facts (read now, or stored by ingest)."""
    from rag.metadata import date_in_name
    from rag.vocabulary import authority_key

    published = f.published or (date_in_name(name).isoformat() if date_in_name(name) else "")
    framework = {"ILACS standard": "standard", "ILACS short": "short"}.get(f.framework, f.framework)
    values = {
        "authority": authority_key(f.authority),
        "publication_date": published,
        "framework": framework,
        "lead_inspector": f.lead_inspector,
        "inspection_start_date": f.inspection_start,
        "inspection_end_date": f.inspection_end,
    }
    lines = {k: (f.of(n).line if f.of(n) else "") for k, n in (
        ("authority", "authority"), ("publication_date", "published"), ("framework", "framework"),
        ("lead_inspector", "lead_inspector"), ("inspection_start_date", "inspection_dates"), ("inspection_end_date", "inspection_dates"),
    )}
    for area in GRADE_FIELDS:
        j = f.judgement(area)
        values[area] = j.value if j else ""
        lines[area] = j.line if j else ""
    return Read(name, values, lines)


def stored_reads(index: Path, library: Path) -> list[Read]:
    """The facts an index's catalog holds for the library's files (as ingest stored them);
    a file the index does not hold is listed as refused."""
    from rag.settings import load_settings
    from rag.store import ChromaStore

    store = ChromaStore(load_settings(index_dir=index, corpus_dir=library))
    held = {Path(d.path).name: d for d in store.documents()}
    return [
        read_of(f.name, held[f.name].report_facts) if f.name in held else Read(f.name, {}, {}, error="not in the index (refused at ingest)")
        for f in sorted(library.glob("*.pdf"))
    ]


def _norm(field: str, value: str) -> str:
    v = " ".join(value.lower().replace("’", "'").replace("-", " ").split())
    if field in GRADE_FIELDS and v.startswith("requires improvement"):
        return "requires improvement"
    if field == "authority":
        v = v.replace("&", "and").replace(",", "")
    return v


def compare(reads: list[Read], rows: dict[str, dict[str, str]]) -> tuple[dict[str, tuple[int, int, int]], list[tuple[str, str, str, str, str]]]:
    """Per field (agree, disagree, csv has no value) and the disagreements
    (file, field, csv value, our value, the line ours came from)."""
    stats = {f: [0, 0, 0] for f in FIELDS}
    wrong: list[tuple[str, str, str, str, str]] = []
    for r in reads:
        row = rows.get(r.file)
        if row is None or r.error:
            continue
        for field in FIELDS:
            theirs = row.get(CSV_COLUMNS.get(field, field), "") or ""
            if field == "framework" and theirs.startswith("inspection duration longer"):
                theirs = "standard"  # a longer standard inspection
            if theirs.strip() in NOT_GIVEN:
                stats[field][2] += 1
                continue
            ours = r.values.get(field, "")
            if _norm(field, ours) == _norm(field, theirs):
                stats[field][0] += 1
            else:
                stats[field][1] += 1
                wrong.append((r.file, field, theirs, ours, r.lines.get(field, "")))
    return {k: tuple(v) for k, v in stats.items()}, wrong


def markdown(stats: dict[str, tuple[int, int, int]], wrong: list[tuple[str, str, str, str, str]], reads: list[Read]) -> str:
    failed = [r for r in reads if r.error]
    out = [
        "# Report facts against reports.csv",
        "",
        f"{len(reads)} files read, {len(failed)} refused. Agreement where the CSV has a value, and how many",
        "of the files read gave the field at all (a fact missed where the CSV is silent shows only there):",
        "",
        "| field | agree | disagree | agreement | CSV has no value | read from the PDF |",
        "|---|---|---|---|---|---|",
    ]
    ok = [r for r in reads if not r.error]
    for field, (a, d, n) in stats.items():
        share = f"{a / (a + d):.1%}" if a + d else "-"
        given = sum(1 for r in ok if r.values.get(field))
        out.append(f"| {field} | {a} | {d} | {share} | {n} | {given} of {len(ok)} |")
    out += ["", "## Refused", ""] + [f"- {r.file}: {r.error}" for r in failed]
    out += ["", "## Disagreements", "", "| file | field | reports.csv | read from the PDF | line |", "|---|---|---|---|---|"]
    for file, field, theirs, ours, line in wrong:
        out.append(f"| {file} | {field} | {theirs} | {ours or '(none)'} | {line[:90].replace('|', '/')} |")
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m eval.facts_check", description=__doc__.split("\n")[0])
    p.add_argument("--library", type=Path, default=LIBRARY, help="folder of report PDFs")
    p.add_argument("--csv", type=Path, default=None, help="the independent record (default: LIBRARY/reports.csv)")
    p.add_argument("--out", type=Path, default=None, help="also write the report here (Markdown)")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--index", type=Path, default=None, help="read the facts an index already holds (its catalog) instead of the PDFs")
    args = p.parse_args(argv)
    csv_path = args.csv or args.library / "reports.csv"
    if not csv_path.is_file():
        print(f"error: {csv_path} not found", file=sys.stderr)
        return 2
    rows = {r["file"]: r for r in csv.DictReader(csv_path.open(encoding="utf-8"))}
    if args.index:
        reads = stored_reads(args.index, args.library)
    else:
        files = sorted(str(f) for f in args.library.glob("*.pdf"))
        with ProcessPoolExecutor(args.workers) as pool:
            reads = list(pool.map(read_one, files, chunksize=4))
    stats, wrong = compare(reads, rows)
    text = markdown(stats, wrong, reads)
    print(text)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
