"""What the team, pipeline and receivables reports read besides orders: the
opportunities, the customer interactions and the open balances the user may see,
with the report's filters applied. Scoping comes from each app's selectors."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from analytics.periods import Period
from analytics.reports.base import ReportContext
from customers.models import Interaction
from customers.selectors import customer_scope
from opportunities.models import Opportunity
from opportunities.selectors import opportunity_scope
from orders.models import Order
from orders.selectors import order_scope


def period_bounds(period: Period) -> tuple[datetime, datetime]:
    """The period as [first midnight, midnight after the last day) in the local time
    zone, so timestamp columns are compared as ranges and keep their indexes."""
    zone = timezone.get_current_timezone()
    start = datetime.combine(period.start, time.min, tzinfo=zone)
    end = datetime.combine(period.end + timedelta(days=1), time.min, tzinfo=zone)
    return start, end


def in_period(field: str, period: Period) -> Q:
    start, end = period_bounds(period)
    return Q(**{f"{field}__gte": start, f"{field}__lt": end})


def opportunity_channel_q(channel: str) -> Q:
    """An opportunity's channel is its customer's source channel; a lead that has no
    customer yet has only its own source."""
    return Q(customer__source_channel=channel) | Q(
        customer__isnull=True, source_channel=channel
    )


def report_opportunities(ctx: ReportContext) -> QuerySet[Opportunity]:
    """Opportunities the user may see (a rep: their own), filtered by rep (owner),
    region (the customer's) and channel."""
    opportunities = opportunity_scope(user=ctx.user)
    if ctx.rep is not None:
        opportunities = opportunities.filter(owner=ctx.rep)
    if ctx.region:
        opportunities = opportunities.filter(customer__region=ctx.region)
    if ctx.channel:
        opportunities = opportunities.filter(opportunity_channel_q(ctx.channel))
    return opportunities


def report_interactions(ctx: ReportContext) -> QuerySet[Interaction]:
    """Interactions (calls, e-mails, meetings, notes) logged in the period with the
    customers the user may see, filtered by the customer's region and channel."""
    interactions = Interaction.objects.filter(
        in_period("occurred_at", ctx.period),
        customer__in=customer_scope(user=ctx.user),
    )
    return ctx.filtered(interactions, rep="created_by", customer="customer")


def report_open_balances(ctx: ReportContext) -> QuerySet[Order]:
    """Billable orders the user may see with money still owed, whatever their date,
    filtered by rep (the order's owner), region and channel."""
    orders = order_scope(user=ctx.user).billable().filter(amount_paid__lt=F("total"))
    return ctx.filtered(orders, rep="owner", customer="customer")
