"""The four journeys of the shop's people, in Chromium, with a screenshot at the end of each step."""

import csv
import datetime
import re
from urllib.parse import urljoin

import openpyxl
import pytest
import requests
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from catalogue.models import Comment, Publication
from orders.models import Order, Refund
from tests.factories import UserFactory
from tests.browser.conftest import SCREENSHOTS
from tests.payments import order_body, paid_by_card
from tests.pdfs import text_of
from tests.peers import wait_for

pytestmark = pytest.mark.django_db(transaction=True)
SEED = "patient-centred-leadership"
CARD_FIELDS = {"number": None, "exp_month": "12", "exp_year": "34", "cvc": "123", "postal_code": "LS1 1AA"}


def add_to_basket_and_check_out(page, base, copies=2):
    page.goto(f"{base}/")
    page.fill("#site-search", "978-1-909029-08-8")
    page.click(".site-search button")
    page.click(f"a[href='/publications/{SEED}/']")
    expect(page.locator(".buy-box")).to_contain_text("Print copy: £8.50")
    page.click("#buy-form button")
    page.fill("input[name='quantity-9781909029088']", str(copies))
    page.get_by_role("button", name="Update basket").click()
    expect(page.locator(".basket-count")).to_contain_text(f"({copies}")


def fill_checkout(page, then=None):
    page.get_by_role("button", name="Checkout", exact=True).click()
    for field, value in {"email": "reader@example.org", "name": "A Reader", "line1": "1 High St", "city": "Leeds", "postcode": "LS1 1AA"}.items():
        page.fill(f"#id_{field}", value)
    page.select_option("#id_country", "GB")
    if then:
        then(page)
    page.check("#delivery-uk-standard")
    page.click("text=Continue to payment")


def pay(page, card):
    page.wait_for_selector("#card-element input")
    for field, value in {**CARD_FIELDS, "number": card}.items():
        page.fill(f"#card-element input[placeholder={field}]", value)
    page.click("#pay-button")


