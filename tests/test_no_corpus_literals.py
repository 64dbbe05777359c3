"""Nothing in rag/ knows this corpus: no string literal (docstrings included) holds the
proper name of a council, team, person or place from corpus/ or ../shared/ofsted/reports.csv.
What a document says about itself is read from the document."""

import ast
import csv
import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
REPORTS = ROOT.parent / "shared" / "ofsted" / "reports.csv"
# Ordinary English words that happen to be place names.
ORDINARY = {"reading"}
# People, teams and places the shipped documents name (the manifest gives the councils).
CORPUS_NAMES = {
    "Alison Smale", "Nick Bennison", "Ceri Evans", "Darryl Freeman", "Tina Russell", "David Sanders", "Martin Davis",
    "Pietro Battista", "Pauline Higham", "Lisa Summers", "Rebecca Dubbins", "Get Safe", "ECHO", "Plough Lane",
    "Hereford", "Brockington", "Hafod Road", "Families Commission", "Adoption Central England",
}


def names() -> set[str]:
    found = set(CORPUS_NAMES)
    manifest = tomllib.loads((ROOT / "corpus" / "manifest.toml").read_text())
    found |= {d["authority"].split(" Council")[0].replace(" County", "") for d in manifest["document"] if d.get("authority")}
    if REPORTS.is_file():
        for row in csv.DictReader(REPORTS.open(encoding="utf-8")):
            found.add(row["local_authority"].title().replace(" And ", " and ").replace(" Upon ", " upon ").replace(" Of ", " of "))
            if row["lead_inspector"].strip():
                found.add(row["lead_inspector"].strip())
    return {n for n in found if n and n.lower() not in ORDINARY}


def literals(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [(node.lineno, node.value) for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str)]


@pytest.mark.parametrize("path", sorted((ROOT / "rag").rglob("*.py")), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_literal_names_a_council_person_team_or_place_of_the_corpus(path):
    patterns = [(n, re.compile(rf"\b{re.escape(n)}\b", re.I if " " in n else 0)) for n in names()]
    hits = [(line, n) for line, value in literals(path) for n, p in patterns if p.search(value)]
    assert not hits, f"{path.name}: {hits[:10]}"


def test_the_check_sees_the_names():
    assert {"Herefordshire", "Get Safe", "Alison Smale"} <= names()


def test_no_source_file_holds_a_control_character():
    """A '\\b' typed into a non-raw string becomes a backspace, and the regex it was meant
    for silently never matches (it happened twice)."""
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    for path in [*root.glob("rag/**/*.py"), *root.glob("eval/*.py"), *root.glob("tests/*.py"), root / "app.py"]:
        text = path.read_text(encoding="utf-8")
        bad = [n for n, line in enumerate(text.splitlines(), 1) if any(ord(ch) < 32 and ch not in "\t" for ch in line)]
        assert not bad, f"{path.name}: control character on line(s) {bad}"
