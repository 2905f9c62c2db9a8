"""The pipeline in the admin. Writes go through opportunities.services: saving an
opportunity calls opportunity_create / opportunity_update, its stage is read-only and
moves only through the actions (opportunity_move), and the audit rows (stage changes,
lead assignments, digests) are read-only."""

from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from opportunities import services
from opportunities.models import (
    OPEN_STAGES,
    AssignmentSettings,
    FollowUpDigest,
    LeadAssignment,
    LostReason,
    Opportunity,
    Quote,
    QuoteEmail,
    QuoteLine,
    Stage,
    StageChange,
)
from opportunities.services import (
    OPPORTUNITY_FIELDS,
    opportunity_create,
    opportunity_move,
    opportunity_update,
)
from sms.admin import LedgerAdminMixin, ReadOnlyAdminMixin, ReadOnlyInline
from sms.concurrency import VersionedAdminMixin
from sms.outbox.admin import OUTBOX_FIELDS, OutboxAdmin
from sms.roles import SALES_REP

# Pipeline --------------------------------------------------------------------------

FAIRNESS_DAYS = 30


class StageChangeInline(ReadOnlyInline):
    model = StageChange
    fields = ("created_at", "from_stage", "to_stage", "user")
    readonly_fields = fields


class LeadAssignmentInline(ReadOnlyInline):
    model = LeadAssignment
    fields = ("created_at", "assigned_to", "rule", "reason")
    readonly_fields = fields


class LostForm(forms.Form):
    lost_reason = forms.ModelChoiceField(
        label=_("Reason"), queryset=LostReason.objects.filter(is_active=True)
    )
    lost_note = forms.CharField(label=_("In words"), max_length=300, required=False)


def _move_action(stage: str):
    def action(modeladmin, request, queryset):
        moved = 0
        for opportunity in queryset.order_by("pk"):
            try:
                opportunity_move(
                    opportunity=opportunity, to_stage=stage, user=request.user
                )
                moved += 1
            except ValidationError as exc:
                modeladmin.message_user(
                    request, f"{opportunity}: {' '.join(exc.messages)}", messages.ERROR
                )
        if moved:
            modeladmin.message_user(
                request,
                _("%(count)d moved to %(stage)s.")
                % {"count": moved, "stage": Stage(stage).label},
            )

    action.__name__ = f"move_to_{stage}"
    action.short_description = _("Move to %(stage)s") % {"stage": Stage(stage).label}
    action.allowed_permissions = ("change",)
    return action


@admin.register(Opportunity)
class OpportunityAdmin(VersionedAdminMixin, admin.ModelAdmin):
    list_display = (
        "title",
        "company",
        "stage",
        "owner",
        "amount",
        "probability",
        "expected_close_date",
        "source_channel",
        "last_activity_at",
    )
    list_filter = (
        "stage",
        ("owner", admin.RelatedOnlyFieldListFilter),
        "source_channel",
    )
    search_fields = ("title", "lead_company", "lead_contact", "customer__name")
    list_select_related = ("customer", "owner")
    autocomplete_fields = ("customer",)
    date_hierarchy = "created_at"
    fields = (
        "title",
        "customer",
        ("lead_company", "lead_contact"),
        ("lead_email", "lead_phone"),
        "owner",
        "stage",
        ("amount", "probability"),
        "expected_close_date",
        "source_channel",
        "next_step",
        "notes",
        ("lost_reason", "lost_note"),
        "follow_up_task",
        ("last_activity_at", "closed_at"),
        ("created_by", "created_at"),
    )
    readonly_fields = (
        "stage",
        "lost_reason",
        "lost_note",
        "follow_up_task",
        "last_activity_at",
        "closed_at",
        "created_by",
        "created_at",
    )
    inlines = (StageChangeInline, LeadAssignmentInline)
    actions = [
        *(_move_action(stage) for stage in OPEN_STAGES),
        "mark_lost",
    ]

    @admin.display(description=_("company"), ordering="lead_company")
    def company(self, obj: Opportunity) -> str:
        return obj.company

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            fields = {
                name: data[name]
                for name in form.changed_data
                if name in OPPORTUNITY_FIELDS or name == "owner"
            }
            opportunity_update(opportunity=obj, user=request.user, **fields)
            return
        values = {name: data[name] for name in OPPORTUNITY_FIELDS if name in data}
        created = opportunity_create(
            created_by=request.user, owner=data.get("owner"), **values
        )
        # The admin goes on with obj (log entry, redirect): point it at the new row.
        obj.pk = created.pk
        obj._state.adding = False
        obj.owner = created.owner

    @admin.action(description=_("Mark lost…"), permissions=["change"])
    def mark_lost(self, request, queryset):
        form = LostForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            done = 0
            for opportunity in queryset.order_by("pk"):
                try:
                    opportunity_move(
                        opportunity=opportunity,
                        to_stage=Stage.LOST,
                        user=request.user,
                        lost_reason=form.cleaned_data["lost_reason"],
                        lost_note=form.cleaned_data["lost_note"],
                    )
                    done += 1
                except ValidationError as exc:
                    self.message_user(
                        request,
                        f"{opportunity}: {' '.join(exc.messages)}",
                        messages.ERROR,
                    )
            if done:
                self.message_user(
                    request, _("%(count)d marked lost.") % {"count": done}
                )
            return None
        return TemplateResponse(
            request,
            "admin/opportunities/mark_lost.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Mark lost"),
                "opts": self.model._meta,
                "form": form,
                "opportunities": queryset,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            },
        )


