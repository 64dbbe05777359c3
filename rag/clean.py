"""Clean extracted text: one paragraph per block, nothing but the inspectors' words.

Extraction leaves hard-wrapped lines, words hyphenated across lines, stray HTML tags,
letterheads, address blocks, page furniture and typographic bullets. ``clean`` turns the
pages of a document into one text where blocks (paragraphs, bullets, headings, table rows)
are separated by blank lines, keeps the report's own paragraph numbers ("95.") and its
headings, and records where each page starts so chunks can cite pages.

    >>> from rag.records import Page
    >>> clean_pages([Page(1, "Since 2014 management over-\\nsight has improved.")])[0]
    'Since 2014 management oversight has improved.'
"""

from __future__ import annotations

import re
import unicodedata

from rag.layout import FOOTNOTE, read_layout
from rag.records import CleanDoc, Page, SourceDoc
from rag.vocabulary import DATE_LINE

PAGE = "\f"  # page-break marker carried through cleaning, removed at the end

_BULLET_CHARS = "◼•▪●◦‣■□➢►▶–"
_BULLET = re.compile(rf"^[ \t]*[{_BULLET_CHARS}][ \t]*")
_ITEM = re.compile(r"^[ \t]*(?:[-*][ \t]+|\d{1,3}\.[ \t]+(?=\S))")
# Only formatting tags are stripped: any other markup is document text and is shown escaped.
_FORMAT_TAG = re.compile(r"</?(?:p|br|b|i|em|strong|span|div|u|sup|sub|font)(?:\s[^<>]*)?/?>", re.I)
_SUPERSCRIPT = re.compile("[⁰¹²³⁴⁵⁶⁷⁸⁹]+")
# Every pattern is bounded, so cleaning stays linear in the length of any line.
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,6}")
_URL = re.compile(r"\b(?:https?://|www\.)[^\s<>\"]{1,500}", re.I)
_PHONE = re.compile(r"\b0\d{3}[ ]?\d{3}[ ]?\d{4}\b|\b0\d{4}[ ]?\d{6}\b|\b0\d{3}[ ]\d{3}[ ]\d{3,4}\b")
_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?[ ]?[\dO][A-Z]{2}\b")
_CONTACT_LABEL = re.compile(r"^(?:T|F|E|W|Tel|Telephone|Fax|Email|E-mail|Web|Website|Textphone|Text phone|Direct [TF]|Mobile)\b ?[:.]?", re.I)
_BOILERPLATE = [
    re.compile(p, re.I)
    for p in (
        r"^if you would like a copy of this document in a different format",
        r"^to receive regular email alerts",
        r"^you may copy all or parts of this document",
        r"^any complaints about the inspection or the report",
        r"^the office for standards in education, children's services and skills \(ofsted\) regulates",
        r"^copy:",
        r"^© crown copyright",
    )
]
_TERMINAL = tuple(".!?:;\"')]")


def clean(doc: SourceDoc, pages: list[Page]) -> CleanDoc:
    """Clean every page of ``doc`` and join them, keeping where each page starts."""
    text, page_starts = clean_pages(pages)
    return CleanDoc(doc=doc, text=text, page_starts=tuple(page_starts))


def clean_pages(pages: list[Page]) -> tuple[str, list[tuple[int, int | None]]]:
    """Cleaned text of the pages and the (offset, page number) where each starts."""
    pages = read_layout(pages)
    raw = f"\n{PAGE}\n".join(_normalise_chars(p.text) for p in pages)
    lines = [ln.rstrip(" \t\r\v") for ln in raw.split("\n")]
    lines = _drop_letter_furniture(lines)
    blocks = _blocks(lines)
    blocks = _keep_marks(blocks, [_is_boilerplate(b) for b in blocks])
    blocks = _join_continuations(blocks)
    blocks = _drop_trailing_address(blocks)
    blocks = _keep_marks(blocks, [not b.strip(PAGE + " \t") for b in blocks])
    text = "\n\n".join(blocks)
    text = _dehyphenate(text).replace(FOOTNOTE, "")
    return _take_page_marks(text, [p.number for p in pages])


