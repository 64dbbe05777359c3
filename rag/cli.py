"""The `rag` command: parse arguments, call the pipeline, turn errors into messages.

    rag ingest [PATH...] [--rebuild]
    rag docs [--ids | --json]
    rag remove DOC_ID|PATH [...]
    rag accept DOC_ID... (an administrator accepts uploaded documents for answers)
    rag ask QUESTION [--json] [-k N] [--since Y] [--until Y] [--kind K] [--authority A] [--mode M] [--passages]
    rag ask -            (one question per line on stdin, one JSON object per line out)
    rag eval [...]       (the evaluation suite: see eval/README.md)
    rag brief TOPIC [...]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from rag.errors import RagError

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
BRIEF_FORMATS = ("md", "docx", "pdf")


class UsageError(Exception):
    """A command's arguments cannot work; said in one line as '<prog>: error: <message>'."""

    def __init__(self, message: str, prog: str = "rag brief") -> None:
        super().__init__(message)
        self.prog = prog


class _Parser(argparse.ArgumentParser):
    """argparse's parser; with ``one_line_errors`` a usage error is one line, not argparse's
    usage block (`rag brief` is run from scripts and the app's logs read its errors)."""

    def __init__(self, *args, one_line_errors: bool = False, **kwargs) -> None:  # noqa: ANN002, ANN003 - argparse's own
        super().__init__(*args, **kwargs)
        self.one_line_errors = one_line_errors

    def error(self, message: str) -> None:
        if not self.one_line_errors:
            super().error(message)
        raise UsageError(message, self.prog)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="rag", description="Question answering over inspection reports, with citations.")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    ing = sub.add_parser("ingest", help="index files or folders (default: the corpus folder)")
    ing.add_argument("paths", nargs="*", help="files or folders; default RAG_CORPUS_DIR (corpus/)")
    ing.add_argument("--rebuild", action="store_true", help="drop the index and build it again (the uploads folder included)")
    ing.add_argument("--quiet", action="store_true", help="no progress bar")

    docs = sub.add_parser("docs", help="list the indexed documents, and where each came from")
    docs.add_argument("--ids", action="store_true", help="one line per document: its id, a tab, its title")
    docs.add_argument("--json", action="store_true", help="every document as JSON: its file, dates, council and report facts")

    rm = sub.add_parser("remove", help="take documents out of the index (their chunks and BM25 entries)")
    rm.add_argument("documents", nargs="+", help="document ids (as `rag docs --ids` shows) or the files they came from")

    acc = sub.add_parser("accept", help="accept uploaded documents for answers (see RAG_ANSWER__UPLOADS)")
    acc.add_argument("doc_ids", nargs="*", metavar="DOC_ID", help="documents to accept, as `rag docs` lists them")
    acc.add_argument("--all", action="store_true", help="every upload waiting for acceptance")

    ask = sub.add_parser("ask", help="answer a question ('-' reads one per line from stdin)")
    ask.add_argument("question")
    ask.add_argument("--json", action="store_true", help="print the answer as JSON")
    ask.add_argument("-k", type=int, default=None, help="passages to retrieve (1..100)")
    ask.add_argument("--since", type=int, default=None, help="only documents from this year on")
    ask.add_argument("--until", type=int, default=None, help="only documents up to this year")
    ask.add_argument("--kind", action="append", default=[], help="only this document kind (repeatable)")
    ask.add_argument("--authority", action="append", default=[], help="only this council's documents, as the documents name it (repeatable)")
    ask.add_argument("--mode", choices=["extractive", "llm"], default=None, help="answer mode")
    ask.add_argument("--passages", action="store_true", help="print the ranked passages, not an answer")

    ev = sub.add_parser("eval", help="run the evaluation suite (see eval/README.md)", add_help=False)
    ev.add_argument("rest", nargs=argparse.REMAINDER)

    br = sub.add_parser(
        "brief", help="a cited induction brief on a topic, as Markdown, Word or PDF",
        description="A cited induction brief on a topic, as Markdown, Word or PDF.", one_line_errors=True,
    )
    br.add_argument("topic", nargs="?", help="the topic, e.g. 'management oversight'")
    br.add_argument("--since", type=int, default=None, help="only documents from this year on")
    br.add_argument("--until", type=int, default=None, help="only documents up to this year")
    br.add_argument("--kind", action="append", default=[], help="only this document kind (repeatable)")
    br.add_argument("--format", choices=list(BRIEF_FORMATS), default=None, help="default: from -o's suffix, else md")
    br.add_argument("-o", "--output", type=Path, default=None, help="file to write (md: default stdout)")
    br.add_argument("--suggest", type=int, nargs="?", const=20, default=None, metavar="N", help="list N suggested topics (default 20) and stop")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["eval"]:  # its own parser takes every option, in any order
        return _eval(argv[1:])
    parser = _parser()
    try:
        args, extra = parser.parse_known_args(argv)
        if extra:  # argparse would say so in the usage block of `rag`, not of the command
            message = f"unrecognized arguments: {' '.join(extra)}"
            raise UsageError(message) if args.command == "brief" else parser.error(message)
    except UsageError as exc:
        print(f"{exc.prog}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except SystemExit as exc:
        if argv[:1] != ["brief"]:
            raise
        return int(exc.code or 0)  # `rag brief --help` returns, as the command always has
    try:
        if args.command == "ingest":
            return _ingest(args)
        if args.command == "docs":
            return _docs(args.ids, args.json)
        if args.command == "remove":
            return _remove(args.documents)
        if args.command == "accept":
            return _accept(args)
        if args.command == "ask":
            return _ask_stdin(args) if args.question == "-" else _ask(args)
        if args.command == "brief":
            return _brief(args)
    except UsageError as exc:
        print(f"{exc.prog}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except RagError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    return EXIT_USAGE


def _eval(argv: list[str]) -> int:
    try:
        from eval.__main__ import main as eval_main

        return int(eval_main(argv) or 0)
    except RagError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except ModuleNotFoundError as exc:
        print(f"error: {exc}: run `rag eval` from the repository root", file=sys.stderr)
        return EXIT_USAGE


def _brief(args: argparse.Namespace) -> int:
    """`rag brief TOPIC [--since Y] [--until Y] [--kind K] [--format md|docx|pdf] [-o FILE]`,
    or `rag brief --suggest [N]`. Usage errors are found before the slow part."""
    from rag import export
    from rag.pipeline import build_brief, suggest_topics
    from rag.settings import load_settings

    settings = load_settings()
    if args.suggest is not None:
        print("\n".join(suggest_topics(settings, max(1, args.suggest))))
        return EXIT_OK
    if not args.topic:
        raise UsageError("a topic is required, e.g. rag brief \"management oversight\" (rag brief --suggest lists some)")
    fmt = args.format or (args.output.suffix.lstrip(".").lower() if args.output and args.output.suffix else "md")
    if fmt not in BRIEF_FORMATS:
        raise UsageError(f"cannot tell the format from '{args.output}': use --format md, docx or pdf")
    output = args.output
    if fmt != "md" and output is None:
        output = Path(f"brief-{export.slug(args.topic)}.{fmt}")
    if output is not None and not output.parent.is_dir():
        raise UsageError(f"cannot write {output}: the folder {output.parent} does not exist")
    brief = build_brief(args.topic, settings, since=args.since, until=args.until, kinds=args.kind)
    if output is None:
        sys.stdout.write(export.to_markdown(brief))
        return EXIT_OK
    print(f"wrote {export.write(brief, output, fmt)}")
    return EXIT_OK


def _ingest(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    import rag

    bar = None

    def progress(i: int, n: int, path: str) -> None:
        nonlocal bar
        if args.quiet:
            return
        if bar is None:
            bar = tqdm(total=n, unit="file", file=sys.stderr, leave=False)
        bar.n = i
        bar.set_description(path.rsplit("/", 1)[-1][:40])
        bar.refresh()

    report = rag.ingest(args.paths or None, rebuild=args.rebuild, progress=progress)
    if bar is not None:
        bar.close()
    for line in report.warnings:
        print(f"warning: {line}", file=sys.stderr)
    for f in report.files:
        print(f.line, file=sys.stderr if f.status == "failed" else sys.stdout)
    counts = ", ".join(f"{report.count(s)} {s}" for s in ("indexed", "replaced", "unchanged", "duplicate", "removed", "failed") if report.count(s))
    print(f"{counts or 'nothing to do'}; {report.embedded_chunks} chunks embedded")
    return EXIT_OK if report.ok else EXIT_FAILED


def _docs(ids: bool = False, as_json: bool = False) -> int:
    import rag

    docs = rag.documents()
    if as_json:
        print(json.dumps([doc_json(d) for d in docs], indent=2, ensure_ascii=False))
        return EXIT_OK
    if not docs:
        print("The index is empty: run `rag ingest`.")
        return EXIT_OK
    if ids:
        print("\n".join(f"{d.doc_id}\t{d.title}" for d in docs))
        return EXIT_OK
    print(f"{'date':<10}  {'kind':<8} {'pages':>5} {'chunks':>6}  {'indexed at':<19}  {'source':<28}  {'id':<30}  title")
    for d in docs:
        print(f"{d.date or '?':<10}  {d.kind:<8} {d.pages or '-':>5} {d.chunks:>6}  {d.indexed_at:<19}  {source_text(d):<28}  {d.doc_id:<30}  {d.title}")
    return EXIT_OK


def doc_json(doc) -> dict:  # noqa: ANN001 - rag.store.DocRecord
    """One document for `rag docs --json`: what the catalog holds and the report's facts."""
    keys = ("doc_id", "title", "kind", "date", "path", "pages", "chunks", "indexed_at", "authority", "framework", "uploaded", "accepted")
    return {k: getattr(doc, k) for k in keys} | {"facts": doc.report_facts.public()}


def source_text(doc) -> str:  # noqa: ANN001 - rag.store.DocRecord
    """'corpus', or 'upload of 2025-03-03, waiting' / '..., accepted' for `rag docs`."""
    if not doc.uploaded:
        return "corpus"
    return f"upload of {doc.uploaded}, {'accepted' if doc.accepted else 'waiting'}"


def _accept(args: argparse.Namespace) -> int:
    import rag

    ids = list(args.doc_ids)
    if args.all:
        ids += [d.doc_id for d in rag.documents() if d.uploaded and not d.accepted and d.doc_id not in ids]
    if not ids:
        print("Nothing to accept: name the documents (`rag docs` lists them), or --all.")
        return EXIT_OK if args.all else EXIT_USAGE
    for d in rag.accept(ids):
        print(f"accepted  {d.doc_id}  ({d.title}, uploaded {d.uploaded}, accepted {d.accepted})")
    return EXIT_OK


def _remove(targets: list[str]) -> int:
    """Ids as given; a path that names an indexed file stands for that file's document."""
    from pathlib import Path

    import rag

    by_path = {d.path: d.doc_id for d in rag.documents()}
    ids = [by_path.get(str(Path(t).resolve()), t) for t in targets]
    results = rag.remove(ids)
    for r in results:
        print(r.line, file=sys.stderr if r.status == "missing" else sys.stdout)
    return EXIT_OK if all(r.status == "removed" for r in results) else EXIT_FAILED


def _ask(args: argparse.Namespace) -> int:
    import rag

    filters = dict(k=args.k, since=args.since, until=args.until, kinds=args.kind, authorities=args.authority)
    if args.passages:
        passages = rag.search(args.question, **filters)
        if args.json:
            print(json.dumps([p.to_dict() for p in passages], indent=2, ensure_ascii=False))
        else:
            for p in passages:
                c = p.chunk
                where = ", ".join(x for x in (f"page {c.page}" if c.page else "", f"paragraph {c.paragraph_label}" if c.paragraphs else "") if x)
                print(f"[{p.rank}] {p.score:.4f}  {c.title} ({c.kind}, {c.date}){', ' + where if where else ''}")
                print(f"    {' '.join(c.text.split())[:400]}\n")
        return EXIT_OK
    answer = rag.ask(args.question, mode=args.mode, **filters)
    if args.json:
        print(json.dumps(answer.to_dict(), indent=2, ensure_ascii=False))
        return EXIT_OK
    print(render_text(answer))
    return EXIT_OK


def render_text(answer) -> str:  # noqa: ANN001 - rag.records.Answer, imported lazily
    lines = [answer.text, ""]
    if answer.notice:
        lines.insert(0, f"({answer.notice})\n")
    lines.append("Nearest matches:" if answer.abstained else "Sources:")
    for c in answer.citations:
        lines.append(f"[{c.number}] {c.reference()}")
        lines.append(f"    \"{' '.join(c.quote.split())}\"")
    unsupported = [s for s in answer.sentences if not s.supported]
    if unsupported:
        lines.append("\nNot supported by the cited passages:")
        lines.extend(f"  - {s.text} ({s.note})" for s in unsupported)
    return "\n".join(lines)


def _ask_stdin(args: argparse.Namespace) -> int:
    """Batch mode: a JSON object per input line; a bad line gets an error object, not a crash."""
    import rag

    status = EXIT_OK
    for line in sys.stdin:
        question = line.rstrip("\n")
        if not question.strip():
            continue
        try:
            if args.passages:
                passages = rag.search(question, k=args.k, since=args.since, until=args.until, kinds=args.kind, authorities=args.authority)
                out = {"question": question, "passages": [p.to_dict() for p in passages]}
            else:
                out = rag.ask(question, k=args.k, since=args.since, until=args.until, kinds=args.kind, authorities=args.authority, mode=args.mode).to_dict()
        except RagError as exc:
            out = {"question": question, "error": str(exc)}
            status = EXIT_FAILED
        print(json.dumps(out, ensure_ascii=False), flush=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
