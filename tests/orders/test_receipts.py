"""VAT receipts and credit notes: what a reader can keep, read back from the PDFs as text."""

import re
import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
import stripe
from django.core import mail
from django.db import connections, transaction
from django.test.utils import CaptureQueriesContext

from orders import gateway, pdf, receipts, services
from orders.models import CreditNote, DocumentSequence, Order, OutboxEntry, Receipt
from tests.factories import PublicationFactory
from tests.payments import order_body, paid_by_card, payment_method
from tests.pdfs import pages_of, text_of
from worker import services as worker_services

pytestmark = pytest.mark.django_db
NAME = "Zoë Łódź-Ολυμπία"
LATIN_NAME = "Zoë Łódź-Dvořák"


@pytest.fixture
def seller(settings):
    settings.SHOP_NAME = "The Policy Press"
    settings.SELLER_ADDRESS = ["1 Print Lane", "London WC1A 1AA"]
    settings.SELLER_VAT_NUMBER = "GB123456789"


@pytest.fixture
def books():
    """A zero-rated report and a standard-rated one (say, with a data CD), enough copies of each."""
    return (
        PublicationFactory(title="Patient-centred leadership", price=Decimal("8.50"), stock=50),
        PublicationFactory(title="Data companion", price=Decimal("12.00"), vat_rate=Decimal("0.200"), stock=50),
    )


def place(api, books, method="uk-express", name=NAME) -> Order:
    body = order_body((books[0].isbn, 3), (books[1].isbn, 1), method=method)
    body["delivery"]["name"] = name
    answer = api.post("/api/orders/", body, format="json")
    assert answer.status_code == 201, answer.json()
    return Order.objects.get(number=answer.json()["number"])


def receipt_text(client, order) -> str:
    answer = client.get(f"/orders/{order.number}/receipt/?token={order.token}")
    assert answer.status_code == 200 and answer["Content-Type"] == "application/pdf"
    assert "no-store" in answer["Cache-Control"]
    return text_of(answer.content)


def test_the_receipt_lists_the_orders_lines_delivery_vat_and_total_for_a_reader_named_in_any_script(api, client, stripe_emulator, books, seller):
    order = paid_by_card(place(api, books).number)

    text = receipt_text(client, order)

    receipt = order.receipt
    assert re.fullmatch(r"R-\d{6}", receipt.code) and receipt.code in text
    assert NAME in text  # the font has the glyphs, and the text can be read back
    assert all(part in text for part in ("The Policy Press", "1 Print Lane", "London WC1A 1AA", "VAT number: GB123456789"))
    assert order.number in text and "Paid by Visa ending 4242" in text.replace("\n", " ")
    for line in order.lines.all():
        assert line.title in text and f"ISBN {line.isbn_display}" in text
    assert re.search(r"3\s+£8\.50\s+0%\s+£25\.50", text) and re.search(r"1\s+£12\.00\s+20%\s+£12\.00", text)
    assert re.search(rf"Delivery: {re.escape(order.delivery_method.name)}\s+0%\s+£{order.delivery}", text)
    vat = {row["rate"].normalize(): row for row in order.vat_by_rate()}
    assert re.search(rf"0%\s+£{vat[0]['net']}\s+£0\.00\s+£{vat[0]['gross']}", text)
    assert re.search(rf"20%\s+£{vat[20]['net']}\s+£{vat[20]['vat']}\s+£{vat[20]['gross']}", text) and vat[20]["vat"] == Decimal("2.00")
    assert f"Total paid: £{order.total}" in text and f"of which VAT: £{order.vat}" in text
    assert order.total == Decimal("25.50") + Decimal("12.00") + order.delivery


def test_an_unpaid_order_has_no_receipt_yet(api, client, stripe_emulator, books):
    order = place(api, books)

    assert client.get(f"/orders/{order.number}/receipt/?token={order.token}").status_code == 404
    assert client.get(f"/orders/{order.number}/receipt/?token=wrong").status_code == 404


