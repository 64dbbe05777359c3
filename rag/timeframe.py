"""Read the time a question asks about: 'since 2014', 'in 2010', 'between 2014 and 2023',
'before 2020', 'latest', 'over time', 'compared with 2010'.

    >>> read_timeframe("How has management oversight changed since 2014?")
    TimeFrame(since=2014, until=None, change=True, latest=False)
    >>> read_timeframe("What did inspectors say about caseloads in 2014?")
    TimeFrame(since=2014, until=2014, change=False, latest=False)
"""

from __future__ import annotations

import re

from rag.records import TimeFrame
from rag.vocabulary import GRADE, ORDINAL

_YEAR = r"((?:19|20)\d\d)"
_CHANGE = re.compile(
    r"\b(chang\w*|over time|over the years|since|compared?\b|comparison|trend\w*|evolv\w*|"
    r"timeline|from \d{4} to|between \d{4} and|across (the )?(reports|years|inspections|documents)|"
    r"(which|what) (documents|reports|letters|visits|inspections) (mention|discuss|say|talk about|cover|refer to)|"
    r"where do the (documents|reports|letters) (mention|discuss|say)|in which (documents|reports|letters)|"
    r"(has|have|had) (\w+ ){0,3}(improved|deteriorated|worsened|got worse|got better|developed|moved on)|"
    r"(get|got|getting) (better|worse)|(has|have|had|was|were)( [\w'’]+){0,3} (always|ever) been)",
    re.I,
)


_TIME_PHRASE = re.compile(
    rf"\b(?:(?:in|during|since|after|from|before|prior to|until|up to|between|compared (?:with|to)|versus|vs\.?|relative to)\s+(?:the\s+)?)?"
    rf"{_YEAR}(?:\s*(?:and|to|until|-|–)\s*{_YEAR})?\b",
    re.I,
)


def strip_time(question: str) -> str:
    """The question without its time phrases, for ranking: the years become filters.

    >>> strip_time("What did inspectors say about caseloads in 2014?")
    'What did inspectors say about caseloads?'
    """
    text = _TIME_PHRASE.sub(" ", question)
    text = re.sub(r"\s+([?.!,])", r"\1", re.sub(r"\s+", " ", text)).strip()
    text = text.lstrip(",;: ")
    return text or question


_CHANGE_WORDS = re.compile(
    r"\b(how\s+(has|have|did|do)|chang\w*|over time|over the years|evolv\w*|developed|develop|improved|"
    r"deteriorated|worsened|got (better|worse)|compared?|comparison|trend\w*|since then|afterwards|after that|always|ever|now)\b",
    re.I,
)


def strip_change_words(question: str) -> str:
    """'How has the quality of supervision changed?' -> 'the quality of supervision?'"""
    text = re.sub(r"\s+", " ", _CHANGE_WORDS.sub(" ", question)).strip()
    text = re.sub(r"\s+([?.!,])", r"\1", text).strip(" ,;:")
    return text if len(text.split()) >= 1 and re.search(r"\w", text) else question


_DOC_YEAR = re.compile(rf"\b(?:the\s+|its\s+|their\s+)?{_YEAR}['’]?s?\s+(?:ofsted\s+)?(?:report|letter|inspection|visit|review|judgement|article)\b")


# 'since it was judged inadequate in 2018', 'since its inadequate judgement in 2015': a span
# from the year of the event 'since' names, within the same clause, no other year between.
_SINCE_CLAUSE = re.compile(rf"\bsince\b(?:(?!(?:19|20)\d\d)[^?.!;,]){{1,60}}?\b{_YEAR}\b")


# Two years set against each other: '2014 vs 2025', 'in 2018 compared with the 2022 report'.
_AGAINST = r"\s*,?\s*(?:vs\.?|versus|v\.?|against|compared\s+(?:with|to))\s*(?:the\s+|in\s+)?"
_VERSUS = re.compile(rf"\b{_YEAR}{_AGAINST}{_YEAR}\b")
# ... and a chain of them: '2019 vs 2022 vs 2026'
_VERSUS_CHAIN = re.compile(rf"\b(?:19|20)\d\d(?:{_AGAINST}(?:19|20)\d\d\b)+")


# 'it stayed outstanding like in 2019?': the year is where the state began, not the time asked about.
_STAYED_AS_IN = re.compile(rf"\b(?:stay(?:ed|s)?|remain(?:ed|s)?|kept)\b[^?.!]*\b(?:like|as)\s+(?:it\s+(?:was|did)\s+|they\s+(?:were|did)\s+)?in\s+{_YEAR}\b")


# 'the autumn 2024 visit, the third one after the 2022 failure': a count of what followed a
# year names the event counted from; where the question names another year, that one is the
# time it asks about
_COUNTED_FROM = re.compile(rf"(\b{ORDINAL.pattern}(?:\s+[\w-]+){{0,3}}?)\s+(?:since|after)\b[^?.!;]{{0,60}}?\b(?:19|20)\d\d\b")