def admin_login(journey, base, username, password="password"):
    page = journey.page
    page.goto(f"{base}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("input[type=submit]")
    expect(page.locator("#user-tools")).to_contain_text(username)
    return page


def paid_order_through_the_api(base, copies=2) -> Order:
    return paid_by_card(requests.post(f"{base}/api/orders/", json=order_body(("9781909029088", copies)), timeout=30).json()["number"])


def test_a_reader_buys_two_copies_and_pays_by_card(shop, journey, smtp_server):
    reader = journey("reader")
    page = reader.page
    add_to_basket_and_check_out(page, shop, copies=1)
    reader.shot("basket-one-copy")
    page.fill("input[name='quantity-9781909029088']", "2")  # the reader changes their mind
    page.get_by_role("button", name="Update basket").click()
    expect(page.locator(".totals")).to_contain_text("£17.00")
    expect(page.locator(".delivery-prices")).to_contain_text("UK express (tracked, next working day): £6.50")
    reader.shot("basket-two-copies")

    def try_express(page):  # each price beside its choice; the total follows the choice at once
        expect(page.locator("label[for=delivery-uk-express]")).to_contain_text("£6.50")
        page.check("#delivery-uk-express")
        expect(page.locator("[data-total-part=total]")).to_have_text("£23.50")
        reader.shot("checkout-delivery-prices")
        page.check("#delivery-uk-standard")
        expect(page.locator("[data-total-part=total]")).to_have_text("£19.95")

    fill_checkout(page, then=try_express)
    expect(page.locator(".totals")).to_contain_text("£19.95")  # the breakdown again, before paying
    expect(page.locator("#pay-button")).to_have_text("Pay £19.95")
    reader.shot("payment")
    pay(page, "4242424242424242")
    page.wait_for_url(re.compile(r"/orders/PS-"))
    expect(page.locator(".order-status")).to_have_attribute("data-status", "paid")
    reader.shot("paid")
    status_link = page.url
    receipt = page.get_by_role("link", name=re.compile(r"VAT receipt R-\d{6}"))  # the reader's to keep
    answer = page.request.get(urljoin(page.url, receipt.get_attribute("href")))
    assert answer.headers["content-type"] == "application/pdf"
    (SCREENSHOTS / "receipt.pdf").write_bytes(answer.body())
    assert "Total paid: £19.95" in text_of(answer.body()) and "Visa ending 4242" in text_of(answer.body())

    # The status link works on its own (no session), and the worker has sent the confirmation.
    other = journey("status-link")
    other.page.goto(status_link)
    expect(other.page.locator(".order-status")).to_have_attribute("data-status", re.compile("paid|fulfilment_requested"))
    expect(other.page.locator(".status-history")).to_contain_text("Paid")
    other.shot("status-page")
    number = re.search(r"/orders/(PS-[\w-]+)/", status_link).group(1)
    wait_for(lambda: any(m["Subject"] == f"Your order {number} is confirmed" for m in smtp_server.messages))
    confirmation = next(m for m in smtp_server.messages if m["Subject"] == f"Your order {number} is confirmed")
    text = confirmation.get_body(("plain",)).get_content()
    assert "Total:     £19.95" in text and "2 x Patient-centred leadership" in text


def test_a_declined_card_says_why_and_another_card_pays_the_same_order(shop, journey):
    reader = journey("declined")
    page = reader.page
    add_to_basket_and_check_out(page, shop)
    fill_checkout(page)
    pay(page, "4000000000000341")
    expect(page.locator("#card-errors")).to_contain_text("declined")
    reader.shot("declined")
    number = Order.objects.get().number

    pay(page, "4242424242424242")  # on the same page: the same order, a new PaymentIntent
    page.wait_for_url(re.compile(rf"/orders/{number}/"))
    expect(page.locator(".order-status")).to_have_attribute("data-status", re.compile("paid|fulfilment_requested"))
    reader.shot("another-card-paid")
    order = Order.objects.get()
    assert list(order.payments.values_list("attempt", flat=True)) == [1, 2] and order.paid_at


def test_an_out_of_stock_publication_cannot_be_added(shop, journey):
    reader = journey("out-of-stock")
    page = reader.page
    gone = Publication.objects.get(stock=0)
    page.goto(f"{shop}{gone.get_absolute_url()}")
    expect(page.locator(".buy-box")).to_contain_text("out of stock")
    expect(page.locator("#buy-form")).to_have_count(0)
    reader.shot("no-buy-button")


def test_a_reader_comment_appears_once_staff_approve_it(shop, journey):
    UserFactory(username="editor", is_staff=True, is_superuser=True)
    reader = journey("comment")
    page = reader.page
    shown = Comment.objects.filter(publication__slug=SEED, status=Comment.Status.APPROVED).count()
    page.goto(f"{shop}/publications/{SEED}/")
    expect(page.locator(".comment-count")).to_have_text(f"Comments: {shown}")
    for field, value in {"name": "Dr Asha Patel", "email": "asha@example.org", "job_title": "Director of Nursing", "organisation": "Riverside Trust", "body": "A clear guide for our board."}.items():
        page.fill(f"#id_{field}", value)
    page.click("text=Post comment")
    expect(page.locator("#add-comment .message")).to_contain_text("awaiting moderation")
    expect(page.locator("#add-comment")).to_be_in_viewport()  # the thanks is where the reader is
    expect(page.locator("#comments")).not_to_contain_text("A clear guide for our board.")
    reader.shot("awaiting-moderation")

    staff = journey("moderation")
    admin = admin_login(staff, shop, "editor")
    admin.goto(f"{shop}/admin/catalogue/comment/")
    first = admin.locator("#result_list tbody tr").first  # awaiting moderation comes first, its whole text shown
    expect(first).to_contain_text("A clear guide for our board.")
    staff.shot("moderation-list")
    first.get_by_role("link", name=str(Comment.objects.get(name="Dr Asha Patel").number)).click()
    admin.get_by_role("button", name="Approve").click()  # on the comment's own page
    expect(admin.locator(".messagelist")).to_contain_text("by Dr Asha Patel approved")
    staff.shot("approved")

    page.reload()
    expect(page.locator(".comment-count")).to_have_text(f"Comments: {shown + 1}")
    number = Comment.objects.get(name="Dr Asha Patel").number
    page.click(".comment-count a")
    expect(page).to_have_url(re.compile("#comments$"))
    page.goto(f"{shop}/publications/{SEED}/#comment-{number}")  # the comment's own address
    expect(page.locator(f"#comment-{number}")).to_be_in_viewport()
    expect(page.locator(f"#comment-{number} .comment-author")).to_have_text(f"#{number} Dr Asha Patel")
    expect(page.locator(f"#comment-{number} .job-title")).to_have_text("Director of Nursing")
    expect(page.locator(f"#comment-{number} .organisation")).to_have_text("Riverside Trust")
    reader.shot("comment-shown")


def test_staff_change_a_price_take_in_stock_and_refund_a_line(shop, journey):
    UserFactory(username="margaret", is_staff=True, is_superuser=True)
    order = paid_order_through_the_api(shop)
    seed = Publication.objects.get(slug=SEED)
    stock_before = seed.stock
    staff = journey("staff")
    admin = admin_login(staff, shop, "margaret")

    admin.goto(f"{shop}/admin/catalogue/publication/?q=1-909029-08-4")
    admin.click("a:has-text('Patient-centred leadership')")
    admin.fill("#id_price", "9.25")
    admin.fill("input[name='stock_movements-0-delta']", "100")
    admin.select_option("select[name='stock_movements-0-reason']", "goods_in")
    admin.fill("input[name='stock_movements-0-note']", "Reprint")
    admin.click("input[name='_continue']")
    expect(admin.locator(".messagelist")).to_contain_text("was changed successfully")
    expect(admin.locator(".field-stock")).to_contain_text(str(stock_before + 100))
    staff.shot("price-and-goods-in")

    admin.goto(f"{shop}/publications/{SEED}/")
    expect(admin.locator(".buy-box")).to_contain_text("Print copy: £9.25")
    staff.shot("new-price-on-the-page")
    assert order.lines.get().unit_price == 8.50  # the existing order keeps its price

    admin.goto(f"{shop}/admin/orders/order/{order.pk}/change/")
    admin.click("text=Refund copies or the whole order")
    admin.fill(f"#id_line_{order.lines.get().pk}", "1")
    admin.check("#id_restock")
    admin.fill("#id_reason", "One copy damaged in the post")
    admin.fill("#id_message", "We are sorry your copy arrived damaged.")
    staff.shot("refund-form")
    admin.get_by_role("button", name="See what it comes to").click()
    expect(admin.locator(".refund-total")).to_have_text("£8.50")  # nothing refunded yet
    staff.shot("refund-confirm")
    admin.get_by_role("button", name="Refund £8.50").click()
    expect(admin.locator(".messagelist")).to_contain_text("Refunded £8.50")
    staff.shot("refunded")
    order.refresh_from_db()
    seed.refresh_from_db()
    assert order.status == "partially_refunded"
    assert Refund.objects.get(order=order).stripe_refund_id.startswith("re_")
    assert seed.stock == stock_before + 100 + 1

    reader = journey("refunded-reader")  # the reader's own page, from their status link
    reader.page.goto(f"{shop}/orders/{order.number}/?token={order.token}")
    expect(reader.page.locator("td.copies")).to_have_text("2 (1 refunded)")
    expect(reader.page.locator(".refunded-total")).to_have_text("£8.50")
    expect(reader.page.locator(".net-paid")).to_have_text("£11.45")  # £19.95 paid, £8.50 back
    expect(reader.page.get_by_role("link", name=re.compile(r"credit note CN-\d{6}"))).to_be_visible()
    reader.shot("refund-shown")


def test_finance_land_on_the_reports_page_download_todays_orders_and_last_months_pack(shop, journey):
    import io
    import zipfile

    from reports import periods

    fiona = UserFactory(username="fiona", is_staff=True)
    fiona.groups.add(Group.objects.get(name="Finance"))
    order = paid_order_through_the_api(shop)
    last_month = periods.last_month(datetime.date.today())
    earlier = paid_order_through_the_api(shop, copies=1)
    Order.objects.filter(pk=earlier.pk).update(paid_at=datetime.datetime.combine(last_month.start, datetime.time(12), tzinfo=datetime.timezone.utc))
    today = datetime.date.today().isoformat()
    finance = journey("finance", width=1280)
    admin = admin_login(finance, shop, "fiona")
    expect(admin.get_by_role("heading", name="Download a report")).to_be_visible()  # landed on the reports page
    assert admin.url.endswith("/admin/reports/reportdownload/")
    expect(admin.locator(".date-icon").first).to_be_visible()  # the date picker
    finance.shot("reports-page")

    downloads = {}
    for file_format in ("csv", "xlsx"):
        admin.select_option("#id_report", "orders")
        admin.fill("#id_start", today)
        admin.fill("#id_end", today)
        admin.select_option("#id_format", file_format)
        finance.shot(f"report-form-{file_format}")
        with admin.expect_download() as download:
            admin.click("input[value=Download]")
        downloads[file_format] = download.value.path()

    with open(downloads["csv"], newline="") as file:
        rows = list(csv.DictReader(file))
    assert [(r["number"], r["total"], r["net_received"]) for r in rows] == [(order.number, "19.95", "19.95")]
    with open(downloads["xlsx"], "rb") as file:  # the download has no .xlsx name for openpyxl to check
        sheet = openpyxl.load_workbook(file).active
    header = [cell.value for cell in sheet[1]]
    values, totals = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=2)]
    assert values[header.index("number")] == order.number and values[header.index("total")] == 19.95
    assert totals[0] == "Total" and sheet.freeze_panes == "A2" and sheet.auto_filter.ref  # ready to read

    with admin.expect_download() as download:
        admin.get_by_role("link", name=re.compile(r"^Last month's pack")).click()
    with open(download.value.path(), "rb") as file:
        pack = zipfile.ZipFile(io.BytesIO(file.read()))
    sheet = openpyxl.load_workbook(io.BytesIO(pack.read(f"orders_{last_month}.xlsx"))).active
    header = [cell.value for cell in sheet[1]]
    assert sheet.cell(row=2, column=header.index("number") + 1).value == earlier.number
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == f"A1:{openpyxl.utils.get_column_letter(len(header))}2"
    assert all(sheet.column_dimensions[openpyxl.utils.get_column_letter(i + 1)].width >= len(name) for i, name in enumerate(header))
    assert sheet.cell(row=3, column=1).value == "Total"
    finance.shot("pack-downloaded")