def test_the_order_page_links_the_receipt_and_each_refunds_credit_note(api, client, stripe_emulator, books):
    order = paid_by_card(place(api, books).number)
    services.order_refund(order=order, quantities={order.lines.first().pk: 1})

    page = client.get(f"/orders/{order.number}/?token={order.token}").content.decode()

    note = CreditNote.objects.get(refund__order=order)
    assert f'href="/orders/{order.number}/receipt/?token={order.token}"' in page and order.receipt.code in page
    assert f'href="/orders/{order.number}/credit-notes/{note.number}/?token={order.token}"' in page and note.code in page
    assert "paid by Visa ending 4242" in page


def test_the_confirmation_email_names_the_card_and_carries_the_receipt(api, stripe_emulator, books, seller):
    order = paid_by_card(place(api, books).number)

    worker_services.outbox_process(OutboxEntry.objects.get(order=order, kind="confirmation").pk)

    (email,) = mail.outbox
    assert "by Visa ending 4242" in email.body and f"Receipt:      {order.receipt.code}" in email.body
    ((filename, content, mimetype),) = email.attachments
    assert (filename, mimetype) == (f"receipt-{order.receipt.code}-{order.number}.pdf", "application/pdf")
    assert NAME in text_of(content) and f"Total paid: £{order.total}" in text_of(content)


def test_a_refund_gets_its_own_credit_note_citing_the_receipt_which_never_changes(api, client, stripe_emulator, books, seller, settings):
    order = paid_by_card(place(api, books).number)
    before = client.get(f"/orders/{order.number}/receipt/?token={order.token}").content
    standard = order.lines.get(vat_rate=Decimal("0.200"))

    services.order_refund(order=order, quantities={standard.pk: 1})
    settings.SELLER_ADDRESS = ["2 New Street", "Bristol BS1 1AA"]  # the publisher moves
    rest = services.order_refund(order=Order.objects.get(pk=order.pk))  # the rest, delivery too

    first, second = CreditNote.objects.filter(refund__order=order).order_by("number")
    assert second.number == first.number + 1 and second.refund == rest
    assert client.get(f"/orders/{order.number}/receipt/?token={order.token}").content == before
    text = text_of(client.get(f"/orders/{order.number}/credit-notes/{first.number}/?token={order.token}").content)
    assert first.code in text and f"Against receipt {order.receipt.code}" in text and NAME in text
    assert "1 Print Lane" in text and re.search(r"Data companion.*\n?.*1\s+£12\.00\s+20%\s+£12\.00", text)
    assert re.search(r"20%\s+£10\.00\s+£2\.00\s+£12\.00", text) and "Total refunded: £12.00" in text
    text = text_of(client.get(f"/orders/{order.number}/credit-notes/{second.number}/?token={order.token}").content)
    assert "2 New Street" in text and re.search(rf"Delivery\s+0%\s+£{order.delivery}", text)
    assert f"Total refunded: £{order.total - Decimal('12.00')}" in text and "Refunded to Visa ending 4242" in text.replace("\n", " ")


def test_the_refund_email_carries_the_credit_note(api, stripe_emulator, books):
    order = paid_by_card(place(api, books).number)
    refund = services.order_refund(order=order, quantities={order.lines.first().pk: 2})

    worker_services.outbox_process(OutboxEntry.objects.get(refund=refund).pk)

    (email,) = mail.outbox
    note = refund.credit_note
    assert f"Credit note {note.code} (against receipt {order.receipt.code})" in email.body
    assert "back to your Visa ending 4242" in email.body
    ((filename, content, _),) = email.attachments
    assert filename == f"credit-note-{note.code}-{order.number}.pdf" and "Total refunded: £17.00" in text_of(content)


def test_a_development_card_token_names_its_card_too(stripe_emulator):
    gateway._configure()
    token = stripe.Token.create(card={"number": "4242424242424242", "exp_month": 12, "exp_year": 2034, "cvc": "123"})

    assert gateway.payment_method_card(token["card"]["id"]) == gateway.Card(brand="Visa", last4="4242")
    assert gateway.payment_method_card(payment_method("visa")) == gateway.Card(brand="Visa", last4="4242")