def _normalise_chars(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace(PAGE, "\n")
    text = re.sub(r"</p>\s*<p>", "\n\n", text, flags=re.I)
    text = _FORMAT_TAG.sub("", text)
    text = _SUPERSCRIPT.sub("", text)
    text = unicodedata.normalize("NFKC", text)
    text = text.replace("\u00ad", "")  # soft hyphen
    text = (
        text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
        .replace("\u00a0", " ").replace("\u200b", "")
    )
    text = re.sub(r"\*\*([^*\n]{1,500}?)\*\*", r"\1", text)  # markdown bold
    text = re.sub(r"(?m)^#{1,6}[ \t]+", "", text)  # markdown headings become plain lines
    text = re.sub(r"(?m)^[ \t]*[\ue000-\uf8ff][ \t]*", "- ", text)  # symbol-font bullets (private use)
    text = _BULLET.sub("- ", text)
    text = re.sub(rf"(?m)^([ \t]*)[{_BULLET_CHARS}][ \t]*", "- ", text)
    text = "".join(ch for ch in text if ch in "\n\t" + FOOTNOTE or unicodedata.category(ch)[0] != "C")
    return text


def _is_mark(line: str) -> bool:
    """A line that is only a page-break mark (str.strip would take the form feed too)."""
    return line.strip(" \t\r\v") == PAGE


def _is_contact(line: str) -> bool:
    """A line of contact details (an address, a phone number, an e-mail or web address), as
    letterheads and sign-offs carry them. A sentence that mentions a link is a finding and
    stays: 'Inspectors found that the plan, at www.example.gov.uk/plan, was not driving change.'"""
    s = line.strip()
    if not s or len(s) > 300:
        return False
    found = [p for p in (_EMAIL, _URL, _PHONE) if p.search(s)]
    postcode = len(s) < 100 and _POSTCODE.search(s) is not None and not s.endswith(".")
    if not found and not postcode:
        return False
    if _CONTACT_LABEL.match(s) and len(s) < 140:
        return True
    rest = s
    for p in (_EMAIL, _URL, _PHONE, _POSTCODE):
        rest = p.sub(" ", rest)
    words = re.findall(r"[A-Za-z]{2,}", rest)
    is_sentence = len(words) >= 6 and s.rstrip(")\"'").endswith((".", "!", "?", ";"))
    return not is_sentence and len(words) <= 6


def _drop_letter_furniture(lines: list[str]) -> list[str]:
    """Letterhead before the letter's date, the address block up to 'Dear ...', and the
    copy list after the signature. A document that is not a letter is left alone."""
    dear = next((i for i, ln in enumerate(lines) if re.match(r"^\s*Dear\s+\S", ln)), None)
    if dear is not None:
        date = next((i for i in range(dear) if DATE_LINE.match(lines[i])), None)
        keep_from = date if date is not None else dear
        head = [ln if _is_mark(ln) else "" for ln in lines[:keep_from]]
        addr = [ln if _is_mark(ln) else "" for ln in lines[keep_from + 1 : dear + 1]]
        # Who the letter is to (name, role) is content; the postal address is not.
        named = [i for i, ln in enumerate(lines[keep_from + 1 : dear]) if ln.strip() and ln.strip() != PAGE][:2]
        to = [lines[keep_from + 1 + i].strip() for i in named]
        if to and not any(_is_contact(t) or re.search(r"\d", t) for t in to):
            addr = ["", " ".join(to), ""] + addr
        elif to and (m := re.match(r"((?:(?:Mr|Mrs|Ms|Miss|Dr)\.?\s)?[A-Z][a-z'’-]+\s[A-Z][a-z'’-]+)\s", to[0])):
            # the whole address on one line: a letter's addressee is its first two words
            addr = ["", m.group(1), ""] + addr
        lines = head + ([lines[date]] if date is not None else []) + addr + lines[dear + 1 :]
    out = []
    for i, ln in enumerate(lines):
        if ln.strip() != PAGE and _is_contact(ln) and not _inside_paragraph(lines, i):
            out.append("")
        else:
            out.append(ln)
    return out


def _inside_paragraph(lines: list[str], i: int) -> bool:
    """Is line i a wrapped line in the middle of a paragraph (its sentence runs on)?"""
    prev = next((ln.strip() for ln in reversed(lines[max(0, i - 2) : i]) if ln.strip() and ln.strip() != PAGE), "")
    nxt = next((ln.strip() for ln in lines[i + 1 : i + 3] if ln.strip() and ln.strip() != PAGE), "")
    runs_on = bool(prev) and len(prev) >= 50 and not prev.endswith(_TERMINAL)
    return runs_on and nxt[:1].islower()


def _starts_item(line: str) -> bool:
    return bool(_ITEM.match(line)) or "\t" in line or line.startswith(FOOTNOTE)


def _wrap_widths(lines: list[str]) -> list[int | None]:
    """For each line, the width its page is hard-wrapped at, or None if it is not.

    A page is hard-wrapped when its lines are short (a printed column, not one line per
    paragraph) and many of them run close to the same right margin.
    """
    widths: list[int | None] = [None] * len(lines)
    start = 0
    for end in [i for i, ln in enumerate(lines) if _is_mark(ln)] + [len(lines)]:
        lengths = sorted(len(ln.strip()) for ln in lines[start:end] if ln.strip())
        if len(lengths) >= 5:
            width = lengths[int(0.9 * (len(lengths) - 1))]
            near = sum(1 for n in lengths if n >= 0.75 * width)
            if width <= 160 and near >= 0.4 * len(lengths):
                widths[start:end] = [width] * (end - start)
        start = end + 1
    return widths


def _blocks(lines: list[str]) -> list[str]:
    """Group lines into blocks, unwrapping hard-wrapped lines inside each."""
    widths = _wrap_widths(lines)
    blocks: list[list[str]] = []
    current: list[str] = []
    pending_page = ""
    current_width: int | None = None
    # the line after each (its next non-blank, non-page-mark line): a short question or
    # title line before a list is the list's heading ('What needs to improve?')
    following = [""] * len(lines)
    upcoming = ""
    for i in range(len(lines) - 1, -1, -1):
        following[i] = upcoming
        if lines[i].strip() and not _is_mark(lines[i]):
            upcoming = lines[i].strip()
    for i, (raw, width) in enumerate(zip(lines, widths)):
        if _is_mark(raw):
            pending_page += PAGE
            continue
        line = raw.strip(" \t") if "\t" not in raw.strip() else raw.strip()
        if not line:
            if current:
                blocks.append(current)
                current = []
            continue
        line = pending_page + line
        pending_page = ""
        body = line.lstrip(PAGE)
        if current and (_starts_item(body) or not _continues(current[-1], body, current_width) or _heads_list(current[-1], body, following[i])):
            blocks.append(current)
            current = []
        current.append(line)
        current_width = width
    if current:
        blocks.append(current)
    if pending_page:
        blocks.append([pending_page])
    return [_join_lines(b) for b in blocks]


def _heads_list(prev: str, line: str, nxt: str) -> bool:
    """Is ``line`` a list's heading run on after a finished sentence: short, a question or
    unpunctuated ('What needs to improve?'), with a list item next?"""
    return prev.lstrip(PAGE).endswith(_TERMINAL) and len(line) <= 60 and (line.endswith("?") or line[-1:].isalnum()) and _starts_item(nxt)


def _continues(prev: str, line: str, width: int | None = None) -> bool:
    """Does ``line`` carry on the paragraph of ``prev`` (a hard wrap), or start anew?"""
    prev = prev.lstrip(PAGE)
    if "\t" in prev:
        return False
    if line[:1].islower():
        return True
    if prev.endswith(_TERMINAL):
        # On a hard-wrapped page a line that reaches the margin did not end its paragraph.
        return width is not None and len(prev) >= 0.8 * width
    if prev.endswith((",", "-", " and", " or", " the", " of", " to")):
        return True
    # A short line that does not end mid-sentence is a heading, a name or an address line;
    # on a hard-wrapped page, "short" is well short of the page's margin.
    return len(prev) >= (max(50, 0.65 * width) if width else 50)


def _join_lines(lines: list[str]) -> str:
    if any("\t" in ln for ln in lines):
        return "\n".join(lines)
    out = lines[0]
    for ln in lines[1:]:
        if out.endswith("-") and out[-2:-1].isalpha() and ln.lstrip(PAGE)[:1].islower():
            out += "\u2060" + ln  # a word broken across lines: decided in _dehyphenate
        else:
            out += " " + ln
    return re.sub(r"[ \t]+", " ", out)


def _keep_marks(blocks: list[str], drop: list[bool]) -> list[str]:
    """Drop the flagged blocks, handing their page marks to the next block kept."""
    out: list[str] = []
    carry = ""
    for block, gone in zip(blocks, drop):
        if gone:
            carry += "".join(ch for ch in block if ch == PAGE)
            continue
        out.append(carry + block)
        carry = ""
    if carry:
        if out:
            out[-1] += carry
        else:
            out.append(carry)
    return out


def _is_boilerplate(block: str) -> bool:
    s = block.strip(PAGE + " \t")
    return any(p.search(s) for p in _BOILERPLATE)


def _join_continuations(blocks: list[str]) -> list[str]:
    """Join a block to the one before when a page break or blank line cut a paragraph. A
    footnote between the two halves is moved after the joined paragraph."""
    out: list[str] = []
    for b in blocks:
        body = b.lstrip(PAGE)
        notes: list[str] = []
        while out and (out[-1].lstrip(PAGE).startswith(FOOTNOTE) or not out[-1].strip(PAGE)) and not body.startswith(FOOTNOTE):
            notes.insert(0, out.pop())  # footnotes and bare page marks between two halves
        if out and body and not _starts_item(body):
            prev = out[-1].rstrip(" \t\n")
            prev_body = prev.lstrip(PAGE)
            cut_mid_sentence = not prev_body.endswith(_TERMINAL) and "\t" not in prev_body
            # A heading never ends a paragraph: the previous block must hold a full sentence.
            holds_sentence = bool(re.search(r"[.!?] +[A-Z]", prev_body))
            if body[:1].islower() or (
                cut_mid_sentence and holds_sentence and len(prev_body) > 100 and len(body) > 60
            ):
                # the page marks of the footnotes moved after it stay with the paragraph
                marks = "".join(ch for n in notes for ch in n if ch == PAGE)
                out[-1] = prev + " " + marks + b
                out.extend(n.replace(PAGE, "") for n in notes if n.strip(PAGE))
                continue
        out.extend(notes)
        out.append(b)
    return out


def _drop_trailing_address(blocks: list[str]) -> list[str]:
    """Short lines at the very end with no sentence in them: a publisher's address."""
    end = len(blocks)
    while end > 0 and len(blocks[end - 1].strip(PAGE)) < 30 and not blocks[end - 1].rstrip().endswith(_TERMINAL):
        end -= 1
    if len(blocks) - end >= 2 and not any(b.strip(PAGE).startswith("Yours") for b in blocks[end:]):
        marks = "".join(ch for b in blocks[end:] for ch in b if ch == PAGE)
        return blocks[:end] + ([marks] if marks else [])
    return blocks


def _dehyphenate(text: str) -> str:
    """'assess-/ment' becomes 'assessment' unless the document itself writes the word
    with its hyphen elsewhere ('extra-familial')."""
    joins = list(re.finditer(r"(?<!\w)(\w{1,80})-\u2060(\f*)(\w{1,80})", text))
    if not joins:
        return text
    vocabulary = {w.lower() for w in re.findall(r"\w+(?:-\w+)*", re.sub(r"-\u2060\f*", " ", text))}

    def decide(m: re.Match[str]) -> str:
        left, marks, right = m.group(1), m.group(2), m.group(3)
        if f"{left}-{right}".lower() in vocabulary and f"{left}{right}".lower() not in vocabulary:
            return f"{left}-{marks}{right}"
        return f"{left}{marks}{right}"

    return re.sub(r"(?<!\w)(\w{1,80})-\u2060(\f*)(\w{1,80})", decide, text)


def _take_page_marks(text: str, numbers: list[int | None]) -> tuple[str, list[tuple[int, int | None]]]:
    out: list[str] = []
    starts: list[tuple[int, int | None]] = [(0, numbers[0] if numbers else None)]
    length = 0
    page_index = 0
    for piece in re.split(r"(\f)", text):
        if piece == PAGE:
            page_index += 1
            number = numbers[page_index] if page_index < len(numbers) else None
            starts.append((length, number))
            continue
        out.append(piece)
        length += len(piece)
    cleaned = "".join(out)
    # Trim: strip leading whitespace, shifting page offsets to match.
    lead = len(cleaned) - len(cleaned.lstrip())
    cleaned = cleaned.strip()
    fixed: list[tuple[int, int | None]] = []
    for off, num in starts:
        off = min(max(0, off - lead), len(cleaned))
        if fixed and fixed[-1][0] == off:
            fixed[-1] = (off, num)  # an empty page: the later page wins the offset
        else:
            fixed.append((off, num))
    return cleaned, fixed
