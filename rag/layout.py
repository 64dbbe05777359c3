"""Page layout of published reports: what is furniture, what is a table, read page by page.

A report's PDF repeats a running header or footer on every page (its title, its dates, a
page number), carries footnotes at the foot of a page, a contents page near the front, a
judgement table on page 1 whose cells pypdf returns as wrapped lines, and a publisher's back
page. ``read_layout`` removes the furniture, marks footnotes so a paragraph running on past
them stays whole, and rewrites a judgement table as one readable line a row
("Overall effectiveness:<TAB>Good"). Everything is found by its position and repetition on
the pages and by the shape of the lines, never by a council's name or a publisher's wording.

    >>> from rag.records import Page
    >>> pages = [Page(i, f"Inspection of X services\\n{i}\\nBody text {i}.") for i in range(1, 5)]
    >>> [p.text for p in read_layout(pages)][0]
    'Body text 1.'
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace

from rag.records import Page
from rag.vocabulary import grade_at_end

FOOTNOTE = "\u2063"  # marks the first line of a footnote block (removed when cleaning ends)
TABLE_CELL = "\t"  # separates a table row's label from its value

_PAGE_NUMBER = re.compile(r"^(?:page\s{0,3})?\d{1,4}(?:\s{0,3}(?:of|/)\s{0,3}\d{1,4})?$", re.I)
_CONTENTS = re.compile(r"^(?:table of\s)?contents(?:\spage)?:?$", re.I)
_TOC_ENTRY = re.compile(r"\S.{0,160}?(?:\s|\.{2,})\d{1,3}$")
_FOOTNOTE_START = re.compile(r"^(\d{1,2})\s{1,4}(?=[A-Za-z(\"'‘“])")
_ROW_NUMBER = re.compile(r"^\d{1,2}(?:\.\d{1,2})?\.?\s{1,4}")
_CONTACT = re.compile(
    r"[\w.+-]{1,64}@[\w-]{1,63}\.[\w.-]{1,63}|\b(?:https?://|www\.)\S{1,300}|\b0\d{2,4}[ ]?\d{3}[ ]?\d{3,4}\b"
    r"|\b[A-Z]{1,2}\d[A-Z\d]?[ ]?\d[A-Z]{2}\b",
)
_COPYRIGHT = re.compile(r"©|\bcopyright\b", re.I)
TOP, BOTTOM = 5, 4  # lines at the head and foot of a page where furniture lives


def read_layout(pages: list[Page]) -> list[Page]:
    """The pages without running headers and footers, page numbers, contents entries or a
    publisher's back page; footnotes marked; judgement tables as one line a row."""
    if not any(p.number is not None for p in pages):
        return pages  # text files: no pages, no furniture to find
    lines = [[ln.strip() for ln in p.text.replace("\r", "").split("\n")] for p in pages]
    running = _running_keys(lines)
    out = []
    for i, (page, page_lines) in enumerate(zip(pages, lines)):
        # Page 1 keeps its lines: its title may read like the running header of the rest.
        body = _strip_running(page_lines, running if i else set())
        if i == len(pages) - 1 and i > 0 and _is_back_page(body):
            body = []
        if i < 4:
            body = _drop_contents(body)
        body = _mark_footnotes(body)
        if i < 2:
            body = _judgement_rows(body)
        out.append(replace(page, text="\n".join(body)))
    return out


def _key(line: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"\d+", "#", line.lower())).strip()


def _ends(lines: list[str]) -> list[str]:
    content = [ln for ln in lines if ln]
    return content[:TOP] + content[-BOTTOM:]


def _running_keys(lines: list[list[str]]) -> set[str]:
    """Lines (digits ignored) found at the head or foot of most pages: a running header or
    footer. Short documents need the line on every page but one."""
    n = len(lines)
    if n < 2:
        return set()
    counts: Counter[str] = Counter()
    for page in lines:
        counts.update({_key(ln) for ln in _ends(page)})
    need = max(3, round(0.4 * n)) if n >= 5 else max(2, n - 1)
    return {k for k, c in counts.items() if c >= need and k.strip("# ")}


def _strip_running(page: list[str], running: set[str]) -> list[str]:
    """Drop running lines and bare page numbers from the head and foot of one page."""
    content = [i for i, ln in enumerate(page) if ln]
    ends = set(content[:TOP] + content[-BOTTOM:])
    return [
        ln for i, ln in enumerate(page)
        if not (i in ends and (_key(ln) in running or _PAGE_NUMBER.match(ln)))
    ]


def _is_back_page(body: list[str]) -> bool:
    """A publisher's back page: a copyright line and mostly contact details."""
    content = [ln for ln in body if ln]
    if not content or not any(_COPYRIGHT.search(ln) for ln in content):
        return False
    contacts = sum(1 for ln in content if _CONTACT.search(ln))
    return contacts >= 3 and contacts >= 0.15 * len(content)


def _drop_contents(body: list[str]) -> list[str]:
    """A 'Contents' heading near the top of a page and the entries ending in page numbers
    after it (an entry may wrap onto a second line)."""
    content = [i for i, ln in enumerate(body) if ln]
    start = next((i for i in content[:6] if _CONTENTS.match(body[i])), None)
    if start is None:
        return body
    end = start + 1
    entries = 0
    while end < len(body):
        line = body[end]
        if not line:
            end += 1
            continue
        if _TOC_ENTRY.fullmatch(line):
            entries += 1
            end += 1
            continue
        nxt = next((body[j] for j in range(end + 1, min(len(body), end + 3)) if body[j]), "")
        if len(line) <= 120 and not line.endswith(".") and _TOC_ENTRY.fullmatch(nxt):
            end += 1  # a wrapped entry: its page number is on the next line
            continue
        break
    if entries < 3:
        return body
    return body[:start] + body[end:]