def test_a_payment_is_applied_with_a_receipt_saying_card_when_stripe_cannot_name_it(api, stripe_emulator, books, settings):
    order = place(api, books)
    intent = gateway.Intent(order.payment_intent, "succeeded", gateway.to_pence(order.total), "gbp", "", order.number, "", "", "pm_gone")
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # Stripe out of reach while the card is looked up

    services.payment_succeeded(intent=intent, source="webhook")

    order.refresh_from_db()
    assert order.status == "paid" and (order.receipt.card_brand, order.receipt.card) == ("", "Card")


def test_a_rolled_back_issue_gives_its_number_back():
    with pytest.raises(RuntimeError), transaction.atomic():
        receipts.next_number(receipts.RECEIPTS)
        raise RuntimeError("the payment's transaction fails after the number was taken")

    assert [receipts.next_number(receipts.RECEIPTS) for _ in range(2)] == [1, 2]


def test_a_number_is_taken_in_two_statements_and_a_sequence_without_its_row_makes_it_first():
    def statements(sequence):
        with CaptureQueriesContext(connections["default"]) as captured:
            number = receipts.next_number(sequence)
        return number, [q["sql"].split()[0] for q in captured if "orders_documentsequence" in q["sql"]]

    assert statements(receipts.RECEIPTS) == (1, ["UPDATE", "SELECT"])  # bumped and read: nothing inserted
    DocumentSequence.objects.filter(name=receipts.CREDIT_NOTES).delete()
    assert statements(receipts.CREDIT_NOTES) == (1, ["UPDATE", "INSERT", "UPDATE", "SELECT"])
    assert statements(receipts.CREDIT_NOTES) == (2, ["UPDATE", "SELECT"])


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_receipts_and_credit_notes_are_numbered_without_gaps_under_concurrent_payments_and_refunds(api, stripe_emulator):
    """Eight payments and, at the same time, refunds of four orders paid earlier; one payment's
    transaction fails after taking its number. Each sequence runs 1..n with no gap."""
    publication = PublicationFactory(price=Decimal("8.50"), stock=100)
    body = order_body((publication.isbn, 1))
    paid = [paid_by_card(api.post("/api/orders/", body, format="json").json()["number"]) for _ in range(4)]
    waiting = [Order.objects.get(number=api.post("/api/orders/", body, format="json").json()["number"]) for _ in range(8)]
    methods = [payment_method("visa") for _ in waiting]
    for order, method in zip(waiting, methods):  # confirmed at Stripe; the shop applies them below, at once
        stripe.PaymentIntent.modify(order.payment_intent, payment_method=method)
    intents = [gateway.Intent.from_stripe(stripe.PaymentIntent.confirm(order.payment_intent)) for order in waiting]
    failing = waiting[3]
    start, errors = threading.Barrier(13), []

    def run(action):
        try:
            start.wait()
            action()
        except Exception as error:  # noqa: BLE001 - collected and checked below
            errors.append(error)
        finally:
            connections.close_all()

    def pay(intent):
        return lambda: services.payment_succeeded(intent=intent, source="webhook")

    def refund(order):
        return lambda: services.order_refund(order=order)

    def pay_and_fail():
        with transaction.atomic():
            services.payment_succeeded(intent=next(i for i in intents if i.id == failing.payment_intent), source="webhook")
            raise RuntimeError("fails after its receipt took a number")

    actions = [pay(i) for i in intents if i.id != failing.payment_intent] + [refund(o) for o in paid] + [pay_and_fail]
    threads = [threading.Thread(target=run, args=(action,)) for action in actions]
    for thread in threads:
        thread.start()
    start.wait()
    for thread in threads:
        thread.join()

    assert [type(error) for error in errors] == [RuntimeError]
    assert sorted(Receipt.objects.values_list("number", flat=True)) == list(range(1, 4 + 7 + 1))
    assert sorted(CreditNote.objects.values_list("number", flat=True)) == [1, 2, 3, 4]
    assert not Receipt.objects.filter(order=failing).exists()
    assert Order.objects.filter(status="paid").count() == 7 and Order.objects.filter(status="refunded").count() == 4


