"""Load the demo catalogue. Safe to run again: it updates what is there and adds what is not."""

from datetime import date
from decimal import Decimal

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.text import slugify

from catalogue import services
from catalogue.demo.data import PUBLICATIONS, RETIRED_COMMENTS, TOPICS
from catalogue.models import Comment, Publication, StockMovement, Topic


class Command(BaseCommand):
    help = (
        "Load (or refresh) the demo catalogue of publications and topics. The publisher's real page and "
        "its comments come from import_pages."
    )

    @transaction.atomic
    def handle(self, *args, **options):
        for name, slug in TOPICS:
            Topic.objects.update_or_create(slug=slug, defaults={"name": name})
        topics = {topic.slug: topic for topic in Topic.objects.all()}

        created = 0
        for entry in PUBLICATIONS:
            publication = Publication.objects.filter(isbn=entry["isbn"]).first()
            is_new = publication is None
            publication = publication or Publication(isbn=entry["isbn"], slug=slugify(entry["title"]))
            for field in ("title", "subtitle", "summary", "key_findings", "policy_implications", "authors", "pages"):
                setattr(publication, field, entry[field])
            publication.published = entry["published"] and date.fromisoformat(entry["published"])
            publication.price = Decimal(entry["price"])
            publication.on_sale = entry.get("on_sale", True)
            services.publication_save(publication=publication, topics=[topics[slug] for slug in entry["topics"]])
            if is_new:
                created += 1
                if entry["stock"]:
                    services.stock_adjust(
                        publication=publication,
                        delta=entry["stock"],
                        reason=StockMovement.Reason.GOODS_IN,
                        note="Demo catalogue",
                    )
        for isbn, name in RETIRED_COMMENTS:
            Comment.objects.filter(publication__isbn=isbn, name=name, email__endswith="@example.org").delete()
        self.stdout.write(
            self.style.SUCCESS(f"Demo catalogue: {len(PUBLICATIONS)} publications ({created} new), {len(TOPICS)} topics.")
        )