@admin.register(LostReason)
class LostReasonAdmin(admin.ModelAdmin):
    list_display = ("name", "is_active", "position")
    list_editable = ("is_active", "position")
    list_filter = ("is_active",)
    search_fields = ("name",)

    def has_delete_permission(self, request, obj=None):
        # A reason in use is kept (PROTECT); deactivate it instead.
        return obj is None or not obj.opportunities.exists()


@admin.register(AssignmentSettings)
class AssignmentSettingsAdmin(admin.ModelAdmin):
    """The one settings row: the rule, where the round robin stands, and how many
    leads each active rep received lately (fairness at a glance)."""

    list_display = ("__str__", "last_assigned")
    fields = ("rule", "last_assigned", "fairness")
    readonly_fields = ("last_assigned", "fairness")

    def has_add_permission(self, request):
        return not AssignmentSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("leads per rep, last 30 days"))
    def fairness(self, obj: AssignmentSettings) -> str:
        since = timezone.now() - timedelta(days=FAIRNESS_DAYS)
        counts = dict(
            LeadAssignment.objects.filter(created_at__gte=since)
            .order_by()
            .values_list("assigned_to")
            .annotate(n=Count("pk"))
        )
        reps = (
            get_user_model()
            .objects.filter(is_active=True, groups__name=SALES_REP)
            .order_by("username")
            .distinct()
        )
        rows = [
            (rep.get_full_name() or rep.username, counts.get(rep.pk, 0)) for rep in reps
        ]
        if not rows:
            return _("No active sales reps.")
        return format_html(
            "<table><tr><th>{}</th><th>{}</th></tr>{}</table>",
            _("Rep"),
            _("Leads"),
            format_html_join("", "<tr><td>{}</td><td>{}</td></tr>", rows),
        )


@admin.register(LeadAssignment)
class LeadAssignmentAdmin(LedgerAdminMixin, admin.ModelAdmin):
    """The audit of lead assignment: who got which lead, by which rule, and why."""

    list_display = ("created_at", "opportunity", "assigned_to", "rule", "reason")
    list_filter = (("assigned_to", admin.RelatedOnlyFieldListFilter), "rule")
    search_fields = ("opportunity__title", "opportunity__lead_company", "reason")
    list_select_related = ("opportunity", "assigned_to")
    date_hierarchy = "created_at"


@admin.register(FollowUpDigest)
class FollowUpDigestAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Which reps got their daily follow-up digest (one row per rep per day)."""

    list_display = ("day", "user", "opportunities", "tasks", "sent_at")
    list_filter = ("day", ("user", admin.RelatedOnlyFieldListFilter))
    date_hierarchy = "day"


# End of pipeline -------------------------------------------------------------------


# Quotes ----------------------------------------------------------------------------


class QuoteLineInline(ReadOnlyInline):
    """A quote's lines: read-only (prices are copied by quote_create/quote_update)."""

    model = QuoteLine
    fields = (
        "position",
        "sku",
        "description",
        "quantity",
        "unit_price",
        "discount_percent",
        "tax_rate",
        "net_amount",
        "tax_amount",
    )
    readonly_fields = fields


class QuoteEmailInline(admin.TabularInline):
    model = QuoteEmail
    extra = 0
    can_delete = False
    fields = ("to_address", "status", "attempts", "last_error", "sent_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


def _quote_action(modeladmin, request, queryset, verb: str, action) -> None:
    done = 0
    for quote in queryset:
        try:
            action(quote=quote, user=request.user)
        except ValidationError as exc:
            modeladmin.message_user(
                request, f"{quote.number}: {' '.join(exc.messages)}", messages.ERROR
            )
        else:
            done += 1
    if done:
        modeladmin.message_user(request, f"{done} quote(s) {verb}.", messages.SUCCESS)


@admin.register(Quote)
class QuoteAdmin(VersionedAdminMixin, admin.ModelAdmin):
    list_display = (
        "number",
        "opportunity",
        "status",
        "total",
        "valid_until",
        "sent_at",
        "order",
    )
    list_filter = ("status", "valid_until", "created_at")
    search_fields = (
        "number",
        "opportunity__title",
        "opportunity__customer__name",
        "opportunity__lead_company",
        "sent_to",
    )
    list_select_related = ("opportunity", "order")
    date_hierarchy = "created_at"
    fields = (
        "number",
        "opportunity",
        "status",
        "valid_until",
        "notes",
        ("subtotal", "discount_total", "net_total", "tax_total", "total"),
        ("sent_at", "sent_to"),
        "decided_at",
        "order",
        "created_by",
        "created_at",
    )
    readonly_fields = tuple(
        name
        for name in (
            "number",
            "opportunity",
            "status",
            "valid_until",
            "subtotal",
            "discount_total",
            "net_total",
            "tax_total",
            "total",
            "sent_at",
            "sent_to",
            "decided_at",
            "order",
            "created_by",
            "created_at",
        )
    )
    inlines = (QuoteLineInline, QuoteEmailInline)
    actions = ("send", "reject")

    def has_add_permission(self, request):
        # Quotes are made on the opportunity page, which copies the prices.
        return False

    @admin.action(description="Send to the customer", permissions=["change"])
    def send(self, request, queryset):
        _quote_action(self, request, queryset, "sent", services.quote_send)

    @admin.action(description="Mark rejected", permissions=["change"])
    def reject(self, request, queryset):
        _quote_action(self, request, queryset, "rejected", services.quote_reject)


@admin.register(QuoteEmail)
class QuoteEmailAdmin(OutboxAdmin):
    list_display = ("quote", "to_address", "status", "attempts", "created_at")
    search_fields = ("quote__number", "to_address")
    list_select_related = ("quote",)
    fields = ("quote", "to_address", *OUTBOX_FIELDS)


# End of quotes
