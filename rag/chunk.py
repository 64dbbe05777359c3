"""Split a cleaned document into chunks that respect its structure.

Blocks (paragraphs, bullets, table rows) are packed into chunks within one section and
one numbered paragraph, never past ``max_tokens`` of the embedding model's tokenizer with
the header included; a block too long for one chunk is split between sentences. Chunks do
not overlap and together cover every character of the cleaned text, headings included.

    >>> from rag.records import CleanDoc, SourceDoc
    >>> doc = SourceDoc("d", "d.txt", "D", "report", None, "h")
    >>> text = "Findings\\n\\n53. Since January 2014 management oversight has improved."
    >>> [c.paragraphs for c in chunk(CleanDoc(doc, text), 200, lambda s: len(s.split()))]
    [(53,)]
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass

from rag.records import Chunk, CleanDoc
from rag.settings import CHUNKER_VERSION
from rag.text import quotable_spans, sentence_spans
from rag.vocabulary import DATE_LINE, MONTHS, ORDINAL, authority_key, format_date

TokenCounter = Callable[[str], int]

_NUMBERED = re.compile(r"^(?:- )?(\d{1,3})\.\s+\S")
_FOOTNOTE = re.compile(r"^\d{1,2} [A-Z][a-z]")  # a footnote: its number without a full stop
# Roles a sentence can play besides being a finding (Chunk.sentence_roles).
FOOTNOTE, FACT_LINE = "footnote", "fact"


@dataclass
class Block:
    start: int
    end: int
    text: str
    kind: str  # heading | paragraph | numbered | bullet | table | signature | addressee
    number: int | None = None


def blocks_of(text: str) -> list[Block]:
    """The blocks of a cleaned text (separated by blank lines), classified."""
    blocks: list[Block] = []
    last_number: int | None = None
    after_heading = False
    signed = False
    for m in re.finditer(r"[^\n]+(?:\n(?!\n)[^\n]*)*", text):
        body = m.group(0)
        if not body.strip():
            continue
        kind, number = "paragraph", None
        n = _NUMBERED.match(body)
        if "\t" in body:
            kind = "table"
        elif signed:
            kind = "signature"
        elif n and (
            ((last_number is None or after_heading) and int(n.group(1)) <= 5)
            or (last_number is not None and last_number < int(n.group(1)) <= last_number + 5)
        ):
            # Numbering may restart in each section (some reports number within sections).
            kind, number = "numbered", int(n.group(1))
            last_number = number
        elif body.startswith("- "):
            kind = "bullet"
        elif _FOOTNOTE.match(body):
            kind = "footnote"
        elif re.match(r"^Yours (sincerely|faithfully)", body):
            kind, signed = "signature", True
        elif _is_heading(body):
            kind = "heading"
        after_heading = kind == "heading"
        blocks.append(Block(m.start(), m.end(), body, kind, number))
    # A letter's addressee (name and role) follows its date and precedes its subject line.
    for before, block, after in zip(blocks, blocks[1:], blocks[2:]):
        if DATE_LINE.match(before.text) and block.kind == "heading" and after.kind == "heading":
            block.kind = "addressee"
    return blocks


def _is_heading(line: str) -> bool:
    s = line.strip()
    if len(s) > 160 or "\n" in s or DATE_LINE.match(s):
        return False
    if re.match(r"^[A-Z][\w' ]{1,40}: \S", s) and not re.match(r"^(Section|Part|Chapter) \w+:", s):
        return False  # 'Lead inspector: A Name' is content
    if s.endswith((".", ",", ";", ":", '"', "'")) or not (s[:1].isupper() or s[:1].isdigit()):
        return False
    return len(s.split()) <= 24


# Ours, not langchain_text_splitters: a chunk never crosses a numbered paragraph or section, and carries both.
def chunk(doc: CleanDoc, max_tokens: int, count_tokens: TokenCounter) -> list[Chunk]:
    """Chunks of ``doc``, each at most ``max_tokens`` tokens with its header.

    A chunk never spans two sections or two numbered paragraphs, so a citation to a chunk
    names one paragraph; unnumbered blocks of one section are packed together.
    """
    d = doc.doc
    text = doc.text
    when = format_date(d.date) or "undated"
    chunks: list[Chunk] = []
    spans: list[tuple[int, int]] = []
    section, para, tokens, only_heading = "", None, 0, False

    who = f"{d.authority} " if d.authority else ""

    def header_for(sec: str) -> str:
        return f"{who}{d.kind}, {when}. {sec}" if sec else f"{who}{d.kind}, {when}."

    def flush() -> None:
        nonlocal spans, tokens, only_heading
        if spans:
            chunks.append(_make(doc, spans[0][0], spans[-1][1], section, para, header_for(section), named, roles))
        spans, tokens, only_heading = [], 0, False

    blocks = blocks_of(text)
    named = [(b.start, b.end) for b in blocks if b.kind == "addressee"]
    roles = [(b.start, b.end, FOOTNOTE) for b in blocks if b.kind == "footnote"]
    # Lines where the document states its own facts ('This letter summarises the findings of
    # the monitoring visit ... on 22 and 23 October 2024.'): answers to who/when questions,
    # not findings. Judgements are findings and keep no role.
    roles += [(f.start, f.start + len(f.line), FACT_LINE) for f in d.facts.facts if f.name != "judgement"]
    for block in blocks:
        if block.kind == "heading":
            flush()
            section, para = block.text.strip(), None
            tokens = count_tokens(header_for(section)) + count_tokens(block.text)
            if tokens <= max_tokens:
                spans, only_heading = [(block.start, block.end)], True
                continue
            tokens = 0  # an absurdly long heading is content of its own
        header_tokens = count_tokens(header_for(section))
        new_unit = (block.number is not None or para is not None) and not only_heading
        if spans and new_unit:
            flush()
        if not spans or only_heading:
            para = block.number
        for a, b in _fit(text, block.start, block.end, max_tokens - header_tokens, count_tokens):
            cost = count_tokens(text[a:b])
            if spans and (tokens or header_tokens) + cost > max_tokens:
                flush()
                para = block.number
            if not spans:
                tokens = header_tokens
            spans.append((a, b))
            tokens += cost
            only_heading = False
    flush()
    return chunks


def _fit(text: str, start: int, end: int, budget: int, count_tokens: TokenCounter) -> list[tuple[int, int]]:
    """Split text[start:end] into spans that fit ``budget`` tokens: whole if it fits, else
    groups of whole sentences, and a sentence longer than the budget by words."""
    if count_tokens(text[start:end]) <= budget:
        return [(start, end)]
    spans: list[tuple[int, int]] = []
    cur: tuple[int, int] | None = None
    cur_tokens = 0
    for a, b in sentence_spans(text, start, end):
        n = count_tokens(text[a:b])
        if n > budget:
            if cur:
                spans.append(cur)
                cur, cur_tokens = None, 0
            spans.extend(_by_words(text, a, b, budget, count_tokens))
            continue
        if cur and cur_tokens + n <= budget:
            cur = (cur[0], b)
            cur_tokens += n
        else:
            if cur:
                spans.append(cur)
            cur, cur_tokens = (a, b), n
    if cur:
        spans.append(cur)
    # Give the whitespace between sentences to the span before, so nothing is lost.
    out = []
    for i, (a, b) in enumerate(spans):
        a = start if i == 0 else a
        b = spans[i + 1][0] if i + 1 < len(spans) else end
        out.append((a, b))
    return out


def _by_words(text: str, start: int, end: int, budget: int, count_tokens: TokenCounter) -> list[tuple[int, int]]:
    """Last resort for a sentence longer than a chunk: cut between words."""
    spans = []
    a = start
    words = [m.end() for m in re.finditer(r"\S+", text[start:end])]
    last_cut = start
    for w_end in words:
        w_end += start
        if count_tokens(text[a:w_end]) > budget and last_cut > a:
            spans.append((a, last_cut))
            a = last_cut
        last_cut = w_end
    spans.append((a, end))
    return spans


def template(sentence: str, authority: str = "") -> str:
    """A short hash of a sentence's wording with its particulars (numbers, dates, ordinals,
    the council's name) taken out: the same template in several documents is the publisher's
    or the framework's standard wording, not a finding."""
    t = sentence.lower()
    if authority:
        t = t.replace(authority.lower(), " ")
    t = re.sub(rf"\b(?:{'|'.join(MONTHS)})\b", " m ", t)
    t = ORDINAL.sub(" o ", t)
    t = re.sub(r"\d+", "#", t)
    t = " ".join(re.findall(r"[a-z#]+", t))
    return hashlib.blake2s(t.encode(), digest_size=4).hexdigest()


