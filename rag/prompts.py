"""Prompts are files in ``prompts/``, each declaring the variables it takes.

A prompt file starts with a front matter block naming its variables, then either one body
or ``## system`` / ``## user`` sections. Placeholders are ``{{name}}``. A placeholder that is
not declared, a declared variable the text never uses, a missing value or an unknown value
is an error that names the variable: a prompt never goes out half-filled.

    >>> p = load_prompt("answer")
    >>> sorted(p.variables)
    ['count', 'question', 'sources']
    >>> parts = p.render(question="Were caseloads high?", sources="...", count=1)
    >>> sorted(parts)
    ['system', 'user']

Values are substituted in one pass, so text inside a value (a document saying
``{{question}}``) is never expanded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from rag.errors import RagError

PROMPTS_DIR = Path(__file__).resolve().parent.parent / "prompts"
_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
_FRONT = re.compile(r"\A---\n(.*?)\n---\n", re.S)
_SECTION = re.compile(r"^## (system|user)[ \t]*$", re.M)


class PromptError(RagError):
    """A prompt file is missing or malformed, or was rendered with the wrong variables."""


# Ours, not ChatPromptTemplate: undeclared/unused variables fail at load; rag.lc.answer_prompt adapts it.
@dataclass(frozen=True)
class Prompt:
    """A loaded prompt: its declared variables and its text parts ('system', 'user' or 'text')."""

    name: str
    variables: frozenset[str]
    parts: tuple[tuple[str, str], ...]

    def render(self, **values: object) -> dict[str, str]:
        """Each part with its placeholders filled; every declared variable is required."""
        missing = sorted(self.variables - values.keys())
        if missing:
            raise PromptError(f"prompt '{self.name}': missing variable {', '.join(missing)}", help=self._declared())
        unknown = sorted(values.keys() - self.variables)
        if unknown:
            raise PromptError(f"prompt '{self.name}': unknown variable {', '.join(unknown)}", help=self._declared())
        texts = {k: str(v) for k, v in values.items()}
        return {role: _PLACEHOLDER.sub(lambda m: texts[m.group(1)], body) for role, body in self.parts}

    def _declared(self) -> str:
        return f"it declares: {', '.join(sorted(self.variables)) or 'nothing'}"


def parse_prompt(name: str, source: str) -> Prompt:
    """A prompt from the text of a prompt file (see the module docstring for the format)."""
    source = source.replace("\r\n", "\n")
    front = _FRONT.match(source)
    if not front:
        raise PromptError(f"prompt '{name}': no front matter", help="start the file with ---, a 'variables: [a, b]' line, then ---")
    declared = _variables(name, front.group(1))
    body = source[front.end() :]
    heads = list(_SECTION.finditer(body))
    if heads:
        parts = tuple(
            (h.group(1), body[h.end() : nxt.start() if nxt else len(body)].strip("\n"))
            for h, nxt in zip(heads, heads[1:] + [None])
        )
    else:
        parts = (("text", body.strip("\n")),)
    used = {m.group(1) for _, text in parts for m in _PLACEHOLDER.finditer(text)}
    if used - declared:
        raise PromptError(f"prompt '{name}': unknown variable {', '.join(sorted(used - declared))} in the text", help="declare it under 'variables'")
    if declared - used:
        raise PromptError(f"prompt '{name}': declared variable {', '.join(sorted(declared - used))} is never used", help="remove it from 'variables' or use it")
    return Prompt(name, frozenset(declared), parts)


def _variables(name: str, front: str) -> set[str]:
    for line in front.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "variables":
            value = value.strip()
            if not (value.startswith("[") and value.endswith("]")):
                break
            return {v.strip() for v in value[1:-1].split(",") if v.strip()}
    raise PromptError(f"prompt '{name}': front matter has no 'variables: [...]' line", help="list the variables the text uses")


@lru_cache(maxsize=32)
def load_prompt(name: str, directory: Path = PROMPTS_DIR) -> Prompt:
    """The prompt ``<directory>/<name>.md``, read once."""
    path = directory / f"{name}.md"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PromptError(f"prompt file not found: {path}", help="prompts live in the project's prompts/ folder") from None
    return parse_prompt(name, text)
