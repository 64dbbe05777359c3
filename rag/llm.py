"""Optional LLM answers, kept honest. The only module that talks to LLM backends.

The model sees the retrieved passages as numbered, escaped ``<source>`` blocks (data, never
instructions; ``prompts/answer.md``) and answers in short sentences ending in ``[n]``
markers. Its reply is parsed by ``rag.cite`` and every sentence is checked against the
passages it cites (``rag.verify``): unsupported, uncited and wrongly numbered sentences
are marked, never dropped. When nothing the model said can be verified, or the backend
is not configured, unreachable or slow, the caller's extractive answer comes back instead
with a one-line notice.

Backends (``settings.llm.backend``), all LangChain chat models built on first use and
cached by their settings:

- ``openai``: any OpenAI-compatible server (llama.cpp server, vLLM, LM Studio) at ``base_url``;
- ``ollama``: an Ollama server at ``base_url``;
- ``llamacpp``: a GGUF file loaded in-process by llama-cpp-python (``gguf_path``).

    >>> import rag
    >>> s = rag.load_settings(llm={"backend": "openai", "base_url": "http://127.0.0.1:8000/v1"})
    >>> a = rag.ask("Were caseloads manageable in 2014?", s, mode="llm")  # doctest: +SKIP
    >>> [(x.text, x.supported, x.note) for x in a.sentences]             # doctest: +SKIP
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator, Sequence
from dataclasses import replace
from functools import lru_cache
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage

from rag.cite import PageStarts, cite, quote_spans, split_cited
from rag.errors import BackendError, SettingsError
from rag.prompts import load_prompt
from rag.records import Answer, AnswerSentence, Citation, Passage
from rag.retrieve import Query
from rag.settings import LlmSettings, Settings
from rag.text import content_words, stem
from rag.verify import MIN_COVERAGE, verify
from rag.vocabulary import format_date

DEFAULT_URLS = {"openai": "http://127.0.0.1:8000/v1", "ollama": "http://127.0.0.1:11434"}
LLAMACPP_CONTEXT = 4096  # tokens of context for in-process GGUF models
NO_ANSWER = "the documents don't say"
NO_ANSWER_NOTICE = "The model found no answer in the documents; showing the quoted answer instead."
UNVERIFIED_NOTICE = "The model's answer could not be verified against the documents; showing the quoted answer instead."


# -- backends -------------------------------------------------------------------------


@lru_cache(maxsize=8)
def chat_model(settings: LlmSettings) -> BaseChatModel:
    """The chat model for these settings, built once. Building never contacts the server."""
    common = {"temperature": settings.temperature}
    if settings.backend == "openai":
        from langchain_openai import ChatOpenAI

        return ChatOpenAI(
            model=settings.model,
            base_url=settings.base_url or DEFAULT_URLS["openai"],
            api_key=settings.api_key,
            timeout=settings.timeout_s,
            max_retries=0,  # a dead server should cost one timeout, not several
            max_tokens=settings.max_tokens,  # sent as max_completion_tokens ...
            extra_body={"max_tokens": settings.max_tokens},  # ... which llama.cpp's server ignores
            **common,
        )
    if settings.backend == "ollama":
        from langchain_ollama import ChatOllama

        return ChatOllama(
            model=settings.model,
            base_url=settings.base_url or DEFAULT_URLS["ollama"],
            num_predict=settings.max_tokens,
            client_kwargs={"timeout": settings.timeout_s},
            **common,
        )
    if settings.backend == "llamacpp":
        if settings.gguf_path is None or not settings.gguf_path.is_file():
            raise SettingsError(
                f"llm.gguf_path must be an existing .gguf file for the llamacpp backend, got {settings.gguf_path}",
                help="set RAG_LLM__GGUF_PATH",
            )
        return LlamaCppChat(model_path=str(settings.gguf_path), max_tokens=settings.max_tokens, **common)
    raise SettingsError(
        f"llm.backend is '{settings.backend}'; LLM answers need openai, ollama or llamacpp",
        help="set RAG_LLM__BACKEND, or use --mode extractive",
    )


# Ours, not langchain_community's ChatLlamaCpp: loads the GGUF on first call, without langchain-community.
class LlamaCppChat(BaseChatModel):
    """A GGUF model run in-process by llama-cpp-python, as a LangChain chat model.

    The model loads on the first call. ``timeout_s`` cannot interrupt in-process generation;
    ``max_tokens`` bounds it instead.
    """

    model_path: str
    temperature: float = 0.0
    max_tokens: int = 400
    n_ctx: int = LLAMACPP_CONTEXT
    client: Any = None

    @property
    def _llm_type(self) -> str:
        return "llama-cpp-python"

    def _llama(self) -> Any:
        if self.client is None:
            from llama_cpp import Llama

            self.client = Llama(model_path=self.model_path, n_ctx=self.n_ctx, verbose=False)
        return self.client

    def _call_args(self, messages: list[BaseMessage], stop: list[str] | None) -> dict[str, Any]:
        roles = {"system": "system", "human": "user", "ai": "assistant"}
        return {
            "messages": [{"role": roles.get(m.type, "user"), "content": _text(m.content)} for m in messages],
            "temperature": self.temperature,
            "max_tokens": self.max_tokens,
            "stop": stop or [],
        }

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None, run_manager: Any = None, **kwargs: Any) -> Any:
        from langchain_core.messages import AIMessage
        from langchain_core.outputs import ChatGeneration, ChatResult

        out = self._llama().create_chat_completion(**self._call_args(messages, stop))
        content = out["choices"][0]["message"].get("content") or ""
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=content))])

    def _stream(self, messages: list[BaseMessage], stop: list[str] | None = None, run_manager: Any = None, **kwargs: Any) -> Iterator[Any]:
        from langchain_core.messages import AIMessageChunk
        from langchain_core.outputs import ChatGenerationChunk

        for part in self._llama().create_chat_completion(stream=True, **self._call_args(messages, stop)):
            delta = part["choices"][0]["delta"].get("content")
            if delta:
                if run_manager is not None:
                    run_manager.on_llm_new_token(delta)
                yield ChatGenerationChunk(message=AIMessageChunk(content=delta))


# -- the prompt -----------------------------------------------------------------------


def build_messages(question: str, passages: Sequence[Passage]) -> list[BaseMessage]:
    """System and user messages: the passages numbered [1]..[n] as escaped source blocks."""
    source = load_prompt("source")
    blocks = [
        source.render(number=i, reference=escape(reference(p)), text=escape(p.chunk.text))["text"]
        for i, p in enumerate(passages, start=1)
    ]
    parts = load_prompt("answer").render(question=escape(question), sources="\n\n".join(blocks), count=len(passages))
    return [SystemMessage(content=parts["system"]), HumanMessage(content=parts["user"])]


def reference(passage: Passage) -> str:
    """'Title (letter, 28 July 2010), page 2, paragraph 53, section 'Leadership''."""
    c = passage.chunk
    parts = [f"{c.title} ({', '.join(x for x in (c.kind, format_date(c.date)) if x)})"]
    if c.page is not None:
        parts.append(f"page {c.page}" if c.page_end in (None, c.page) else f"pages {c.page}-{c.page_end}")
    if c.paragraph_label:
        parts.append(f"paragraph {c.paragraph_label}")
    if c.section:
        parts.append(f"section '{c.section}'")
    return ", ".join(parts)


def escape(text: str) -> str:
    """Document text can neither close its <source> block nor open a new one."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# -- answering ------------------------------------------------------------------------