def test_the_order_api_links_the_receipt_and_credit_notes(api, stripe_emulator, books):
    order = place(api, books)
    assert api.get(f"/api/orders/{order.number}/?token={order.token}").json()["receipt"] is None
    paid_by_card(order.number)
    services.order_refund(order=order, quantities={order.lines.first().pk: 1})

    answer = api.get(f"/api/orders/{order.number}/?token={order.token}").json()

    note = CreditNote.objects.get(refund__order=order)
    assert answer["receipt"]["number"] == Receipt.objects.get(order=order).code
    assert answer["receipt"]["url"] == f"http://testserver/orders/{order.number}/receipt/?token={order.token}"
    assert answer["refunds"][0]["credit_note"]["number"] == note.code
    assert api.get(answer["refunds"][0]["credit_note"]["url"]).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_orders_paid_before_receipts_existed_get_them_in_the_order_they_were_paid(books, seller):
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor
    from django.utils import timezone

    before, after = [("orders", "0013_payment_intents_per_order")], [("orders", "0014_receipts_and_credit_notes")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    Order, Line, Refund = (old.get_model("orders", name) for name in ("Order", "OrderLine", "Refund"))
    method = old.get_model("orders", "DeliveryMethod").objects.get(code="uk-standard")
    now = timezone.now()

    def order(paid_minutes_ago):
        placed = Order.objects.create(
            email="r@example.org", name=NAME, line1="1 High St", city="Leeds", postcode="LS1 1AA", country="GB",
            delivery_method=method, subtotal=Decimal("8.50"), delivery=Decimal("2.95"), vat=0, total=Decimal("11.45"),
            expires_at=now, paid_at=now - timezone.timedelta(minutes=paid_minutes_ago) if paid_minutes_ago else None, status="paid",
        )  # fmt: skip
        Line.objects.create(order=placed, publication_id=books[0].pk, isbn=books[0].isbn, title=books[0].title, quantity=1,
                            unit_price=Decimal("8.50"), line_total=Decimal("8.50"), vat_rate=0, vat=0)  # fmt: skip
        return placed.pk

    later, unpaid, earlier = order(5), order(None), order(50)
    Refund.objects.create(order_id=later, amount=Decimal("2.95"), status="succeeded", refunded_at=now)
    executor = MigrationExecutor(connection)
    executor.migrate(after)
    issued = [(r.order_id, r.number) for r in Receipt.objects.order_by("number")]
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes("orders"))  # and on to today's schema

    assert issued == [(earlier, 1), (later, 2)]
    receipt = Receipt.objects.get(order_id=earlier)
    assert receipt.sold_to.endswith("United Kingdom") and receipt.delivery_name == method.name
    assert (receipt.seller_name, receipt.seller_vat_number) == ("The Policy Press", "GB123456789")
    assert CreditNote.objects.get().refund.order_id == later and not Receipt.objects.filter(order_id=unpaid).exists()
    assert receipts.next_number(receipts.RECEIPTS) == 3 and receipts.next_number(receipts.CREDIT_NOTES) == 2


def test_the_credit_notes_of_an_order_refunded_in_full_add_up_to_its_receipts_vat(api, stripe_emulator):
    """3 × £0.55 at 20% carries £0.28 of VAT; refunded one copy and then two, the notes must
    credit £0.09 and £0.19 (not £0.09 twice over), then the delivery's VAT."""
    cheap = PublicationFactory(price=Decimal("0.55"), vat_rate=Decimal("0.200"), stock=10)
    order = paid_by_card(api.post("/api/orders/", order_body((cheap.isbn, 3)), format="json").json()["number"])
    line = order.lines.get()
    services.order_refund(order=order, quantities={line.pk: 1})
    services.order_refund(order=Order.objects.get(pk=order.pk), quantities={line.pk: 2})
    services.order_refund(order=Order.objects.get(pk=order.pk))  # what is left: the delivery

    notes = [receipts.credit_note_facts(note) for note in CreditNote.objects.filter(refund__order=order).order_by("number")]

    assert [note.vat for note in notes] == [Decimal("0.09"), Decimal("0.19"), order.vat - line.vat]
    assert sum(note.vat for note in notes) == order.vat == receipts.receipt_facts(order.receipt).vat
    assert sum(note.total for note in notes) == order.total