def _make(doc: CleanDoc, start: int, end: int, section: str, para: int | None, header: str, named: list[tuple[int, int]] = (), roles: list[tuple[int, int, str]] = ()) -> Chunk:
    d = doc.doc
    body = doc.text[start:end]
    paras = (para,) if para is not None else ()
    digest = hashlib.sha256(f"{d.doc_id}|{CHUNKER_VERSION}|{start}|{header}|{body}".encode()).hexdigest()[:24]
    page = doc.page_at(start)
    page_end = doc.page_at(max(start, end - 1))
    sentences = tuple(sorted(set(quotable_spans(body)) | {(a - start, b - start) for a, b in named if start <= a and b <= end}))
    return Chunk(
        chunk_id=digest,
        doc_id=d.doc_id,
        title=d.title,
        kind=d.kind,
        authority=authority_key(d.authority),
        date=d.date.isoformat() if d.date else "",
        year=d.year or 0,
        text=body,
        start=start,
        end=end,
        header=header,
        section=section,
        page=page,
        page_end=page_end,
        paragraphs=paras,
        sentences=sentences,
        sentence_roles=tuple(_role(start + a, start + b, roles) for a, b in sentences),
        sentence_templates=tuple(template(body[a:b], d.authority) for a, b in sentences),
    )


def _role(a: int, b: int, roles: list[tuple[int, int, str]]) -> str:
    """The role of the sentence at a..b (document offsets): the first role span it overlaps."""
    return next((role for ra, rb, role in roles if a < rb and ra < b), "")
