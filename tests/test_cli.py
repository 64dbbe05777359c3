"""The `rag` command as a user runs it, in a subprocess, on a small real corpus; and its
usage errors, in process, before any index is opened."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from rag.cli import main

ROOT = Path(__file__).resolve().parent.parent


def rag(*args, env, stdin=None):
    return subprocess.run(
        [sys.executable, "-m", "rag.cli", *args], input=stdin, capture_output=True, text=True, env=env, cwd=ROOT, timeout=300
    )


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cli")
    corpus = tmp / "corpus"
    corpus.mkdir()
    for name in ("2014-06-30-ofsted-report-help-protection-looked-after-lscb.pdf", "2024-12-04-ofsted-letter-fifth-monitoring-visit.txt", "manifest.toml"):
        shutil.copy(ROOT / "corpus" / name, corpus / name)
    return {**os.environ, "RAG_INDEX_DIR": str(tmp / "index"), "RAG_CORPUS_DIR": str(corpus), "PYTHONPATH": str(ROOT)}


@pytest.mark.integration
def test_ingest_reports_each_file_and_fails_on_a_bad_one(env):
    corpus = Path(env["RAG_CORPUS_DIR"])
    (corpus / "scan.pdf").write_bytes(b"%PDF-1.4 broken")
    out = rag("ingest", "--quiet", env=env)
    assert out.returncode == 1
    assert "indexed   " in out.stdout and "2 indexed, 1 failed" in out.stdout
    assert "scan.pdf" in out.stderr and "corrupt PDF" in out.stderr
    (corpus / "scan.pdf").unlink()
    again = rag("ingest", "--quiet", env=env)
    assert again.returncode == 0 and "2 unchanged" in again.stdout and "0 chunks embedded" in again.stdout


@pytest.mark.integration
def test_docs_lists_what_is_indexed(env):
    rag("ingest", "--quiet", env=env)
    out = rag("docs", env=env)
    assert out.returncode == 0 and "2014-06-30" in out.stdout and "2024-12-04" in out.stdout


@pytest.mark.integration
def test_ask_json_has_the_documented_shape(env):
    rag("ingest", "--quiet", env=env)
    out = rag("ask", "What did inspectors say about caseloads in 2014?", "--json", env=env)
    assert out.returncode == 0, out.stderr
    answer = json.loads(out.stdout)
    assert {"text", "abstained", "citations", "passages", "mode", "settings_hash", "timings"} <= set(answer)
    p = answer["passages"][0]
    assert {"text", "score", "doc_id", "title", "kind", "date", "page", "paragraph"} <= set(p)
    assert all(c["date"].startswith("2014") for c in answer["citations"])


@pytest.mark.integration
def test_ask_passages_prints_ranked_passages(env):
    out = rag("ask", "Get Safe team", "--passages", "-k", "3", env=env)
    assert out.returncode == 0 and out.stdout.startswith("[1] ")


@pytest.mark.integration
def test_ask_batch_reads_stdin_and_writes_json_lines(env):
    out = rag("ask", "-", env=env, stdin="How are caseloads?\n\n" + "x" * 5000 + "\nWhat is the Get Safe team?\n")
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    assert len(lines) == 3
    assert "error" in lines[1] and "question" in lines[1]["error"]
    assert lines[2]["citations"] and out.returncode == 1


@pytest.mark.integration
def test_bad_arguments_get_one_clear_line(env):
    out = rag("ask", "caseloads", "--since", "2030", "--until", "2010", env=env)
    assert out.returncode == 2 and out.stderr.strip().startswith("error: The 'from' year (2030) is after the 'to' year (2010)") and "Traceback" not in out.stderr


@pytest.mark.integration
def test_remove_takes_a_document_out_and_docs_ids_agree(env, tmp_path):
    note = tmp_path / "visit-note.md"
    note.write_text("# Visit note\n\nThe heron team answered every call within two minutes.\n", encoding="utf-8")
    assert rag("ingest", "--quiet", str(note), env=env).returncode == 0
    ids = rag("docs", "--ids", env=env).stdout.splitlines()
    [doc_id] = [line.split("\t")[0] for line in ids if line.endswith("\tVisit note")]
    out = rag("remove", str(note), env=env)  # by its file, as well as by id
    assert out.returncode == 0 and out.stdout.startswith(f"removed   {doc_id} (") and "its file stays" in out.stdout
    assert doc_id not in rag("docs", "--ids", env=env).stdout
    assert "heron" not in rag("ask", "heron team calls", "--passages", "--json", env=env).stdout.lower()
    again = rag("remove", doc_id, env=env)
    assert again.returncode == 1 and "missing" in again.stderr and "not in the index" in again.stderr


@pytest.mark.integration
def test_docs_json_gives_each_file_and_its_report_facts(env):
    rag("ingest", "--quiet", env=env)
    out = rag("docs", "--json", env=env)
    assert out.returncode == 0, out.stderr
    docs = {d["doc_id"]: d for d in json.loads(out.stdout)}
    report = docs["ofsted-2014-06-report"]
    assert Path(report["path"]).name == "2014-06-30-ofsted-report-help-protection-looked-after-lscb.pdf"
    facts = report["facts"]
    assert facts["framework"] == "SIF" and facts["lead_inspector"] and facts["published"].startswith("2014")
    overall = facts["judgements"]["overall_effectiveness"]
    assert overall["grade"] == "requires improvement" and overall["page"] == 1 and "requires improvement" in overall["label"].lower()


@pytest.mark.integration
def test_ask_authority_filters_by_council_and_names_an_unknown_one(env):
    rag("ingest", "--quiet", env=env)
    council = json.loads(rag("docs", "--json", env=env).stdout)[0]["authority"]
    held = rag("ask", "What did inspectors say about caseloads?", "--authority", council.lower(), "--json", env=env)
    assert held.returncode == 0, held.stderr
    assert json.loads(held.stdout)["citations"]
    missing = rag("ask", "What did inspectors say about caseloads?", "--authority", "Nowhereshire", env=env)
    assert missing.returncode == 2 and "The library has no reports on 'nowhereshire'" in missing.stderr


@pytest.mark.integration
def test_rag_eval_runs_from_any_folder(env, tmp_path):
    """The README's `rag eval` is the installed command: it must find the eval package
    whatever the working folder (it once failed with "No module named 'eval'")."""
    command = Path(sys.executable).parent / "rag"
    out = subprocess.run([str(command), "eval", "--help"], capture_output=True, text=True, cwd=tmp_path, timeout=120,
                         env={k: v for k, v in env.items() if k != "PYTHONPATH"})
    assert out.returncode == 0, out.stderr
    assert "--section" in out.stdout and "--calibrate" in out.stdout


# -- rag brief ----------------------------------------------------------------------------


def test_brief_usage_errors_are_one_line_and_exit_2(capsys, tmp_path):
    assert main(["brief"]) == 2
    assert main(["brief", "caseloads", "-o", str(tmp_path / "missing" / "x.docx")]) == 2
    assert main(["brief", "caseloads", "-o", str(tmp_path / "x.xls")]) == 2
    assert main(["brief", "caseloads", "--format", "rtf"]) == 2
    assert main(["brief", "caseloads", "--json"]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 5 and all(line.startswith("rag brief: error:") for line in lines)
    assert "does not exist" in lines[1] and "cannot tell the format" in lines[2] and "unrecognized arguments: --json" in lines[4]


def test_brief_help_returns_and_lists_its_options(capsys):
    assert main(["brief", "--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: rag brief") and all(o in out for o in ("--since", "--until", "--kind", "--format", "--output", "--suggest"))


def test_other_commands_keep_argparse_usage_errors(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["ask"])
    assert exc.value.code == 2 and capsys.readouterr().err.startswith("usage: rag ask")

@pytest.mark.integration
def test_cli_writes_a_word_brief(corpus_settings, tmp_path):
    from docx import Document

    env = {**os.environ, "PYTHONPATH": str(ROOT), "RAG_INDEX_DIR": str(corpus_settings.index_dir), "RAG_CORPUS_DIR": str(corpus_settings.corpus_dir)}
    out = tmp_path / "x.docx"
    done = subprocess.run(
        [sys.executable, "-m", "rag.cli", "brief", "management oversight", "--format", "docx", "-o", str(out)],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    doc = Document(str(out))
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert headings[0].startswith("1. What each document said") and headings[-1] == "Notes"
    assert [c.text for c in doc.tables[0].rows[0].cells] == ["Date", "Document", "What it said"]
    bad = subprocess.run([sys.executable, "-m", "rag.cli", "brief", "Worcestershire"], capture_output=True, text=True, env=env, timeout=300)
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1
