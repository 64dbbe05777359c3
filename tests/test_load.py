from pathlib import Path

import pytest

from pdfs import encrypt_pdf, make_pdf, make_scanned_pdf
from rag.errors import DocumentError
from rag.load import read_document

ROOT = Path(__file__).resolve().parent.parent


def test_text_file_reads_as_one_page_without_number(tmp_path):
    p = tmp_path / "a.txt"
    p.write_text("Inspectors found caseloads were manageable.", encoding="utf-8")
    pages, warnings = read_document(p)
    assert [pg.number for pg in pages] == [None] and not warnings


def test_form_feeds_split_text_into_pages(tmp_path):
    p = tmp_path / "a.txt"
    p.write_text("Page one text.\fPage two text.", encoding="utf-8")
    pages, _ = read_document(p)
    assert len(pages) == 2


def test_pdf_pages_keep_their_numbers(tmp_path):
    p = make_pdf(tmp_path / "r.pdf", ["Alpha page text here.", "Beta page text here.", "Gamma page."])
    pages, _ = read_document(p)
    assert [pg.number for pg in pages] == [1, 2, 3]
    assert "Beta" in pages[1].text


@pytest.mark.parametrize(
    "name, content, reason",
    [
        ("empty.txt", b"", "empty file"),
        ("junk.txt", bytes(range(256)) * 20, "binary data"),
        ("broken.pdf", b"%PDF-1.4\n" + b"\x00garbage" * 100, "corrupt PDF"),
        ("fake.pdf", b"Just text with a pdf name", "not a PDF (no %PDF header)"),
        ("saved-page.pdf", b"<!DOCTYPE html>\n<html lang=\"en\"><head><title>Report</title>", "a web page (HTML) saved under a .pdf name"),
        ("notes.docx", b"PK\x03\x04 zip", "unsupported file type"),
        ("blank.md", b"   \n\n  \t ", "no text"),
    ],
)
def test_bad_files_get_a_clear_reason_naming_the_file(tmp_path, name, content, reason):
    p = tmp_path / name
    p.write_bytes(content)
    with pytest.raises(DocumentError) as err:
        read_document(p)
    assert reason in str(err.value) and name in str(err.value)


