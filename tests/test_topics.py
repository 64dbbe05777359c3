"""Topic suggestions: mined from the documents, and kept for one catalog version only."""

from rag import topics
from rag.store import DocRecord
from rag.topics import suggest_topics, topic_candidates

TEXTS = {
    "a": "Private fostering arrangements are weak. Private fostering is not understood. Management oversight is thin.",
    "b": "Management oversight is inconsistent. Management oversight of casework improved. Private fostering was reviewed.",
    "c": "Return home interviews are timely. Most return home interviews explore risk. Care leavers are helped. Care leavers thrive.",
}


def test_topics_are_repeated_multi_word_terms_without_names_or_boilerplate():
    texts = {
        "a": "Private fostering arrangements are weak. Private fostering is not understood. The local authority met Alison Smale. Alison Smale wrote.",
        "b": "Management oversight is inconsistent. Management oversight of casework improved. The local authority agreed. Private fostering was reviewed.",
        "c": "Return home interviews are timely. Most return home interviews explore risk. Management oversight continues to need improvement.",
    }
    topics = topic_candidates(texts, {"a": ["Strengths", "Areas for development"]}, 10)
    assert topics[:2] == ["management oversight", "private fostering"]
    assert "return home interviews" in topics and "return home" not in topics and "home interviews" not in topics
    assert "alison smale" not in topics and "local authority" not in topics and "areas for development" not in topics


class Catalog:
    """A store as topic mining sees it, counting how often it is read."""

    def __init__(self, texts, version="v1"):
        self.texts, self.version, self.reads = dict(texts), version, 0

    def documents(self):
        return [DocRecord(d, f"Title of {d}", "report", "2014-06-30", "", "h", 0, 1, "") for d in self.texts]

    def document_text(self, doc_id):
        self.reads += 1
        return self.texts[doc_id]

    def content_version(self):
        return self.version


def test_fewer_topics_are_the_first_of_more():
    many = topic_candidates(TEXTS, {}, 40)
    assert len(many) >= 3
    for n in range(1, len(many) + 1):
        assert topic_candidates(TEXTS, {}, n) == many[:n]


def test_suggestions_are_mined_once_per_catalog_version_and_only_one_is_kept():
    catalog = Catalog(TEXTS)
    first = suggest_topics(catalog, 3, index="i1")
    assert first == topic_candidates(TEXTS, {}, 3) and catalog.reads == 3
    assert suggest_topics(catalog, 2, index="i1") == first[:2] and catalog.reads == 3  # a smaller n: no mining
    suggest_topics(catalog, 10, index="i1")
    assert catalog.reads == 6  # more than were mined: mined again
    catalog.version = "v2"
    catalog.texts["d"] = "Care leavers need help. Care leavers are supported."
    suggest_topics(catalog, 10, index="i1")
    assert catalog.reads == 10 and len(topics._LATEST) == 1
    suggest_topics(Catalog(TEXTS), 10, index="i2")
    assert len(topics._LATEST) == 1 and next(iter(topics._LATEST))[0] == "i2"


def test_a_suggestion_list_can_be_changed_by_its_caller():
    catalog = Catalog(TEXTS, "v9")
    got = suggest_topics(catalog, 5, index="i3")
    got.clear()
    assert suggest_topics(catalog, 5, index="i3")
