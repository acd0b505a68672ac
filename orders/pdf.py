"""Receipts and credit notes drawn as A4 PDFs (fpdf2), in DejaVu Sans (orders/fonts, shipped with
the package) so that any reader's name prints: "Łódź", "Zoë", "Ολυμπία".

The same document always gives the same bytes: everything drawn was stored when it was issued
(orders.receipts), and the PDF's own date is the document's.

fpdf2 reads a font's character map and widths each time a document adds it: 20 ms of a 55 ms
receipt, in a worker sending a launch day's confirmations. Each process reads them once
(_read_once); a document gets its own copy of what it changes (the glyphs it uses, the descriptor
numbered into its file).

Writing a document cuts each font down to the glyphs it uses. Cutting changes no outline, so the
glyphs are copied as the file has them, never decoded and encoded again. Each process cuts each
font once to LATIN (most readers' names and addresses, every title so far: 369 glyphs of 1,984)
and keeps the cut in pieces (_LatinPieces). A document whose glyphs are all in LATIN has its
fonts put together from those pieces (_latin_program): each glyph it uses, and those a glyph is
drawn from ("é" is "e" and an accent), as the cut has them, every other glyph left empty at the
same glyph ids, the cut's other tables as they are. fpdf2 writes every font of a document in one
method, cutting each with fontTools; _Output has it write only the others (cut from the whole
font), and writes these as fpdf2 2.8.9 writes a font, with the codes mapped to the cut's ids.

A receipt took 56 ms with fpdf2 cutting the whole fonts, 26 ms cutting the Latin cut with
fontTools (2026-11-28; measured on the 2026-12-04 machine), and 10 ms put together from its
pieces: the same size (24 KB), drawing the same (tests/orders/test_receipts.py compares it with
fpdf2's own), though its bytes differ from a receipt drawn before 2026-12-04.
"""

import copy
import functools
import struct
from decimal import Decimal
from io import BytesIO
from pathlib import Path
from typing import NamedTuple

from django.utils import timezone
from fontTools import subset, ttLib
from fontTools.ttLib.sfnt import SFNTWriter
from fpdf import FPDF
from fpdf.enums import MethodReturnValue, XPos, YPos
from fpdf.fonts import SubsetMap, TTFFont
from fpdf.output import CIDSystemInfo, OutputProducer, PDFContentStream, PDFFont, PDFFontStream, _build_cmap_blocks, _tt_font_widths
from fpdf.syntax import Name, PDFArray

from .models import CreditNote, Receipt
from .receipts import Facts, credit_note_facts, receipt_facts

FONTS = Path(__file__).parent / "fonts"
FONT = "DejaVu"
FONT_FILES = {"": FONTS / "DejaVuSans.ttf", "B": FONTS / "DejaVuSans-Bold.ttf"}


# Letters, digits and signs of the Latin alphabets (Basic Latin, Latin-1 and Latin Extended-A:
# "Łódź", "Zoë", "Dvořák"), dashes, quotes and "€".
LATIN = [*range(0x20, 0x7F), *range(0xA0, 0x180), *range(0x2010, 0x2027), 0x20AC]


class _LatinPieces(NamedTuple):
    """A font file cut to LATIN, in the pieces a document's font is put together from."""

    ids: dict[str, int]  # each glyph's id, by name
    outlines: list[bytes]  # each glyph's entry in the glyf table, by id
    needs: list[frozenset[int]]  # the glyphs each glyph is drawn with: itself and its components, all the way down
    tables: dict[str, bytes]  # every other table, as the cut has it; head saying loca holds long offsets


class _Read(NamedTuple):
    font: TTFFont  # as fpdf2 reads it
    program: bytes  # the font file
    latin: _LatinPieces


def _fontkey(style: str) -> str:
    """What fpdf2 names the font of this style in a document's fonts."""
    return f"{FONT.lower()}{style}"


def _style(font: TTFFont) -> str:
    return next(style for style in FONT_FILES if _fontkey(style) == font.fontkey)


@functools.cache
def _read_once(style: str) -> _Read:
    """The font of this style as fpdf2 reads it, its file, and its file cut to LATIN, once per process."""
    path = FONT_FILES[style]
    program = path.read_bytes()
    font = TTFFont(FPDF(), path, _fontkey(style), style)
    cut = ttLib.TTFont(BytesIO(program), recalcTimestamp=False, recalcBBoxes=False)
    # By glyph, as a document asks: the cut keeps every character the font maps to a glyph it keeps.
    options = subset.Options(notdef_outline=True, recommended_glyphs=True, glyph_names=True)
    options.drop_tables += ["GDEF", "GPOS", "GSUB", "MATH"]  # as fpdf2 drops them from a document's font
    subsetter = subset.Subsetter(options)
    subsetter.populate(glyphs={font.cmap[code] for code in LATIN if code in font.cmap})
    subsetter.subset(cut)
    return _Read(font, program, _latin_pieces(cut))