def _mark_footnotes(body: list[str]) -> list[str]:
    """Footnotes at the foot of the page ('1 Ofsted produces this report ...'), recognised by
    a number without a full stop that the page's text refers to ('board1', 'improve?1').
    Each footnote becomes its own block with its first line marked; the reference numbers
    in the text are removed."""
    content = [i for i, ln in enumerate(body) if ln]
    start, first = None, 0
    for i in content[-12:]:
        m = _FOOTNOTE_START.match(body[i])
        if m and _reference(m.group(1)).search("\n".join(body[:i])):
            start, first = i, int(m.group(1))
            break
    if start is None:
        return body
    notes: list[str] = []
    numbers: list[str] = []
    for line in body[start:]:
        m = _FOOTNOTE_START.match(line)
        if m and int(m.group(1)) == first + len(numbers):
            notes.extend([""] if notes else [])
            notes.append(FOOTNOTE + line)
            numbers.append(m.group(1))
        elif line:
            notes.append(line)
    above = body[:start]
    for n in numbers:  # the first mention in reading order is the reference
        for j in range(len(above)):
            new = _reference(n).sub("", above[j], count=1)
            if new != above[j]:
                above[j] = new
                break
    return above + [""] + notes + [""]


def _reference(number: str) -> re.Pattern[str]:
    """A footnote reference: the number straight after a word or a stop ('board1', 'good.2')."""
    return re.compile(rf"(?:(?<=[A-Za-z)?'’\"”])|(?<=[A-Za-z][.,;:])){number}(?=[\s.,;:)]|$)")


def _judgement_rows(body: list[str]) -> list[str]:
    """Rewrite a judgement table (two or more consecutive rows whose last cell is a grade,
    each row's label wrapped over up to three lines) as 'label:<TAB>Grade' lines, the grade as
    the table writes it ('Requires improvement to be good')."""
    lines = _join_split_grades(body)
    rows: list[tuple[int, int, str, str]] = []  # (first line, last line, label, grade as written)
    pending: list[int] = []
    headers: set[int] = set()
    for i, line in enumerate(lines):
        if not line:
            continue
        row = grade_at_end(line)
        starts_row = bool(_ROW_NUMBER.match(line))
        if row is not None:
            label_lines = [] if starts_row else pending
            while label_lines and _is_header(lines[label_lines[0]]) and len(label_lines) + (1 if row[0] else 0) > 1:
                headers.add(label_lines[0])  # a column header ('Judgement Grade') or a title
                label_lines = label_lines[1:]
            label = " ".join([lines[j] for j in label_lines] + [row[0]]).strip()
            label = _ROW_NUMBER.sub("", label).strip(" :.")
            if _is_label(label):
                first = label_lines[0] if label_lines else i
                rows.append((first, i, label, row[2]))
                pending = []
                continue
        if _could_be_label(line) and not starts_row:
            pending = (pending + [i])[-3:]
        else:
            pending = [i] if starts_row and _could_be_label(line) else []
    runs = _runs(rows, lines)
    if not runs:
        return body
    out: list[str] = []
    taken = {r[0]: r for r in runs}
    skip_until = -1
    for i, line in enumerate(lines):
        if i <= skip_until:
            continue
        if i in taken:
            first, last, label, grade = taken[i]
            out.extend(["", f"{label}:{TABLE_CELL}{grade}", ""])  # the grade as the table writes it
            skip_until = last
            continue
        out.extend(["", line, ""] if i in headers else [line])
    return out


def _join_split_grades(body: list[str]) -> list[str]:
    """A grade cell wrapped over two lines is one grade: 'Requires' / 'Improvement',
    'Requires improvement' / 'to be good'."""
    out: list[str] = []
    i = 0
    while i < len(body):
        line = body[i]
        nxt = body[i + 1].lower() if i + 1 < len(body) else ""
        low = line.lower()
        if re.search(r"\brequires(?: improvement(?: to)?)?$", low) and nxt and set(nxt.split()) <= {"improvement", "to", "be", "good"}:
            out.extend([f"{line} {body[i + 1]}", ""])
            i += 2
            continue
        out.append(line)
        i += 1
    return out


def _is_header(line: str) -> bool:
    """A short Title Case line: a table's column headers, a role under a name."""
    words = line.split()
    return 1 <= len(words) <= 3 and all(w[:1].isupper() for w in words)


def _could_be_label(line: str) -> bool:
    ends = line.endswith(("?", "!", ":", ";")) or (line.endswith(".") and len(line) >= 40)
    return len(line) <= 90 and not ends and ":" not in line


def _is_label(label: str) -> bool:
    words = label.split()
    return 2 <= len(words) <= 30 and len(label) <= 220 and not re.search(r"[.!?;:]\s", label) and (label[:1].isupper() or label[:1].isdigit())


def _runs(rows: list[tuple[int, int, str, str]], lines: list[str]) -> list[tuple[int, int, str, str]]:
    """Rows that stand next to another row (only blank or header lines between): a table."""
    keep: set[int] = set()
    for a, b in zip(rows, rows[1:]):
        between = [ln for ln in lines[a[1] + 1 : b[0]] if ln]
        if len(between) <= 1:
            keep.update({a[0], b[0]})
    return [r for r in rows if r[0] in keep]
