"""The staff's tool: publications with their price history and stock ledger, topics, comments."""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Case, F, Subquery, Value, When
from django.http import HttpResponseBadRequest, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.template.defaultfilters import linebreaksbr
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import url_has_allowed_host_and_scheme
from import_export.admin import ImportExportModelAdmin

from shop import spreadsheets

from . import selectors, services
from .cache import catalogue_changed
from .errors import InsufficientStock
from .forms import LinesField
from .models import Comment, PriceChange, Publication, StockMovement, Topic
from .pages import PageError, parse_files
from .resources import FILE_FORMATS, PublicationResource


class PublicationForm(forms.ModelForm):
    key_findings = LinesField(required=False, help_text="One finding per line, in order.")
    authors = LinesField(required=False, help_text="One author per line, in order.")

    class Meta:
        model = Publication
        fields = "__all__"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PagesField(forms.FileField):
    """One or more files chosen together."""

    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = [file for file in (data if isinstance(data, (list, tuple)) else [data]) if file]
        if not files:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        return [super(PagesField, self).clean(file, initial) for file in files]


class PagesImportForm(forms.Form):
    files = PagesField(
        label="Pages",
        help_text="One or more .txt files, each a publication page as the old website shows it.",
        widget=MultipleFileInput(attrs={"accept": ".txt,text/plain"}),
    )


