"""The domain's vocabulary, in one place: dates, inspection grades, numbers and the shape of
an English council's name. Every stage that reads dates, grades or counts takes them from here.

Nothing here names a council, a team or a person: these are the words of the domain (the
grades Ofsted gives, the months, how local-government names are built), not of a corpus.

    >>> parse_date("Report published: 30 June 2014")
    datetime.date(2014, 6, 30)
    >>> grade_at_end("Overall effectiveness Requires improvement to be good")
    ('Overall effectiveness', 'requires improvement', 'Requires improvement to be good')
"""

from __future__ import annotations

import datetime as dt
import functools
import re

MONTHS = (
    "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december",
)
MONTH_NUMBER = {m: i for i, m in enumerate(MONTHS, 1)} | {m[:3]: i for i, m in enumerate(MONTHS, 1)} | {"sept": 9}
MONTH_NAMES = "|".join(m.capitalize() for m in MONTHS)
MONTH_RE = rf"(?:{MONTH_NAMES})"
YEAR_RE = r"(?:19|20)\d\d"
# Words that place a question in the year, not say what it is about ('inspected in July', 'the autumn 2014 inspection').
CALENDAR_WORDS = frozenset(MONTH_NUMBER) | {"spring", "summer", "autumn", "winter"}  # 'nov 2025' too

# "30 June 2014", "30th June 2014" (bounded repetitions: linear on any input).
DATE = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s{{1,3}}({MONTH_NAMES})\s{{1,3}}({YEAR_RE})\b", re.I)
# A line that is only a date: a letter's date line.
DATE_LINE = re.compile(rf"^\s*\d{{1,2}}(?:st|nd|rd|th)?\s({MONTH_NAMES})\s{YEAR_RE}\s*$")
# "18 to 29 July 2022", "29 April 2014 - 21 May 2014", "10 to 21 November 2025",
# "19 November-30 November 2018", "6 December 2021 to 17 December 2021"
DATE_RANGE = re.compile(
    rf"\b(\d{{1,2}})(?:st|nd|rd|th)?(?:\s{{1,3}}({MONTH_NAMES}))?(?:\s{{1,3}}({YEAR_RE}))?"
    rf"\s{{0,3}}(?:to|-|–|—|until|and)\s{{0,3}}"
    rf"(\d{{1,2}})(?:st|nd|rd|th)?\s{{1,3}}({MONTH_NAMES})\s{{1,3}}({YEAR_RE})\b",
    re.I,
)
# A date or a month named in text (for 'when' answers).
WHEN = re.compile(
    rf"\b\d{{1,2}}(?:\s{{0,2}}(?:and|-|–|to)\s{{0,2}}\d{{1,2}})?\s{{1,3}}{MONTH_RE}\b|\b{MONTH_RE}\s{{1,3}}(?:\d{{1,2}}\b|{YEAR_RE})"
)
YEAR = re.compile(rf"\b({YEAR_RE})\b")
# A year, a month and year or a day and month named in a sentence ("in March 2009", "2014",
# "on 5th June"): what a fill-the-gap question must not blank as a count.
DATE_MENTION = re.compile(rf"\b(?:\d{{1,2}} )?(?:{MONTH_RE} )?{YEAR_RE}\b|\b\d{{1,2}}(?:st|nd|rd|th)? {MONTH_RE}\b")

