"""Every write to the pipeline: opportunities and their stage moves, lead
qualification and assignment, quotes and their acceptance into orders.

Stages: lead -> qualified -> proposal -> negotiation -> won / lost. Any open stage
can move to any other stage (reps skip steps); a lost deal can be reopened, a won
one cannot (it has become an order). Every move is one StageChange row (who, when,
from, to). Moving to lost needs a reason: one from the managed list, or words.
Qualifying a lead that has no customer yet makes the customer (and its contact)
through customers.services.
"""

from collections.abc import Iterable
from datetime import date

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.services import contact_save, customer_create
from inventory.models import Warehouse
from opportunities.models import (
    CLOSED_STAGES,
    OPEN_STAGES,
    STAGE_PROBABILITY,
    AssignmentRule,
    AssignmentSettings,
    LeadAssignment,
    LostReason,
    Opportunity,
    Quote,
    QuoteLine,
    Stage,
    StageChange,
)
from orders.pricing import order_amounts
from orders.services import LineInput, lines_price, lines_summary, order_create
from sms.concurrency import version_claim
from sms.money import ZERO, money
from sms.numbering import number_next
from sms.roles import SALES_REP

QUOTE_PREFIX = "QT"
OPPORTUNITY_FIELDS = {
    "title",
    "customer",
    "lead_company",
    "lead_contact",
    "lead_email",
    "lead_phone",
    "amount",
    "probability",
    "expected_close_date",
    "source_channel",
    "next_step",
    "notes",
}


def _touch(opportunity: Opportunity) -> None:
    """Record activity now (the stale-opportunity check reads it)."""
    opportunity.last_activity_at = timezone.now()


# Lead assignment -------------------------------------------------------------------


def _active_reps() -> list:
    return list(
        get_user_model()
        .objects.filter(is_active=True, groups__name=SALES_REP)
        .order_by("pk")
        .distinct()
    )


def _round_robin(settings_row: AssignmentSettings, reps: list):
    last = settings_row.last_assigned_id
    after = [rep for rep in reps if last is None or rep.pk > last]
    return (after or reps)[0]


@transaction.atomic
def lead_assign(*, opportunity: Opportunity) -> LeadAssignment:
    """Give an unowned opportunity an owner by the configured rule, and record why.

    The settings row is locked, so two leads arriving together never go to the same
    rep by accident of timing; inactive users and non-reps are never chosen.
    """
    settings_row = AssignmentSettings.objects.select_for_update().first()
    if settings_row is None:
        AssignmentSettings.objects.create()
        settings_row = AssignmentSettings.objects.select_for_update().get()
    rule = settings_row.rule
    reps = _active_reps()
    owner, reason = None, ""
    if rule == AssignmentRule.CUSTOMER_OWNER and opportunity.customer_id:
        candidate = opportunity.customer.owner
        if candidate.is_active and candidate in reps:
            owner, reason = candidate, _("owns the customer")
    if owner is None:
        if not reps:
            raise ValidationError(_("There is no active sales rep to assign leads to."))
        owner = _round_robin(settings_row, reps)
        reason = _("next in the round robin")
        settings_row.last_assigned = owner
        settings_row.save(update_fields=["last_assigned"])
        rule_used = AssignmentRule.ROUND_ROBIN
    else:
        rule_used = AssignmentRule.CUSTOMER_OWNER
    opportunity.owner = owner
    opportunity.save(update_fields=["owner"])
    return LeadAssignment.objects.create(
        opportunity=opportunity, assigned_to=owner, rule=rule_used, reason=reason
    )


# Opportunities ---------------------------------------------------------------------


@transaction.atomic
def opportunity_create(
    *,
    title: str,
    created_by: AbstractBaseUser | None,
    owner: AbstractBaseUser | None = None,
    stage: str = Stage.LEAD,
    **fields,
) -> Opportunity:
    """A new opportunity (a lead when it has no customer). Without an owner it is
    assigned by the lead assignment rule."""
    if stage not in OPEN_STAGES:
        raise ValidationError(_("A new opportunity starts in an open stage."))
    values = {k: v for k, v in fields.items() if k in OPPORTUNITY_FIELDS}
    if values.get("probability") is None:
        values["probability"] = STAGE_PROBABILITY[stage]
    opportunity = Opportunity(
        title=title, owner=owner, stage=stage, created_by=created_by, **values
    )
    opportunity.full_clean(exclude=["owner", "follow_up_task"])
    opportunity.save()
    StageChange.objects.create(
        opportunity=opportunity, from_stage="", to_stage=stage, user=created_by
    )
    if owner is None:
        lead_assign(opportunity=opportunity)
    if stage != Stage.LEAD and not opportunity.customer_id:
        _lead_convert(opportunity=opportunity, user=created_by)
    return opportunity


