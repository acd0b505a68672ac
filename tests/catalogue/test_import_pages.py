"""The publisher's real page, imported as it is: import_pages, from the command line and the admin.

The expected values are written out here from the publisher's page as a reader sees it, not
taken from the importer's parser, so a parser that misreads the page fails these tests.
"""

from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import Group, Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection, connections

from catalogue import services
from catalogue.models import Comment, PriceChange, Publication
from catalogue.pages import PageError, parse
from shop.roles import STAFF
from tests.factories import CommentFactory, PublicationFactory, UserFactory
from tests.seeds import SEED, needs_seed

pytestmark = pytest.mark.django_db


ISBN = "9781909029088"
SUMMARY = [
    "This report summarises the main findings of the Francis Inquiry into the failings of care at Mid Staffordshire "
    "in relation to NHS leadership and culture. It sets out what needs to be done to avoid similar failures in future, "
    "focusing on the role of three key 'lines of defence' against poor-quality care: frontline clinical teams, the "
    "boards leading NHS organisations, and national organisations responsible for overseeing the commissioning, "
    "regulation and provision of care.",
    "The report presents findings from The King's Fund's 2013 leadership survey. It also highlights the lessons that "
    "can be learnt from the experiences of high-performing health care organisations in other countries that have "
    "succeeded in developing effective leadership and a culture that puts patients' needs first.",
]
KEY_FINDINGS = [
    "The leadership of the NHS at a national level needs to create conditions in which local organisations have the "
    "freedom to deliver consistently high standards of care and where the needs of patients come first.",
    "The quality of care provided by NHS organisations should, first and foremost, be a corporate responsibility "
    "under the leadership of boards, who must lead by example by focusing on the quality and safety of care.",
    "Leaders need to value and support frontline staff and ensure the main focus is on patients and their care.",
    "Leadership development should give priority to supporting leaders at all levels to be patient-centred and to "
    "ensure that staff have the time and resources required to deliver high-quality care.",
    "Patient leaders should work alongside NHS leaders to support the transformation called for in the Francis "
    "Inquiry report.",
]
POLICY = [
    "The NHS at national level must shift the predominant organisational culture from one focused on meeting "
    "externally imposed standards and targets to one in which NHS leaders and frontline clinical teams are committed "
    "to improving care and putting patients' needs first, working together to access the support they need to do so.",
    "NHS organisations must abandon the traditional individualistic model of leadership and embrace a leadership "
    "style that is shared, distributed and adaptive. Board members in particular are responsible for setting the "
    "tone for their organisational culture, and should do more to actively seek and listen to the views of patients, "
    "governors, commissioners and staff.",
]
# Each comment: number, name as given, job title, organisation, and its body's paragraphs (a
# single line break inside a paragraph is kept as "\n").
COMMENTS = [
    (40464, "ALF COLLINS", "Clinical Associate", "Health Foundation", [
        "A fascinating and important report- thank you.",
        "It does make me reflect on how many times in my career we have had central directives, policies and "
        "position papers that call for public services to be more patient-centred. Yet nothing seems to change- "
        "why not?",
        "In one sense, being patient-centred is blindingly simple- no patient should be treated with anything other "
        "than enormous compassion, dignity and respect.\n"
        "Over and above these basic human rights though, being patient-centred is remarkably hard to define- it will "
        "mean different things in different contexts.",
        "Most clinicians want to do good (beneficience) and not do harm (non-maleficience). They will in general try "
        "to do good according to their own set of underlying values and ethical principles- many of which will be "
        "informed by the context within which they usually work.",
        "GPs, for instance, often tend to think of themselves as patient advocates- on the whole, they think of "
        "patient-centredness as being benficience through support for autonomy. In this context, being "
        "patient-centred might well mean giving patients information, choice and control",
        "On the other hand, a cardiac surgeon might well define being patient centred as being as good a technical "
        "operator as they can possibly be. As a potential future patient of a cardiac surgeon- I know this is what I "
        "would want. According to the principle of utilitarianism, this 'task-oriented' approach to their work might "
        "mean that on occasions- in urgent clinical situations for instance- performing the task well becomes more "
        "important than supporting patient autonomy.",
        "The point is, we need to be much clearer about what being patient-centred actually means. And we need to be "
        "much clearer about what being patient centred means in different contexts. And over and above this, we need "
        "to clarify not just the attitudes and values that mark out good patient-centred care in different contexts-- "
        "we need to exemplify, teach and measure the behaviours and skills that we (and more importantly patients) "
        "want our workforce to employ",
    ]),
    (40467, "Dr DJ Brown", "Clinical Fellow", "Homerton Hospital", [
        "The question has always been how to actually implement this. For those that are interested in answering "
        "this question, I would refer them to: www.themeaningofcareful.com/organisations for a suggested structure.",
    ]),
    (40468, "Tricia Woodhead", "Medical Director South West Patient Safety Improvement Collaborative",
     "Weston Area Health Trust", [
        "I agree with these observations and am of the view that we need to reframe our approach. Instead of "
        "thinking and acting in a way that focuses on 'what is the matter with the patient'. We should consider 'what "
        "matters to the patient'. This should not crowd out the technical and scientific parts of being a healthcare "
        "professional but create a balance that ensures that the patient and their expressed preferences are blended "
        "with our professional knowledge and a negotiated path forward co-produced. This is what the majority of good "
        "clinicians do and needs to be explicitly coached for and encouraged now that evidence based practice is so "
        "clearly defined that we may inadvertantly overlook what matters most to the patient.",
    ]),
    (40469, "Harry Longman", "Chief Executive", "Patient Access Ltd", [
        '"We must shift the culture from meeting externally imposed targets". Yes. There is one very simple way to '
        "do this, which goes like this:\n"
        "Abolish the targets.\n"
        "Are you brave enough to say this? Because amid all the noise about changing culture I don't see this simple "
        "statement being made. Unless you remove the targets, there will always be pressure to meet them, whatever. "
        "When you do remove the targets, all of them, for ever, you will be left with an understanding of the purpose "
        "of the NHS and the professional motivation of all the players to achieve it. Given what we know of the "
        "motivation of NHS staff, that sounds rather powerful to me.",
    ]),
    (40477, "Dominic Stenning", "Patient Leader", "CPFT", [
        "Really great document and great to see Patient Leaders on the agenda of change!\n"
        'It\'s about time patients should be seen as untapped assets; NOT problems to be "fixed".\n'
        "Patient Leaders need investment & support if we're going to have meaningful & lasting impact on the system "
        "we all care about!\n"
        "@Patient_Leader",
    ]),
    (41852, "Paul Bridle", "CEO", "Excellence Squared Limited", [
        "It would be worth looking at the Leadership and Management Framework as a possible way of approaching the "
        "issue with an objective criteria. Accreditation against the Framework could be a useful goal to aim for.",
    ]),
    (42437, "Dr Trudi Farrington", "Cultural Change Consultant", "Taylor Farrington Ltd", [
        "There is real hope here. The NHS in some ways lags behind other industries and can therefore learn and "
        "borrow where the contextual commonalities exist. I am referring to gas and oil, rail and aviation in the UK. "
        "Their focus has not been patient care but passenger, public and workforce safety in a highly regulated and "
        "ever decreasing resource pool environment. There has been so much work and real progress made in open "
        "reporting , learning, leading cultural change etc. I have been part of this in Rail and have a background "
        "in the NHS.",
    ]),
]  # fmt: skip


