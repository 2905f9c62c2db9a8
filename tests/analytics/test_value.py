"""Customer value: the pure heuristic on hand-computed numbers, the tiers, the values
stored with a segmentation run (through job_execute), the report page for a manager
and a rep, the CSV and the customer page panel."""

import csv
import io
import math
from decimal import Decimal

import pandas as pd
import pytest

from analytics import jobs, value
from analytics.models import CustomerSegment, JobRun
from tests.analytics.test_segments import AS_OF, customers  # noqa: F401 (fixture)

M = 365.25 / 12  # days a month


def test_expected_value_on_a_hand_computed_set():
    frame = pd.DataFrame(
        {
            "customer_id": [1, 2, 3, 4],
            "frequency": [4, 1, 2, 3],
            "monetary": [800.0, 300.0, 100.0, 150.0],
            "tenure_days": [365.25, 30, 365.25, 730.5],
            "recency_days": [0, 30, 365.25, 730.5],
        }
    )
    out = value.expected_value(frame, horizon_months=12).set_index("customer_id")
    # 1: AOV 200, 4 orders in 12 months = 1/3 a month, just bought (retention 1):
    #    200 * 1/3 * 12 * 1 = 800
    assert out.loc[1, "aov"] == pytest.approx(200)
    assert out.loc[1, "rate_per_month"] == pytest.approx(1 / 3)
    assert out.loc[1, "retention"] == pytest.approx(1.0)
    assert out.loc[1, "expected_value"] == pytest.approx(800)
    # 2: one order 30 days ago; the span is floored to 180 days (5.91 months), so
    #    rate 30.4375 / 180 = 0.1691, gap 180, retention e^(-30/180) = 0.8465:
    #    300 * 0.1691 * 12 * 0.8465 = 515.30
    assert out.loc[2, "rate_per_month"] == pytest.approx(M / 180)
    assert out.loc[2, "retention"] == pytest.approx(math.exp(-1 / 6))
    assert out.loc[2, "expected_value"] == pytest.approx(515.2958, abs=1e-3)
    # 3: AOV 50, 2 orders a year, silent for two gaps: e^-2 = 0.1353 -> 13.53
    assert out.loc[3, "expected_value"] == pytest.approx(100 * math.exp(-2))
    # 4: silent for three gaps: e^-3 = 0.0498 is clipped to 0.05:
    #    50 * 3/24 * 12 * 0.05 = 3.75
    assert out.loc[4, "retention"] == pytest.approx(0.05)
    assert out.loc[4, "expected_value"] == pytest.approx(3.75)
    # Half the horizon, half the value.
    half = value.expected_value(frame, horizon_months=6).set_index("customer_id")
    assert half.loc[1, "expected_value"] == pytest.approx(400)
    with pytest.raises(ValueError):
        value.expected_value(frame, horizon_months=0)


def test_tiers_cut_the_cumulative_value_share_at_80_and_95_percent():
    ids = pd.Series([6, 5, 4, 3, 2, 1])
    values = pd.Series([3.0, 4.0, 8.0, 10.0, 25.0, 50.0])
    # Ranked 50, 25, 10, 8, 4, 3 (total 100); share held by those above:
    # 0, .50, .75 -> A; .85, .93 -> B; .97 -> C.
    tiers = value.value_tiers(ids, values)
    assert tiers.tolist() == ["C", "B", "B", "A", "A", "A"]
    # Ties by customer id; zero value is always C; all zero: all C.
    assert value.value_tiers(pd.Series([2, 1]), pd.Series([5.0, 5.0])).tolist() == [
        "A",
        "A",
    ]
    zeros = value.value_tiers(pd.Series([1, 2, 3]), pd.Series([9.0, 0.0, 0.0]))
    assert zeros.tolist() == ["A", "C", "C"]
    assert value.value_tiers(pd.Series([1]), pd.Series([0.0])).tolist() == ["C"]


