"""Benchmark (not a test): int8 quantisation recipes of the encoder, on real national chunks.

    .venv/bin/python bench/quantize.py [--every 20] [--chunks 1200] [--repeat 2]

Chunks are made by the product's own reader, cleaner and chunker from every ``--every``-th
PDF of ../shared/ofsted. Each recipe quantises the float ONNX export with ONNX Runtime's
``quantize_dynamic`` and is compared with the float model on the same chunk texts: mean and
worst cosine of the chunk vectors (mean pooled, normalised: what the index stores), and of
the sentence vectors pooled from the same forward pass, how often a chunk's ten nearest
chunks are the same, and throughput (chunks/s, median of the repeats, recipes taking turns).
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.report import RESULTS, command_line, header, load, median, table, write  # noqa: E402

LIBRARY = ROOT.parent / "shared" / "ofsted"

RECIPES = {
    "float": None,
    "int8, one scale per tensor, every op (before)": {"per_channel": False, "op_types_to_quantize": None},
    "int8, one scale per channel, every op": {"per_channel": True, "op_types_to_quantize": None},
    "int8, one scale per channel, MatMul only (now)": None,  # rag.embed.INT8_QUANTISE, what ships
}
NOW = "int8, one scale per channel, MatMul only (now)"
# (recipe, texts per forward pass): each recipe at the settings' batch size, and the float
# model and the chosen recipe at smaller batches too
RUNS = [("float", 16), ("float", 4), ("float", 1), *((r, 16) for r in list(RECIPES)[1:]), (NOW, 4), (NOW, 1)]


def chunk_texts(pdfs: list[Path], most: int) -> list[str]:
    from rag import pipeline
    from rag.settings import load_settings

    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(index_dir=Path(tmp) / "index")
        embedder = pipeline.components(settings).embedder
        reader = pipeline._Reader(settings, embedder.count_tokens, {}, {}, None)
        texts: list[str] = []
        for pdf in pdfs:
            read = reader.read(pdf)
            if isinstance(read, pipeline._Read):
                texts += [c.embed_text for c in read.chunks]
            if len(texts) >= most:
                break
    return texts[:most]


def main(argv: list[str] | None = None) -> int:
    import numpy as np
    from onnxruntime.quantization import QuantType, quantize_dynamic

    from rag import embed as E
    from rag.settings import Settings

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--library", type=Path, default=LIBRARY)
    p.add_argument("--every", type=int, default=20)
    p.add_argument("--chunks", type=int, default=1200)
    p.add_argument("--repeat", type=int, default=2)
    p.add_argument("--out", type=Path, default=RESULTS / "quantize.md")
    args = p.parse_args(argv)
    logging.getLogger().setLevel(logging.ERROR)

    texts = chunk_texts(sorted(args.library.glob("*.pdf"))[:: args.every], args.chunks)
    settings = Settings().embed
    path = str(E.model_path(settings.model))
    folder = Path(settings.cache_dir) / ("onnx-" + E._weights_key(Path(path)))
    fp32 = E.export_onnx(path, folder, int8=False)
    loads = []
    with tempfile.TemporaryDirectory() as tmp:
        files = {}
        for name, recipe in RECIPES.items():
            if name == "float":
                files[name] = fp32
                continue
            recipe = recipe or E.INT8_QUANTISE
            files[name] = Path(tmp) / f"{len(files)}.onnx"
            quantize_dynamic(str(fp32), str(files[name]), weight_type=QuantType.QInt8, **recipe)
        backends = {name: E.OnnxBackend(path, f, threads=2) for name, f in files.items()}
        tokens: dict[tuple[str, int], list] = {}
        rates: dict[tuple[str, int], list[float]] = {run: [] for run in RUNS}
        for _ in range(args.repeat):
            for name, batch in RUNS:
                backends[name].token_embeddings(texts[:32], batch)
                loads.append(load())
                t0 = time.perf_counter()
                tokens[name, batch] = backends[name].token_embeddings(texts, batch)
                rates[name, batch].append(len(texts) / (time.perf_counter() - t0))

    def unit(rows: np.ndarray) -> np.ndarray:
        return rows / np.linalg.norm(rows, axis=1, keepdims=True)

    def pooled(tv: list) -> tuple[np.ndarray, np.ndarray]:
        chunks = unit(np.array([t.mean(axis=0) for t in tv]))
        thirds = unit(np.array([t[: max(1, len(t) // 3)].mean(axis=0) for t in tv]))  # a span inside the chunk, as a sentence is
        return chunks, thirds

    ref, ref_span = pooled(tokens["float", 1])
    ref_near = np.argsort(-(ref @ ref.T), axis=1)[:, 1:11]
    alone = {name: pooled(tokens[name, 1])[0] for name in ("float", NOW)}
    rows = []
    base = median(rates["float", 16])
    for name, batch in RUNS:
        v, sv = pooled(tokens[name, batch])
        cos, span_cos = (v * ref).sum(axis=1), (sv * ref_span).sum(axis=1)
        near = np.argsort(-(v @ v.T), axis=1)[:, 1:11]
        overlap = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(near, ref_near)])
        own = (v * alone[name]).sum(axis=1).min() if name in alone else None
        rate = median(rates[name, batch])
        rows.append([name, batch, f"{rate:.1f}", f"{rate / base:.2f}x", f"{cos.mean():.4f}", f"{cos.min():.4f}", f"{span_cos.mean():.4f}",
                     f"{overlap:.3f}", "-" if own is None else f"{own:.5f}"])
    lines = [
        *header("Encoder int8 quantisation recipes, on real national chunks", command_line(), loads,
                [f"{len(texts):,} chunks from every {args.every}th PDF of ../shared/ofsted (the product's reader, cleaner and chunker); "
                 f"2 threads; medians of {args.repeat} repeats, the runs taking turns; the float model one text per pass is the reference"]),
        "",
        *table(["recipe", "texts per pass", "chunks/s", "vs float at 16", "cosine to float: mean", "worst", "span (sentence-like) mean",
                "same 10 nearest chunks", "worst cosine to the same recipe, one text per pass"], rows),
        "",
        "Dynamic int8 quantises each forward pass's activations with one scale, so a text's vector depends on the "
        "texts it shares a pass with (last column); one text per pass keeps it a function of the text alone.",
    ]
    write(args.out, lines)
    return 0


if __name__ == "__main__":
    sys.exit(main())
