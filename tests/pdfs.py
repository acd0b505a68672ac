"""PDFs the shop makes (receipts, credit notes), read back as text."""

import io

from pypdf import PdfReader


def text_of(pdf: bytes) -> str:
    assert pdf.startswith(b"%PDF-")
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