@pytest.mark.parametrize("width", [1200, 390])
def test_the_reader_pages_have_no_serious_accessibility_problems(shop, journey, width):
    order = paid_order_through_the_api(shop)
    reader = journey(f"a11y-{width}", width=width)
    page = reader.page
    problems = {}

    def check(name):
        results = Axe().run(page).response
        serious = [v for v in results["violations"] if v["impact"] in ("serious", "critical")]
        if serious:
            problems[name] = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in serious]
        wider = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        if wider > 0:  # the reader would have to scroll sideways (a cut-off "Remove", say)
            problems.setdefault(name, []).append(("horizontal-overflow", f"{wider}px wider than the {width}px screen"))
        reader.shot(name)

    page.goto(f"{shop}/")
    check("catalogue")
    page.goto(f"{shop}/publications/{SEED}/")
    check("publication")
    page.click("#buy-form button")
    check("basket")
    page.get_by_role("button", name="Checkout", exact=True).click()
    check("checkout")
    page.goto(f"{shop}/orders/{order.number}/?token={order.token}")
    check("order")

    assert problems == {}


def test_without_javascript_a_reader_still_finds_fills_the_basket_and_checks_out(shop, journey):
    reader = journey("no-javascript", javascript=False)
    page = reader.page
    add_to_basket_and_check_out(page, shop, copies=3)
    expect(page.locator(".totals")).to_contain_text("£25.50")  # free delivery over £25
    page.get_by_role("button", name="Checkout", exact=True).click()
    page.fill("#id_email", "not-an-email")
    page.click("text=Continue to payment")
    expect(page.locator("#id_email-error")).to_be_visible()  # the error beside its field
    reader.shot("checkout-error")
    page.fill("#id_email", "reader@example.org")
    for field, value in {"name": "A Reader", "line1": "1 High St", "city": "Leeds", "postcode": "LS1 1AA"}.items():
        page.fill(f"#id_{field}", value)
    page.click("text=Continue to payment")
    expect(page.locator("h1")).to_have_text("Payment")
    expect(page.locator("noscript")).to_have_count(1)  # only the card field asks for JavaScript
    reader.shot("payment-needs-javascript-for-the-card")


