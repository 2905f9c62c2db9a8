"""The weighted pipeline page's chart: every month from the first to the last, empty
ones at zero, so the bars are evenly spaced in time; whole-number ticks; no chart
when every figure is zero."""

from datetime import date
from decimal import Decimal

import pytest
from dateutil.relativedelta import relativedelta
from django.urls import reverse
from django.utils import timezone

from opportunities.models import Opportunity
from opportunities.selectors import weighted_pipeline
from tests.analytics.report_checks import bars
from tests.analytics.svg import svgs, tick_labels
from tests.opportunities.factories import opportunity
from tests.sms.factories import RepFactory

pytestmark = pytest.mark.django_db
D = Decimal
URL = reverse("opportunities:pipeline")


def _month(offset: int) -> date:
    return timezone.localdate().replace(day=1) + relativedelta(months=offset)


def test_months_without_figures_are_listed_at_zero():
    rep = RepFactory()
    opportunity(owner=rep, amount=D("1000.00"), expected_close_date=_month(1))
    opportunity(owner=rep, amount=D("500.00"), expected_close_date=_month(5))
    rows = weighted_pipeline(queryset=Opportunity.objects.all())
    assert [row["month"] for row in rows] == [_month(n) for n in range(1, 6)]
    assert [row["weighted"] for row in rows] == [
        D("100.00"),  # 10 % at lead
        D("0.00"),
        D("0.00"),
        D("0.00"),
        D("50.00"),
    ]
    empty = rows[2]
    assert (empty["count"], empty["amount"], empty["won"], empty["by_rep"]) == (
        0,
        D("0.00"),
        D("0.00"),
        {},
    )
    assert weighted_pipeline(queryset=Opportunity.objects.none()) == []


def test_the_page_draws_every_month_evenly_spaced(manager_client):
    rep = RepFactory()
    opportunity(owner=rep, amount=D("1000.00"), expected_close_date=_month(1))
    opportunity(owner=rep, amount=D("10.00"), expected_close_date=_month(4))
    response = manager_client.get(URL)
    page = response.content.decode()
    months = [f"{_month(n):%Y-%m}" for n in range(1, 5)]
    assert [f"{row['month']:%Y-%m}" for row in response.context["months"]] == months
    for month in months:
        assert f'data-month="{month}"' in page
    # One bar per month in each series, the empty months included.
    assert bars(page, 0) == 4 and bars(page, 1) == 4
    (svg,) = svgs(page)
    assert tick_labels(svg, 1) == [f"{_month(n):%b %Y}" for n in range(1, 5)]
    # Small amounts: whole-number ticks, each read once.
    labels = tick_labels(svg, 2)
    assert len(labels) == len(set(labels)) and all(
        label.replace(",", "").isdigit() for label in labels
    )


def test_a_pipeline_of_zeros_shows_no_chart(manager_client):
    opportunity(owner=RepFactory(), amount=D("0.00"), expected_close_date=_month(2))
    page = manager_client.get(URL).content.decode()
    assert svgs(page) == []
    assert 'data-testid="pipeline-empty"' in page
    assert f'data-month="{_month(2):%Y-%m}"' in page  # the table still lists it
