import pytest

from pdfs import encrypt_pdf, make_pdf, make_scanned_pdf
from rag.errors import DocumentError
from rag.load import read_document


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
        ("fake.pdf", b"Just text with a pdf name", "not a PDF"),
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