def llm_answer(query: Query, passages: Sequence[Passage], settings: Settings, *, fallback: Answer, page_starts: PageStarts | None = None, model: BaseChatModel | None = None) -> Answer:
    """The model's answer to ``query`` from ``passages``, every sentence verified; or
    ``fallback`` (the extractive answer) with a notice when that cannot be had.

    ``model`` replaces the configured backend (tests pass a fake chat model).
    """
    t0 = time.perf_counter()
    try:
        chat = model or _configured(settings)
        if not passages:
            return fallback
        reply = _text(_invoke(chat, build_messages(query.text, passages), settings).content)
    except BackendError as exc:
        return _fall_back(fallback, str(exc), t0)
    return _finish(reply, query, passages, settings, fallback, page_starts, t0)


def stream_llm_answer(query: Query, passages: Sequence[Passage], settings: Settings, *, fallback: Answer, page_starts: PageStarts | None = None, model: BaseChatModel | None = None) -> Iterator[str | Answer]:
    """Yield the reply's text as it arrives, then the verified ``Answer`` (always last).

    The final answer may be ``fallback`` with a notice (backend failed mid-stream, or nothing
    could be verified): a UI should replace the streamed text with the final answer.

        >>> for part in stream_llm_answer(q, passages, s, fallback=a):  # doctest: +SKIP
        ...     show(part) if isinstance(part, str) else render(part)
    """
    t0 = time.perf_counter()
    pieces: list[str] = []
    try:
        chat = model or _configured(settings)
        if not passages:
            yield fallback
            return
        for chunk in _stream(chat, build_messages(query.text, passages), settings):
            pieces.append(chunk)
            yield chunk
    except BackendError as exc:
        yield _fall_back(fallback, str(exc), t0)
        return
    yield _finish("".join(pieces), query, passages, settings, fallback, page_starts, t0)


def _configured(settings: Settings) -> BaseChatModel:
    if settings.llm.backend == "none":
        raise BackendError("No LLM backend is configured (set RAG_LLM__BACKEND); showing the quoted answer instead.")
    try:
        return chat_model(settings.llm)
    except SettingsError as exc:
        raise BackendError(f"The LLM backend is misconfigured: {exc}; showing the quoted answer instead.") from None


def _invoke(chat: BaseChatModel, messages: list[BaseMessage], settings: Settings) -> BaseMessage:
    try:
        return chat.invoke(messages)
    except Exception as exc:  # the backend boundary: every client library raises its own types
        raise BackendError(_unreachable(exc, settings)) from None