def _latin_pieces(cut: ttLib.TTFont) -> _LatinPieces:
    names = cut.getGlyphOrder()
    written = BytesIO()
    cut.save(written)
    read = ttLib.TTFont(written, lazy=True)
    raw = {tag: read.reader[tag] for tag in read.reader.keys()}
    long_offsets = read["head"].indexToLocFormat == 1
    offsets = struct.unpack(f">{len(names) + 1}{'L' if long_offsets else 'H'}", raw["loca"])
    offsets = offsets if long_offsets else [offset * 2 for offset in offsets]
    ids = {name: at for at, name in enumerate(names)}

    @functools.cache
    def drawn_with(name: str) -> frozenset[int]:
        glyph = cut["glyf"][name]
        parts = [drawn_with(part.glyphName) for part in glyph.components] if glyph.isComposite() else []
        return frozenset({ids[name]}).union(*parts)

    head = raw["head"][:50] + struct.pack(">h", 1) + raw["head"][52:]  # indexToLocFormat: long offsets
    return _LatinPieces(
        ids, [raw["glyf"][start:end] for start, end in zip(offsets, offsets[1:])], [drawn_with(name) for name in names],
        {tag: data for tag, data in raw.items() if tag not in ("glyf", "loca")} | {"head": head},
    )  # fmt: skip


def _in_latin(font: TTFFont) -> bool:
    """Whether every glyph a document's font uses is in the Latin cut of its style."""
    return _read_once(_style(font)).latin.ids.keys() >= set(font.subset.get_all_glyph_names())


def _latin_program(font: TTFFont) -> tuple[bytes, dict[int, int]]:
    """The font file a document's font embeds, put together from the Latin cut: the glyphs it uses
    as the cut has them, every other glyph empty, at the cut's glyph ids; and the glyph id of each
    of the document's character codes."""
    pieces = _read_once(_style(font)).latin
    glyph_of = {code: pieces.ids[glyph.glyph_name] for glyph, code in font.subset.items() if glyph is not None}
    kept = frozenset({0}).union(*(pieces.needs[glyph] for glyph in glyph_of.values()))  # .notdef's box too
    glyf, offsets = bytearray(), [0]
    for glyph, outline in enumerate(pieces.outlines):
        if glyph in kept:
            glyf += outline
        offsets.append(len(glyf))
    tables = pieces.tables | {"glyf": bytes(glyf), "loca": struct.pack(f">{len(offsets)}L", *offsets)}
    written = BytesIO()
    writer = SFNTWriter(written, len(tables))
    for tag, data in sorted(tables.items()):
        writer[tag] = data
    writer.close()  # each table's checksum, and the file's in head
    return written.getvalue(), glyph_of


def _font_for(document: FPDF, style: str) -> TTFFont:
    """The font read once, with what a document changes of it made the document's own."""
    read = _read_once(style)
    font = copy.copy(read.font)
    font.i = len(document.fonts) + 1
    font.desc = copy.copy(read.font.desc)  # numbered into the document's file, and given its font program
    font.missing_glyphs, font.biggest_size_pt, font._hbfont = [], 0, None
    font.subset = SubsetMap(font)
    return font