@transaction.atomic
def opportunity_update(
    *,
    opportunity: Opportunity,
    user: AbstractBaseUser | None,
    version: int | None = None,
    **fields,
) -> Opportunity:
    """Change an opportunity's details (not its stage: see opportunity_move). With
    the ``version`` the edit form was read at, a stale save raises StaleEdit."""
    opportunity = Opportunity.objects.select_for_update().get(pk=opportunity.pk)
    changed = [k for k in fields if k in OPPORTUNITY_FIELDS]
    version_claim(
        instance=opportunity,
        version=version,
        submitted={k: v for k, v in fields.items() if k in (*changed, "owner")},
    )
    for name in changed:
        setattr(opportunity, name, fields[name])
    if "owner" in fields and fields["owner"] is not None:
        opportunity.owner = fields["owner"]
        changed.append("owner")
    _touch(opportunity)
    opportunity.full_clean(exclude=["follow_up_task"])
    opportunity.save(update_fields=[*changed, "last_activity_at"])
    return opportunity


def _lead_convert(*, opportunity: Opportunity, user) -> None:
    """A qualified lead becomes a customer (and its contact), owned by its owner."""
    if opportunity.customer_id:
        return
    customer = customer_create(
        owner=opportunity.owner,
        name=opportunity.lead_company,
        email=opportunity.lead_email,
        phone=opportunity.lead_phone,
        source_channel=opportunity.source_channel or "other",
    )
    if opportunity.lead_contact:
        contact_save(
            customer=customer,
            name=opportunity.lead_contact,
            email=opportunity.lead_email,
            phone=opportunity.lead_phone,
            is_primary=True,
        )
    opportunity.customer = customer
    opportunity.save(update_fields=["customer"])


@transaction.atomic
def opportunity_move(
    *,
    opportunity: Opportunity,
    to_stage: str,
    user: AbstractBaseUser | None,
    lost_reason: LostReason | None = None,
    lost_note: str = "",
    probability: int | None = None,
) -> Opportunity:
    """Move to another stage and record it. Lost needs a reason; won and lost set
    the close date; reopening a lost deal clears it. Moving to the same stage does
    nothing."""
    opportunity = (
        Opportunity.objects.select_for_update(of=("self",))
        .select_related("customer")
        .get(pk=opportunity.pk)
    )
    if to_stage not in Stage.values:
        raise ValidationError(_("Unknown stage."))
    current = opportunity.stage
    if to_stage == current:
        return opportunity
    if current == Stage.WON:
        raise ValidationError(_("A won opportunity stays won."))
    fields = ["stage", "probability", "closed_at", "last_activity_at", "version"]
    # Locked: an edit form opened before the move is refused (sms.concurrency).
    opportunity.version += 1
    if to_stage == Stage.LOST:
        lost_note = (lost_note or "").strip()
        if lost_reason is None and not lost_note:
            raise ValidationError(
                {"lost_reason": _("Say why the opportunity was lost.")}
            )
        opportunity.lost_reason = lost_reason
        opportunity.lost_note = lost_note[:300]
        fields += ["lost_reason", "lost_note"]
    elif current == Stage.LOST:
        opportunity.lost_reason, opportunity.lost_note = None, ""
        fields += ["lost_reason", "lost_note"]
    if to_stage not in (Stage.LEAD, Stage.LOST) and not opportunity.customer_id:
        _lead_convert(opportunity=opportunity, user=user)
    opportunity.stage = to_stage
    opportunity.probability = (
        STAGE_PROBABILITY[to_stage] if probability is None else probability
    )
    opportunity.closed_at = timezone.now() if to_stage in CLOSED_STAGES else None
    _touch(opportunity)
    opportunity.save(update_fields=fields)
    StageChange.objects.create(
        opportunity=opportunity, from_stage=current, to_stage=to_stage, user=user
    )
    return opportunity


