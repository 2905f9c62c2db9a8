"""The pipeline: opportunities (leads included), their stage history, quotes, lost
reasons and lead assignment. Every write goes through opportunities.services."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers.models import Customer
from sms.money import ZERO, money
from sms.outbox.models import OutboxMessage


class Stage(models.TextChoices):
    LEAD = "lead", _("Lead")
    QUALIFIED = "qualified", _("Qualified")
    PROPOSAL = "proposal", _("Proposal")
    NEGOTIATION = "negotiation", _("Negotiation")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


OPEN_STAGES = (Stage.LEAD, Stage.QUALIFIED, Stage.PROPOSAL, Stage.NEGOTIATION)
CLOSED_STAGES = (Stage.WON, Stage.LOST)

# Probability (%) a new stage starts with; a rep can change it on the opportunity.
STAGE_PROBABILITY = {
    Stage.LEAD: 10,
    Stage.QUALIFIED: 25,
    Stage.PROPOSAL: 50,
    Stage.NEGOTIATION: 75,
    Stage.WON: 100,
    Stage.LOST: 0,
}


class LostReason(models.Model):
    """The managed list of reasons a deal is lost (price, competitor, timing, ...)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("lost reason")
        verbose_name_plural = _("lost reasons")

    def __str__(self) -> str:
        return self.name


class OpportunityQuerySet(models.QuerySet):
    def open(self):
        return self.filter(stage__in=OPEN_STAGES)


