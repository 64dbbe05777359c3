"""The encoder: local weights only, cheap to build, pooling of texts and sentences, the
int8 packing of sentence vectors; and (integration) that the ONNX export gives the vectors
sentence-transformers gives, and that the int8 export is usable."""

import shutil

import numpy as np
import pytest

from rag import embed
from rag.embed import Embedder, model_path, pack, unpack
from rag.errors import SettingsError
from rag.settings import EmbedSettings

SENTENCES = [
    "Management oversight of frontline practice has improved since the last visit.",
    "Caseloads are manageable and social workers say they feel well supported.",
    "Children at risk of exploitation are not always identified quickly enough.",
    "The local authority has strengthened its quality assurance framework.",
    "Care leavers receive good support to find suitable accommodation.",
    "The weather in the mountains was cold and the trains ran late.",
    "Short.",
    "Inspectors met Ann Example, the director of children's services for Barset, and spoke with "
    "the family support team about the timeliness of assessments, the quality of plans and the "
    "recording of management decisions on children's files over the past twelve months.",
]


# -- unit ---------------------------------------------------------------------------------


def test_the_packaged_model_is_found_without_a_hub():
    path = model_path("all-MiniLM-L6-v2")
    assert (path / "config.json").is_file() and (path / "tokenizer.json").is_file()
    assert model_path("sentence-transformers/all-MiniLM-L6-v2") == path


def test_a_hub_name_or_a_folder_without_weights_is_refused(tmp_path):
    with pytest.raises(SettingsError, match="local model folder"):
        model_path("BAAI/bge-small-en-v1.5")
    with pytest.raises(SettingsError, match="never downloaded"):
        model_path(str(tmp_path))
    (tmp_path / "config.json").write_text("{}")
    assert model_path(str(tmp_path)) == tmp_path


def test_building_an_embedder_loads_no_model(monkeypatch):
    def refuse(*args):
        raise AssertionError("the model was loaded")

    monkeypatch.setattr(embed, "_backend", refuse)
    e = Embedder(EmbedSettings())
    assert e.count_tokens("Management oversight has improved.") == 7  # the tokenizer alone
    assert e.encode([]) == [] and e.encode_with_spans([], []) == ([], [])


class TokenVectors:
    """A backend whose token vectors are known: token i of a text is a one-hot of i."""

    def token_embeddings(self, texts, batch_size):
        tok = embed._tokenizer(str(model_path("all-MiniLM-L6-v2")))
        return [np.eye(len(tok.encode(t).ids), 8, dtype=np.float32) for t in texts]


def test_a_text_is_its_tokens_mean_and_a_sentence_the_mean_of_its_own_tokens(monkeypatch):
    monkeypatch.setattr(Embedder, "backend", property(lambda self: TokenVectors()))
    text = "Caseloads fell. Oversight improved."
    (vector,), ((first, second),) = Embedder(EmbedSettings()).encode_with_spans([text], [[(0, 15), (16, len(text))]])
    tokens = embed._tokenizer(str(model_path("all-MiniLM-L6-v2"))).encode(text)
    n = len(tokens.ids)
    assert np.allclose(vector, np.eye(n, 8).mean(axis=0) / np.linalg.norm(np.eye(n, 8).mean(axis=0)))
    inside = [i for i, (a, b) in enumerate(tokens.offsets) if b > a and b <= 15]
    hot = np.nonzero(first)[0].tolist()
    assert hot == [i for i in inside if i < 8] and np.isclose(np.linalg.norm(first), 1.0)
    assert not set(np.nonzero(second)[0]) & set(hot)  # the second sentence's own tokens only
    assert np.isclose(np.linalg.norm(second), 1.0)


def test_a_span_holding_no_token_falls_back_to_the_text_vector(monkeypatch):
    monkeypatch.setattr(Embedder, "backend", property(lambda self: TokenVectors()))
    (vector,), ((empty,),) = Embedder(EmbedSettings()).encode_with_spans(["Caseloads fell."], [[(3, 3)]])
    assert empty == vector


def test_pack_keeps_unit_vectors_to_within_a_step_of_int8():
    rng = np.random.default_rng(7)
    v = rng.normal(size=(5, 384))
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    blob = pack(v.tolist())
    assert len(blob) == 5 * 384  # one byte a component
    back = unpack(blob)
    assert back.shape == (5, 384) and np.abs(back - v).max() <= 0.5 / 127 + 1e-6
    assert pack([]) == b"" and unpack(b"").shape == (0, 384)
    assert np.array_equal(unpack(pack([[1.5, -2.0, 0.0]]), dim=3), [[1.0, -1.0, 0.0]])  # clipped