# Quotes --------------------------------------------------------------------------


def _quote_lines_write(*, quote: Quote, lines: Iterable[LineInput]) -> None:
    priced = lines_price(lines=lines)
    rows = [QuoteLine(quote=quote, **p.stored_fields()) for p in priced]
    amounts = [p.amounts for p in priced]
    totals = order_amounts(lines=amounts, shipping=ZERO)
    quote.lines.all().delete()
    QuoteLine.objects.bulk_create(rows)
    quote.subtotal = totals.subtotal
    quote.discount_total = totals.discount
    quote.net_total = totals.net
    quote.tax_total = totals.tax
    quote.total = money(totals.total)
    quote.save(
        update_fields=["subtotal", "discount_total", "net_total", "tax_total", "total"]
    )


@transaction.atomic
def quote_create(
    *,
    opportunity: Opportunity,
    lines: Iterable[LineInput],
    valid_until: date,
    created_by: AbstractBaseUser | None,
    notes: str = "",
) -> Quote:
    opportunity = Opportunity.objects.select_for_update().get(pk=opportunity.pk)
    if not opportunity.is_open:
        raise ValidationError(_("Quotes are made on open opportunities."))
    today = timezone.localdate()
    if valid_until < today:
        raise ValidationError({"valid_until": _("The validity date has passed.")})
    number = number_next(
        prefix=QUOTE_PREFIX,
        year=today.year,
        taken=lambda n: Quote.objects.filter(number=n).exists(),
    )
    quote = Quote.objects.create(
        number=number,
        opportunity=opportunity,
        valid_until=valid_until,
        notes=notes,
        created_by=created_by,
    )
    _quote_lines_write(quote=quote, lines=lines)
    _touch(opportunity)
    opportunity.save(update_fields=["last_activity_at"])
    return quote


@transaction.atomic
def quote_update(
    *,
    quote: Quote,
    lines: Iterable[LineInput],
    valid_until: date,
    user: AbstractBaseUser | None,
    notes: str = "",
    version: int | None = None,
) -> Quote:
    """Change a draft quote and replace its lines. With the ``version`` the edit
    form was read at, a save over someone else's newer change raises StaleEdit."""
    quote = Quote.objects.select_for_update().get(pk=quote.pk)
    if quote.status != Quote.Status.DRAFT:
        raise ValidationError(_("Only a draft quote can be changed."))
    _check_open(quote)
    lines = list(lines)
    version_claim(
        instance=quote,
        version=version,
        submitted={
            "valid_until": valid_until,
            "notes": notes,
            _("Lines"): lines_summary(lines),
        },
        current=lambda: {
            _("Lines"): lines_summary(
                quote.lines.select_related("product").order_by("position", "pk")
            )
        },
    )
    quote.valid_until, quote.notes = valid_until, notes
    quote.save(update_fields=["valid_until", "notes"])
    _quote_lines_write(quote=quote, lines=lines)
    return quote


def _check_open(quote: Quote) -> None:
    stage = Opportunity.objects.values_list("stage", flat=True).get(
        pk=quote.opportunity_id
    )
    if stage in CLOSED_STAGES:
        raise ValidationError(
            _("The opportunity is closed; reopen it to change or send its quotes.")
        )


def _default_warehouse() -> Warehouse:
    warehouse = Warehouse.objects.filter(is_active=True).order_by("code").first()
    if warehouse is None:
        raise ValidationError(
            _("There is no active warehouse to ship from."),
            code="no_active_warehouse",
        )
    return warehouse