class _Output(OutputProducer):
    """fpdf2's writing of a document, but for its fonts in the Latin cut, put together from its pieces."""

    def _add_fonts(self, *resources):
        fonts = self.fpdf.fonts  # fpdf2 writes every font in this registry: for a while, only the others
        every = dict(fonts)
        latin = {key: font for key, font in every.items() if _in_latin(font)}
        for key, font in every.items():
            if key in latin:
                del fonts[key]
            else:  # fpdf2 cuts it with fontTools, which changes the font it cuts: a fresh one
                font.ttfont = ttLib.TTFont(BytesIO(_read_once(_style(font)).program), recalcTimestamp=False, recalcBBoxes=False, lazy=True)
        try:
            written = super()._add_fonts(*resources)
        finally:
            fonts.clear()
            fonts.update(every)
        for font in sorted(latin.values(), key=lambda font: font.i):
            written[font.i] = self._add_latin_font(font)
        return written

    def _add_latin_font(self, font: TTFFont) -> PDFFont:
        """The PDF objects of a font in the Latin cut, as fpdf2 2.8.9's _add_fonts writes a
        TrueType font, with the program put together from the cut's pieces."""
        program, glyph_of = _latin_program(font)
        name = f"MPDFAA+{font.name}"
        composite = PDFFont(subtype="Type0", base_font=name, encoding="Identity-H")
        self._add_pdf_obj(composite, "fonts")
        cid_font = PDFFont(subtype="CIDFontType2", base_font=name, d_w=font.desc.missing_width, w=_tt_font_widths(font))
        self._add_pdf_obj(cid_font, "fonts")
        composite.descendant_fonts = PDFArray([cid_font])
        # Which character each code draws, for searching and copying the text (none past U+FFFF: LATIN's).
        characters = [
            f"<{code:04X}> <{''.join(f'{character:04X}' for character in glyph.unicode)}>\n"
            for glyph, code in font.subset.items() if glyph is not None and isinstance(glyph.unicode, tuple) and glyph.unicode
        ]  # fmt: skip
        composite.to_unicode = PDFContentStream((
            "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n/CIDSystemInfo\n"
            "<</Registry (Adobe)\n/Ordering (UCS)\n/Supplement 0\n>> def\n/CMapName /Adobe-Identity-UCS def\n"
            "/CMapType 2 def\n1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
            f"{_build_cmap_blocks(characters, 'bfchar')}endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend"
        ).encode("latin-1"))  # fmt: skip
        self._add_pdf_obj(composite.to_unicode, "fonts")
        cid_font.c_i_d_system_info = CIDSystemInfo()
        self._add_pdf_obj(cid_font.c_i_d_system_info, "fonts")
        cid_font.font_descriptor = font.desc
        font.desc.font_name = Name(name)
        self._add_pdf_obj(font.desc, "fonts")
        # Each code's glyph id, in two bytes, up to the document's last code: every code it draws.
        # fpdf2 writes all 65,536, and compressing them was most of a receipt's zlib time.
        glyph_ids = bytearray(2 * (max(glyph_of, default=0) + 1))
        for code, glyph in glyph_of.items():
            glyph_ids[2 * code : 2 * code + 2] = glyph.to_bytes(2, "big")
        cid_font.c_i_d_to_g_i_d_map = PDFContentStream(contents=bytes(glyph_ids), compress=True)
        self._add_pdf_obj(cid_font.c_i_d_to_g_i_d_map, "fonts")
        font.desc.font_file2 = PDFFontStream(contents=program)
        self._add_pdf_obj(font.desc.font_file2, "fonts")
        font.subset.pick.cache_clear()  # as fpdf2 does: the caches would keep the document
        font.subset.get_glyph.cache_clear()
        return composite


def _date(moment) -> str:
    return timezone.localtime(moment).strftime("%-d %B %Y") if moment else ""


def _pounds(amount: Decimal) -> str:
    return f"£{amount:,.2f}"


def _rate(percent: Decimal) -> str:
    return f"{percent.normalize():f}%"