def test_the_api_docs_run_from_the_shops_own_files_under_the_policy(live_server, journey):
    docs = journey("api-docs")
    fetched = []
    docs.page.on("request", lambda request: fetched.append(request.url))

    answer = docs.page.goto(f"{live_server.url}/api/docs/")
    title = docs.page.wait_for_selector(".swagger-ui .info .title").inner_text()
    docs.shot("swagger-ui")

    assert "Print shop API" in title
    assert "script-src 'self'" in answer.headers["content-security-policy"]
    assert fetched and all(url.startswith(live_server.url) for url in fetched), fetched  # no CDN


def test_staff_sign_in_with_a_second_factor_and_an_idle_session_ends(live_server, journey, settings):
    from io import StringIO

    from django.core.management import call_command
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.factories import UserFactory

    settings.ADMIN_REQUIRES_OTP = True
    UserFactory(username="sam", is_staff=True, is_superuser=True)
    call_command("otp_setup", "sam", stdout=StringIO())
    device = TOTPDevice.objects.get(user__username="sam")
    staff = journey("second-factor")
    page = staff.page

    page.goto(f"{live_server.url}/admin/login/?next=/admin/")
    page.fill("#id_username", "sam")
    page.fill("#id_password", "password")
    page.click("input[type=submit][value='Log in']")
    staff.shot("password-alone")
    assert "/admin/login/" in page.url  # a password alone: the admin stays closed
    page.goto(f"{live_server.url}/admin/")
    assert "/admin/login/" in page.url

    page.fill("#id_username", "sam")
    page.fill("#id_password", "password")
    page.click("input[type=submit][value='Log in']")  # the password first: then the page lists sam's devices
    page.select_option("#id_otp_device", label="Authenticator app")
    page.fill("#id_otp_token", f"{totp(device.bin_key, step=device.step, digits=device.digits):06d}")
    page.click("input[type=submit][value='Log in']")
    staff.shot("with-the-code")
    assert page.url.rstrip("/").endswith("/admin") and "back office" in page.content()

    settings.ADMIN_IDLE_MINUTES = 0.05  # three seconds
    page.wait_for_timeout(4000)
    page.goto(f"{live_server.url}/admin/orders/order/")
    staff.shot("idle-session-ended")
    assert "/admin/login/" in page.url


