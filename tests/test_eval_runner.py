"""The evaluation runner end to end: real model, real Chroma, the shipped corpus, 5 questions."""

import json

import pytest

from eval import runner
from eval.__main__ import main

pytestmark = [pytest.mark.integration, pytest.mark.slow]

IDS = ("q001", "q004", "q035", "q064", "q077")  # single fact, change over time, unanswerable, false premise


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    root = tmp_path_factory.mktemp("eval")
    rows = [line for line in runner.QUESTIONS.read_text(encoding="utf-8").splitlines() if json.loads(line)["id"] in IDS]
    questions = root / "questions.jsonl"
    questions.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return root, questions


def args(root, questions, *extra):
    return ["--questions", str(questions), "--index", str(root / "index"), "--out", str(root / "out"), *extra]


def test_report_has_every_question_and_the_settings_hash(workspace, capsys):
    root, questions = workspace
    assert main(args(root, questions)) == 0
    settings_hash = runner.settings_for(runner.DEFAULT, root / "index", runner.CORPUS).hash()
    md = (root / "out" / "report.md").read_text(encoding="utf-8")
    for qid in IDS:
        assert f"| {qid} |" in md
    assert settings_hash in md and "manifest hash" in md
    data = json.loads((root / "out" / "report.json").read_text(encoding="utf-8"))
    config = data["configs"][0]
    assert config["settings_hash"] == settings_hash
    assert [q["id"] for q in config["questions"]] == list(IDS)
    assert config["summary"]["errors"] == 0
    assert 0.0 <= config["summary"]["mrr"] <= 1.0
    assert "hit@5" in capsys.readouterr().out


def test_ci_gate_names_the_metric_that_fell_below(workspace, capsys):
    root, questions = workspace
    thresholds = root / "thresholds.toml"
    thresholds.write_text('[at_least]\n"hit@10" = 1.01\n\n[at_most]\nerrors = 0\n', encoding="utf-8")
    assert main(args(root, questions, "--ci", "--thresholds", str(thresholds))) == 1
    out = capsys.readouterr().out
    assert "FAIL hit@10" in out and "FAIL errors" not in out


def test_compare_runs_every_configuration_and_draws_the_chart(workspace):
    root, questions = workspace
    assert main(args(root, questions, "--compare")) == 0
    data = json.loads((root / "out" / "report.json").read_text(encoding="utf-8"))
    assert [c["name"] for c in data["configs"]] == [c.name for c in runner.COMPARE]
    naive = data["configs"][-1]["summary"]
    assert naive["hit@10"] is not None and naive["key_fact_recall"] is None
    assert (root / "out" / "compare.png").stat().st_size > 10_000


def test_a_refused_file_no_question_cites_is_left_out_and_one_cited_is_an_error(tmp_path, fake_embedder, capsys):
    from eval.dataset import GoldSource, Question
    from rag import pipeline
    from rag.errors import RagError
    from rag.lexical import LexicalIndex
    from rag.retrieve import Retriever
    from rag.settings import load_settings
    from rag.store import ChromaStore

    library = tmp_path / "library"
    library.mkdir()
    (library / "letter.txt").write_text("Ofsted letter of 3 March 2025.\n\nCaseloads are manageable and supervision is regular.\n")
    (library / "error-page.pdf").write_bytes(b"<!DOCTYPE html>\n<html><body>Not found</body></html>")
    settings = load_settings(index_dir=tmp_path / "index", corpus_dir=library)
    store = ChromaStore(settings)
    lexical = LexicalIndex(store, settings.index_dir)
    parts = pipeline.Components(store, fake_embedder, lexical, Retriever(store, lexical, fake_embedder.encode_query, settings.retrieve))

    def question(doc: str) -> Question:
        return Question("x1", "single_fact", "caseloads?", "manageable", (("manageable",),), (GoldSource(doc, "Caseloads are manageable"),), ())

    with pipeline.provided(lambda s: parts):
        report = runner.build_index(settings, questions=[question("letter")])
        assert report.count("indexed") == 1 and len(report.failed) == 1
        assert "left out (no question cites it)" in capsys.readouterr().err
        with pytest.raises(RagError, match="evaluation index incomplete: .*error-page.pdf"):
            runner.build_index(settings, questions=[question("error-page")])
        with pytest.raises(RagError, match="evaluation index incomplete"):
            runner.build_index(settings)  # no questions: every file counts


def test_configurations_are_picked_by_name_and_an_unknown_one_is_named():
    from eval import runner

    assert [c.name for c in runner.pick_configs("default, naive,default")] == ["default", "naive"]
    with pytest.raises(ValueError, match="'hybird'.*choose from default, bm25"):
        runner.pick_configs("default,hybird")