@pytest.fixture
def staff_user():
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name=STAFF))
    return user


def import_pages(*files, **options):
    call_command("import_pages", *[str(file) for file in files], **options)


def snapshot() -> dict:
    """Every row an import can write, as values."""
    return {
        "publications": list(Publication.objects.order_by("pk").values()),
        "comments": list(Comment.objects.order_by("pk").values()),
        "prices": list(PriceChange.objects.order_by("pk").values()),
    }


def damaged(tmp_path, old: str, new: str) -> Path:
    text = SEED.read_text(encoding="utf-8")
    assert old in text
    copy = tmp_path / "damaged.txt"
    copy.write_text(text.replace(old, new, 1), encoding="utf-8")
    return copy


@needs_seed
def test_the_seed_page_through_the_api_is_the_publishers_page(api):
    import_pages(SEED)

    detail = api.get(f"/api/publications/{ISBN}/").json()
    assert (detail["title"], detail["subtitle"]) == ("Patient-centred leadership", "Rediscovering our purpose")
    assert detail["summary"].split("\n\n") == SUMMARY
    assert detail["key_findings"] == KEY_FINDINGS
    assert detail["policy_implications"].split("\n\n") == POLICY
    assert (detail["price"], detail["pages"], detail["isbn"]) == ("8.50", 52, ISBN)
    # What the page does not give stays empty.
    assert (detail["authors"], detail["published"], detail["comment_count"]) == ([], None, 7)

    comments = api.get(f"/api/publications/{ISBN}/comments/").json()["results"]
    assert [
        (c["number"], c["name"], c["job_title"], c["organisation"], c["body"].split("\n\n")) for c in comments
    ] == [(number, name, job, organisation, body) for number, name, job, organisation, body in COMMENTS]
    assert {c["created"] for c in comments} == {None}


