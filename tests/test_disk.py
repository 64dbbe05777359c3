"""The index folder on a full disk or read-only: a clear error, nothing corrupted.
Uses a small tmpfs mount (needs root, as in CI); skipped where mounting is not allowed."""

import shutil
import subprocess
from pathlib import Path

import pytest

from rag.errors import RagError
from rag.pipeline import components, ingest, search
from rag.settings import load_settings

pytestmark = [pytest.mark.integration, pytest.mark.slow]
ROOT = Path(__file__).resolve().parent.parent
SMALL = ["2010-07-28-ofsted-letter-contact-referral-assessment.txt", "2023-06-15-news-first-monitoring-visit.txt", "manifest.toml"]


@pytest.fixture
def tmpfs(tmp_path):
    mnt = tmp_path / "mnt"
    mnt.mkdir()

    def mount(size_mb: int, *options: str) -> Path:
        opts = ",".join([f"size={size_mb}m", *options])
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", opts, "tmpfs", str(mnt)], capture_output=True, text=True)
        if done.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
        return mnt

    yield mount
    subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


def small_corpus(tmp_path: Path) -> Path:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in SMALL:
        shutil.copy(ROOT / "corpus" / name, corpus / name)
    return corpus


def test_read_only_index_gives_a_clear_error_and_nothing_is_corrupted(tmp_path):
    corpus = small_corpus(tmp_path)
    writable = tmp_path / "index"
    settings = load_settings(index_dir=writable, corpus_dir=corpus)
    assert ingest(settings=settings).ok
    before = [p.chunk.chunk_id for p in search("management oversight", settings)]
    ro = tmp_path / "ro-index"
    ro.mkdir()
    for cmd in (["mount", "--bind", str(writable), str(ro)], ["mount", "-o", "remount,bind,ro", str(ro)]):
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0:
            pytest.skip(f"cannot make a read-only bind mount here: {done.stderr.strip()}")
    try:
        news = corpus / "2023-06-15-news-first-monitoring-visit.txt"
        news.write_text(news.read_text() + "\nAn added sentence about supervision.\n")
        read_only = settings.model_copy(update={"index_dir": ro})
        try:
            report = ingest(settings=read_only)
            message = " ".join(f.message for f in report.failed)
            assert not report.ok
        except RagError as exc:  # the store may refuse to open at all
            message = str(exc)
        assert "read" in message.lower() and ("only" in message.lower() or "readonly" in message.lower()), message
        assert "Traceback" not in message
    finally:
        subprocess.run(["umount", "-l", str(ro)], capture_output=True)
    assert [p.chunk.chunk_id for p in search("management oversight", settings)] == before


def test_full_disk_gives_a_clear_error_and_keeps_what_was_indexed(tmp_path, tmpfs):
    mnt = tmpfs(4)
    corpus = small_corpus(tmp_path)
    settings = load_settings(index_dir=mnt / "index", corpus_dir=corpus)
    first = ingest(settings=settings)
    if not first.ok:
        pytest.skip(f"4 MB was too small for even the small corpus: {first.failed[0].message}")
    store = components(settings).store
    ids = sorted(c.chunk_id for c in store.iter_chunks())
    for name in ("2014-06-30-ofsted-report-help-protection-looked-after-lscb.pdf", "2023-08-02-ofsted-letter-second-monitoring-visit.txt", "2024-12-04-ofsted-letter-fifth-monitoring-visit.txt"):
        shutil.copy(ROOT / "corpus" / name, corpus / name)
    report = ingest(settings=settings)
    failed = " ".join(f.message for f in report.failed).lower()
    assert report.failed and ("full" in failed or "no space" in failed), [f.line for f in report.files]
    kept = {c.chunk_id for c in store.iter_chunks()}
    assert set(ids) <= kept  # nothing indexed before was lost
    assert search("management oversight", settings)
