"""PDFs the shop makes (receipts, credit notes), read back as text."""

import io

from pypdf import PdfReader


def text_of(pdf: bytes) -> str:
    return "\n".join(pages_of(pdf))


def pages_of(pdf: bytes) -> list[str]:
    """Each page's text."""
    assert pdf.startswith(b"%PDF-")
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]