def test_the_export_is_named_by_the_weights_not_their_folder(tmp_path):
    source = model_path("all-MiniLM-L6-v2")
    a, b = tmp_path / "a", tmp_path / "b"
    for folder in (a, b):
        folder.mkdir()
        shutil.copy(source / "config.json", folder / "config.json")
        (folder / "model.safetensors").write_bytes(b"0" * 10)
    assert embed._weights_key(a) == embed._weights_key(b)
    (b / "model.safetensors").write_bytes(b"0" * 11)
    assert embed._weights_key(a) != embed._weights_key(b)


# -- integration: the real model ----------------------------------------------------------


def _vectors(backend: str, spans: bool = False):
    e = Embedder(EmbedSettings(backend=backend))
    texts, sentence_vectors = e.encode_with_spans(SENTENCES, [[(0, 30), (31, len(s))] if len(s) > 40 else [] for s in SENTENCES])
    return np.array(texts), np.array([v for per in sentence_vectors for v in per])


@pytest.fixture(scope="module")
def torch_vectors():
    return _vectors("torch")


@pytest.mark.integration
@pytest.mark.slow
def test_onnx_gives_the_vectors_sentence_transformers_gives(torch_vectors):
    """The README and settings say the ONNX export gives the same vectors as torch, to 1e-6.
    Measured on these sentences: largest difference of a component 1.6e-7, smallest cosine
    0.99999997 (texts and sentence vectors alike)."""
    texts, sentences = _vectors("onnx")
    ref_texts, ref_sentences = torch_vectors
    assert texts.shape == ref_texts.shape == (len(SENTENCES), 384)
    assert sentences.shape == ref_sentences.shape and len(sentences) >= 10
    assert np.abs(texts - ref_texts).max() < 1e-6
    assert np.abs(sentences - ref_sentences).max() < 1e-6
    assert (texts * ref_texts).sum(axis=1).min() > 1 - 1e-6


@pytest.mark.integration
@pytest.mark.slow
def test_onnx_int8_loads_and_ranks_like_the_float_model(torch_vectors):
    """int8 weights change the vectors a little: with one scale per channel on the matrix
    multiplies, measured cosine to the torch vectors 0.985 at worst, 0.992 on average (one
    scale per tensor gave 0.944 and 0.955; bench/results/quantize.md on national chunks)."""
    e = Embedder(EmbedSettings(backend="onnx-int8"))
    texts, _ = _vectors("onnx-int8")
    assert texts.shape == (len(SENTENCES), 384)
    assert np.allclose(np.linalg.norm(texts, axis=1), 1.0, atol=1e-5)
    cosines = (texts * torch_vectors[0]).sum(axis=1)
    assert cosines.min() > 0.975 and cosines.mean() > 0.985
    question = np.array(e.encode_query("How manageable are social workers' caseloads?"))
    relevant, unrelated = texts[1] @ question, texts[5] @ question
    assert relevant > unrelated + 0.4 and relevant > 0.6  # measured 0.80 and 0.08


@pytest.mark.integration
def test_an_int8_vector_is_a_function_of_its_text_alone():
    """Dynamic int8 scales a forward pass's activations as a whole: a text passed with longer
    ones would get another vector (measured cosine 0.98 to its own). Chunks are embedded many
    at a time and queries alone, so each text is passed on its own."""
    e = Embedder(EmbedSettings(backend="onnx-int8"))
    text = SENTENCES[1]
    alone = np.array(e.encode([text])[0])
    among = np.array(e.encode([SENTENCES[0] * 3, text, " ".join(SENTENCES)])[1])
    assert np.abs(alone - among).max() < 1e-6


@pytest.mark.integration
def test_onnx_threads_sleep_when_idle_rather_than_spin():
    """Ingest reads the next PDF in a thread beside the encoder; spinning encoder threads
    would take the core that reader needs (bench/results/read-ahead.md)."""
    backend = Embedder(EmbedSettings(backend="onnx")).backend
    assert backend.session.get_session_options().get_session_config_entry("session.intra_op.allow_spinning") == "0"