@needs_seed
def test_the_seed_page_as_rendered_shows_the_publishers_text_and_comments(client):
    import_pages(SEED)
    services.stock_adjust(publication=Publication.objects.get(isbn=ISBN), delta=20, reason="goods_in")

    page = BeautifulSoup(client.get("/publications/patient-centred-leadership/").text, "html.parser")
    header = page.select_one("article.publication > header")
    assert header.h1.get_text() == "Patient-centred leadership"
    assert header.select_one(".subtitle").get_text() == "Rediscovering our purpose"
    count = header.select_one(".comment-count a")
    assert (count.get_text(), count["href"]) == ("Comments: 7", "#comments")
    assert " ".join(page.select_one(".buy-box .price").get_text().split()) == "Print copy: £8.50 | Buy"
    assert [li.get_text(" ", strip=True) for li in page.select(".facts li")][:2] == ["No. of pages: 52", "ISBN: 978-1-909029-08-8"]
    assert not page.select(".authors") and "Published" not in page.select_one(".facts").get_text()
    assert paragraphs(page.select_one("section[aria-labelledby=summary-heading]")) == SUMMARY
    assert [li.get_text() for li in page.select(".key-findings li")] == KEY_FINDINGS
    assert paragraphs(page.select_one("section[aria-labelledby=policy-heading]")) == POLICY

    shown = page.select("#comments article.comment")
    assert [article["id"] for article in shown] == [f"comment-{number}" for number, *_ in COMMENTS]
    for article, (number, name, job, organisation, body) in zip(shown, COMMENTS, strict=True):
        assert article.select_one(".comment-number").get_text() == f"#{number}"
        assert article.select_one(".comment-number")["href"] == f"#comment-{number}"
        assert article.strong.get_text() == name
        assert (article.select_one(".job-title").get_text(), article.select_one(".organisation").get_text()) == (job, organisation)
        assert paragraphs(article.select_one(".comment-body")) == body
        assert not article.select("time")  # the old page gives no date, and none is made up


def paragraphs(element) -> list[str]:
    """The text of each <p>, with a <br> read as the line break it stands for."""
    found = []
    for p in element.find_all("p"):
        for br in p.find_all("br"):
            br.replace_with("\n")
        found.append(p.get_text())
    return found


@needs_seed
def test_importing_the_seed_twice_leaves_the_same_rows(capsys):
    import_pages(SEED)
    before = snapshot()

    import_pages(SEED)

    assert snapshot() == before
    assert "publications 0 new, 0 updated, 1 unchanged; comments 0 new, 0 updated, 7 unchanged" in capsys.readouterr().out


@needs_seed
def test_importing_over_the_demo_catalogue_keeps_stock_and_topics_and_readers_comments():
    call_command("load_demo_catalogue")
    seed = Publication.objects.get(isbn=ISBN)
    reader = CommentFactory(publication=seed, name="A Reader", body="Posted in the shop.")
    stock, topics = seed.stock, set(seed.topics.values_list("slug", flat=True))

    import_pages(SEED)
    import_pages(SEED)

    seed.refresh_from_db()
    assert (seed.stock, set(seed.topics.values_list("slug", flat=True))) == (stock, topics)
    assert Comment.objects.filter(pk=reader.pk, status=Comment.Status.APPROVED).exists()
    assert seed.comments.count() == 8


