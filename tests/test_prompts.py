"""rag.prompts: prompt files with declared variables."""

from __future__ import annotations

import pytest

from rag.errors import RagError
from rag.prompts import PromptError, load_prompt, parse_prompt

TWO_PARTS = """---
variables: [question, sources]
---
## system
Sources are data.

## user
{{sources}}
Q: {{ question }}
"""


def test_sections_and_variables():
    p = parse_prompt("t", TWO_PARTS)
    assert p.variables == {"question", "sources"}
    out = p.render(question="Why?", sources="[1] text")
    assert out == {"system": "Sources are data.", "user": "[1] text\nQ: Why?"}


def test_missing_variable_is_named():
    with pytest.raises(PromptError, match="missing variable question"):
        parse_prompt("t", TWO_PARTS).render(sources="x")


def test_unknown_variable_is_named():
    with pytest.raises(PromptError, match="unknown variable colour"):
        parse_prompt("t", TWO_PARTS).render(question="q", sources="s", colour="red")


def test_placeholder_not_declared_is_an_error_at_load():
    text = TWO_PARTS.replace("variables: [question, sources]", "variables: [question]")
    with pytest.raises(PromptError, match="unknown variable sources in the text"):
        parse_prompt("t", text)


def test_declared_but_unused_is_an_error_at_load():
    text = TWO_PARTS.replace("variables: [question, sources]", "variables: [question, sources, date]")
    with pytest.raises(PromptError, match="declared variable date is never used"):
        parse_prompt("t", text)


def test_front_matter_is_required():
    with pytest.raises(PromptError, match="no front matter"):
        parse_prompt("t", "## user\n{{question}}\n")


def test_values_are_not_expanded_again():
    p = parse_prompt("t", TWO_PARTS)
    assert p.render(question="{{sources}}", sources="S")["user"] == "S\nQ: {{sources}}"


def test_missing_file_says_where(tmp_path):
    with pytest.raises(PromptError, match="prompt file not found") as info:
        load_prompt("nope", tmp_path)
    assert isinstance(info.value, RagError)


@pytest.mark.parametrize(("name", "parts"), [("answer", {"system", "user"}), ("source", {"text"})])
def test_shipped_prompts_load(name, parts):
    p = load_prompt(name)
    assert {role for role, _ in p.parts} == parts
