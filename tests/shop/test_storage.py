"""Files every host must see: built reports and covers, on this host's disk or in an object store."""

import csv
import io
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.contrib.auth.models import Group
from django.core import mail
from django.core.files.base import ContentFile
from django.core.files.storage import storages

from reports.models import ReportDownload
from tests.factories import PublicationFactory, UserFactory
from tests.peers import S3_KEYS
from worker import tasks

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
# The smallest PNG there is: one transparent pixel.
PIXEL = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201a5d4b1a10000000049454e44ae426082"
)


@pytest.fixture
def finance(client):
    user = UserFactory(username="fiona", email="fiona@example.org", is_staff=True)
    user.groups.add(Group.objects.get(name="Finance"))
    client.force_login(user)
    return user


def _emailed_report_path(client, settings, django_capture_on_commit_callbacks) -> str:
    settings.REPORT_INLINE_MAX_DAYS = 31
    with django_capture_on_commit_callbacks(execute=False):
        assert client.get("/api/reports/orders/", {"from": "2026-01-01", "to": "2026-06-30"}).status_code == 202
    tasks.build_report(ReportDownload.objects.get().pk)
    [message] = mail.outbox
    link = next(word for word in message.body.split() if "/api/reports/download/" in word)
    assert link.startswith(settings.SHOP_URL)
    return link.removeprefix(settings.SHOP_URL)


def test_a_report_in_the_object_store_is_handed_over_through_a_link_that_works_for_a_minute(
    client, finance, s3_storage, settings, django_capture_on_commit_callbacks
):
    path = _emailed_report_path(client, settings, django_capture_on_commit_callbacks)

    response = client.get(path)

    assert response.status_code == 302
    presigned = response["Location"]
    query = parse_qs(urlsplit(presigned).query)
    assert presigned.startswith(f"{settings.STORAGES['reports']['OPTIONS']['endpoint_url']}/{s3_storage}/reports/")
    assert int(query["X-Amz-Expires"][0]) <= 60
    fetched = requests.get(presigned, timeout=10)
    assert fetched.status_code == 200
    assert 'filename="orders_2026-01-01_2026-06-30.csv"' in fetched.headers["Content-Disposition"]
    assert next(csv.reader(io.StringIO(fetched.text)))[0] == "number"


def test_the_report_link_still_checks_the_login_and_the_requester(client, finance, s3_storage, settings, django_capture_on_commit_callbacks):
    path = _emailed_report_path(client, settings, django_capture_on_commit_callbacks)
    other = UserFactory(username="other-finance", is_staff=True)
    other.groups.add(Group.objects.get(name="Finance"))

    client.force_login(other)
    as_someone_else = client.get(path)
    client.logout()
    as_nobody = client.get(path)

    assert as_someone_else.status_code == 404
    assert as_nobody.status_code in (401, 403)
    assert "Location" not in as_someone_else and "Location" not in as_nobody


def test_a_report_on_this_hosts_disk_is_streamed(client, finance, settings, django_capture_on_commit_callbacks):
    path = _emailed_report_path(client, settings, django_capture_on_commit_callbacks)

    response = client.get(path)

    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"number,")


def test_a_cover_in_the_object_store_is_shown_from_there(client, s3_storage, settings):
    publication = PublicationFactory(title="Covered")
    publication.cover.save("covered.png", ContentFile(PIXEL))

    page = client.get(f"/publications/{publication.slug}/").content.decode()

    url = publication.cover.url
    assert url.startswith(f"{settings.STORAGES['default']['OPTIONS']['endpoint_url']}/{s3_storage}/media/covers/")
    assert f'src="{url}"' in page
    assert requests.get(url, timeout=10).content == PIXEL


def test_a_cover_on_this_hosts_disk_is_served_with_debug_off(client, settings):
    assert settings.DEBUG is False
    publication = PublicationFactory(title="Covered")
    publication.cover.save("covered.png", ContentFile(PIXEL))

    response = client.get(publication.cover.url)

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PIXEL


def test_with_s3_bucket_set_the_policy_admits_covers_from_the_object_store_and_no_other_origin(tmp_path):
    env = {
        **os.environ, "VAR_DIR": str(tmp_path), "S3_BUCKET": "shop-covers", "S3_ENDPOINT_URL": "https://objects.example.net",
        **S3_KEYS,
    }  # fmt: skip
    show = "from django.conf import settings as s; print(s.CONTENT_SECURITY_POLICY['DIRECTIVES']['img-src'], s.STORAGES['default']['BACKEND'])"

    result = subprocess.run([sys.executable, "manage.py", "shell", "-c", show], cwd=ROOT, env=env, capture_output=True, text=True)

    assert result.stdout.strip().splitlines()[-1] == "[\"'self'\", 'data:', 'https://objects.example.net'] storages.backends.s3.S3Storage"


def test_a_report_in_the_object_store_cannot_be_fetched_without_the_presigned_link(client, finance, s3_storage, settings, django_capture_on_commit_callbacks):
    path = _emailed_report_path(client, settings, django_capture_on_commit_callbacks)
    presigned = client.get(path)["Location"]

    unsigned = requests.get(presigned.split("?", 1)[0], timeout=10)

    assert unsigned.status_code == 403