# Ofsted's grades, best first. "Adequate" and "performs poorly/excellently" belong to the
# frameworks before 2013; "requires improvement to be good" is the longer form of RI.
GRADES = ("outstanding", "good", "requires improvement", "inadequate")
GRADE_RANK = {"outstanding": 4, "good": 3, "requires improvement": 2, "adequate": 2, "inadequate": 1}
_GRADE_ALTERNATIVES = r"requires\s+improvement(?:\s+to\s+be\s+good)?|require\s+improvement|outstanding|good|inadequate|adequate"
GRADE = re.compile(rf"\b({_GRADE_ALTERNATIVES})\b", re.I)
_GRADE_AT_END = re.compile(rf"^(?P<area>.*?)[\s:\-–]*\b(?P<grade>{_GRADE_ALTERNATIVES})\s*$", re.I)
# The grades as inspection prose states them, the earlier frameworks' included ("adequate",
# a service that "performs poorly"): for finding judgement statements in a document's text.
# "failed its Ofsted": said of a service judged inadequate (a question's premise, never a document's grade)
FAILED_INSPECTION = re.compile(r"\b(?:failed|failing|fails)\s+(?:its\s+|their\s+|the\s+|an\s+)?(?:(?:19|20)\d\d\s+|last\s+|latest\s+|recent\s+)?(?:ofsted|inspection)\b", re.I)
GRADE_WORDS = GRADES + ("adequate", "performs poorly")
GRADE_WORDS_RE = r"(?:" + "|".join(GRADE_WORDS) + ")"
GRADE_WORD = re.compile(GRADE_WORDS_RE, re.I)
# How documents state a judgement: "The overall judgement is good", a judgement-table row
# ("Adoption performance<TAB>Good"), "The effectiveness of the LSCB requires improvement",
# a judgement with its date ("judged inadequate in July 2022"), a limiting judgement, any
# "was judged to be ...", and a section heading that carries a grade.
OVERALL_JUDGEMENT = re.compile(rf"^The overall judgement is {GRADE_WORDS_RE}\b.*$", re.I | re.M)
JUDGEMENT_ROW = re.compile(rf"^[^\n\t]{{3,160}}\t[ \t]*{GRADE_WORDS_RE}[ \t]*$", re.I | re.M)
EFFECTIVENESS_LINE = re.compile(rf"^The effectiveness of the [^\n]{{3,120}} (?:requires improvement|is {GRADE_WORDS_RE})[ \t]*$", re.I | re.M)
JUDGED_WHEN = re.compile(rf"\bjudged (?:to be |as )?[\"'“‘]?{GRADE_WORDS_RE}[\"'”’]?[^.\n]{{0,80}}\b{YEAR_RE}\b", re.I)
LIMITING_JUDGEMENT = re.compile(r"\blimiting judgement\b|\blimited to '?performs poorly", re.I)
JUDGED = re.compile(rf"\bjudged (?:to be |as )?[\"'“‘]?{GRADE_WORDS_RE}\b", re.I)
GRADED_HEADING = re.compile(rf"(?:\brequires improvement|\bis {GRADE_WORDS_RE})\s*$", re.I)
# Words after which a grade is a statement ("services are inadequate"), not a table cell.
_STATEMENT_VERBS = frozenset("is are was were be been being remain remains remained as judged rated now still not".split())

NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
    "thirty": 30, "forty": 40, "fifty": 50, "hundred": 100, "thousand": 1000,
}
# Words that give a quantity ('half of them', 'a dozen'); 'the majority', 'a few' or
# 'several' give none: they do not answer 'how many?'.
QUANTITY_WORDS = ("half", "quarter", "third", "dozen")
NUMBER_WORD_RE = r"(?:" + "|".join(list(NUMBER_WORDS) + list(QUANTITY_WORDS)) + r")"
ORDINALS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
    "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12,
}
ORDINAL = re.compile(r"\b(" + "|".join(ORDINALS) + r"|\d{1,2}(?:st|nd|rd|th))\b", re.I)

# How English local-government names are built around the place name: "London Borough of X",
# "X County Council", "City of X Metropolitan District Council", "X Children's Trust".
_AUTHORITY_PREFIXES = (
    "london borough of", "royal borough of", "metropolitan borough of", "borough of", "county of",
    "city and county of", "council of the", "city of", "county", "the",
)
_AUTHORITY_SUFFIX_WORDS = frozenset(
    """council borough metropolitan district county city unitary authority local trust children's
    childrens children services service families family and social care of""".split()
)


def parse_date(text: str) -> dt.date | None:
    """The first day-month-year date in ``text``, or None."""
    for m in DATE.finditer(text):
        try:
            return dt.date(int(m.group(3)), MONTH_NUMBER[m.group(2).lower()], int(m.group(1)))
        except ValueError:
            continue
    return None


