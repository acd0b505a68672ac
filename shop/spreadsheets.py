"""Text for spreadsheet cells that no spreadsheet will run as a formula.

A cell starting with = + - @ (or a tab or carriage return) is a formula to Excel, LibreOffice
and Google Sheets: =HYPERLINK(…) in a staff-entered title, opened by finance, could send data
elsewhere. Every export writes such text with a leading ' (what a spreadsheet itself does to
show text as typed); the catalogue import takes it off again, so a file round-trips.
"""

import csv

from django.http import HttpResponse

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value) -> str:
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def unescaped(text: str) -> str:
    """What safe_text was given."""
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_STARTS) else text


def csv_response(filename: str, rows) -> HttpResponse:
    """A small CSV download (a page's table as a file), every text cell made safe."""
    response = HttpResponse(content_type="text/csv; charset=utf-8", headers={"Content-Disposition": f'attachment; filename="{filename}"'})
    writer = csv.writer(response)
    for row in rows:
        writer.writerow([safe_text(cell) if isinstance(cell, str) else cell for cell in row])
    return response