class Opportunity(models.Model):
    title = models.CharField(_("title"), max_length=200)
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="opportunities",
        help_text=_("Empty for a new lead until it is qualified."),
    )
    # A new lead's company and contact, until it becomes a customer.
    lead_company = models.CharField(_("company"), max_length=200, blank=True)
    lead_contact = models.CharField(_("contact name"), max_length=200, blank=True)
    lead_email = models.EmailField(_("contact e-mail"), blank=True)
    lead_phone = models.CharField(_("contact phone"), max_length=32, blank=True)

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="opportunities",
    )
    stage = models.CharField(
        _("stage"), max_length=12, choices=Stage.choices, default=Stage.LEAD
    )
    amount = models.DecimalField(
        _("amount"),
        max_digits=14,
        decimal_places=2,
        default=ZERO,
        validators=[MinValueValidator(ZERO)],
    )
    probability = models.PositiveSmallIntegerField(
        _("probability (%)"),
        default=STAGE_PROBABILITY[Stage.LEAD],
        validators=[MaxValueValidator(100)],
    )
    expected_close_date = models.DateField(_("expected close"), null=True, blank=True)
    source_channel = models.CharField(
        _("source"), max_length=20, choices=Customer.Channel.choices, blank=True
    )
    next_step = models.CharField(_("next step"), max_length=200, blank=True)
    lost_reason = models.ForeignKey(
        LostReason,
        verbose_name=_("lost reason"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="opportunities",
    )
    lost_note = models.CharField(_("lost reason, in words"), max_length=300, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    follow_up_task = models.ForeignKey(
        "customers.Task",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The open follow-up task the stale check created, if any."),
    )
    last_activity_at = models.DateTimeField(_("last activity"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    # Counts saved changes; edit forms carry it so a stale save is refused
    # (sms.concurrency). The database default serves rows COPYed in (sms.bulk).
    version = models.PositiveIntegerField(
        _("version"), default=1, db_default=1, editable=False
    )

    objects = OpportunityQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("opportunity")
        verbose_name_plural = _("opportunities")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=0), name="opportunity_amount_gte_0"
            ),
            models.CheckConstraint(
                condition=Q(probability__lte=100),
                name="opportunity_probability_lte_100",
            ),
            models.CheckConstraint(
                condition=~Q(stage=Stage.LOST)
                | Q(lost_reason__isnull=False)
                | ~Q(lost_note=""),
                name="opportunity_lost_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(customer__isnull=False) | ~Q(lead_company=""),
                name="opportunity_customer_or_lead_company",
            ),
        ]
        indexes = [
            models.Index(fields=["owner", "stage"], name="opp_owner_stage_idx"),
            models.Index(
                fields=["stage", "expected_close_date"], name="opp_stage_close_idx"
            ),
            models.Index(fields=["closed_at"], name="opp_closed_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("opportunities:opportunity-detail", kwargs={"pk": self.pk})

    @property
    def is_open(self) -> bool:
        return self.stage in OPEN_STAGES

    @property
    def company(self) -> str:
        return self.customer.name if self.customer_id else self.lead_company

    @property
    def weighted_amount(self) -> Decimal:
        """Amount x probability, rounded half-up to cents: the rule of
        opportunities.selectors.WEIGHTED, which every weighted pipeline adds up."""
        return money(self.amount * self.probability / 100)


class StageChange(models.Model):
    """One move of an opportunity between stages: who, when, from, to."""

    opportunity = models.ForeignKey(
        Opportunity, on_delete=models.CASCADE, related_name="stage_changes"
    )
    from_stage = models.CharField(
        _("from"), max_length=12, choices=Stage.choices, blank=True
    )
    to_stage = models.CharField(_("to"), max_length=12, choices=Stage.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        ordering = ["opportunity", "created_at", "pk"]
        verbose_name = _("stage change")
        verbose_name_plural = _("stage changes")
        indexes = [
            models.Index(fields=["to_stage", "created_at"], name="stagechange_to_idx"),
            # The pipeline report reads each opportunity's history in time order
            # (time in stage) and looks up the changes in a period.
            models.Index(
                fields=["opportunity", "created_at"], name="stagechange_opp_time_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.opportunity_id}: {self.from_stage or '-'} -> {self.to_stage}"


class Quote(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SENT = "sent", _("Sent")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")
        EXPIRED = "expired", _("Expired")

    number = models.CharField(_("number"), max_length=40, unique=True)
    opportunity = models.ForeignKey(
        Opportunity,
        verbose_name=_("opportunity"),
        on_delete=models.CASCADE,
        related_name="quotes",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    valid_until = models.DateField(_("valid until"))
    notes = models.TextField(_("notes"), blank=True)
    subtotal = models.DecimalField(max_digits=14, decimal_places=2, default=ZERO)
    discount_total = models.DecimalField(max_digits=14, decimal_places=2, default=ZERO)
    net_total = models.DecimalField(max_digits=14, decimal_places=2, default=ZERO)
    tax_total = models.DecimalField(max_digits=14, decimal_places=2, default=ZERO)
    total = models.DecimalField(max_digits=14, decimal_places=2, default=ZERO)
    order = models.OneToOneField(
        "orders.Order",
        verbose_name=_("order"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="quote",
        help_text=_("The draft order made when the quote was accepted."),
    )
    sent_to = models.EmailField(_("sent to"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    decided_at = models.DateTimeField(_("accepted or rejected"), null=True, blank=True)
    # Counts saved changes; edit forms carry it so a stale save is refused
    # (sms.concurrency). The database default serves rows COPYed in (sms.bulk).
    version = models.PositiveIntegerField(
        _("version"), default=1, db_default=1, editable=False
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("quote")
        verbose_name_plural = _("quotes")

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("opportunities:quote-detail", kwargs={"pk": self.pk})


class QuoteLine(models.Model):
    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(default=0)
    product = models.ForeignKey(
        "products.Product", on_delete=models.PROTECT, related_name="quote_lines"
    )
    sku = models.CharField(_("SKU"), max_length=40)
    description = models.CharField(_("description"), max_length=200)
    quantity = models.PositiveIntegerField(_("quantity"))
    unit_price = models.DecimalField(_("unit price"), max_digits=14, decimal_places=4)
    discount_percent = models.DecimalField(
        _("discount (%)"), max_digits=5, decimal_places=2, default=ZERO
    )
    tax_rate = models.DecimalField(
        _("tax rate (%)"), max_digits=5, decimal_places=2, default=ZERO
    )
    net_amount = models.DecimalField(max_digits=14, decimal_places=2, default=ZERO)
    tax_amount = models.DecimalField(max_digits=14, decimal_places=2, default=ZERO)

    class Meta:
        ordering = ["quote", "position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="quoteline_quantity_gt_0"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.sku}"


class QuoteEmail(OutboxMessage):
    """The e-mail that sends a quote to the customer: a use of the outbox
    (sms.outbox), keyed by the event (``quote:<pk>:sent``). The quote page shows
    its status and last error."""

    quote = models.ForeignKey(
        Quote, verbose_name=_("quote"), on_delete=models.CASCADE, related_name="emails"
    )
    to_address = models.EmailField(_("to"))

    class Meta(OutboxMessage.Meta):
        ordering = ["quote", "created_at", "pk"]
        verbose_name = _("quote e-mail")
        verbose_name_plural = _("quote e-mails")

    def __str__(self) -> str:
        return f"{self.quote} to {self.to_address}"


class AssignmentRule(models.TextChoices):
    ROUND_ROBIN = "round_robin", _("Round robin among active reps")
    CUSTOMER_OWNER = "customer_owner", _("The customer's owner, else round robin")


class AssignmentSettings(models.Model):
    """One row: how new leads without an owner are assigned (editable in the admin)."""

    rule = models.CharField(
        _("rule"),
        max_length=20,
        choices=AssignmentRule.choices,
        default=AssignmentRule.CUSTOMER_OWNER,
    )
    last_assigned = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_(
            "Where the round robin stands: the next lead goes to the rep after."
        ),
    )

    class Meta:
        verbose_name = _("lead assignment settings")
        verbose_name_plural = _("lead assignment settings")

    def __str__(self) -> str:
        return str(self.get_rule_display())


class LeadAssignment(models.Model):
    """An audit row: which rep a lead went to, and by which rule."""

    opportunity = models.ForeignKey(
        Opportunity, on_delete=models.CASCADE, related_name="assignments"
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    rule = models.CharField(_("rule"), max_length=20, choices=AssignmentRule.choices)
    reason = models.CharField(_("why"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("lead assignment")
        verbose_name_plural = _("lead assignments")

    def __str__(self) -> str:
        return f"{self.opportunity_id} -> {self.assigned_to_id} ({self.rule})"


class FollowUpDigest(models.Model):
    """The record that a rep's daily follow-up digest went out (one per rep per day),
    so a second run of the daily check the same day sends nothing."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("rep"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    day = models.DateField(_("day"))
    opportunities = models.PositiveIntegerField(_("stale opportunities"), default=0)
    tasks = models.PositiveIntegerField(_("tasks created"), default=0)
    sent_at = models.DateTimeField(_("sent"), default=timezone.now)

    class Meta:
        ordering = ["-day", "user"]
        verbose_name = _("follow-up digest")
        verbose_name_plural = _("follow-up digests")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "day"], name="followupdigest_one_per_user_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.day}"