def test_truncated_pdf_is_corrupt(tmp_path):
    good = make_pdf(tmp_path / "good.pdf", ["Some real text on the page."] * 3)
    cut = tmp_path / "cut.pdf"
    cut.write_bytes(good.read_bytes()[: len(good.read_bytes()) // 3])
    with pytest.raises(DocumentError, match="cut.pdf: .*(corrupt|no text layer)"):
        read_document(cut)


def test_scanned_pdf_says_ocr_is_needed(tmp_path):
    p = make_scanned_pdf(tmp_path / "scan.pdf")
    with pytest.raises(DocumentError) as err:
        read_document(p)
    assert "no text layer" in str(err.value) and "OCR" in str(err.value)


def test_encrypted_pdf_needs_a_password(tmp_path):
    plain = make_pdf(tmp_path / "plain.pdf", ["Secret findings about supervision."])
    locked = encrypt_pdf(plain, tmp_path / "locked.pdf", user_password="secret")
    with pytest.raises(DocumentError, match="locked.pdf: encrypted PDF"):
        read_document(locked)


def test_pdf_encrypted_with_an_empty_password_opens(tmp_path):
    plain = make_pdf(tmp_path / "plain.pdf", ["Open findings about supervision."])
    locked = encrypt_pdf(plain, tmp_path / "open.pdf", user_password="")
    pages, _ = read_document(locked)
    assert "supervision" in pages[0].text


def test_latin1_text_is_read_with_a_warning(tmp_path):
    p = tmp_path / "latin.txt"
    p.write_bytes("Caf\xe9 of children's services: r\xe9sum\xe9 of findings.".encode("latin-1"))
    pages, warnings = read_document(p)
    assert "Café" in pages[0].text and "not UTF-8" in warnings[0] and "latin.txt" in warnings[0]


def test_utf16_text_with_bom_is_read(tmp_path):
    p = tmp_path / "wide.txt"
    p.write_bytes("Management oversight improved.".encode("utf-16"))
    pages, _ = read_document(p)
    assert pages[0].text.strip() == "Management oversight improved."


def test_missing_file(tmp_path):
    with pytest.raises(DocumentError, match="gone.txt: file not found"):
        read_document(tmp_path / "gone.txt")


def test_a_pdf_with_too_many_pages_is_refused_quickly(tmp_path):
    import time

    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(3000):
        writer.add_blank_page(width=10, height=10)
    bomb = tmp_path / "bomb.pdf"
    with bomb.open("wb") as f:
        writer.write(f)
    t0 = time.monotonic()
    with pytest.raises(DocumentError, match="bomb.pdf: PDF has 3000 pages, over the limit of 2000"):
        read_document(bomb, max_pages=2000)
    assert time.monotonic() - t0 < 30


def test_a_decompression_bomb_is_refused_in_bounded_time_and_memory(tmp_path):
    import resource
    import time

    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

    writer = PdfWriter()
    page = writer.add_blank_page(100, 100)
    font = DictionaryObject({NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"), NameObject("/BaseFont"): NameObject("/Helvetica")})
    page[NameObject("/Resources")] = DictionaryObject({NameObject("/Font"): DictionaryObject({NameObject("/F1"): writer._add_object(font)})})
    stream = DecodedStreamObject()
    stream.set_data(b"BT /F1 12 Tf (A) Tj ET\n" + b" " * 80_000_000)  # 80 MB that compress to ~80 kB
    page[NameObject("/Contents")] = writer._add_object(stream.flate_encode(level=9))
    bomb = tmp_path / "zip-bomb.pdf"
    with bomb.open("wb") as f:
        writer.write(f)
    del stream, page, writer
    assert bomb.stat().st_size < 200_000
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.monotonic()
    with pytest.raises(DocumentError, match="zip-bomb.pdf: PDF refused: a stream decompresses past"):
        read_document(bomb)
    assert time.monotonic() - t0 < 30
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 400 * 1024  # KiB: under 400 MB more


def test_many_pages_each_under_the_stream_cap_are_refused_in_bounded_memory(tmp_path):
    """40 pages of 20 MB each (every stream under pypdf's 75 MB cap): pypdf keeps each page
    it decodes, so reading it took ~800 MB and minutes; the whole file's budget refuses it
    before any text is extracted. Read in a subprocess so its peak memory is its own (VmHWM:
    the high-water mark of the new program, not of the test process it was forked from)."""
    import subprocess
    import sys

    from pdfs import make_page_bomb_pdf

    bomb = make_page_bomb_pdf(tmp_path / "pages-bomb.pdf", pages=40, mb_per_page=20)
    assert bomb.stat().st_size < 2_000_000
    probe = (
        "import sys\n"
        "from pathlib import Path\n"
        "from rag.errors import DocumentError\n"
        "from rag.load import read_document\n"
        "try:\n"
        "    read_document(Path(sys.argv[1]))\n"
        "    print('read')\n"
        "except DocumentError as exc:\n"
        "    print(exc)\n"
        "print(next(line.split()[1] for line in open('/proc/self/status') if line.startswith('VmHWM:')))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe, str(bomb)], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    message, peak_kib = done.stdout.strip().splitlines()
    assert message.startswith(f"{bomb}: PDF content decodes to more than 64 MB by page ") and "of 40" in message
    assert int(peak_kib) < 400 * 1024, f"peak {int(peak_kib) // 1024} MB"


def test_a_budget_counts_every_page_and_shared_streams_once(tmp_path):
    import pypdf

    from pdfs import make_page_bomb_pdf
    from rag.load import check_decoded_size

    small = make_page_bomb_pdf(tmp_path / "small.pdf", pages=5, mb_per_page=1)
    reader = pypdf.PdfReader(small)
    assert 5 * 2**20 <= check_decoded_size(reader, small, 64 * 2**20) < 5 * 2**20 + 10_000
    with pytest.raises(DocumentError, match=r"small.pdf: PDF content decodes to more than 3 MB by page 3 of 5"):
        check_decoded_size(reader, small, 3 * 2**20)
    pages, _ = read_document(small, max_decoded=64 * 2**20)
    assert [p.number for p in pages] == [1, 2, 3, 4, 5] and "Page 4 of the bomb" in pages[4].text


def test_text_over_the_character_limit_is_refused(tmp_path):
    p = tmp_path / "huge.txt"
    p.write_text("Caseloads are manageable. " * 1000, encoding="utf-8")
    with pytest.raises(DocumentError, match="huge.txt: holds 26,000 characters of text, over the limit of 10,000"):
        read_document(p, max_chars=10_000)


def test_very_long_lines_are_read(tmp_path):
    p = tmp_path / "long.txt"
    p.write_text("Caseloads are manageable. " * 40_000, encoding="utf-8")
    pages, _ = read_document(p)
    assert len(pages[0].text) > 1_000_000
