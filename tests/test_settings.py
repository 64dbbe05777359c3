import pytest

from rag.errors import SettingsError
from rag.settings import load_settings


def test_defaults_and_env(monkeypatch, tmp_path):
    monkeypatch.setenv("RAG_INDEX_DIR", str(tmp_path / "idx"))
    monkeypatch.setenv("RAG_RETRIEVE__K", "5")
    monkeypatch.setenv("RAG_CHROMA_URL", "http://127.0.0.1:8123")
    s = load_settings()
    assert s.index_dir == tmp_path / "idx" and s.retrieve.k == 5 and s.chroma_url == "http://127.0.0.1:8123"
    assert s.app.host == "127.0.0.1"


def test_bad_values_fail_fast_with_the_valid_range():
    with pytest.raises(SettingsError, match="chunk size must be 50..230 tokens, got 400"):
        load_settings(chunk={"max_tokens": 400})


def test_unknown_keys_are_rejected():
    with pytest.raises(SettingsError, match="retrieve.kk"):
        load_settings(retrieve={"kk": 3})


def test_hash_is_stable_and_ignores_secrets():
    a = load_settings(app={"password": "x"})
    b = load_settings(app={"password": "y"})
    assert a.hash() == b.hash() and len(a.hash()) == 12
    assert load_settings(retrieve={"k": 3}).hash() != a.hash()


def test_collection_is_keyed_to_model_and_chunker():
    assert load_settings().collection_name() != load_settings(chunk={"max_tokens": 150}).collection_name()


def test_a_new_int8_recipe_is_a_new_collection_and_hash(monkeypatch):
    """Vectors of another quantisation never mix with an index built by the last one."""
    from rag import embed

    int8 = load_settings(embed={"backend": "onnx-int8"})
    before = int8.collection_name(), int8.hash()
    assert before[0] != load_settings(embed={"backend": "onnx"}).collection_name()
    monkeypatch.setattr(embed, "INT8_RECIPE", "int8-another")
    assert int8.collection_name() != before[0] and int8.hash() != before[1]


def test_hash_covers_what_changes_answers_and_nothing_machine_specific(tmp_path):
    base = load_settings()
    moved = load_settings(index_dir=tmp_path / "elsewhere", corpus_dir=tmp_path / "c", app={"host": "0.0.0.0", "port": 9999},
                          embed={"cache_dir": str(tmp_path / "m")})
    assert moved.hash() == base.hash()
    for changed in ({"answer": {"abstain_below": 0.5}}, {"answer": {"dense_weight": 0.1}}, {"answer": {"boilerplate_penalty": 0.9}},
                    {"embed": {"backend": "torch"}}, {"llm": {"temperature": 0.7}}, {"answer": {"premise_leeway": 1.0}},
                    {"answer": {"max_fact_reports": 3}}, {"retrieve": {"exhaustive_window": 4}}, {"retrieve": {"max_pool": 100}}, {"llm": {"min_support": 0.9}}):
        assert load_settings(**changed).hash() != base.hash(), changed


def test_the_answerer_s_weights_are_settings_with_their_range():
    with pytest.raises(SettingsError, match="answer.dense_weight"):
        load_settings(answer={"dense_weight": 2})


def test_the_answering_stages_keep_no_numeric_knobs_outside_settings():
    """A weight or threshold written as a module constant changes answers without changing
    the settings hash: the answering stages take theirs from Settings. (retrieve's two
    POST_FILTER values and SCAN_MAX only choose how a filtered search runs, not what it returns.)"""
    import ast
    from pathlib import Path

    allowed = {"POST_FILTER_MIN_SHARE", "POST_FILTER_MAX_POOL", "SCAN_MAX"}
    root = Path(__file__).resolve().parent.parent / "rag"
    found = []
    for name in ("answer.py", "answer_facts.py", "retrieve.py", "question.py", "timeframe.py", "verify.py"):
        for node in ast.parse((root / name).read_text(encoding="utf-8")).body:
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and type(node.value.value) in (int, float):
                names = [t.id for t in node.targets if isinstance(t, ast.Name)]
                found += [f"{name}: {n}" for n in names if n not in allowed]
    assert not found, found