@pytest.mark.django_db(transaction=True)
def test_stripe_is_never_asked_inside_a_transaction_and_the_webhook_names_the_card(api, stripe_emulator, books, monkeypatch):
    from django.db import connection

    order = place(api, books)
    stripe.PaymentIntent.modify(order.payment_intent, payment_method=payment_method("visa"))
    intent = stripe.PaymentIntent.confirm(order.payment_intent).to_dict()
    calls, real_call = [], gateway._call

    def watched(what, *args, **kwargs):
        calls.append((what, connection.in_atomic_block))
        return real_call(what, *args, **kwargs)

    monkeypatch.setattr(gateway, "_call", watched)
    event = {"id": "evt_receipt_card", "type": "payment_intent.succeeded", "data": {"object": intent}}
    services.stripe_event_receive(event)
    services.order_refund(order=Order.objects.get(pk=order.pk), quantities={order.lines.first().pk: 1})

    order.refresh_from_db()
    refund = order.refunds.get()
    assert calls == [
        ("retrieve payment method", False), ("retrieve charge", False), (f"retrieve balance transaction of {order.stripe_charge}", False),
        ("refund", False), ("retrieve refund", False), (f"retrieve balance transaction of {refund.stripe_refund_id}", False),
    ]  # fmt: skip
    assert (order.stripe_fee, order.stripe_net, refund.stripe_fee, refund.stripe_net) == (0, order.total, 0, -refund.amount)  # localstripe's fee is 0
    assert Receipt.objects.get(order=order).card == "Visa ending 4242" and CreditNote.objects.get().card == "Visa ending 4242"


def test_a_process_reads_the_receipts_fonts_once_however_many_receipts_it_draws(api, stripe_emulator, books, monkeypatch):
    from fpdf.fonts import TTFFont

    receipt = paid_by_card(place(api, books).number).receipt
    reads, real_init = [], TTFFont.__init__

    def counted(font, *args, **kwargs):
        reads.append(args[1])
        real_init(font, *args, **kwargs)

    monkeypatch.setattr(TTFFont, "__init__", counted)
    drawn = [pdf.receipt_pdf(receipt) for _ in range(3)]

    assert len(reads) <= 2  # once per style, if this process has not drawn a receipt before
    assert drawn[0] == drawn[1] == drawn[2] and NAME in text_of(drawn[2])


def drawing(document: bytes) -> dict:
    """What a PDF draws, whatever its font programs hold besides: each page's content stream, and
    each font's widths and characters, and the outline and advance each code is drawn with."""
    import io

    from fontTools import ttLib
    from pypdf import PdfReader

    pages, fonts = [], {}
    for page in PdfReader(io.BytesIO(document)).pages:
        pages.append(page.get_contents().get_data())
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            cid_font = font["/DescendantFonts"][0].get_object()
            program = ttLib.TTFont(io.BytesIO(cid_font["/FontDescriptor"]["/FontFile2"].get_data()))
            glyph_ids, order = cid_font["/CIDToGIDMap"].get_data(), program.getGlyphOrder()
            characters = {int(code, 16): chr(int(text, 16)) for code, text in re.findall(r"<([0-9A-F]{4})> <([0-9A-F]{4})>", font["/ToUnicode"].get_data().decode())}
            fonts[font["/BaseFont"]] = (
                list(cid_font["/W"]), characters,
                {code: shape(program, order[int.from_bytes(glyph_ids[2 * code : 2 * code + 2], "big")]) for code in characters},
            )  # fmt: skip
    return {"pages": pages, "fonts": fonts}


def shape(program, glyph: str) -> tuple:
    """A glyph as it is drawn: its points (components' too, placed), contours, flags and advance."""
    points, ends, flags = program["glyf"][glyph].getCoordinates(program["glyf"])
    return list(points), list(ends), list(flags), program["hmtx"][glyph][0]