def parse_range(text: str) -> tuple[dt.date, dt.date] | None:
    """The first date range ('18 to 29 July 2022') in ``text`` as (start, end), or None."""
    for m in DATE_RANGE.finditer(text):
        d1, m1, y1, d2, m2, y2 = m.groups()
        try:
            end = dt.date(int(y2), MONTH_NUMBER[m2.lower()], int(d2))
            start_month = MONTH_NUMBER[m1.lower()] if m1 else end.month
            start_year = int(y1) if y1 else (end.year if start_month <= end.month else end.year - 1)
            start = dt.date(start_year, start_month, int(d1))
        except ValueError:
            continue
        if start <= end and (end - start).days <= 400:
            return start, end
    return None


def normal_grade(text: str) -> str:
    """'Requires Improvement to be good' -> 'requires improvement'; '' when not a grade."""
    t = re.sub(r"\s+", " ", text.strip().lower())
    if t.startswith("require"):
        return "requires improvement"
    return t if t in GRADE_RANK else ""


def grade_at_end(line: str) -> tuple[str, str, str] | None:
    """(area, grade, the grade as written) when ``line`` reads as a judgement table row
    ('Adoption performance Good'), None for prose ('services in X are inadequate.') or a
    line without a grade at its end."""
    s = line.strip()
    if not s or s.endswith((".", ";", ",")):
        return None
    m = _GRADE_AT_END.match(s)
    if not m:
        return None
    area = m.group("area").strip(" :-–")
    words = area.lower().split()
    if words and words[-1] in _STATEMENT_VERBS:
        return None
    return area, normal_grade(m.group("grade")), m.group("grade")


def grade_label(grade: str) -> str:
    """'requires improvement' -> 'Requires improvement'."""
    return grade[:1].upper() + grade[1:]


def _as_date(value: dt.date | str) -> dt.date | str:
    """A date from a date or an ISO string; a string that is not ISO comes back unchanged."""
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return value
    return value


def month_year(value: dt.date | str | None) -> str:
    """'June 2014' from a date or an ISO string; '' when unknown."""
    if not value:
        return ""
    value = _as_date(value)
    return value if isinstance(value, str) else f"{value:%B %Y}"


def format_date(value: dt.date | str | None) -> str:
    """'28 July 2010' from a date or an ISO string; '' when unknown."""
    if not value:
        return ""
    value = _as_date(value)
    return value if isinstance(value, str) else f"{value.day} {value:%B %Y}"


@functools.lru_cache(maxsize=4096)
def authority_key(name: str) -> str:
    """The place name at the heart of an authority's name, lower case, for matching:
    'London Borough of Upton and Downton' -> 'upton and downton',
    'City of Barchester Metropolitan District Council' -> 'barchester', 'City of London' -> 'london'."""
    text = " ".join(re.findall(r"[a-z0-9']+", name.lower().replace("’", "'").replace("&", " and ")))
    changed = True
    while changed:
        changed = False
        for prefix in _AUTHORITY_PREFIXES:
            if text.startswith(prefix + " "):
                text, changed = text[len(prefix) + 1 :], True
    words = text.split()
    while len(words) > 1 and words[-1] in _AUTHORITY_SUFFIX_WORDS:
        words.pop()
    if words and words[-1] in _AUTHORITY_SUFFIX_WORDS:
        return ""  # nothing but the words of any authority ('local authority')
    return " ".join(words)


def display_authority(name: str) -> str:
    """The authority's place name as the document writes it ('Upton and Downton')."""
    key = authority_key(name)
    if not key:
        return name.strip()
    words = name.replace("&", "and").split()
    lowered = [re.sub(r"[^a-z0-9']", "", w.lower().replace("’", "'")) for w in words]
    target = key.split()
    for i in range(len(words) - len(target) + 1):
        if lowered[i : i + len(target)] == target:
            return " ".join(words[i : i + len(target)]).strip(" ,")
    return key.title()
