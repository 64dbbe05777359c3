"""Read a question against the library it is asked of: which councils it names (from the
authorities the library actually holds, typos and possessives allowed), councils it names
that the library does not hold, which report fact it asks for (a grade, the lead inspector,
dates, the addressee), whether it compares councils, and what a follow-up inherits.

Nothing here knows a council's name: the names come from the documents' own facts.

    >>> lib = Library.of([])
    >>> read_question("what did inspectors say about caseloads in 2014?", lib).asks
    ''
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from rag.facts import area_of
from rag.records import DocRecord, QuestionFrame
from rag.text import STOPWORDS
from rag.timeframe import read_timeframe, strip_change_words, strip_time
from rag.vocabulary import CALENDAR_WORDS, FAILED_INSPECTION, GRADE, NUMBER_WORDS, ORDINALS, authority_key, normal_grade

Frequency = Callable[[str], int]  # word -> in how many chunks the library uses it

# What a question asks of the report facts, by the words it asks with.
_ASKS = (
    ("lead_inspector", re.compile(
        r"\b(?:who\s+(?:was\s+|were\s+)?(?:the\s+)?(?:led|lead|leads|leading|inspected|inspector|inspectors|carried out"
        r"|did\s+(?:the\s+|this\s+|that\s+|its\s+|their\s+)?(?:[\w'’]+\s+){0,2}(?:inspection|visit|inspecting)\b)"
        r"|lead\s+inspectors?|inspect[eo]rs?\s+for\s+(?:the|this)\b|which\s+(?:inspectors?|hmis?)\b|who\s+(?:was|were)\s+the\s+hmis?\b|inspected\s+by|who\s+were\s+the\s+inspectors"
        r"|name\s+of\s+the\s+(?:lead\s+)?inspector"
        # a letter or report is signed by its lead inspector
        r"|who\s+(?:has\s+|had\s+)?signed|signed\s+by|signator(?:y|ies))", re.I)),
    ("areas_covered", re.compile(r"\b(?:which|what)\s+areas?\b.{0,60}\b(?:visits?|focus|cover|look)|\bareas?\s+covered\b|\bfocus(?:ed)?\s+on\b.{0,40}\bvisits?\b|\bvisits?\b.{0,40}\bfocus(?:ed)?\s+on\b", re.I)),
    # the report's list of what must improve ('what needs to improve?', 'areas for improvement',
    # 'what weaknesses did it flag for action?', 'recommendations')
    ("to_improve", re.compile(
        r"\bwhat\s+(?:still\s+)?(?:needs?|needed)\s+(?:to\s+)?(?:be\s+)?improv|\bneed(?:s|ed)?\s+to\s+(?:be\s+)?improv|\bareas?\s+(?:for|of|needing|that\s+need(?:ed)?)\s+(?:improvement|priority\s+action)"
        r"|\bpriority\s+actions?\b|\brecommendations?\b|\bimprovements?\s+(?:needed|required)\b|\bweakness(?:es)?\b.{0,40}\b(?:flag|identif|set\s+out|list)\w*", re.I)),
    ("addressee", re.compile(r"\b(?:addressed|sent|written)\s+to\b|\bwho\s+(?:was|were)\s+(?:the\s+)?(?:letter|it)\s+(?:for|to)\b|\bwho\s+received\b|\baddressee\b", re.I)),
    ("published", re.compile(r"\b(?:when\s+(?:was|were|did)\s+(?:[\w'’]+\s+){0,5}publish(?:ed)?\b|publication\s+date|date\s+of\s+publication|published\s+when|when\s+published)\b", re.I)),
    ("inspection_dates", re.compile(
        r"\b(?:when\s+(?:was|were|did)\s+(?:the\s+)?(?:\w+\s+){0,4}(?:inspect(?:ed|ion|ors)|visit(?:ed)?|on\s+site)"
        r"|(?:inspection|visit)s?\s+dates?|dates?\s+of\s+the\s+(?:inspection|visit)|when\s+did\s+(?:inspectors|ofsted)\s+(?:visit|inspect|come)"
        r"|what\s+dates?|which\s+dates?|on\s+what\s+dates?)\b", re.I)),
    ("judgement", re.compile(
        r"\b(?:grade[sd]?|grading|judge?ments?|judged|rated|rating|ratings|verdict|score[sd]?|overall\s+effectiveness"
        r"|(?:did|does|do)\s+(?:ofsted|inspectors?|they|it)\s+judge\b"  # 'what did Ofsted judge X to be?'"
        r"|how\s+(?:did|was|were)\s+\w+(?:\s+\w+){0,3}\s+(?:do|rated|judged|graded)|ofsted\s+(?:rating|grade|judgement)"
        r"|(?:what|which)\s+(?:grade|rating|judgement)|(?:outstanding|inadequate)\b"
        r"|overall\s+(?:outcome|result)s?|(?:ofsted|inspection)\s+(?:result|outcome)s?)", re.I)),
)
# A clause placing the question after a judgement ('since the 2022 inadequate judgement',
# 'following its inadequate rating'): it says when, and asks for no judgement.
_WHEN_JUDGED = re.compile(rf"\b(?:since|after|following)\s+(?:the\s+|its\s+|their\s+)?(?:(?:19|20)\d\d\s+)?(?:ofsted\s+)?{GRADE.pattern}\s+(?:ofsted\s+)?(?:judge?ment|rating|grade)\b", re.I)
_COUNT = re.compile(r"\bhow\s+(?:many|much|long|often)\b|\b(?:what|which)\s+(?:number|percentage|proportion)\b", re.I)
_REFERS = re.compile(r"\b(?:it|its|they|them|their|that|this|those|these|there|then|the same)\b", re.I)
_POINTS_BACK = re.compile(r"\b(?:it|they|them|that|this|those|these)\b\s*[?.!]?\s*$|\b(?:deal|cope|do|help)\s+with\s+(?:it|them|that|this)\b|\b(?:about|of|for|on|to)\s+(?:it|them|that|this|those|these)\b", re.I)
_FOLLOW_OPENERS = re.compile(r"^\s*(?:and|also|what\s+about|how\s+about|same\s+(?:for|in)|now|then|ok|and\s+what\s+about|and\s+in|and\s+for)\b", re.I)
_ASK_WORDS = frozenset(
    """led lead inspector inspectors inspected inspection inspections grade graded grades judgement judgment
    judgements judged rated rating ratings report reports letter letters latest recent newest current ofsted
    council councils authority services children what which who when how did was were is are the of in for
    and or better worse compare compared overall effectiveness""".split()
)
# The words that ask for a report's list of what must improve (the ask's own, not a topic)
_IMPROVE_WORDS = frozenset(
    """improve improvement improvements improving improved need needs needed area areas priority action actions
    recommendation recommendations weakness weaknesses flag flagged flags identify identified identifies list listed
    set still required main key""".split()
)
# Words that ask what an inspection concluded as a whole ('what did its latest inspection find?',
# 'how did X fare?'): a question made only of these has no topic of its own.
_OUTCOME_WORDS = frozenset(
    """find found finds findings result results outcome outcomes conclude concluded conclusion conclusions
    say said says stand stands standing status verdict fare fared doing perform performed performing
    good bad better worse best worst poor poorly badly well still
    """.split()
)
_COMPASS = frozenset("north south east west central greater upper lower new old".split())
_FILLERS = frozenset("one ones same too also again else instead either anything something thing things stuff way ways get got getting year years time according".split())
# 'the fifth monitoring visit', 'their fourth check-in visit', 'the 2nd ofsted visit': an
# ordinal and the visit it numbers, up to two words apart
_VISIT = re.compile(r"\b(" + "|".join(ORDINALS) + r"|\d{1,2}(?:st|nd|rd|th))\s+(?:[a-z][\w'’-]*\s+){0,2}?visit\b", re.I)


# A question built on a premise: 'why was X judged ...?', 'what went wrong with X ...?'
PREMISE = re.compile(
    r"^\s*(?:why\s+(?:did|was|were|had|has|have|is|are|do|does)\b|how\s+come\b|given\s+that\b)|\breasons?\b"
    r"|\bwhat\s+(?:had\s+|has\s+)?(?:gone|went)\s+wrong\b",
    re.I,
)
_NEGATIVE_PREFIXES = ("un", "in", "im", "ir", "il", "dis", "non")


def _antonym_bases(text: str, frequency: Frequency | None) -> tuple[str, ...]:
    """For a question that takes something for granted ('why were caseloads unmanageable?'),
    the unprefixed form of its judging words ('manageable') when the library uses it: a
    correction would say that."""
    if frequency is None:
        return ()
    out = []
    for w in re.findall(r"[A-Za-z]{7,}", text):
        low = w.lower()
        for prefix in _NEGATIVE_PREFIXES:
            base = low[len(prefix) :]
            if low.startswith(prefix) and len(base) >= 5 and frequency(base) > frequency(low):
                out.append(base)
                break
    return tuple(dict.fromkeys(out))


def _ordinal(word: str) -> int:
    w = word.lower()
    return ORDINALS[w] if w in ORDINALS else int(re.sub(r"\D", "", w))


@dataclass(frozen=True)
class Authority:
    """One council the library holds, under every name its documents give it."""

    key: str  # canonical vocabulary.authority_key
    name: str  # as the documents write it
    phrases: tuple[str, ...]  # keys and aliases it is matched by, lower case
    doc_ids: tuple[str, ...]


@dataclass(frozen=True)
class Library:
    """What the library holds, as questions need it: its documents and its authorities."""

    documents: tuple[DocRecord, ...] = ()
    authorities: tuple[Authority, ...] = ()
    people: tuple[str, ...] = ()  # names of inspectors and addressees the report facts give
    _phrase_cache: dict[str, tuple[int, ...]] = field(default_factory=dict, init=False, repr=False, compare=False)

    @classmethod
    def of(cls, documents: Sequence[DocRecord]) -> Library:
        """Group documents by authority. A document that names its council in a shorter form
        ('Bridge') joins the council whose other reports use that form on their own as an alias
        of their longer name ('Kingsbridge upon Avon' reports that speak of 'Bridge')."""
        keys: dict[str, list[DocRecord]] = {}
        names: dict[str, str] = {}
        aliases: dict[str, set[str]] = {}
        for d in documents:
            key = d.authority_key
            if not key:
                continue
            keys.setdefault(key, []).append(d)
            names.setdefault(key, d.authority)
            aliases.setdefault(key, set()).update(a for a in d.report_facts.authority_aliases if a != key)
        canonical = {k: k for k in keys}
        for key in sorted(keys, key=len, reverse=True):
            for alias in aliases.get(key, ()):
                if alias in keys and canonical[alias] == alias and len(alias) < len(key):
                    canonical[alias] = canonical[key]
        grouped: dict[str, list[str]] = {}
        for k, c in canonical.items():
            grouped.setdefault(c, []).append(k)
        out = []
        for c, members in grouped.items():
            phrases = set(members)
            for m in members:
                phrases.update(a for a in aliases.get(m, ()) if a not in keys or canonical.get(a) == c)
            docs = [d.doc_id for m in members for d in keys[m]]
            out.append(Authority(c, names[c], tuple(sorted(phrases, key=len, reverse=True)), tuple(docs)))
        people = sorted({_person_name(f.value) for d in documents for f in d.report_facts.facts
                         if f.name in ("lead_inspector", "addressee")} | {n for d in documents for n in d.report_facts.inspectors})
        people = [p for p in people if p and len(p.split()) >= 2]
        return cls(tuple(documents), tuple(sorted(out, key=lambda a: a.key)), tuple(people))

    @functools.cached_property
    def phrase_words(self) -> tuple[tuple[list[str], str], ...]:
        """Every phrase an authority is matched by, as words, with its key: longest first."""
        return tuple(sorted(((p.split(), a.key) for a in self.authorities for p in a.phrases), key=lambda c: -len(c[0])))

    def phrases_starting(self, word: str) -> tuple[int, ...]:
        """Indexes into ``phrase_words`` of the phrases whose first word may be ``word``:
        that word, a typo of it (``_close``) or, for a one-word name, the word cut short
        (6+ letters). Worked out once per word."""
        cache = self._phrase_cache
        if word not in cache:
            cache[word] = tuple(
                j for j, (phrase, _) in enumerate(self.phrase_words)
                if _close(word, phrase[0]) or len(phrase) == 1 and len(word) >= 6 and phrase[0].startswith(word)
            )
        return cache[word]

    def authority(self, key: str) -> Authority | None:
        return next((a for a in self.authorities if a.key == key or key in a.phrases), None)

    def members(self, key: str) -> tuple[str, ...]:
        """Every authority key (aliases merged) that stands for this authority."""
        a = self.authority(key)
        return tuple(sorted({authority_key(p) for p in a.phrases} | {a.key})) if a else (key,)

    def documents_of(self, key: str) -> list[DocRecord]:
        a = self.authority(key)
        ids = set(a.doc_ids) if a else set()
        return [d for d in self.documents if d.doc_id in ids]


def _person_name(value: str) -> str:
    """'Ann Example Interim Corporate Director ...' -> 'Ann Example'; 'Mr Bob Sample ...' -> 'Bob Sample'."""
    words = re.sub(r"^(?:Mr|Mrs|Ms|Miss|Dr|Cllr)\.?\s+", "", value).split()
    return " ".join(words[:2]) if len(words) >= 2 and all(w[:1].isupper() for w in words[:2]) else ""


def read_question(text: str, library: Library, *, previous: str = "", frequency: Frequency | None = None, is_name: Callable[[str], bool] | None = None) -> QuestionFrame:
    """The frame of ``text`` against ``library``; ``previous`` is the question asked just
    before in the same conversation; ``frequency`` (a word's chunk count) tells a council's
    name the library has never seen from an ordinary word, and ``is_name`` (does the library
    only ever write the word as a name?) a place it only mentions from a word of its own."""
    asked = text
    follow = False
    if previous and _is_follow_up(text, previous, library):
        text, follow = _resolve(text, previous, library), True
    elif previous and _inherits_scope(text, library):
        text, follow = _with_scope(text, previous, library), True
    shouting = _shouting(text)
    tf = read_timeframe(text)
    keys, mentions = _authorities(text, library, frequency)
    # 'after the 2022 inadequate judgement' says when, not what is asked
    asking = _WHEN_JUDGED.sub(" ", text)
    asked_for = [name for name, pattern in _ASKS if pattern.search(asking)]
    unknown = () if keys else _unknown_authorities(text, library, frequency, shouting) or _keyword_lead(text, library, frequency, bool(asked_for or area_of(text)), is_name)
    if "to_improve" in asked_for and {w for w in topic_of(text, library) if w not in NUMBER_WORDS} - _IMPROVE_WORDS:
        asked_for.remove("to_improve")  # 'what needs to improve in the MASH?': a topic of its own, found in the text
    asks = asked_for[0] if asked_for else ""
    if asks and _COUNT.search(text):
        asks, asked_for = "", []  # 'how many inspectors ...' asks for a figure the text gives, not a fact line
    # a second part ('..., and what was the overall outcome?') asks for a second fact
    # or two fact words joined by 'and' ('... grade and lead inspector')
    also = tuple(a for a in asked_for[1:] if re.search(r",?\s+and\s+(?:what|who|when|which|how)\b", text, re.I) or _joined(text, asks, a))
    area = area_of(text)
    grade = ""
    if (m := GRADE.search(text)) and not re.search(r"\bhow\s+$", text[: m.start()], re.I):
        # ('how good are assessments?' asks a question; it asserts no grade)
        grade = normal_grade(m.group(1))
        if not asks and re.search(r"\b(?:why|how come|was|were|is|are)\b", text, re.I):
            asks, area = "judgement", area_of(text)
    elif FAILED_INSPECTION.search(text):
        grade, asks = "inadequate", asks or "judgement"
    comparison = len(keys) >= 2  # two councils named are read side by side ('impact of leaders X Y 2025')
    visit, visit_words = None, ""
    if m := _VISIT.search(text):
        visit, visit_words = _ordinal(m.group(1)), m.group(0)
    people = tuple(p for p in library.people if re.search(rf"\b{re.escape(p)}\b", text, re.I))
    expansions = _antonym_bases(text, frequency) if PREMISE.search(text) else ()
    return QuestionFrame(
        text=text,
        asked=asked,
        timeframe=tf,
        authorities=tuple(keys),
        unknown_authorities=tuple(unknown),
        asks=asks,
        also_asks=also if asks else (),
        area=area,
        grade=grade,
        comparison=comparison,
        follow_up=follow,
        shouting=shouting,
        visit=visit,
        visit_words=visit_words,
        people=people,
        expansions=expansions,
        mentions=tuple(mentions),
        topic=topic_of(text, library),
    )


# -- councils ------------------------------------------------------------------------


def _words(text: str) -> list[tuple[str, int, int]]:
    """Lower-case words with their spans; possessive 's dropped; '&' read as 'and'."""
    out = []
    for m in re.finditer(r"[A-Za-z0-9&][A-Za-z0-9'’-]*", text):
        w = m.group(0).lower().replace("’", "'")
        w = "and" if w == "&" else re.sub(r"'s$", "", w)
        out.append((w.strip("'-"), m.start(), m.end()))
    return out


@functools.lru_cache(maxsize=1 << 16)
def _close(a: str, b: str) -> bool:
    """Same word, or a typo of it: one edit for 5+ letters, two for 9+."""
    if a == b:
        return True
    if min(len(a), len(b)) < 5 or abs(len(a) - len(b)) > 2:
        return False
    limit = 2 if min(len(a), len(b)) >= 9 else 1
    if limit == 1 and a[0] != b[0] and a[-1] != b[-1]:
        return False  # one edit leaves the first or the last letter as it was
    return _distance(a, b, limit) is not None


def _distance(a: str, b: str, limit: int) -> int | None:
    """Damerau-Levenshtein distance if at most ``limit``, else None."""
    prev2: list[int] | None = None
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if prev2 is not None and i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return None
        prev2, prev = prev, cur
    return prev[-1] if prev[-1] <= limit else None


def _authorities(text: str, library: Library, frequency: Frequency | None = None) -> tuple[list[str], list[str]]:
    """Canonical keys of the councils ``text`` names, and the words that named them.
    With ``frequency``, a word one typo away from a name is taken for that name only when
    the library uses it less than the name itself ('wakefeild'), not when it is a word of
    its own ('trend' is not 'Trent')."""
    words = _words(re.sub(r"(?<=\w)-(?=\w)", " ", text))  # 'Stoke-on-Trent' as the library's words (same offsets)
    lows = [w for w, _, _ in words]
    taken = [False] * len(words)
    found: list[tuple[int, str, str]] = []  # (position, key, words as typed)
    # (phrase, position) pairs whose first word may match, in the order longest phrase first
    pairs = sorted((j, i) for i, x in enumerate(lows) for j in library.phrases_starting(x))
    for j, i in pairs:
        phrase, key = library.phrase_words[j]
        n = len(phrase)
        if i + n > len(words) or any(taken[i : i + n]):
            continue
        span = [w for w, _, _ in words[i : i + n]]
        exact = span == phrase
        if not exact and not (all(_close(x, y) for x, y in zip(span, phrase)) and any(len(y) >= 5 for y in phrase)):
            # a council's name cut short ('Barchest' for 'Barchestershire') also names it
            if not (n == 1 and len(span[0]) >= 6 and phrase[0].startswith(span[0]) and span[0] not in STOPWORDS):
                continue
        elif not exact and frequency is not None and any(x != y and frequency(x) > frequency(y) for x, y in zip(span, phrase)):
            continue  # an ordinary word of the library's, not a misspelt name
        if n == 1 and (span[0] in STOPWORDS or span[0] in _ASK_WORDS):
            continue
        for t in range(i, i + n):
            taken[t] = True
        found.append((words[i][1], key, text[words[i][1] : words[i + n - 1][2]]))
    found.sort()
    keys: list[str] = []
    for _, key, _ in found:
        if key not in keys:
            keys.append(key)
    return keys, [typed for _, _, typed in found]


_SLOT_AFTER = re.compile(r"^(?:['’]s)?\s+(?:county\s+council|borough\s+council|city\s+council|council|children['’]?s\s+services|local\s+authority)\b", re.I)
_SLOT_BEFORE = re.compile(r"\b(?:in|for|at|from)\s+$", re.I)
_NOT_PLACES = frozenset(m for m in "january february march april may june july august september october november december monday tuesday wednesday thursday friday saturday sunday".split())


def _unknown_authorities(text: str, library: Library, frequency: Frequency | None, shouting: bool) -> list[str]:
    """Names standing where a council's name stands that are not councils the library holds:
    a run of capitalised words (any words, in a question typed in lower case or capitals)
    right before 'council' / "children's services" / 'local authority' (a strong slot), or
    after 'in' / 'for' or before a possessive (a weak slot, where the name must also be one
    the library's text hardly ever uses). The question's first word never counts."""
    if not library.authorities:
        return []
    lower = text == text.lower() or shouting
    words = [(m.group(0), m.start(), m.end()) for m in re.finditer(r"[A-Za-z][A-Za-z'’-]*", text)]
    out: list[str] = []

    def namelike(w: str) -> bool:
        base = re.sub(r"['’]s$", "", w)
        low = base.lower()
        if low in STOPWORDS or low in _ASK_WORDS or low in _NOT_PLACES or low in _COMPASS and not base[:1].isupper():
            return False
        return lower or base[:1].isupper()

    i = 0
    while i < len(words):
        if not namelike(words[i][0]) or words[i][1] == 0 and not lower:
            i += 1
            continue
        j = i
        while j + 1 < len(words) and j - i < 3 and (namelike(words[j + 1][0]) or words[j + 1][0].lower() in ("and", "upon")) and not re.search(r"['’]s$", words[j][0]):
            j += 1
        while j > i and words[j][0].lower() in ("and", "upon"):
            j -= 1
        name_words = [re.sub(r"['’]s$", "", w) for w, _, _ in words[i : j + 1]]
        after = text[words[j][2] - (2 if re.search(r"['’]s$", words[j][0]) else 0) :]
        strong = bool(_SLOT_AFTER.match(after))
        weak = bool(_SLOT_BEFORE.search(text[: words[i][1]])) or bool(re.search(r"['’]s$", words[j][0]))
        i = j + 1
        if not (strong or weak) or (words[0][1] == 0 and name_words[0] == words[0][0] and not lower and len(name_words) == 1):
            continue
        while len(name_words) > 1 and name_words[-1].lower() in ("county", "city", "borough", "metropolitan", "district"):
            name_words.pop()
        content = [w.lower() for w in name_words if w.lower() not in ("and", "upon")]
        if not content or all(w in _COMPASS for w in content):
            continue
        freq = [frequency(w) if frequency else 0 for w in content]
        if strong and any(f > 50 for f in freq):
            continue  # an ordinary word of the library ('the local authority', 'social care')
        if not strong and (frequency is None or any(f > 2 for f in freq)):
            continue
        if not strong and not lower and all(w.isupper() and len(w) > 1 for w in name_words):
            continue  # an acronym ('from CAMHS'): a service as often as a place, unless 'council' follows
        if any(key.startswith(content[0]) or content[0].startswith(key.split()[0]) and len(content[0]) >= 5 for key in (a.key for a in library.authorities)):
            continue  # the start of a name the library holds
        label = " ".join(w.capitalize() if w.islower() else w for w in name_words)
        if label not in out:
            out.append(label)
    return out


def _joined(text: str, first: str, second: str) -> bool:
    """Do the words asking for two facts stand side by side, joined by 'and'?"""
    spans = {name: pattern.search(text) for name, pattern in _ASKS if name in (first, second)}
    a, b = sorted((spans[first].span(), spans[second].span()))
    return a[1] <= b[0] and re.fullmatch(r"\s*(?:,\s*)?and\s+(?:the\s+|its\s+)?", text[a[1] : b[0]], re.I) is not None


def _held_word(word: str, library: Library) -> bool:
    """Is the word part of the name of a council the library holds, or of a person its
    reports name ('london' of 'City of London')?"""
    return any(word in p.split() for a in library.authorities for p in a.phrases) or any(word in p.lower().split() for p in library.people)


def _keyword_lead(text: str, library: Library, frequency: Frequency | None, asks_fact: bool, is_name: Callable[[str], bool] | None = None) -> list[str]:
    """The name a keyword question leads with ('Barset care leavers judgement 2023',
    'barset ilacs 2022 overall effectiveness'): in a question that asks for a report fact or
    names a judged area, with no question word first, the opening words the library's
    text hardly ever uses (twice at most), or only ever writes as a name without holding
    a council of that name (a neighbour its reports mention), stand where a council's name
    stands."""
    if not (asks_fact and library.authorities and frequency is not None):
        return []
    name: list[str] = []
    after = ""
    for m in re.finditer(r"[A-Za-z][A-Za-z'’-]*", text):
        word = re.sub(r"['’]s$", "", m.group(0))
        low = word.lower()
        rare = frequency(low) <= 2 or is_name is not None and is_name(low) and not _held_word(low, library)
        if len(name) == 3 or low in STOPWORDS or low in _ASK_WORDS or low in _NOT_PLACES or len(low) < 3 or not rare:
            after = low
            break
        name.append(word)
        if word != m.group(0):  # a possessive ends the name
            break
    if after == "of":
        return []  # the head of a noun phrase ('percentage of care leavers ...'), not a place
    content = [w.lower() for w in name]
    if not content or any(key.startswith(content[0]) or content[0].startswith(key.split()[0]) and len(content[0]) >= 5 for key in (a.key for a in library.authorities)):
        return []
    return [" ".join(w.capitalize() if w.islower() else w for w in name)]


# -- follow-ups ---------------------------------------------------------------------


def _content(text: str, library: Library) -> list[str]:
    """A question's own topic words: not time, not councils, not question words."""
    keys, mentions = _authorities(text, library)
    t = strip_time(text)
    for m in mentions:
        t = re.sub(rf"\b{re.escape(m)}(?:['’]s)?\b", " ", t, flags=re.I)
    t = _FOLLOW_OPENERS.sub(" ", t)
    return [w for w, _, _ in _words(t) if w not in STOPWORDS and w not in _ASK_WORDS and w not in _FILLERS and w not in CALENDAR_WORDS and not w.isdigit() and len(w) > 2]


def topic_of(text: str, library: Library) -> tuple[str, ...]:
    """What a question is about, beyond its councils, its time, its asking for change and
    its asking for an inspection's outcome: () for 'has Barset improved since 2015?' or
    'what did Barset's latest inspection find?'."""
    return tuple(w for w in _content(strip_change_words(GRADE.sub(" ", text)), library) if w not in _OUTCOME_WORDS)


def _is_follow_up(text: str, previous: str, library: Library) -> bool:
    """Short, or opened like a follow-up ('and in 2023?', 'what about care leavers?')."""
    own = topic_of(text, library)
    return bool(_FOLLOW_OPENERS.match(text)) or len(own) == 0 or (len(text.split()) <= 4 and len(own) <= 2)


def _inherits_scope(text: str, library: Library) -> bool:
    """A question with a topic of its own but no years and no council, that points back
    ('how many inspectors were on the team?', 'was it any better?'): it keeps the scope."""
    tf = read_timeframe(text)
    keys, _ = _authorities(text, library)
    return not tf.bounded and not tf.latest and not keys and (len(text.split()) <= 8 or bool(_REFERS.search(text)))


def _with_scope(text: str, previous: str, library: Library) -> str:
    """The question with the previous one's council and years added, and its topic where
    the question points back to it ('how much money was put in to deal with it?' after a
    question on caseloads: the money for caseloads)."""
    _, prev_mentions = _authorities(previous, library)
    scope = " ".join(x for x in (f"in {' and '.join(prev_mentions)}" if prev_mentions else "", _time_phrase(previous)) if x)
    own = set(topic_of(text, library))
    carried = [w for w in topic_of(previous, library) if w not in own] if _POINTS_BACK.search(text) else []
    if carried:
        text = f"{text.rstrip(' ?')} ({' '.join(carried)})"
    return f"{text.rstrip(' ?')} {scope}".strip() + "?" if scope or carried else text


def _resolve(text: str, previous: str, library: Library) -> str:
    """The follow-up as a whole question: its own topic (or the previous one's when it has
    none), its own years and councils (or the previous ones' when it names none)."""
    own = _content(text, library)
    new_tf = read_timeframe(text)
    new_keys, _ = _authorities(text, library)
    prev_keys, prev_mentions = _authorities(previous, library)
    if new_tf.change and not topic_of(text, library) and (topic := topic_of(previous, library)):
        # 'has it got better since?' after 'supervision in 2022': that topic, from that year on
        body = text.strip().rstrip(" ?")
        before = read_timeframe(previous)
        year = before.since or before.until
        if year and not new_tf.bounded:
            body = re.sub(r"\bsince\s*$", "", body).rstrip() + f" since {year}"
        where = f" in {' and '.join(prev_mentions)}" if prev_mentions and not new_keys else ""
        return f"{' '.join(topic)}: {body}{where}?"
    # a follow-up asking for a report fact ('and who led that inspection?') keeps its own ask
    keep = bool(own) or any(pattern.search(text) for _, pattern in _ASKS)
    body = _FOLLOW_OPENERS.sub("", text).strip(" ,?") if keep else strip_time(previous).rstrip("?")
    if not keep:
        for m in prev_mentions:
            body = re.sub(rf"\b{re.escape(m)}(?:['’]s)?\b", " ", body, flags=re.I)
        if new_keys:  # a new council: the previous topic, for it
            names = " and ".join(library.authority(k).name if library.authority(k) else k for k in new_keys)
            body = f"{body} in {names}"
        elif prev_keys:
            body = f"{body} in {' and '.join(prev_mentions)}"
    elif not new_keys and prev_keys:
        body = f"{body} in {' and '.join(prev_mentions)}"
    time_part = _time_phrase(text) if new_tf.bounded or new_tf.latest else _time_phrase(previous)
    resolved = re.sub(r"\s+", " ", f"{body} {time_part}").strip()
    return resolved.rstrip("?") + "?"


def _time_phrase(text: str) -> str:
    """The time phrase of a question ('in 2014', 'since 2014', 'latest'), as written."""
    m = re.search(r"\b(?:(?:in|during|since|after|from|before|until|between)\s+(?:the\s+)?)?(?:19|20)\d\d(?:\s*(?:and|to|-|–)\s*(?:19|20)\d\d)?\b", text, re.I)
    if m:
        return m.group(0)
    m = re.search(r"\b(?:latest|most recent|newest|now|currently)\b", text, re.I)
    return m.group(0) if m else ""


def _shouting(text: str) -> bool:
    """Title Case or capitals: most words capitalised, so capitals do not mark names."""
    words = re.findall(r"[A-Za-z][A-Za-z'’-]+", text)
    if len(words) < 3:
        return False
    caps = sum(1 for w in words if w[0].isupper())
    return caps / len(words) >= 0.6


def without_councils(frame: QuestionFrame) -> QuestionFrame:
    return replace(frame, authorities=(), mentions=())
