"""Report facts, read from what a document says about itself: which authority it is about,
under which framework, when the inspection took place and the report was published, who led
it, every graded judgement, and for letters the addressee and the visit's number and areas.

Each fact keeps the line it came from, where that line starts in the cleaned text and its
page, so an answer from a fact quotes and cites that line.

    >>> text = "Inspection of Barset local authority children's services\\n\\nInspection dates: 18 to 29 July 2022\\n\\nLead inspector: Ann Example, His Majesty's Inspector\\n\\nOverall effectiveness:\\tGood"
    >>> f = read_facts(text)
    >>> f.authority, f.framework, f.lead_inspector, f.judgement("overall_effectiveness").value
    ('Barset', 'ILACS standard', 'Ann Example', 'good')
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Sequence
from typing import Any

from rag.records import Fact, ReportFacts, page_at
from rag.text import sentence_spans
from rag.vocabulary import (
    DATE_LINE,
    GRADE,
    ORDINALS,
    authority_key,
    display_authority,
    normal_grade,
    parse_date,
    parse_range,
)

FRAMEWORKS = (
    "SIF", "ILACS standard", "ILACS short", "monitoring visit", "focused visit", "unannounced inspection",
    "joint targeted area inspection", "news",
)

# Judgement areas, from the label words the frameworks use (SIF 2013-2017, ILACS from 2018).
AREAS = (
    ("overall_effectiveness", re.compile(r"\boverall\b", re.I)),
    ("impact_of_leaders", re.compile(r"\bleaders?\b|\bleadership\b", re.I)),
    ("help_and_protection", re.compile(r"\bhelp and protection\b", re.I)),
    ("children_in_care", re.compile(r"\bin care\b|\blooked after\b", re.I)),
    # the label's own words, and how a question says them ('young people leaving care')
    ("care_leavers", re.compile(r"\bcare[- ]leavers?\b|\b(?:leaving|left)\s+care\b|\bcare[- ]experienced\b", re.I)),
    ("adoption", re.compile(r"\badoption\b", re.I)),
    ("lscb", re.compile(r"\bsafeguarding children board\b|\bLSCB\b", re.I)),
)
AREA_NAMES = {
    "overall_effectiveness": "overall effectiveness",
    "impact_of_leaders": "the impact of leaders",
    "help_and_protection": "help and protection",
    "children_in_care": "children in care",
    "care_leavers": "care leavers",
    "adoption": "adoption performance",
    "lscb": "the local safeguarding children board",
}

_TITLE = re.compile(
    r"^(?:Re-)?[Ii]nspection of\s(?P<who>.{2,120}?)\s(?:local authority\s)?children['’]s\s(?:social care\s)?services\b",
)
_TRUST_TITLE = re.compile(r"^(?:Re-)?[Ii]nspection of\s(?P<who>.{2,120}?\b(?:Trust|Partnership))\s*$")
_GENERIC_TITLE = re.compile(
    r"^(?:Re-)?[Ii]nspection of (?:(?:local authority )?children['’]s (?:social care )?services|services for children in need)", re.I
)
_VISIT_SUBJECT = re.compile(
    r"^(?P<kind>Monitoring|Focused|Joint targeted area|Annual unannounced|Unannounced)\s(?:visit|inspection)\b.{0,160}?\b(?:to|of|within|in)\s(?P<who>[A-Z][^\n]{1,120}?)\s(?:local authority\s)?children['’]s\s(?:social care\s)?services",
)
_PUBLISHED = re.compile(r"\bReport published:?\s*(?P<date>[^\n]{6,40})")
_INSPECTED = re.compile(r"\bInspection dates?:?\s*(?P<dates>[^\n]{6,80})")
_VISITED = re.compile(r"\b(?:visit|inspection)\b[^.\n]{0,220}?\b(?:on|between)\s(?P<dates>\d{1,2}(?:\s(?:and|to|-)\s\d{1,2})?\s[A-Z][a-z]+\s(?:19|20)\d\d)")
_LEAD = re.compile(r"\bLead inspector:?\s*(?P<name>[^\n]{3,120})")
_INSPECTORS = re.compile(r"\binspectors? for this (?:visit|inspection) (?:was|were)\s(?P<names>[^.\n]{3,160})", re.I)
_HONORIFIC = re.compile(r",?\s*(?:Senior\s)?(?:HMI|(?:Her|His) Majesty['’]s Inspector|Ofsted Inspector|Social Care Regulatory Inspector)\b.*$", re.I)
_SIGN_OFF = re.compile(r"^Yours (?:sincerely|faithfully)", re.M)
_OVERALL_SENTENCE = re.compile(  # 'The overall judgement is good' may follow the dates line; 'Children's services in X are good' / 'require improvement to be good' opens one
    r"(?:(?:^|(?<=\s))The overall judgement is\s(?:that\s)?(?:children['’]s services\s)?(?:are\s|is\s)?|^Children['’]s services in\s.{2,60}?\s(?:are\s)?)"
    r"(?P<grade>requires?\simprovement(?:\sto\sbe:?\sgood)?|outstanding|good|inadequate)\b",
    re.I,
)
_ORDINAL_VISIT = re.compile(r"\b(?P<n>" + "|".join(ORDINALS) + r")\s+monitoring visit\b", re.I)
_AREAS_INTRO = re.compile(r"\b(?:following areas|areas covered|areas of concern)\b", re.I)
# The report's own list of what must improve: 'What needs to improve?' (ILACS), 'Areas for
# improvement' or 'Recommendations' (SIF, before its numbered recommendations), 'Area for
# priority action' (letters).
_TO_IMPROVE = re.compile(r"^(?:What needs to improve|Areas? for (?:improvement|priority action)|Recommendations)\b[^.]{0,40}$", re.I)
# within such a list, a line that introduces items rather than being one ('Immediately:',
# '22. In order to improve ..., the local authority should take the following action.')
_LIST_LEAD = re.compile(r"^.{0,80}:$|\bfollowing actions?[.:]?$", re.I)
_LIST_ITEM = re.compile(r"^(?:[-•]\s|\d{1,3}\.\s)")
_NEWS = re.compile(r"\b(?:said|says|told)\b.{0,80}\b(?:spokesperson|spokesman|spokeswoman|councillor|cabinet member|director)\b", re.I)


def read_facts(text: str, page_starts: Sequence[tuple[int, int | None]] = (), *, date_hint: dt.date | None = None) -> ReportFacts:
    """The facts ``text`` (a cleaned document) states about itself."""
    lines = [(m.start(), m.group(0).strip()) for m in re.finditer(r"[^\n]+", text) if m.group(0).strip()]
    head = [(s, ln) for s, ln in lines if s < 8000]
    found: list[Fact] = []

    def fact(name: str, value: str, start: int, line: str, area: str = "", at: int | None = None) -> Fact:
        # a title wrapped over lines is cited as the text it spans
        span = text[start : start + len(line) + 8]
        if line not in span and " " in line:
            end = start
            for word in line.split():
                end = text.find(word, end) + len(word)
            line = text[start:end]
        if at is not None and len(line) > 160:  # a fact inside a paragraph: cite its sentence
            for a, b in sentence_spans(line):
                if a <= at < b:
                    start, line = start + a, line[a:b]
                    break
        if line.startswith("- "):  # a bullet's mark is not part of what it says
            start, line = start + 2, line[2:]
        f = Fact(name, value, line, start, page_at(page_starts, start) if page_starts else None, area)
        found.append(f)
        return f

    authority, framework = _authority_and_framework(head, text, fact)
    published = ""
    if m := _first(head, _PUBLISHED):
        s, ln, mm = m
        if d := parse_date(mm.group("date")):
            published = d.isoformat()
            fact("published", published, s, ln)
    start = end = ""
    if m := _first(head, _INSPECTED):
        s, ln, mm = m
        if r := parse_range(mm.group("dates")):
            start, end = r[0].isoformat(), r[1].isoformat()
        elif d := parse_date(mm.group("dates")):
            start = end = d.isoformat()
        if start:
            fact("inspection_dates", f"{start} to {end}", s, ln, at=mm.start())
    elif m := _first(head, _VISITED):
        s, ln, mm = m
        dates = mm.group("dates")
        if r := parse_range(dates.replace(" and ", " to ")):
            start, end = r[0].isoformat(), r[1].isoformat()
        elif d := parse_date(dates):
            start = end = d.isoformat()
        if start:
            fact("inspection_dates", f"{start} to {end}", s, ln, at=mm.start())
    if framework == "ILACS" and start and end:
        days = (dt.date.fromisoformat(end) - dt.date.fromisoformat(start)).days
        framework = "ILACS short" if days <= 7 else "ILACS standard"  # one week on site, or two
    lead, inspectors = _inspectors(lines, text, fact)
    addressee = _addressee(head, fact)
    visit = None
    if framework == "monitoring visit" and (m := _first(head, _ORDINAL_VISIT)):
        s, ln, mm = m
        visit = ORDINALS[mm.group("n").lower()]
        fact("visit_number", str(visit), s, ln, at=mm.start())
    areas = _areas_covered(lines, fact) if framework in ("monitoring visit", "focused visit") else ()
    _judgements(lines, fact)
    _to_improve(lines, fact)
    if not published and not framework.startswith(("SIF", "ILACS")):
        if m := next(((s, ln) for s, ln in head[:40] if DATE_LINE.match(ln)), None):
            d = parse_date(m[1])
            if d:
                published = d.isoformat()
                fact("published", published, m[0], m[1])
    return ReportFacts(
        authority=authority,
        authority_aliases=aliases_in(text, authority),
        framework=framework,
        published=published,
        inspection_start=start,
        inspection_end=end,
        lead_inspector=lead,
        inspectors=inspectors,
        addressee=addressee,
        visit_number=visit,
        areas_covered=areas,
        facts=tuple(found),
    )


_COMPASS = frozenset("north south east west central greater upper lower new".split())


def aliases_in(text: str, authority: str) -> tuple[str, ...]:
    """Shorter forms of the authority's name that the text uses on their own at least three
    times: 'Bridge' in a report on Kingsbridge upon Avon, 'West Vale' for West Vale of Wessex."""
    key = authority_key(authority)
    words = key.split()
    if len(words) < 2:
        return ()
    found = []
    forms = {" ".join(words[:i]) for i in range(1, len(words))} | {" ".join(words[i:]) for i in range(1, len(words))}
    for form in sorted(forms, key=len, reverse=True):
        parts = form.split()
        if len(form) < 4 or parts[0] in ("and", "of", "upon", "on", "with") or parts[-1] in ("and", "of", "upon", "on", "with"):
            continue
        if all(p in _COMPASS for p in parts):
            continue
        pattern = re.compile(r"\b" + r"\s+".join(re.escape(p) for p in parts) + r"\b", re.I)
        full = re.compile(r"\b" + r"\s+".join(re.escape(w) for w in words) + r"\b", re.I)
        spans = [m.span() for m in full.finditer(text)]
        alone = [m for m in pattern.finditer(text) if not any(a <= m.start() < b for a, b in spans) and m.group(0)[:1].isupper()]
        if len(alone) >= 3:
            found.append(form)
    return tuple(found)


def _first(lines: Sequence[tuple[int, str]], pattern: re.Pattern[str]) -> tuple[int, str, re.Match[str]] | None:
    for s, ln in lines:
        if m := pattern.search(ln):
            return s, ln, m
    return None


def _title_lines(head: Sequence[tuple[int, str]], text: str) -> list[tuple[int, str]]:
    """The first lines, each also joined with the one or two after it: a title wrapped over
    short lines ('Inspection of City of Barchester' / 'Metropolitan Borough Council local ...')."""
    out: list[tuple[int, str]] = []
    for i, (s, ln) in enumerate(head[:30]):
        out.append((s, ln))
        for span in (2, 3):
            part = head[i : i + span]
            if len(part) == span and all(len(x) < 90 and not x.endswith(".") for _, x in part):
                out.append((s, " ".join(x for _, x in part)))
    return out


def _authority_and_framework(head: Sequence[tuple[int, str]], text: str, fact: Any) -> tuple[str, str]:
    for i, (s, ln) in enumerate(_title_lines(head, text)):
        if m := _VISIT_SUBJECT.match(ln):
            kind = m.group("kind").lower()
            framework = {"monitoring": "monitoring visit", "focused": "focused visit", "joint targeted area": "joint targeted area inspection"}.get(kind, "unannounced inspection")
            who = display_authority(m.group("who"))
            fact("authority", who, s, ln)
            fact("framework", framework, s, ln)
            return who, framework
        m = _TITLE.match(ln) or _TRUST_TITLE.match(ln)
        if m and not authority_key(m.group("who")):
            m = None  # 'Inspection of local authority children's services': the name is above
            if not _GENERIC_TITLE.match(ln):
                ln = "Inspection of children's services"
        if m:
            who = display_authority(m.group("who"))
            fact("authority", who, s, ln)
            fact("framework", "ILACS", s, ln)
            return who, "ILACS"
        if _GENERIC_TITLE.match(ln):
            framework = "SIF" if re.search(r"children in need", ln, re.I) else "ILACS"
            fact("framework", framework, s, ln)
            # The authority's name stands above the title, perhaps wrapped over two lines.
            before = [(bs, b) for bs, b in head[:30] if bs < s and not re.fullmatch(r"[\d\s]+", b)][-2:]
            if len(before) == 2 and (len(before[0][1]) > 60 or before[0][1].endswith(".")):
                before = before[1:]
            if before:
                bs, b = before[0][0], " ".join(x for _, x in before)
                who = display_authority(b)
                if who:
                    fact("authority", who, bs, b)
                    return who, framework
            return "", framework
    # A document that is not an inspection report or letter: the authority it names most
    # often as 'X Council' (a news article on a council's services).
    names = Counter(display_authority(m.group(1)) for m in re.finditer(r"\b((?:[A-Z][a-z]+\s){1,4}(?:County\s|City\s|Borough\s)?Council)\b", text[:20000]))
    framework = "news" if _NEWS.search(text[:20000]) else ""
    if names:
        who, _ = names.most_common(1)[0]
        m = re.search(re.escape(who), text)
        if m:
            line_start = text.rfind("\n", 0, m.start()) + 1
            line_end = text.find("\n", m.end())
            fact("authority", who, line_start, text[line_start : line_end if line_end >= 0 else len(text)].strip())
        if framework:
            fact("framework", framework, 0, text[: text.find("\n")].strip() if "\n" in text else text[:120])
        return who, framework
    return "", framework


def _person(raw: str) -> str:
    name = _HONORIFIC.sub("", raw).strip(" ,.;:")
    return re.sub(r"\s+", " ", name)


def _inspectors(lines: Sequence[tuple[int, str]], text: str, fact: Any) -> tuple[str, tuple[str, ...]]:
    lead = ""
    if m := _first(lines, _LEAD):
        s, ln, mm = m
        lead = _person(mm.group("name"))
        if lead:
            fact("lead_inspector", lead, s, ln, at=mm.start())
    names: list[str] = []
    if m := _first(lines, _INSPECTORS):
        s, ln, mm = m
        names = [_person(n) for n in re.split(r",\s*|\s+and\s+", mm.group("names")) if _person(n)]
        if names:
            fact("inspectors", ", ".join(names), s, ln, at=mm.start())
    if not lead:
        sign = _SIGN_OFF.search(text)
        if sign:
            after = [(s, ln) for s, ln in lines if s > sign.end()][:3]
            for s, ln in after:
                name = _person(ln)
                if re.fullmatch(r"(?:[A-Z][a-z'’-]+\s){1,3}[A-Z][a-z'’-]+", name):
                    lead = name
                    fact("lead_inspector", lead, s, ln)
                    break
    if not lead and names:
        lead = names[0]
    return lead, tuple(names)


def _addressee(head: Sequence[tuple[int, str]], fact: Any) -> str:
    """A letter's addressee: the name and role on the line after its date, before the
    subject line ('Ann Example Interim Corporate Director of Children's Services')."""
    date = next((i for i, (_, ln) in enumerate(head[:12]) if DATE_LINE.match(ln)), None)
    if date is None or date + 2 >= len(head):
        return ""
    s, ln = head[date + 1]
    if re.search(r"\d|@", ln) or len(ln) > 160 or _VISIT_SUBJECT.match(ln) or ln.endswith("."):
        return ""
    if not re.match(r"(?:(?:Mr|Mrs|Ms|Miss|Dr|Cllr)\.?\s)?[A-Z][a-z'’-]+\s[A-Z]", ln):
        return ""
    fact("addressee", ln, s, ln)
    return ln


def _areas_covered(lines: Sequence[tuple[int, str]], fact: Any) -> tuple[str, ...]:
    """The areas a visit looked at: the lines after 'the following areas ...' up to the next
    heading or statement."""
    for i, (_, ln) in enumerate(lines[:80]):
        if _AREAS_INTRO.search(ln) and ln.endswith(":"):
            areas = []
            for s, nxt in lines[i + 1 : i + 8]:
                item = nxt.lstrip("-• ").strip()
                if not item or len(item) > 200 or re.match(r"^This (visit|letter)", item):
                    break
                areas.append(item.rstrip("."))
                fact("areas_covered", item.rstrip("."), s, nxt)
                if not nxt.startswith(("-", "•")):
                    break
            return tuple(areas)
    return ()


def _to_improve(lines: Sequence[tuple[int, str]], fact: Any, most: int = 25) -> None:
    """The items of each list of what must improve: the bullets or numbered paragraphs after
    its heading, up to the first line that is neither; a heading followed by prose (a letter's
    one area for priority action) gives that paragraph."""
    for i, (_, ln) in enumerate(lines):
        if not _TO_IMPROVE.match(ln):
            continue
        items = 0
        for s, nxt in lines[i + 1 : i + 1 + most]:
            if _LIST_LEAD.search(nxt):
                continue
            if _LIST_ITEM.match(nxt):
                fact("to_improve", re.sub(r"^(?:[-•]|\d{1,3}\.)\s+", "", nxt).rstrip("."), s, nxt)
                items += 1
                continue
            if items == 0 and len(nxt) > 40 and nxt.endswith("."):  # (a heading has no full stop)
                fact("to_improve", nxt.rstrip("."), s, nxt)  # prose: the one paragraph
            break


def area_of(label: str) -> str:
    """The area key of a judgement label; the last matching key of a combined label
    ('children in care and care leavers' is the children-in-care judgement)."""
    low = label.lower()
    if re.search(r"\boverall\b", low):
        return "overall_effectiveness"
    if re.search(r"\bleaders?\b|\bleadership\b", low):
        return "impact_of_leaders"
    if "help and protection" in low:
        return "help_and_protection"
    if re.search(r"\bin care\b|\blooked after\b", low):
        return "children_in_care"
    for key, pattern in AREAS:
        if pattern.search(label):
            return key
    return ""


def _judgements(lines: Sequence[tuple[int, str]], fact: Any) -> None:
    """Judgement table rows ('label<TAB>Grade') and the overall judgement sentence of the
    older reports; the first judgement of each area wins (the table is on page 1)."""
    seen: set[str] = set()
    for s, ln in lines[:120]:
        if (m := _OVERALL_SENTENCE.search(ln.replace("\t", " "))) and "overall_effectiveness" not in seen:
            # the sentence (sometimes set as a table row: '... require improvement to be:<TAB>good')
            if grade := normal_grade(m.group("grade")):
                seen.add("overall_effectiveness")
                end = m.end() + (ln[m.end() : m.end() + 1] == ".")  # the sentence, not what the line runs on into
                fact("judgement", grade, s + m.start(), ln[m.start() : end].replace("\t", " "), "overall_effectiveness")
                continue
        if "\t" in ln:
            label, _, cell = ln.partition("\t")
            grade = normal_grade(cell)
            area = area_of(label)
            if grade and area and area not in seen:
                seen.add(area)
                fact("judgement", grade, s, ln.replace("\t", " "), area)
    if "overall_effectiveness" not in seen:
        for s, ln in lines[:120]:
            if re.match(r"^Overall effectiveness\b", ln) and (m := GRADE.search(ln)):
                fact("judgement", normal_grade(m.group(1)), s, ln, "overall_effectiveness")
                break
