"""The catalogue's JSON API: public reads and comments, staff price/field edits and stock movements."""

from collections.abc import Callable
from functools import partial

from django.conf import settings
from django.utils.decorators import method_decorator
from django.utils.functional import cached_property
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import generics, permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from shop.api import FieldsOnce, PageNumberPagination, SlugRelatedField
from shop.ratelimits import limit

from . import listing, selectors, services
from .filters import PublicationFilter, list_key, search_alone
from .models import Comment, Publication, StockMovement, Topic, page_paths


class PublicationListSerializer(FieldsOnce, serializers.ModelSerializer):
    isbn_display = serializers.CharField(read_only=True)
    currency = serializers.SerializerMethodField()
    in_stock = serializers.BooleanField(read_only=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = Publication
        fields = [
            "isbn", "isbn_display", "title", "subtitle", "slug", "price", "currency",
            "pages", "published", "on_sale", "in_stock", "url",
        ]  # fmt: skip

    def to_representation(self, publication):
        """The declared fields read straight off the row, each converted as its field converts
        it: DRF's walk over them (each one's source looked up, checked for None and converted)
        was most of a list's serialization. Pinned to that walk's answer by
        tests/catalogue/test_api_fields.py. A list's one serializer (its child) converts the price
        and date with the class's unbound fields, and reads the currency once: binding a copy of
        every field, and reading the setting, for each of 20 publications was 8% of an uncached
        page of the list."""
        fields, price, published = self._unbound_fields(), publication.price, publication.published
        return {
            "isbn": publication.isbn, "isbn_display": publication.isbn_display, "title": publication.title,
            "subtitle": publication.subtitle, "slug": publication.slug,
            "price": None if price is None else fields["price"].to_representation(price),
            "currency": self._currency, "pages": publication.pages,
            "published": None if published is None else fields["published"].to_representation(published),
            "on_sale": publication.on_sale, "in_stock": publication.in_stock, "url": self.get_url(publication),
        }  # fmt: skip

    @cached_property
    def _currency(self) -> str:
        return self.get_currency(None)

    def get_currency(self, publication) -> str:
        return settings.SHOP_CURRENCY

    def get_url(self, publication) -> str:
        return self._page_url(publication.slug)

    @cached_property
    def _page_url(self) -> Callable[[str], str]:
        """A publication's address by its slug: https://host and the path, worked out once per
        answer (a list has 20 publications). A path of letters, digits, hyphens and underscores
        needs none of build_absolute_uri's quoting."""
        origin, path = self.context["request"].build_absolute_uri("/").removesuffix("/"), page_paths()
        return lambda slug: origin + path(slug)


class PublicationDetailSerializer(PublicationListSerializer):
    key_findings = serializers.ListField(child=serializers.CharField(), read_only=True)
    topics = serializers.ListField(child=serializers.SlugField(), source="topic_slugs", read_only=True)
    authors = serializers.ListField(child=serializers.CharField(), read_only=True)
    comment_count = serializers.IntegerField(read_only=True)

    class Meta(PublicationListSerializer.Meta):
        fields = PublicationListSerializer.Meta.fields + [
            "summary", "key_findings", "policy_implications", "topics", "authors", "comment_count",
        ]  # fmt: skip

    def to_representation(self, publication):
        return {
            **super().to_representation(publication),
            "summary": publication.summary, "key_findings": _texts(publication.key_findings),
            "policy_implications": publication.policy_implications, "topics": _texts(publication.topic_slugs),
            "authors": _texts(publication.authors), "comment_count": publication.comment_count,
        }  # fmt: skip


def _texts(values) -> list:
    """A list of texts as a ListField of CharFields writes it."""
    return [None if value is None else str(value) for value in values]


class PublicationUpdateSerializer(serializers.ModelSerializer):
    """What staff may change through the API; the ISBN and the stock figure are not among it."""

    key_findings = serializers.ListField(child=serializers.CharField(), required=False)
    authors = serializers.ListField(child=serializers.CharField(), required=False)
    topics = SlugRelatedField(slug_field="slug", many=True, queryset=Topic.objects.all(), required=False)

    class Meta:
        model = Publication
        fields = [
            "title", "subtitle", "summary", "key_findings", "policy_implications", "authors",
            "topics", "published", "pages", "price", "on_sale", "reorder_level",
        ]  # fmt: skip

    def update(self, publication, validated_data):
        topics = validated_data.pop("topics", None)
        for field, value in validated_data.items():
            setattr(publication, field, value)
        return services.publication_save(publication=publication, by=self.context["request"].user, topics=topics)


class CommentSerializer(serializers.ModelSerializer):
    # A field people never see: a bot that fills it in is dropped without a word.
    website = serializers.CharField(write_only=True, required=False, allow_blank=True, max_length=200)

    class Meta:
        model = Comment
        fields = ["number", "name", "job_title", "organisation", "body", "created", "email", "website"]
        read_only_fields = ["number", "created"]
        # Comments imported from old pages have no email; a reader must still give one.
        extra_kwargs = {"email": {"write_only": True, "required": True, "allow_blank": False}}


class StockMovementSerializer(serializers.ModelSerializer):
    reason = serializers.ChoiceField(choices=[(r.value, r.label) for r in StockMovement.STAFF_REASONS])
    delta = serializers.IntegerField(min_value=-StockMovement.MAX_STOCK, max_value=StockMovement.MAX_STOCK)

    class Meta:
        model = StockMovement
        fields = ["delta", "reason", "note", "stock_after", "created_at"]
        read_only_fields = ["stock_after", "created_at"]


class CataloguePagination(PageNumberPagination):
    """Pages by position (catalogue.listing): any page costs what the first does. A list is
    known by its filters."""

    def paginate_queryset(self, queryset, request, view=None):
        params = request.query_params
        self.django_paginator_class = partial(listing.paginator, list_key="api:" + list_key(params), search=search_alone(params))
        return super().paginate_queryset(queryset, request, view)


class PublicationList(generics.ListAPIView):
    """The catalogue, paginated; search by words (title, subtitle, authors, summary, key findings:
    ranked, best first) or by ISBN in any format."""

    serializer_class = PublicationListSerializer
    pagination_class = CataloguePagination
    filter_backends = [DjangoFilterBackend]
    filterset_class = PublicationFilter

    def get_queryset(self):
        return selectors.publication_list()

    def filter_queryset(self, queryset):
        # A page of the whole list, as most requests ask for, has nothing to filter (the filter
        # set would deep-copy every filter to find that out), and a search alone is read by the
        # pagination (listing.paginator).
        params = self.request.query_params
        return super().filter_queryset(queryset) if list_key(params) and search_alone(params) is None else queryset


class PublicationDetail(generics.RetrieveUpdateAPIView):
    """One publication by ISBN-13 or ISBN-10, with or without hyphens or spaces; staff may PATCH it."""

    permission_classes = [permissions.DjangoModelPermissionsOrAnonReadOnly]
    http_method_names = ["get", "patch", "head", "options"]
    queryset = Publication.objects.none()  # for the permission class's model lookup

    def get_object(self):
        publication = selectors.publication_for_api(self.kwargs["isbn"])
        self.check_object_permissions(self.request, publication)
        return publication

    def get_serializer_class(self):
        return PublicationUpdateSerializer if self.request.method == "PATCH" else PublicationDetailSerializer

    @extend_schema(request=PublicationUpdateSerializer, responses=PublicationDetailSerializer)
    def patch(self, request, *args, **kwargs):
        publication = self.get_object()
        serializer = PublicationUpdateSerializer(publication, data=request.data, partial=True, context={"request": request})
        serializer.is_valid(raise_exception=True)
        serializer.save()
        publication = selectors.publication_for_api(publication.isbn)
        return Response(PublicationDetailSerializer(publication, context={"request": request}).data)


_COMMENT_ACCEPTED = inline_serializer(
    "CommentAccepted", {"status": serializers.CharField(), "detail": serializers.CharField()}
)


class PublicationComments(generics.ListCreateAPIView):
    """Approved comments in the order of their numbers (oldest first). A new comment waits for moderation before it is shown.

    `number` is unique across the shop and stays the comment's for good: the publication's page
    shows it at #comment-{number}. `created` is null for comments imported from the publisher's
    old pages, which give no date."""

    serializer_class = CommentSerializer

    def get_publication(self):
        return selectors.publication_by_isbn(self.kwargs["isbn"])

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no ISBN
            return Comment.objects.none()
        return selectors.comments_approved(self.get_publication())

    @extend_schema(responses={201: _COMMENT_ACCEPTED, 400: OpenApiResponse(description="Field messages"), 429: OpenApiResponse(description="Rate limited")})
    @method_decorator(limit("COMMENT_RATE", group="comments"))
    def post(self, request, *args, **kwargs):
        publication = self.get_publication()
        serializer = CommentSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if not data.pop("website", ""):
            services.comment_submit(publication=publication, ip_address=request.META.get("REMOTE_ADDR"), **data)
        return Response(
            {"status": "pending", "detail": "Thank you. Your comment will appear once a moderator has approved it."},
            status=status.HTTP_201_CREATED,
        )


class CanAdjustStock(permissions.BasePermission):
    def has_permission(self, request, view):
        return request.user.has_perm("catalogue.add_stockmovement")


class PublicationStock(APIView):
    """Record a stock movement (goods in, damaged, correction, return); 409 if stock would go below zero."""

    permission_classes = [permissions.IsAuthenticated, CanAdjustStock]

    @extend_schema(
        request=StockMovementSerializer,
        responses={201: StockMovementSerializer, 409: OpenApiResponse(description="insufficient_stock")},
    )
    def post(self, request, isbn):
        publication = selectors.publication_by_isbn(isbn)
        serializer = StockMovementSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        movement = services.stock_adjust(publication=publication, by=request.user, **serializer.validated_data)
        return Response(StockMovementSerializer(movement).data, status=status.HTTP_201_CREATED)