def test_staff_run_the_day_from_the_back_office(shop, journey, smtp_server, warehouse, workers):
    """The Staff group's day at 1280 px: the front page's counts, an order worked from its page
    (note, address, resend, hand dispatch), a refund of a copy and the delivery, a bulk refund
    that waits for its confirmation, a comment approved on its own page, an import with errors."""
    from catalogue.models import Comment
    from tests.factories import CommentFactory, StaffFactory

    user = StaffFactory(username="margaret")
    user.groups.add(Group.objects.get(name="Staff"))
    workers.stop()  # a busy morning: the workers have not reached today's orders yet
    by_hand, refunded, bulk = (paid_order_through_the_api(shop, copies=2) for _ in range(3))
    Order.objects.filter(pk=bulk.pk).update(needs_attention=True, attention_reason="The reader asked to cancel")
    CommentFactory(publication=Publication.objects.get(slug=SEED), name="Dr Lee", body="Worth reading.", status=Comment.Status.PENDING)
    seed = Publication.objects.get(slug=SEED)
    Publication.objects.filter(pk=seed.pk).update(reorder_level=seed.stock + 1)

    staff = journey("staff-day", width=1280)
    admin = admin_login(staff, shop, "margaret")
    counts = admin.locator(".day-work")
    expect(admin.get_by_role("heading", name="To do")).to_be_visible()
    expect(counts.get_by_role("link", name=re.compile(r"^1 Orders needing attention"))).to_be_visible()
    expect(counts.get_by_role("link", name=re.compile(r"^3 Paid, not yet at the warehouse"))).to_be_visible()
    expect(counts.get_by_role("link", name=re.compile(r"^1 Comments awaiting moderation"))).to_be_visible()
    expect(counts.get_by_role("link", name=re.compile(r"Titles at or below their reorder level"))).to_be_visible()
    expect(admin.locator(".day-takings")).to_contain_text("Today")
    staff.shot("front-page")
    for name, shows in [
        ("Orders needing attention", bulk.number), ("Paid, not yet at the warehouse", refunded.number),
        ("At the warehouse more than", "0 orders"), ("Comments awaiting moderation", "Worth reading."),
        ("Titles at or below their reorder level", "Patient-centred leadership"),
    ]:  # fmt: skip
        counts.get_by_role("link", name=re.compile(name)).click()
        expect(admin.locator("#content")).to_contain_text(shows)
        admin.go_back()

    admin.goto(f"{shop}/admin/orders/order/{by_hand.pk}/change/")
    admin.get_by_label("Add a note (staff only)").fill("Reader rang: she will be away next week.")
    admin.get_by_role("button", name="Add the note").click()
    expect(admin.locator("#timeline")).to_contain_text("Reader rang: she will be away next week.")
    admin.get_by_role("link", name="Correct the address").click()
    admin.get_by_label("Address line 1").fill("Flat 2, 1 High St")
    admin.get_by_role("button", name="Correct the address").click()
    expect(admin.locator(".messagelist")).to_contain_text("address of")
    expect(admin.locator("#timeline")).to_contain_text("Delivery address corrected. It was:")
    admin.get_by_role("link", name="Resend the confirmation").click()
    admin.get_by_role("button", name="Send it again").click()
    expect(admin.locator("#timeline")).to_contain_text("Confirmation sent again")
    admin.get_by_role("link", name="Record a dispatch by hand").click()
    admin.get_by_label("Carrier").fill("Royal Mail Tracked 48")
    admin.get_by_label("Tracking number").fill("RM123456789GB")
    admin.get_by_role("button", name="Record the dispatch").click()
    expect(admin.locator(".field-status")).to_contain_text("Dispatched")
    expect(admin.locator("#timeline")).to_contain_text("withdrawn")
    workers.start()
    wait_for(lambda: any("RM123456789GB" in m.get_body(("plain",)).get_content() for m in smtp_server.messages), sweep=True)
    assert any(m["Subject"] == f"Your order {by_hand.number} is confirmed (sent again)" for m in smtp_server.messages)
    admin.reload()
    staff.shot("order-page")

    admin.goto(f"{shop}/admin/orders/order/{refunded.pk}/change/")
    admin.get_by_role("link", name="Refund", exact=True).click()
    admin.fill(f"#id_line_{refunded.lines.get().pk}", "1")
    admin.check("#id_delivery")
    admin.fill("#id_reason", "One copy arrived damaged")
    admin.get_by_role("button", name="See what it comes to").click()
    expect(admin.locator(".refund-total")).to_have_text("£11.45")  # £8.50 and the £2.95 delivery
    admin.get_by_role("button", name="Refund £11.45").click()
    expect(admin.locator(".messagelist")).to_contain_text("Refunded £11.45")

    admin.goto(f"{shop}/admin/orders/order/?needs_attention__exact=1")
    admin.locator(f"tr:has-text('{bulk.number}') input.action-select").check()
    admin.select_option("select[name=action]", "refund_in_full")
    admin.get_by_role("button", name="Go").click()
    expect(admin.locator("#content")).to_contain_text(bulk.number)
    staff.shot("bulk-refund-confirmation")
    assert not Refund.objects.filter(order=bulk).exists()  # nothing until confirmed
    admin.fill("#id_reason", "Cancelled at the reader's request")
    admin.get_by_role("button", name=re.compile(r"^Refund")).click()
    expect(admin.locator(".messagelist")).to_contain_text("1 order(s) refunded")
    assert Refund.objects.get(order=bulk).amount == bulk.total

    comment = Comment.objects.get(name="Dr Lee")
    admin.goto(f"{shop}/admin/catalogue/comment/{comment.pk}/change/")
    admin.get_by_role("button", name="Approve").click()
    expect(admin.locator(".messagelist")).to_contain_text("approved")

    bad = SCREENSHOTS.parent / "two-bad-rows.csv"
    bad.write_text(
        "isbn,title,subtitle,slug,price,on_sale,stock,reorder_level,pages,published,authors,topics,summary,key_findings,policy_implications\n"
        "978-1-909029-09-9,Bad check digit,,bad,5.00,1,5,10,10,2020-01-01,A,,S,F,P\n"
        "9781909029095,Bad price,,bad-price,five,1,5,10,10,2020-01-01,A,,S,F,P\n"
    )
    admin.goto(f"{shop}/admin/catalogue/publication/import/")
    admin.set_input_files("#id_import_file", str(bad))
    admin.select_option("#id_format", label="csv")
    admin.get_by_role("button", name="Submit").click()
    errors = admin.locator("#import-errors li")
    expect(errors.nth(0)).to_contain_text("Line 2, isbn: The check digit is wrong")
    expect(errors.nth(1)).to_contain_text("Line 3, price")
    expect(admin.get_by_role("button", name="Try two-bad-rows.csv again")).to_be_visible()
    staff.shot("import-errors")