class _Document(FPDF):
    def __init__(self, document: Receipt | CreditNote, kind: str):
        super().__init__(format="A4")
        self.add_fonts()
        self.set_creation_date(document.issued_at)
        self.set_title(f"{kind} {document.code}")
        self.set_author(document.seller_name)
        self.set_margins(18, 18, 18)
        self.set_auto_page_break(True, margin=18)
        self.add_page()
        self.document = document

    def add_fonts(self) -> None:
        for style in FONT_FILES:
            font = _font_for(self, style)
            self.fonts[font.fontkey] = font

    def output(self, *args, **kwargs):
        return super().output(*args, output_producer_class=_Output, **kwargs)

    def text_line(self, text: str, *, size: float = 10, bold: bool = False, align: str = "L", width: float = 0) -> None:
        self.set_font(FONT, "B" if bold else "", size)
        self.cell(width, size * 0.5, text, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def heading(self, kind: str) -> None:
        document = self.document
        top = self.get_y()
        self.text_line(document.seller_name, size=15, bold=True)
        for line in document.seller_address.splitlines():
            self.text_line(line, size=9)
        if document.seller_vat_number:
            self.text_line(f"VAT number: {document.seller_vat_number}", size=9)
        bottom = self.get_y()
        self.set_y(top)
        self.text_line(kind, size=15, bold=True, align="R")
        self.text_line(document.code, size=11, bold=True, align="R")
        self.text_line(f"Date: {_date(document.issued_at)}", size=9, align="R")
        self.set_y(max(bottom, self.get_y()) + 6)

    def facts_table(self, rows: list[tuple[str, str]]) -> None:
        for label, value in rows:
            self.row((label, value), widths=(35, 65))
        self.ln(4)

    def row(self, texts, *, widths, aligns="", bold: bool = False, rule: bool = False) -> None:
        """One line of single-line cells (labels, figures), with a rule under it if asked, as
        fpdf2's table() drew them: a table lays out every cell's text twice, measuring then
        drawing, and its three took 40% of a receipt (24.1 ms; 16.5 ms drawn as rows)."""
        self.set_font(FONT, "B" if bold else "", 9)
        for at, (text, width) in enumerate(zip(texts, widths)):
            self.cell(width, 5, text, border="B" if rule else 0, align=aligns[at] if aligns else "L")
        self.ln(5)

    def sold_to(self) -> None:
        self.text_line("Sold to", size=9, bold=True)
        for line in self.document.sold_to.splitlines():
            self.text_line(line, size=9)
        self.ln(5)

    def lines_table(self, facts: Facts, delivery_label: str) -> None:
        """A row for each line (its title, wrapped, over its ISBN) and the delivery, the
        headings again at the top of a new page."""
        headings, aligns = ["Publication", "Copies", "Unit price", "VAT rate", "Amount"], "LRRRR"
        widths = [self.epw * share / 166 for share in (82, 16, 24, 20, 24)]  # across the page
        rows = [
            [f"{line.title}\nISBN {line.isbn}", *((str(line.quantity), _pounds(line.unit_price)) if line.quantity else ("", "")),
             _rate(line.vat_rate), _pounds(line.total)]
            for line in facts.lines
        ]  # fmt: skip
        if facts.delivery:
            rows.append([delivery_label, "", "", _rate(facts.delivery_vat_rate), _pounds(facts.delivery)])
        self.row(headings, widths=widths, aligns=aligns, bold=True, rule=True)
        for described, *figures in rows:
            self.set_font(FONT, "", 9)
            height = 5 * len(self.multi_cell(widths[0], 5, described, align="L", dry_run=True, output=MethodReturnValue.LINES))
            if self.will_page_break(height):
                self.add_page()
                self.row(headings, widths=widths, aligns=aligns, bold=True, rule=True)
                self.set_font(FONT, "", 9)
            top = self.get_y()
            self.multi_cell(widths[0], 5, described, border="B", align="L", new_x=XPos.RIGHT, new_y=YPos.TOP)
            for text, width, align in zip(figures, widths[1:], aligns[1:]):
                self.cell(width, height, text, border="B", align=align)
            self.set_xy(self.l_margin, top + height)
        self.ln(4)

    def vat_table(self, facts: Facts, total_label: str) -> None:
        self.text_line("VAT", size=9, bold=True)
        widths, aligns = (25, 25, 25, 25), "LRRR"
        self.row(["Rate", "Net", "VAT", "Gross"], widths=widths, aligns=aligns, bold=True, rule=True)
        for row in facts.vat_by_rate:
            self.row([_rate(row["rate"]), _pounds(row["net"]), _pounds(row["vat"]), _pounds(row["gross"])], widths=widths, aligns=aligns, rule=True)
        self.ln(4)
        self.text_line(f"{total_label}: {_pounds(facts.total)}", size=12, bold=True)
        self.text_line(f"of which VAT: {_pounds(facts.vat)}", size=9)
        self.ln(3)

    def footer(self) -> None:
        self.set_y(-15)
        self.set_font(FONT, "", 8)
        self.cell(0, 5, f"{self.document.seller_name} · {self.document.code} · page {self.page_no()}/{{nb}}", align="C")


def receipt_pdf(receipt: Receipt) -> bytes:
    order = receipt.order
    facts = receipt_facts(receipt)
    pdf = _Document(receipt, "VAT receipt")
    pdf.heading("VAT receipt")
    pdf.facts_table([
        ("Receipt number", receipt.code), ("Order number", order.number), ("Ordered", _date(order.placed_at)),
        ("Paid", _date(order.paid_at)), ("Paid by", receipt.card),
    ])  # fmt: skip
    pdf.sold_to()
    pdf.lines_table(facts, f"Delivery: {receipt.delivery_name}" if receipt.delivery_name else "Delivery")
    pdf.vat_table(facts, "Total paid")
    return bytes(pdf.output())


def credit_note_pdf(note: CreditNote) -> bytes:
    refund, receipt = note.refund, note.receipt
    facts = credit_note_facts(note)
    pdf = _Document(note, "Credit note")
    pdf.heading("Credit note")
    pdf.facts_table([
        ("Credit note number", note.code), ("Against receipt", f"{receipt.code} of {_date(receipt.issued_at)}"),
        ("Order number", receipt.order.number), ("Refunded", _date(refund.refunded_at)), ("Refunded to", note.card),
    ])  # fmt: skip
    pdf.sold_to()
    pdf.lines_table(facts, "Delivery")
    pdf.vat_table(facts, "Total refunded")
    return bytes(pdf.output())