class ChangesCatalogue:
    """Admin edits that bypass the services still change what readers see."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        catalogue_changed()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        catalogue_changed()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        catalogue_changed()


class LowStockFilter(admin.SimpleListFilter):
    title = "stock level"
    parameter_name = "stock_level"

    def lookups(self, request, model_admin):
        return [("low", "Low (at or under reorder level)"), ("out", "Out of stock")]

    def queryset(self, request, queryset):
        if self.value() == "low":
            return queryset.filter(stock__lte=F("reorder_level"))
        if self.value() == "out":
            return queryset.filter(stock=0)
        return queryset


class PriceHistoryInline(admin.TabularInline):
    model = PriceChange
    verbose_name_plural = "price history"
    fields = readonly_fields = ["changed_at", "old_price", "new_price", "changed_by"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class StockLedgerInline(admin.TabularInline):
    """The latest movements; the stock movements list holds the whole ledger."""

    SHOWN = 50
    model = StockMovement
    verbose_name_plural = f"stock ledger (latest {SHOWN})"
    fields = readonly_fields = ["created_at", "delta", "reason", "stock_after", "note", "order_number", "created_by"]
    extra = 0
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("created_by")

    def latest_for(self, request, publication):
        latest = publication.stock_movements.order_by("-created_at", "-id").values("pk")[: self.SHOWN]
        return self.get_queryset(request).filter(pk__in=Subquery(latest))

    def has_add_permission(self, request, obj=None):
        return False


class StockMovementForm(forms.ModelForm):
    # The first reason is what the page shows selected: an untouched row is then unchanged and
    # skipped, rather than an empty movement asking for its delta whenever the page is saved.
    reason = forms.ChoiceField(
        choices=[(r.value, r.label) for r in StockMovement.STAFF_REASONS], initial=StockMovement.STAFF_REASONS[0].value
    )

    class Meta:
        model = StockMovement
        fields = ["delta", "reason", "note"]

    def clean(self):
        cleaned = super().clean()
        if "delta" in cleaned and "reason" in cleaned:
            StockMovement.check_direction(reason=cleaned["reason"], delta=cleaned["delta"])
            available = self.instance.publication.stock if self.instance.publication_id else 0
            if available + cleaned["delta"] < 0:
                raise forms.ValidationError({"delta": f"Only {available} copies are in stock."})
        return cleaned


class AddStockMovementInline(admin.TabularInline):
    """One empty row on the publication page to record goods in, damage, a correction or a return."""

    model = StockMovement
    form = StockMovementForm
    verbose_name = "stock movement"
    verbose_name_plural = "add a stock movement"
    extra = 1
    max_num = 1
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).none()

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Publication)
class PublicationAdmin(ChangesCatalogue, ImportExportModelAdmin):
    form = PublicationForm
    resource_classes = [PublicationResource]
    formats = list(FILE_FORMATS.values())
    list_display = ["title", "isbn_display", "price", "on_sale", "stock", "reorder_level", "published"]
    list_display_links = ["title"]
    list_editable = ["price", "on_sale"]
    list_filter = ["topics", "on_sale", LowStockFilter, "published"]
    search_fields = ["title", "subtitle"]
    search_help_text = "Words of the title, subtitle, authors, summary or findings, or an ISBN in any format (ISBN-10 or -13, with or without hyphens)."
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["stock", "held", "ledger_link", "created", "updated"]
    filter_horizontal = ["topics"]
    date_hierarchy = "published"
    inlines = [AddStockMovementInline, StockLedgerInline, PriceHistoryInline]
    fieldsets = [
        (None, {"fields": ["isbn", "title", "subtitle", "slug", "authors", "topics", "published", "pages", "cover"]}),
        ("Sale", {"fields": ["price", "on_sale", "stock", "held", "reorder_level", "ledger_link"]}),
        ("Content", {"fields": ["summary", "key_findings", "policy_implications"]}),
        ("Record", {"fields": ["created", "updated"], "classes": ["collapse"]}),
    ]

    @admin.display(description="ISBN", ordering="isbn")
    def isbn_display(self, publication):
        return publication.isbn_display

    @admin.display(description="full ledger")
    def ledger_link(self, publication):
        if not publication.pk:
            return "-"
        url = reverse("admin:catalogue_stockmovement_changelist") + f"?publication__id__exact={publication.pk}"
        return format_html('<a href="{}">All stock movements</a>', url)

    change_list_template = "admin/catalogue/publication/change_list.html"
    import_template_name = "admin/catalogue/publication/import.html"
    export_template_name = "admin/catalogue/publication/export.html"

    def import_action(self, request, **kwargs):
        """django-import-export's import, with a file whose rows had errors kept (where a good
        one waits for its confirmation) so that staff can try it again after putting right in
        the shop what the errors name, without choosing it again."""
        kept, kept_name = request.POST.get("kept_file", ""), request.POST.get("kept_file_name", "")
        if request.method == "POST" and kept and not request.FILES.get("import_file"):
            data = self.get_tmp_storage_class()(name=kept).read()
            if data is not None:
                request.FILES["import_file"] = SimpleUploadedFile(kept_name or "catalogue", data)
        response = super().import_action(request, **kwargs)
        context = getattr(response, "context_data", None) or {}
        form, result = context.get("form"), context.get("result")
        upload = getattr(form, "cleaned_data", {}).get("import_file") if form is not None else None
        if result is not None and "confirm_form" not in context and getattr(upload, "tmp_storage_name", None):
            context["kept_file"] = {"name": upload.tmp_storage_name, "file_name": upload.name}
        return response

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("import-pages/", view(self.import_pages_view), name="catalogue_publication_import_pages"),
            path("low-stock/", view(self.low_stock_view), name="catalogue_publication_low_stock"),
        ] + super().get_urls()

    LOW_STOCK_COLUMNS = ["Title", "ISBN", "Copies", "Reorder level", "Sold in the last days", "Sold per day", "Days left"]

    def low_stock_view(self, request):
        """Titles at or below their reorder level, those running out soonest first (the daily
        digest's list), as a page or, with ?format=csv, a file."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        publications = selectors.publications_low_on_stock()
        if request.GET.get("format") == "csv":
            rows = [
                [p.title, p.isbn_display, p.stock, p.reorder_level, p.sold, f"{p.per_day:.2f}", "" if p.days_left is None else p.days_left]
                for p in publications
            ]  # fmt: skip
            return spreadsheets.csv_response("low-stock.csv", [self.LOW_STOCK_COLUMNS, *rows])
        context = {
            **self.admin_site.each_context(request), "title": "Titles running low", "opts": self.model._meta,
            "publications": publications, "sales_days": settings.STOCK_SALES_DAYS,
        }  # fmt: skip
        return TemplateResponse(request, "admin/catalogue/publication/low_stock.html", context)

    def has_import_pages_permission(self, request):
        # The comments arrive approved: whoever imports them must be allowed to moderate too.
        return (
            self.has_add_permission(request)
            and self.has_change_permission(request)
            and request.user.has_perm("catalogue.change_comment")
        )

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "has_import_pages_permission": self.has_import_pages_permission(request)}
        return super().changelist_view(request, extra_context)

    def import_pages_view(self, request):
        """manage.py import_pages, from the admin: all files or none, each problem with its file and line."""
        if not self.has_import_pages_permission(request):
            raise PermissionDenied
        form = PagesImportForm(request.POST, request.FILES) if request.method == "POST" else PagesImportForm()
        problems = []
        if request.method == "POST" and form.is_valid():
            pages, problems = parse_files((upload.name, upload.size, upload.read) for upload in form.cleaned_data["files"])
            if not problems:
                try:
                    imported = services.pages_import(pages=pages, by=request.user)
                except PageError as error:
                    problems.append(str(error))
                else:
                    self.message_user(
                        request,
                        f"Imported {len(pages)} page(s): {imported.publications_new} new and "
                        f"{imported.publications_updated} updated publication(s), {imported.comments_new} new and "
                        f"{imported.comments_updated} updated comment(s); the rest unchanged.",
                        messages.SUCCESS,
                    )
                    return redirect("admin:catalogue_publication_changelist")
        context = {
            **self.admin_site.each_context(request),
            "title": "Import publication pages",
            "form": form,
            "problems": problems,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/catalogue/publication/import_pages.html", context)

    def get_formset_kwargs(self, request, obj, inline, prefix):
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        if isinstance(inline, StockLedgerInline) and obj is not None and obj.pk:
            kwargs["queryset"] = inline.latest_for(request, obj)
        return kwargs

    def get_search_results(self, request, queryset, search_term):
        return selectors.publication_search(queryset, search_term), False

    def save_model(self, request, obj, form, change):
        services.publication_save(publication=obj, by=request.user)

    def save_formset(self, request, form, formset, change):
        if formset.model is not StockMovement:
            return super().save_formset(request, form, formset, change)
        # New movements go through the ledger service instead of formset.save(); the admin's
        # change message still reads what the formset added.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for movement_form in formset.forms:
            data = movement_form.cleaned_data
            if not data or not movement_form.has_changed():
                continue
            try:
                movement = services.stock_adjust(
                    publication=form.instance,
                    delta=data["delta"],
                    reason=data["reason"],
                    note=data["note"],
                    by=request.user,
                )
            except InsufficientStock as error:
                messages.error(request, f"Stock not changed: {error.message}")
            else:
                formset.new_objects.append(movement)


@admin.register(StockMovement)
class StockMovementAdmin(admin.ModelAdmin):
    """The whole ledger, read-only: movements are added from the publication page."""

    list_display = ["created_at", "publication", "delta", "reason", "stock_after", "order_number", "created_by", "note"]
    list_filter = ["reason", "created_at"]
    list_select_related = ["publication", "created_by"]
    search_fields = ["publication__title", "publication__isbn", "order_number", "note"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Topic)
class TopicAdmin(ChangesCatalogue, admin.ModelAdmin):
    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]