@transaction.atomic
def quote_accept(
    *, quote: Quote, user: AbstractBaseUser | None, warehouse: Warehouse | None = None
):
    """The customer said yes: the quote is accepted, the opportunity won, and a
    draft order with the same lines is made through orders.services. Accepting an
    accepted quote returns its order; it never makes a second one."""
    # No joins here: after waiting for the lock, PostgreSQL re-reads only the
    # locked row, so joined rows (the order another accept just made, the
    # opportunity) would be stale. They are read after the lock instead.
    quote = Quote.objects.select_for_update().get(pk=quote.pk)
    if quote.status == Quote.Status.ACCEPTED:
        return quote.order
    if quote.status not in (Quote.Status.DRAFT, Quote.Status.SENT):
        raise ValidationError(
            _("A %(status)s quote cannot be accepted.")
            % {"status": quote.get_status_display().lower()}
        )
    if quote.valid_until < timezone.localdate():
        raise ValidationError(_("This quote has expired; make a new one."))
    # Locked (quote first, then opportunity): two quotes of one opportunity
    # accepted together must not make two orders.
    opportunity = Opportunity.objects.select_for_update().get(pk=quote.opportunity_id)
    if opportunity.stage == Stage.LOST:
        raise ValidationError(_("The opportunity is lost; reopen it first."))
    if opportunity.quotes.filter(status=Quote.Status.ACCEPTED).exists():
        raise ValidationError(
            _("Another quote of this opportunity has been accepted already.")
        )
    opportunity = opportunity_move(
        opportunity=opportunity, to_stage=Stage.WON, user=user
    )
    lines = [
        LineInput(
            product=line.product,
            quantity=line.quantity,
            unit_price=line.unit_price,
            discount_percent=line.discount_percent,
        )
        for line in quote.lines.select_related("product").order_by("position", "pk")
    ]
    order = order_create(
        customer=opportunity.customer,
        warehouse=warehouse or _default_warehouse(),
        lines=lines,
        created_by=user,
        owner=opportunity.owner,
        notes=_("From quote %(number)s (%(title)s).")
        % {"number": quote.number, "title": opportunity.title},
    )
    quote.status = Quote.Status.ACCEPTED
    quote.decided_at = timezone.now()
    quote.order = order
    quote.save(update_fields=["status", "decided_at", "order"])
    Opportunity.objects.filter(pk=opportunity.pk).update(
        amount=quote.net_total, version=F("version") + 1
    )
    return order


@transaction.atomic
def quote_reject(*, quote: Quote, user: AbstractBaseUser | None) -> Quote:
    quote = Quote.objects.select_for_update().get(pk=quote.pk)
    if quote.status not in (Quote.Status.DRAFT, Quote.Status.SENT):
        raise ValidationError(_("Only a draft or sent quote can be rejected."))
    quote.status = Quote.Status.REJECTED
    quote.decided_at = timezone.now()
    quote.save(update_fields=["status", "decided_at"])
    return quote


def quotes_expire(*, today: date | None = None) -> int:
    """Mark draft and sent quotes past their validity date expired (daily)."""
    today = today or timezone.localdate()
    return Quote.objects.filter(
        status__in=[Quote.Status.DRAFT, Quote.Status.SENT], valid_until__lt=today
    ).update(status=Quote.Status.EXPIRED)


# Sending quotes --------------------------------------------------------------------


@transaction.atomic
def quote_send(*, quote: Quote, user: AbstractBaseUser | None) -> Quote:
    """E-mail a draft quote to the customer (its e-mail, else its primary contact's,
    else a lead's), with the PDF attached. The quote becomes sent (when, to whom);
    the e-mail is an outbox row sent after commit by a task, once.

    Sending a sent quote whose e-mail failed for good tries that e-mail again.
    """
    from opportunities.emails import quote_email_queue, quote_recipient
    from opportunities.models import QuoteEmail
    from sms.outbox.services import outbox_retry

    quote = (
        Quote.objects.select_for_update(of=("self",))
        .select_related("opportunity__customer")
        .get(pk=quote.pk)
    )
    if quote.status == Quote.Status.SENT:
        failed = quote.emails.filter(status=QuoteEmail.Status.FAILED).last()
        if failed is None:
            raise ValidationError(_("This quote has already been sent."))
        outbox_retry(message=failed)
        return quote
    if quote.status != Quote.Status.DRAFT:
        raise ValidationError(_("Only a draft quote can be sent."))
    _check_open(quote)
    if quote.valid_until < timezone.localdate():
        raise ValidationError(_("This quote has expired; make a new one."))
    to_address = quote_recipient(quote)
    if not to_address:
        raise ValidationError(
            _(
                "The customer has no e-mail address; add one to the customer or "
                "a contact first."
            )
        )
    quote.status = Quote.Status.SENT
    quote.sent_at = timezone.now()
    quote.sent_to = to_address
    quote.save(update_fields=["status", "sent_at", "sent_to"])
    Opportunity.objects.filter(pk=quote.opportunity_id).update(
        last_activity_at=quote.sent_at
    )
    quote_email_queue(quote=quote, to_address=to_address)
    return quote