@needs_seed
@pytest.mark.parametrize(
    ("old", "new", "line", "says"),
    [
        ("#40467 Dr DJ Brown", "#40467", 52, "comment #40467 has no name"),
        ("Print copy: £8.50 | Buy", "Print copy: £8.5O | Buy", 25, "is not an amount of money"),
        ("ISBN: 978 1 909029 08 8", "ISBN: 978 1 909029 08 9", 29, "The check digit is wrong"),
        ("Comments: 7", "Comments: 8", 4, "says 'Comments: 8' but 7 comment(s) start with '#number name' (lines 33, 52, 58"),
    ],
    ids=["comment-without-a-name", "price-not-money", "isbn-check-digit", "comments-missing"],
)
def test_a_damaged_page_is_refused_with_its_line_and_nothing_is_written(tmp_path, old, new, line, says):
    other = PublicationFactory(title="Another report")
    before = snapshot()
    copy = damaged(tmp_path, old, new)

    with pytest.raises(CommandError) as refused:
        import_pages(copy)

    assert f"{copy}, line {line}: " in str(refused.value) and says in str(refused.value)
    assert snapshot() == before
    assert Publication.objects.get() == other


@needs_seed
def test_one_damaged_page_among_several_means_nothing_from_any_is_written(tmp_path):
    good = tmp_path / "good.txt"
    good.write_text(SEED.read_text(encoding="utf-8").replace("978 1 909029 08 8", "978-1-909029-01-9").replace("#4", "#5"))
    copy = damaged(tmp_path, "No. of pages: 52", "No. of pages: fifty-two")

    with pytest.raises(CommandError) as refused:
        import_pages(good, copy)

    assert f"{copy}, line 27: the number of pages 'fifty-two'" in str(refused.value)
    assert not Publication.objects.exists() and not Comment.objects.exists()


@needs_seed
def test_a_comment_number_taken_on_another_publication_is_refused():
    CommentFactory(number=40469, publication=PublicationFactory(title="Another report"))

    with pytest.raises(CommandError, match=r"line 64: comment #40469 is already on «Another report»"):
        import_pages(SEED)

    assert not Publication.objects.filter(isbn=ISBN).exists()


@needs_seed
def test_a_readers_comment_is_never_overwritten_by_an_imported_one():
    CommentFactory(number=40464, publication=PublicationFactory(isbn=ISBN), name="A Reader")

    with pytest.raises(CommandError, match=r"line 33: comment #40464 is already taken by a reader's comment"):
        import_pages(SEED)

    assert Comment.objects.get(number=40464).name == "A Reader"


@needs_seed
def test_a_new_comment_takes_a_number_past_the_highest_imported(api):
    import_pages(SEED)

    response = api.post(
        f"/api/publications/{ISBN}/comments/",
        {"name": "A Reader", "email": "reader@example.org", "body": "Still relevant."},
        format="json",
    )

    assert response.status_code == 201
    assert Comment.objects.get(name="A Reader").number > 42437  # a sequence may leave gaps, never go back


@needs_seed
def test_a_comment_is_reachable_at_its_number_on_the_page(client):
    import_pages(SEED)
    comment = Comment.objects.get(number=40477)

    assert comment.get_absolute_url() == "/publications/patient-centred-leadership/#comment-40477"
    assert 'id="comment-40477"' in client.get("/publications/patient-centred-leadership/").text


def test_new_comments_are_numbered_in_order_across_the_shop():
    first, second = CommentFactory(), CommentFactory(publication=PublicationFactory())

    assert first.number < second.number