@admin.register(Comment)
class CommentAdmin(ChangesCatalogue, admin.ModelAdmin):
    """Moderation in one place: comments awaiting it come first, each with its whole text and
    its own Approve and Reject buttons, in the list and on its page."""

    # One wide column for who wrote what where, so the whole text wraps within the page at 1280 px.
    list_display = ["number", "status", "text", "moderate"]
    list_display_links = ["number"]
    list_filter = ["status", "created"]
    list_select_related = ["publication"]
    search_fields = ["=number", "name", "email", "organisation", "body", "publication__title"]
    # Status changes only through moderation (the buttons and the actions), which records who moderated.
    readonly_fields = ["number", "publication", "status", "ip_address", "created", "moderated_at", "moderated_by"]
    # The comment's page has its Approve and Reject buttons above it, in forms of their own (inside
    # the page's form, Enter in a field would press the first of them instead of Save).
    change_form_template = "admin/catalogue/comment/change_form.html"
    actions = ["approve", "reject"]
    class Media:
        css = {"all": ["catalogue/comments-admin.css"]}

    # Awaiting moderation first; the newest first within each.
    ordering = [Case(When(status=Comment.Status.PENDING, then=Value(0)), default=Value(1)), "-created", "-number"]

    @admin.display(description="comment")
    def text(self, comment):
        who = ", ".join(part for part in (comment.name, comment.job_title, comment.organisation) if part)
        when = f", {comment.created:%-d %b %Y}" if comment.created else ""
        return format_html(
            '<div class="comment-text"><strong>{}</strong> on <em>{}</em>{}<br>{}</div>', who, comment.publication.title, when,
            linebreaksbr(comment.body),
        )  # fmt: skip

    @admin.display(description="moderate")
    def moderate(self, comment):
        """Buttons that post the list's form to the moderation view: no script, so nothing for
        the content security policy to block (the list's first button stays the actions' Go)."""
        url = reverse("admin:catalogue_comment_moderate", args=[comment.pk])
        buttons = [
            format_html('<button type="submit" class="button" formaction="{}" formmethod="post" name="status" value="{}">{}</button>', url, status, label)
            for status, label in self.moderation_choices(comment)
        ]  # fmt: skip
        return format_html_join(" ", "{}", ((button,) for button in buttons))

    def get_urls(self):
        return [
            path("<int:comment_id>/moderate/", self.admin_site.admin_view(self.moderate_view), name="catalogue_comment_moderate"),
        ] + super().get_urls()

    @staticmethod
    def moderation_choices(comment) -> list[tuple[str, str]]:
        """The buttons a comment gets: Approve unless approved, Reject unless rejected."""
        choices = ((Comment.Status.APPROVED, "Approve"), (Comment.Status.REJECTED, "Reject"))
        return [(status, label) for status, label in choices if comment.status != status]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        comment = self.get_object(request, object_id)
        allowed = comment is not None and self.has_change_permission(request, comment)
        extra = {**(extra_context or {}), "moderation": self.moderation_choices(comment) if allowed else []}
        return super().change_view(request, object_id, form_url, extra_context=extra)

    def moderate_view(self, request, comment_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_change_permission(request):
            raise PermissionDenied
        comment = get_object_or_404(Comment, pk=comment_id)
        status = request.POST.get("status")
        if status not in (Comment.Status.APPROVED, Comment.Status.REJECTED):
            return HttpResponseBadRequest("Approve or reject.")
        services.comments_moderate(comments=Comment.objects.filter(pk=comment.pk), status=status, by=request.user)
        self.message_user(request, f"Comment #{comment.number} by {comment.name} {Comment.Status(status).label.lower()}.", messages.SUCCESS)
        back = request.META.get("HTTP_REFERER", "")
        if url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
            return redirect(back)
        return redirect("admin:catalogue_comment_changelist")

    @admin.action(description="Approve selected comments", permissions=["change"])
    def approve(self, request, queryset):
        count = services.comments_moderate(comments=queryset, status=Comment.Status.APPROVED, by=request.user)
        self.message_user(request, f"{count} comment(s) approved.", messages.SUCCESS)

    @admin.action(description="Reject selected comments", permissions=["change"])
    def reject(self, request, queryset):
        count = services.comments_moderate(comments=queryset, status=Comment.Status.REJECTED, by=request.user)
        self.message_user(request, f"{count} comment(s) rejected.", messages.SUCCESS)

    def has_add_permission(self, request):
        return False