# From the segments fixture as of 2024-12-31 (each with its span floored to 180
# days, 30.4375 days a month): expected value over 12 months and tier.
# A: 200 * 0.5073/month * 12 * e^(-11/60)      = 1013.56  A
# E: 100 * 0.6764 * 12 * e^(-1/45)             =  793.83  A (above: 39 %)
# C: 500 * 0.1691 * 12 * e^(-121/180)          =  518.02  A (above: 69 %)
# B: span 213 days: 100 * 0.2858 * 12 * e^(-30/106.5) = 258.76  B (above: 88 %)
# D: span 305 days: 100 * 0.0998 * 12 * e^-1  =   44.06  C (above: 98 %)
VALUES = {
    "A": (Decimal("1013.56"), "A"),
    "B": (Decimal("258.76"), "B"),
    "C": (Decimal("518.02"), "A"),
    "D": (Decimal("44.06"), "C"),
    "E": (Decimal("793.83"), "A"),
}


def run(**parameters) -> JobRun:
    job = jobs.job_start(
        kind="segmentation", parameters={"as_of": AS_OF, **parameters}, user=None
    )
    jobs.job_execute(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == JobRun.Status.SUCCEEDED, job.error
    return job


@pytest.mark.django_db
def test_segmentation_stores_expected_value_and_tier(customers):  # noqa: F811
    job = run()
    stored = {
        row.customer.name[-1]: (row.expected_value, row.value_tier)
        for row in CustomerSegment.objects.filter(job=job).select_related("customer")
    }
    assert stored == VALUES
    assert job.summary["value_horizon_months"] == 12
    six = run(value_horizon_months=6)
    row = CustomerSegment.objects.get(job=six, customer=customers["A"])
    assert row.expected_value == Decimal("506.78")


@pytest.mark.django_db
def test_a_bad_value_horizon_fails_the_run(customers):  # noqa: F811
    job = jobs.job_start(
        kind="segmentation", parameters={"value_horizon_months": "x"}, user=None
    )
    jobs.job_execute(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == JobRun.Status.FAILED
    assert "value horizon" in job.error


@pytest.mark.django_db
def test_the_value_report_as_a_manager(manager_client, customers):  # noqa: F811
    assert "No segmentation" in manager_client.get("/analytics/value/").content.decode()
    job = run()
    response = manager_client.get("/analytics/value/")
    assert response.status_code == 200
    tiers = {row["tier"]: row for row in response.context["tiers"]}
    assert tiers["A"]["customers"] == 3
    assert tiers["A"]["value"] == Decimal("2325.41")
    assert tiers["A"]["share"] == pytest.approx(2325.41 / 2628.23)
    assert tiers["B"]["customers"] == tiers["C"]["customers"] == 1
    names = [row.customer.name for row in response.context["top"]]
    assert names == [f"Customer {n}" for n in "AECBD"]
    assert "/analytics/value/" in manager_client.get("/analytics/").content.decode()
    export = manager_client.get(f"/analytics/value/?run={job.pk}&format=csv")
    assert export["Content-Type"].startswith("text/csv")
    assert f"customer-value-run-{job.pk}.csv" in export["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(export.content.decode())))
    first = rows[0]
    assert (first["customer"], first["expected_value"], first["value_tier"]) == (
        "Customer A",
        "1013.56",
        "A",
    )
    assert len(rows) == 5
    assert manager_client.get("/analytics/value/?run=999999").status_code == 404


@pytest.mark.django_db
def test_a_rep_sees_the_value_of_their_own_customers_only(rep_client, customers):  # noqa: F811
    run()
    response = rep_client.get("/analytics/value/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Customer A" in body and "Customer E" not in body
    tiers = {row["tier"]: row for row in response.context["tiers"]}
    assert (tiers["A"]["customers"], tiers["B"]["customers"]) == (1, 1)
    assert tiers["A"]["share"] == pytest.approx(1013.56 / (1013.56 + 258.76))
    export = rep_client.get("/analytics/value/?format=csv").content.decode()
    assert "Customer A" in export and "Customer E" not in export


@pytest.mark.django_db
def test_the_customer_page_shows_expected_value_and_tier(rep_client, customers):  # noqa: F811
    run(value_horizon_months=6)
    page = rep_client.get(customers["A"].get_absolute_url()).content.decode()
    assert 'data-testid="customer-value"' in page
    assert "next 6 months" in page
    assert "506.78" in page
    assert "tier A" in page