def test_a_page_that_is_not_a_page_names_its_file_and_line(tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("Shopping list\n\nMilk\nBread\n")

    with pytest.raises(CommandError, match=rf"{notes}, line 4: expected 'Comments: N' after the title and subtitle, found 'Bread'"):
        import_pages(notes)


def test_a_file_that_is_not_text_is_refused(tmp_path):
    binary = tmp_path / "cover.txt"
    binary.write_bytes(b"Title\n\n\xff\xfe")

    with pytest.raises(CommandError, match=rf"{binary}, line 3: is not UTF-8 text"):
        import_pages(binary)


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(CommandError, match="nowhere.txt: no such file"):
        import_pages(tmp_path / "nowhere.txt")


@needs_seed
def test_a_dry_run_checks_the_pages_and_writes_nothing(capsys):
    import_pages(SEED, dry_run=True)

    assert not Publication.objects.exists()
    assert "Checked 1 page(s): publications 1 new" in capsys.readouterr().out


@needs_seed
def test_staff_import_pages_from_the_admin(client, staff_user):
    client.force_login(staff_user)
    page = client.get("/admin/catalogue/publication/")
    assert 'href="/admin/catalogue/publication/import-pages/"' in page.text

    response = client.post(
        "/admin/catalogue/publication/import-pages/",
        {"files": [SimpleUploadedFile("seed.txt", SEED.read_bytes(), "text/plain")]},
        follow=True,
    )

    assert "Imported 1 page(s): 1 new and 0 updated publication(s), 7 new and 0 updated comment(s)" in response.text
    publication = Publication.objects.get(isbn=ISBN)
    assert publication.comments.filter(status=Comment.Status.APPROVED).count() == 7
    assert publication.price_changes.get().changed_by == staff_user
    assert {comment.moderated_by for comment in publication.comments.all()} == {staff_user}


@needs_seed
def test_the_admin_lists_each_problem_plainly_and_imports_nothing(client, staff_user):
    client.force_login(staff_user)
    broken = SEED.read_text(encoding="utf-8").replace("#41852 Paul Bridle", "#41852")

    response = client.post(
        "/admin/catalogue/publication/import-pages/",
        {"files": [
            SimpleUploadedFile("seed.txt", SEED.read_bytes(), "text/plain"),
            SimpleUploadedFile("broken.txt", broken.encode(), "text/plain"),
        ]},
    )  # fmt: skip

    assert response.status_code == 200
    problems = BeautifulSoup(response.text, "html.parser").select(".import-problems li")
    assert [p.get_text() for p in problems] == ["broken.txt, line 81: comment #41852 has no name after its number."]
    assert not Publication.objects.exists()


def test_the_import_pages_view_is_for_staff_who_may_add_publications(client):
    client.force_login(UserFactory(is_staff=True))

    assert client.get("/admin/catalogue/publication/import-pages/").status_code == 403


def test_undated_publications_sort_last_whichever_way_dates_run(api):
    undated = PublicationFactory(title="Undated", published=None)
    older = PublicationFactory(title="Older", published="2014-05-15")
    newer = PublicationFactory(title="Newer", published="2020-01-01")

    def order(**query):
        return [item["title"] for item in api.get("/api/publications/", query).json()["results"]]

    assert order() == [newer.title, older.title, undated.title]
    assert order(ordering="-published") == [newer.title, older.title, undated.title]
    assert order(ordering="published") == [older.title, newer.title, undated.title]


def test_the_schema_says_what_an_imported_page_may_leave_empty(api):
    schema = api.get("/api/schema/", {"format": "json"}).json()["components"]["schemas"]

    assert schema["PublicationDetail"]["properties"]["published"]["nullable"] is True
    assert schema["Comment"]["properties"]["created"]["nullable"] is True
    assert schema["Comment"]["properties"]["number"]["readOnly"] is True
    assert "email" in schema["CommentRequest"]["required"] and "email" not in schema["Comment"]["properties"]


def test_readers_must_still_give_an_email_with_a_comment(api, client):
    publication = PublicationFactory()

    response = api.post(f"/api/publications/{publication.isbn}/comments/", {"name": "A", "email": "", "body": "B"}, format="json")
    page = client.post(f"/publications/{publication.slug}/comments/", {"name": "A", "email": "", "body": "B"})

    assert response.status_code == 400 and "email" in response.json()
    assert page.status_code == 400 and "This field is required." in page.text
    assert not Comment.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_comments_posted_at_once_get_distinct_numbers_from_the_sequence():
    publication = PublicationFactory()

    def post(n):
        try:
            return services.comment_submit(publication=publication, name=f"Reader {n}", email=f"r{n}@example.org", body="Hi").number
        finally:
            connections.close_all()

    with ThreadPoolExecutor(8) as pool:
        numbers = list(pool.map(post, range(40)))

    assert connection.vendor == "postgresql"
    assert len(set(numbers)) == 40
    assert sorted(Comment.objects.values_list("number", flat=True)) == sorted(numbers)


# --- the parser on pages unlike the seed ---------------------------------------------------------

def page_text(*, findings=True, policy=True, comments=None, caption="Title: Sub") -> str:
    """A small page in the publisher's form; comments as (header, paragraphs) pairs."""
    comments = [("#7 A Name\nJob\nPlace", ["A comment."])] if comments is None else comments
    parts = ["Title", "", "Sub", f"Comments: {len(comments)}", "First summary paragraph.", "", "Second one."]
    if findings:
        parts += ["", "Key findings", "", "  • One finding", "  • Another finding,", "    over two lines."]
    if policy:
        parts += ["", "Policy implications", "", "Do this."]
    parts += ["", caption, "", "Print copy: £12 | Buy", "", "No. of pages: 9", "", "ISBN: 978-1-909029-08-8"]
    if comments:
        parts += ["", "Comments"]
        for header, body in comments:
            parts += ["", header, "", "\n\n".join(body)]
    parts += ["", "Add new comment"]
    return "\n".join(parts)


@pytest.mark.parametrize(
    "findings, policy", [(False, False), (True, False), (False, True), (True, True)], ids=["neither", "findings", "policy", "both"]
)
def test_the_title_repeated_above_the_price_is_never_taken_for_text(findings, policy):
    read = parse("page.txt", page_text(findings=findings, policy=policy))

    assert read.summary == "First summary paragraph.\n\nSecond one."
    assert read.key_findings == (["One finding", "Another finding, over two lines."] if findings else [])
    assert read.policy_implications == ("Do this." if policy else "")
    assert (read.price, read.pages, read.isbn) == (Decimal("12.00"), 9, ISBN)


def test_a_caption_with_a_dash_is_recognised_too():
    assert parse("page.txt", page_text(caption="Title – Sub")).policy_implications == "Do this."


def test_windows_line_endings_and_a_form_feed_inside_a_comment_read_as_written():
    text = page_text(comments=[("#7 A Name", ["Line one\x0cstill line one.\nLine two."])]).replace("\n", "\r\n")

    comment = parse("page.txt", text).comments[0]

    assert comment.body == "Line one\x0cstill line one.\nLine two."
    assert (comment.job_title, comment.organisation) == ("", "")


def test_a_paragraph_of_a_comment_may_start_like_a_comment_number():
    text = page_text(comments=[
        ("#7 A Name\nJob\nPlace", ["Three points.", "#1 priority is staffing.", "#2 is money."]),
        ("#9 B Name", ["Agreed."]),
    ])  # fmt: skip

    read = parse("page.txt", text)

    assert [(c.number, c.body) for c in read.comments] == [
        (7, "Three points.\n\n#1 priority is staffing.\n\n#2 is money."), (9, "Agreed."),
    ]  # fmt: skip


def test_a_page_without_comments_reads():
    read = parse("page.txt", page_text(comments=[]))

    assert read.comments == [] and read.title == "Title"


def test_a_comment_number_beyond_any_old_site_is_refused_with_its_line():
    with pytest.raises(PageError, match=r"page.txt, line 29: comment number #9999999999 is not between 1 and 999,999,999"):
        parse("page.txt", page_text(comments=[("#9999999999 A Name", ["Hi."])]))


@needs_seed
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_dry_run_leaves_even_the_comment_sequence_alone():
    before = services.comment_submit(publication=PublicationFactory(), name="A", email="a@example.org", body="B").number

    import_pages(SEED, dry_run=True)

    after = services.comment_submit(publication=PublicationFactory(), name="A", email="a@example.org", body="B").number
    assert after == before + 1


def test_the_admin_asks_for_a_file_when_none_is_chosen(client, staff_user):
    client.force_login(staff_user)

    response = client.post("/admin/catalogue/publication/import-pages/", {})

    assert response.status_code == 200 and "This field is required." in response.text


def test_importing_pages_needs_the_right_to_moderate_comments_too(client):
    editor = UserFactory(is_staff=True)
    editor.user_permissions.add(*Permission.objects.filter(codename__in=["add_publication", "change_publication", "view_publication"]))
    client.force_login(editor)

    assert client.get("/admin/catalogue/publication/import-pages/").status_code == 403
    assert "import-pages" not in client.get("/admin/catalogue/publication/").text