def read_timeframe(question: str) -> TimeFrame:
    q = question.lower()
    if re.search(rf"\b{_YEAR}\b", uncounted := _COUNTED_FROM.sub(r"\1", q)):
        q = uncounted
    # One document named by its year ("why did the 2014 report say ... since 2012?"): the
    # question is about that document, whatever other years it mentions.
    # ('since the 2014 inspection', 'after Ofsted's 2014 inspection' are not about that
    # document: they start a span)
    named = {int(m.group(1)) for m in _DOC_YEAR.finditer(q) if not re.search(r"\b(?:since|after)\s+(?:(?:the|its|their)\s+)?(?:[\w-]+['’]s\s+)?$|\b(?:since|after)$", q[: m.start()])}
    if len(named) == 1 and not re.search(r"\b(?:between|from)\s+(?:the\s+)?(?:19|20)\d\d\b.*\b(?:and|to)\b", q) and not _VERSUS.search(q):
        year = named.pop()
        return TimeFrame(since=year, until=year, change=False)
    since = until = None
    change_words = bool(_CHANGE.search(q))
    if m := re.search(rf"\b(?:between|from)\s+{_YEAR}\s+(?:and|to|until|-)\s+{_YEAR}", q):
        a, b = sorted((int(m.group(1)), int(m.group(2))))
        since, until = a, b
        change_words = True
    elif m := _VERSUS.search(q):
        chain = _VERSUS_CHAIN.match(q, m.start())  # (it always matches where _VERSUS did)
        years = [int(y) for y in re.findall(_YEAR, chain.group(0))]
        a, b = min(years), max(years)  # '2014 vs 2025': the two years and what lies between
        since, until = a, b
        change_words = True
    elif m := re.search(rf"\b{_YEAR}\s*(?:-|–|to|until)\s*(?:now|today|date|the present)\b", q):
        since = int(m.group(1))  # '2016 to now': open-ended
        change_words = True
    elif m := re.search(rf"\b{_YEAR}\s*(?:-|–|to)\s*{_YEAR}\b", q):
        a, b = sorted((int(m.group(1)), int(m.group(2))))
        since, until = a, b
    elif m := re.search(rf"\b(?:since|after|from)\s+(?:the\s+)?{_YEAR}", q) or _SINCE_CLAUSE.search(q):
        # 'after 2022' is from 2023; 'after the 2022 inspection' from that inspection, in 2022
        # ('after the 2022 inadequate judgement' too: the judgement was given in 2022)
        after_year = re.search(rf"\bafter\s+(?:the\s+)?{m.group(1)}\b(?!['’]?s?\s+(?:ofsted\s+)?(?:{GRADE.pattern}\s+)?(?:report|letter|inspection|visit|judge?ment|rating))", q)
        since = int(m.group(1)) + (1 if after_year else 0)
        change_words = change_words or "since" in m.group(0)
    elif m := re.search(rf"\b(?:before|prior to|until|up to)\s+(?:the\s+)?{_YEAR}", q):
        until = int(m.group(1)) - (0 if re.search(r"\b(until|up to)\b", m.group(0)) else 1)
    elif m := re.search(rf"\b(?:compared (?:with|to)|versus|vs\.?|relative to)\s+(?:the\s+)?{_YEAR}", q):
        since = int(m.group(1))
        change_words = True
    else:
        years = sorted({int(y) for y in re.findall(rf"\b{_YEAR}\b", q)})
        if len(years) == 1:
            since = until = years[0]
        elif len(years) >= 2 and change_words:
            since, until = years[0], years[-1]
        elif len(years) >= 2:
            return TimeFrame(since=years[0], until=years[-1], change=False)
    if since is not None and since == until and re.search(r"\b(?:afterwards|after that|since then|from then on)\b", q):
        until, change_words = None, True  # 'bad in 2017 - did things get better afterwards?'
    elif since is not None and since == until and (re.search(r"\b(?:is|are|has|have)\b[^?.!]*\bstill\b", q) or _STAYED_AS_IN.search(q)):
        until, change_words = None, True  # 'are they still leaning on agency staff as in 2022?', 'did it stay good like in 2019?': from then to now
    latest = bool(re.search(r"\b(latest|most recent|newest|last (?:visit|inspection|letter|report)|currently|now|current)\b", q)
                  or re.search(r"\b(?:is|are|has|have)\b[^?.!]*\bstill\b", q))  # 'is it still inadequate?': as it stands
    if latest and since is not None and until is None and not re.search(r"\b(latest|most recent|newest|last)\b", q):
        latest = False  # 'still ... as in 2022': from that year on, not the newest report alone
    if latest and re.search(r"\b(now|currently)\b", q) and not re.search(r"\b(latest|most recent|newest|last)\b", q):
        latest = False  # "how are assessments now?" compares; it does not pick one letter
    change = change_words and (since != until or since is None) and not latest
    if latest and since is None and until is None:
        return TimeFrame(latest=True)
    # 'the most recent inspection before 2026': the newest within the one bound
    newest = latest and not change and (since is None) != (until is None) and bool(re.search(r"\b(?:latest|most recent|newest)\b", q))
    return TimeFrame(since=since, until=until, change=change, latest=newest)