@pytest.mark.parametrize("name", [NAME, LATIN_NAME], ids=["Greek letters: the whole font", "Latin letters: the Latin cut"])
def test_a_receipt_draws_what_fpdf2_draws_reading_the_fonts_itself_each_character_in_dejavus_own_shape_even_on_many_threads(
    api, stripe_emulator, books, seller, monkeypatch, name
):
    from fontTools import ttLib
    from fpdf import FPDF

    receipt = paid_by_card(place(api, books, name=name).number).receipt
    facts = receipts.receipt_facts(receipt)
    monkeypatch.setattr(pdf, "receipt_facts", lambda _: facts)  # read here: the threads draw, and ask the database nothing
    with monkeypatch.context() as patched:
        patched.setattr(pdf._Document, "add_fonts", lambda document: [
            FPDF.add_font(document, pdf.FONT, style, path) for style, path in pdf.FONT_FILES.items()
        ])  # fmt: skip
        patched.setattr(pdf._Document, "output", FPDF.output)
        read_by_fpdf2 = pdf.receipt_pdf(receipt)

    with ThreadPoolExecutor(4) as pool:
        drawn = list(pool.map(lambda _: pdf.receipt_pdf(receipt), range(12)))

    assert all(each == drawn[0] for each in drawn) and name in text_of(drawn[0])
    ours, fpdf2s = drawing(drawn[0]), drawing(read_by_fpdf2)
    assert ours == fpdf2s
    whole = {style: ttLib.TTFont(path) for style, path in pdf.FONT_FILES.items()}
    for font, style in zip(sorted(ours["fonts"]), ["B", ""]):  # MPDFAA+DejaVuSans-Bold, MPDFAA+DejaVuSans
        _, characters, shapes = ours["fonts"][font]
        cmap = whole[style].getBestCmap()
        drawn_characters = {code: character for code, character in characters.items() if character != "\0"}  # fpdf2's code 0
        assert len(drawn_characters) > 30
        assert {code: shapes[code] for code in drawn_characters} == {
            code: shape(whole[style], cmap[ord(character)]) for code, character in drawn_characters.items()
        }  # fmt: skip


@pytest.mark.parametrize("name", [LATIN_NAME, NAME], ids=["Latin letters", "Greek letters"])
def test_a_receipt_cuts_only_a_font_with_glyphs_outside_the_latin_cut_and_decodes_no_glyph(api, stripe_emulator, books, monkeypatch, name):
    from fontTools import subset, ttLib
    from fontTools.ttLib.tables import _g_l_y_f

    receipt = paid_by_card(place(api, books, name=name).number).receipt
    pdf.receipt_pdf(receipt)  # the fonts read, and cut to Latin, once
    cut_from, decoded = [], []
    real_subset, real_expand = subset.Subsetter.subset, _g_l_y_f.Glyph.expand
    monkeypatch.setattr(subset.Subsetter, "subset", lambda cutter, font: (cut_from.append(len(font.getGlyphOrder())), real_subset(cutter, font)))
    monkeypatch.setattr(_g_l_y_f.Glyph, "expand", lambda glyph, table: (decoded.append(glyph), real_expand(glyph, table)))

    drawn = pdf.receipt_pdf(receipt)

    whole_regular = len(ttLib.TTFont(pdf.FONT_FILES[""]).getGlyphOrder())
    # The reader's name is in the regular font only: in Greek letters, fontTools cuts that one from the whole font.
    assert cut_from == ([] if name == LATIN_NAME else [whole_regular])
    assert decoded == [] and name in text_of(drawn)
    assert len(pdf._read_once("").latin.ids) < whole_regular / 4


def test_a_receipt_too_long_for_a_page_goes_on_under_the_headings_again_and_never_splits_a_line(api, stripe_emulator):
    titles = [
        PublicationFactory(title=f"Report {n:02d}: a title long enough to wrap onto a second line of its cell", price=Decimal("5.00"), stock=5)
        for n in range(30)
    ]
    body = order_body(*((title.isbn, 1) for title in titles))
    body["bulk"] = True
    placed = api.post("/api/orders/", body, format="json")
    assert placed.status_code == 201, placed.json()
    order = paid_by_card(placed.json()["number"])

    pages = pages_of(pdf.receipt_pdf(order.receipt))

    assert len(pages) >= 2
    assert all(re.search(r"Publication\s+Copies\s+Unit price\s+VAT rate\s+Amount", page) for page in pages[:-1])
    for n, title in enumerate(titles):
        on = [page for page in pages if f"ISBN {title.isbn_display}" in page]
        assert len(on) == 1 and f"Report {n:02d}:" in on[0] and "its cell" in on[0].split(f"Report {n:02d}:")[1]
    assert f"Total paid: £{order.total}" in pages[-1]