def _stream(chat: BaseChatModel, messages: list[BaseMessage], settings: Settings) -> Iterator[str]:
    try:
        for chunk in chat.stream(messages):
            text = _text(chunk.content)
            if text:
                yield text
    except Exception as exc:  # the backend boundary, as in _invoke
        raise BackendError(_unreachable(exc, settings)) from None


def _unreachable(exc: Exception, settings: Settings) -> str:
    backend = settings.llm.backend
    where = str(settings.llm.gguf_path) if backend == "llamacpp" else settings.llm.base_url or DEFAULT_URLS.get(backend)
    which = f" ({backend} at {where})" if where else ""
    detail = " ".join(str(exc).split())[:120] or type(exc).__name__
    return f"The language model{which} failed: {detail}; showing the quoted answer instead."


def _fall_back(fallback: Answer, notice: str, t0: float) -> Answer:
    timings = dict(fallback.timings, llm=time.perf_counter() - t0)
    return replace(fallback, notice=notice, timings=timings)


def _finish(reply: str, query: Query, passages: Sequence[Passage], settings: Settings, fallback: Answer, page_starts: PageStarts | None, t0: float) -> Answer:
    """Verify the reply and map its citations to passages, or fall back."""
    sentences = check_reply(reply, passages, settings.llm.min_support)
    if not any(s.supported for s in sentences):
        if NO_ANSWER in reply.lower().replace("’", "'"):
            return _fall_back(fallback, NO_ANSWER_NOTICE, t0)
        return _fall_back(fallback, UNVERIFIED_NOTICE, t0)
    citations = _citations(sentences, passages, page_starts)
    unsupported = sum(1 for s in sentences if not s.supported)
    notes = []
    if unsupported:
        notes.append(
            f"{unsupported} of {len(sentences)} sentences could not be verified against the cited "
            "documents and are marked unverified."
        )
    if fallback.abstained:
        notes.append("No passage answered this question closely; read the cited passages before relying on it.")
    notice = " ".join(notes)
    timings = dict(fallback.timings, llm=time.perf_counter() - t0)
    return Answer(
        question=query.text,
        text=" ".join(_render(s) for s in sentences),
        abstained=False,
        mode="llm",
        sentences=sentences,
        citations=citations,
        passages=list(passages),
        settings_hash=settings.hash(),
        timings=timings,
        notice=notice,
    )


def check_reply(reply: str, passages: Sequence[Passage], min_support: float = MIN_COVERAGE) -> list[AnswerSentence]:
    """The reply's sentences with their [n] markers, each verified against the passages it
    cites (numbered from 1 as in the prompt). Numbers that point nowhere are flagged.

        >>> check_reply("Caseloads were 18 [1]. Caseloads were 30 [9].", passages)  # doctest: +SKIP
        [AnswerSentence('Caseloads were 18.', (1,), True, ''),
         AnswerSentence('Caseloads were 30.', (9,), False, 'cites [9], which is not a source')]
    """
    parsed = [(_tidy(body), nums) for body, nums in split_cited(reply.strip())]
    return [_judge(body, nums, passages, min_support) for body, nums in parsed if body]


def _judge(body: str, nums: list[int], passages: Sequence[Passage], min_support: float) -> AnswerSentence:
    bad = [n for n in nums if not 1 <= n <= len(passages)]
    if bad:
        listed = ", ".join(f"[{n}]" for n in bad)
        verb = "which is not a source" if len(bad) == 1 else "which are not sources"
        return AnswerSentence(body, tuple(nums), False, f"cites {listed}, {verb}")
    supported, note = verify(body, [passages[n - 1] for n in nums], min_coverage=min_support)
    return AnswerSentence(body, tuple(nums), supported, note)


def _citations(sentences: Sequence[AnswerSentence], passages: Sequence[Passage], page_starts: PageStarts | None) -> list[Citation]:
    """One citation per source cited: the passage sentence closest to what was said of it."""
    out: list[Citation] = []
    numbers = sorted({n for s in sentences for n in s.citations if 1 <= n <= len(passages)})
    for n in numbers:
        passage = passages[n - 1]
        said = {stem(w) for s in sentences if n in s.citations for w in content_words(s.text)}
        spans = quote_spans(passage.chunk) or [(0, len(passage.chunk.text))]
        a, b = max(spans, key=lambda span: len(said & {stem(w) for w in content_words(passage.chunk.text[span[0] : span[1]])}))
        out.append(cite(n, passage, a, b, page_starts))
    return out


def _render(s: AnswerSentence) -> str:
    marks = "".join(f"[{n}]" for n in s.citations)
    text = f"{s.text} {marks}" if marks else s.text
    return text if s.supported else f"{text} (unverified: {s.note})"


def _tidy(body: str) -> str:
    """'Caseloads were high .' (a marker removed before the stop) -> 'Caseloads were high.'"""
    return re.sub(r"\s+([.,;:!?])", r"\1", body).strip()


def _text(content: Any) -> str:
    """Message content as text (some chat models return a list of parts)."""
    if isinstance(content, str):
        return content
    return "".join(p if isinstance(p, str) else str(p.get("text", "")) for p in content or [])
