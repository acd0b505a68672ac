"""Factories for the shop's models. Stock is added through the ledger, as in the shop."""

from datetime import date
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from stdnum import ean

from catalogue import services
from catalogue.models import Comment, Publication, StockMovement, Topic


def _isbn(n: int) -> str:
    body = f"9781909{n:05d}"
    return body + ean.calc_check_digit(body)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", "password")

    @factory.post_generation
    def permissions(user, create, codenames, **kwargs):
        """UserFactory(permissions=["catalogue.change_publication"])"""
        for codename in codenames or []:
            app_label, code = codename.split(".")
            user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=code))
        user.save()


class StaffFactory(UserFactory):
    is_staff = True


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Topic
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Topic {n}")
    slug = factory.LazyAttribute(lambda t: t.name.lower().replace(" ", "-"))


class PublicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Publication
        skip_postgeneration_save = True

    isbn = factory.Sequence(_isbn)
    title = factory.Sequence(lambda n: f"Report number {n}")
    subtitle = "Findings and recommendations"
    slug = factory.Sequence(lambda n: f"report-number-{n}")
    summary = "What we found and why it matters."
    key_findings = factory.LazyFunction(lambda: ["First finding.", "Second finding."])
    policy_implications = "What government should do."
    authors = factory.LazyFunction(lambda: ["A. Author"])
    published = date(2024, 1, 15)
    pages = 48
    price = Decimal("8.50")
    on_sale = True

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        publication = model_class(*args, **kwargs)
        return services.publication_save(publication=publication)

    @factory.post_generation
    def stock(publication, create, copies, **kwargs):
        """PublicationFactory(stock=10) receives 10 copies as goods in."""
        if copies:
            services.stock_adjust(publication=publication, delta=copies, reason=StockMovement.Reason.GOODS_IN)

    @factory.post_generation
    def topics(publication, create, topics, **kwargs):
        if topics:
            publication.topics.set(topics)


class CommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Comment

    publication = factory.SubFactory(PublicationFactory)
    name = factory.Sequence(lambda n: f"Reader {n}")
    email = factory.Sequence(lambda n: f"reader{n}@example.org")
    job_title = "Policy analyst"
    organisation = "A think tank"
    body = "A thoughtful comment."
    status = Comment.Status.APPROVED
