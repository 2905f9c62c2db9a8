"""Customer value (analytics/value.py, value_run.py): the fallback on hand-computed
numbers, the tiers, the holdout check on a simulated population where the truth is
known; and through a segmentation run (job_execute): the values stored, the run
page, the value report and its CSV, the customer page, for the fallback (five
customers) and for the fitted model (a population imported as order history)."""

import csv
import io
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd
import pytest

from analytics import jobs, value, value_models, value_run
from analytics.models import CustomerSegment, JobRun
from orders.importing import order_import
from tests.analytics.test_segments import AS_OF, customers  # noqa: F401 (fixture)
from tests.analytics.value_simulation import simulate, summary, window_spend
from tests.customers.factories import CustomerFactory
from tests.inventory.factories import WarehouseFactory
from tests.orders.conftest import HISTORY_HEADER
from tests.orders.factories import priced_product

WEEKS_12 = 365 / 7  # 2024-12-31 to 2025-12-31
CSV_VALUE_COLUMNS = [
    "value_tier",
    "value_per_purchase",
    "expected_purchases",
    "probability_active_percent",
    "expected_value",
]


# -- the method, without a database ----------------------------------------------------


def test_the_fallback_values_past_spend_per_week_times_the_horizon():
    # Two customers only: too few repeat customers to fit the models.
    frame = pd.DataFrame(
        {
            "customer_id": [1, 2],
            "purchases": [3, 1],
            "t_x": [10.0, 0.0],
            "T": [52.0, 13.0],
            "revenue": [600.0, 500.0],
        }
    )
    result = value.customer_value(frame, horizon_weeks=52)
    assert (result.method, result.reason) == (value.FALLBACK, value.TOO_FEW_REPEAT)
    assert result.bgnbd is None and result.gamma_gamma is None
    out = result.frame.set_index("customer_id")
    # 1: R = 600 / 3 = 200; P = 3 purchases / 52 weeks * 52 = 3; V = 600
    assert out.loc[1, "value_per_purchase"] == pytest.approx(200)
    assert out.loc[1, "expected_purchases"] == pytest.approx(3)
    assert out.loc[1, "expected_value"] == pytest.approx(600)
    # 2: 13 weeks count as 26: P = 1 / 26 * 52 = 2; V = 500 * 2 = 1000
    assert out.loc[2, "expected_purchases"] == pytest.approx(2)
    assert out.loc[2, "expected_value"] == pytest.approx(1000)
    assert out["probability_active"].isna().all()  # not estimated
    assert out["value_tier"].tolist() == ["A", "A"]  # 1000 first: 62.5 % < 80 %
    with pytest.raises(ValueError):
        value.customer_value(frame, horizon_weeks=0)


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


def test_the_holdout_check_on_a_simulated_population_where_the_truth_is_known():
    # Three years of BG/NBD + Gamma-Gamma customers, first purchases over the first
    # two; fit on the first two years, check on the third.
    truth_bgnbd, truth_gamma_gamma = (1.0, 4.0, 0.6, 3.0), (1.5, 5.0, 40.0)
    population = simulate(
        customers=5000,
        weeks=156,
        bgnbd=truth_bgnbd,
        gamma_gamma=truth_gamma_gamma,
        seed=1,
        births=104,
    )
    before = summary(population, end=104)
    calibration = pd.DataFrame(
        {
            "customer_id": before["index"],
            "purchases": before["n"],
            "t_x": before["t_x"],
            "T": before["T"],
            "revenue": before["spend"],
        }
    )
    actual = window_spend(population, start=104, end=156)[before["index"]]
    check = value.holdout_check(calibration, actual, horizon_weeks=52)
    assert check["possible"] and check["method"] == value.MODEL
    assert check["top_customers"] == 1000
    assert check["window_revenue"] == pytest.approx(actual.sum())
    # The ranking by the true parameters: the best this model can do.
    x, n = before["n"] - 1, before["n"]
    true_value = value_models.conditional_expected_purchases(
        value_models.BgNbd(*truth_bgnbd, 0), 52, x, before["t_x"], before["T"]
    ) * value_models.conditional_expected_value(
        value_models.GammaGamma(*truth_gamma_gamma, 0), n, before["mean_value"]
    )
    ideal = value.top_share(before["index"], true_value, actual, 1000)
    assert check["model_share"] == pytest.approx(ideal, abs=0.015)
    # Past spend ignores who has stopped and who only just started.
    assert check["beats_past_spend"]
    assert check["model_share"] > check["past_spend_share"] + 0.05
    assert check["past_spend_share"] < check["model_share"] < check["best_share"]
    # The amount too: predicted revenue within 10 % of what came.
    assert check["predicted_revenue"] == pytest.approx(actual.sum(), rel=0.10)


def test_the_holdout_check_says_when_there_is_nothing_to_check():
    empty = pd.DataFrame(columns=["customer_id", "purchases", "t_x", "T", "revenue"])
    check = value.holdout_check(empty, np.array([]), horizon_weeks=52)
    assert check == {"possible": False, "reason": value.NO_HISTORY, "customers": 0}
    one = pd.DataFrame(
        {"customer_id": [1], "purchases": [1], "t_x": [0], "T": [5], "revenue": [9]}
    )
    check = value.holdout_check(one, np.array([0.0]), horizon_weeks=52)
    assert check["reason"] == value.NO_WINDOW_REVENUE


# -- through a segmentation run: five customers, the fallback ---------------------


def run(**parameters) -> JobRun:
    job = jobs.job_start(
        kind="segmentation", parameters={"as_of": AS_OF, **parameters}, user=None
    )
    jobs.job_execute(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == JobRun.Status.SUCCEEDED, job.error
    return job


# From the segments fixture as of 2024-12-31, 12 months = 365 days = 52.142857
# weeks ahead; too few repeat customers, so past spend per week since the first
# order (at least 26 weeks) x 52.142857: (R, P, V, tier).
# A: 3 orders, 600, first 91 days ago (13 -> 26 weeks): 200 x 6.016484 = 1203.30
# C: 1 order, 500, 121 days (17.3 -> 26 weeks):        500 x 2.005495 = 1002.75
# E: 4 orders (4 days), 400, 4 days (-> 26 weeks):     100 x 8.021978 =  802.20
# B: 2 orders, 200, 213 days = 30.428571 weeks:        100 x 3.427230 =  342.72
# D: 1 order, 100, 305 days = 43.571429 weeks:         100 x 1.196721 =  119.67
# Tiers (total 3470.64; share of those above): A 0, C 35 %, E 64 % -> A;
# B 87 % -> B; D 97 % -> C.
FALLBACK = {
    "A": (Decimal("200.00"), 6.016484, Decimal("1203.30"), "A"),
    "B": (Decimal("100.00"), 3.427230, Decimal("342.72"), "B"),
    "C": (Decimal("500.00"), 2.005495, Decimal("1002.75"), "A"),
    "D": (Decimal("100.00"), 1.196721, Decimal("119.67"), "C"),
    "E": (Decimal("100.00"), 8.021978, Decimal("802.20"), "A"),
}


@pytest.mark.django_db
def test_segmentation_stores_the_fallback_values_and_says_why(customers):  # noqa: F811
    job = run()
    rows = CustomerSegment.objects.filter(job=job).select_related("customer")
    stored = {}
    for row in rows:
        assert row.probability_active is None  # not estimated by the fallback
        stored[row.customer.name[-1]] = (
            row.value_per_purchase,
            pytest.approx(row.expected_purchases, abs=1e-6),
            row.expected_value,
            row.value_tier,
        )
    assert stored == FALLBACK
    model = job.summary["value_model"]
    assert (model["method"], model["fallback_reason"]) == (
        "fallback",
        "too_few_repeat_customers",
    )
    assert (model["repeat_customers"], model["bgnbd"]) == (3, None)  # A, B, E
    assert model["horizon_weeks"] == pytest.approx(WEEKS_12, abs=1e-4)
    # Nobody bought before 2023-12-31: nothing to check on.
    assert model["check"]["possible"] is False
    assert model["check"]["reason"] == "no_history"
    assert job.summary["value_horizon_months"] == 12
    six = run(value_horizon_months=6)
    row = CustomerSegment.objects.get(job=six, customer=customers["A"])
    # 181 days to 2025-06-30: 600 / 26 x 25.857143 = 596.70
    assert row.expected_value == Decimal("596.70")


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
def test_the_value_report_shows_r_p_l_v_and_the_fallback(manager_client, customers):  # noqa: F811
    assert "No segmentation" in manager_client.get("/analytics/value/").content.decode()
    job = run()
    response = manager_client.get("/analytics/value/")
    assert response.status_code == 200
    tiers = {row["tier"]: row for row in response.context["tiers"]}
    assert tiers["A"]["customers"] == 3
    assert tiers["A"]["value"] == Decimal("3008.25")
    assert tiers["A"]["share"] == pytest.approx(3008.25 / 3470.64)
    assert tiers["B"]["customers"] == tiers["C"]["customers"] == 1
    names = [row.customer.name for row in response.context["top"]]
    assert names == [f"Customer {n}" for n in "ACEBD"]
    body = response.content.decode()
    assert 'data-testid="value-fallback"' in body
    assert "only 3 customers bought more than once (at least 50" in body
    assert "past spend per week since the first purchase" in body
    # R, P, L (not estimated: a dash) and V of customer A in the table.
    assert "<th" in body and ">R</th>" in body and ">L</th>" in body
    assert "200.00 EUR" in body and "6.02" in body and "1,203.30 EUR" in body
    assert "Not possible: no customer bought on or before 2023-12-31" in body
    assert "/analytics/value/" in manager_client.get("/analytics/").content.decode()
    export = manager_client.get(f"/analytics/value/?run={job.pk}&format=csv")
    assert export["Content-Type"].startswith("text/csv")
    assert f"customer-value-run-{job.pk}.csv" in export["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(export.content.decode())))
    assert [c for c in rows[0] if c in CSV_VALUE_COLUMNS] == CSV_VALUE_COLUMNS
    first = rows[0]
    assert (first["customer"], first["value_tier"]) == ("Customer A", "A")
    assert first["value_per_purchase"] == "200.00"
    assert first["expected_purchases"] == "6.02"
    assert first["probability_active_percent"] == ""
    assert first["expected_value"] == "1203.30"
    assert len(rows) == 5
    assert manager_client.get("/analytics/value/?run=999999").status_code == 404


@pytest.mark.django_db
def test_the_page_says_when_the_method_did_not_beat_past_spend(
    manager_client,
    customers,  # noqa: F811
):
    # Six months: fitted on orders up to 2024-06-30 (B and D, one order of 100
    # each, equal heuristic values), checked on July to December, when B bought
    # again. Top 20 % = 1 customer; both rankings pick B (the lower id) and get
    # all of it: a tie, so the method did not beat past spend.
    job = run(value_horizon_months=6)
    check = job.summary["value_model"]["check"]
    assert (check["customers"], check["top_customers"]) == (2, 1)
    assert (check["model_share"], check["past_spend_share"]) == (1.0, 1.0)
    assert check["beats_past_spend"] is False
    assert check["window_revenue"] == "100.00"
    assert check["new_customer_revenue"] == "1500.00"  # A, C and E
    for url in ("/analytics/value/", job.get_absolute_url()):
        body = manager_client.get(url).content.decode()
        assert 'data-beats="no"' in body
        assert "The model did not beat past spend on this data" in body
        assert "a further 1,500.00 EUR" in body


@pytest.mark.django_db
def test_a_rep_sees_the_value_of_their_own_customers_only(rep_client, customers):  # noqa: F811
    run()
    response = rep_client.get("/analytics/value/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Customer A" in body and "Customer E" not in body
    tiers = {row["tier"]: row for row in response.context["tiers"]}
    assert (tiers["A"]["customers"], tiers["B"]["customers"]) == (1, 1)
    assert tiers["A"]["share"] == pytest.approx(1203.30 / (1203.30 + 342.72))
    export = rep_client.get("/analytics/value/?format=csv").content.decode()
    assert "Customer A" in export and "Customer E" not in export


@pytest.mark.django_db
def test_the_customer_page_shows_r_p_and_v(rep_client, customers):  # noqa: F811
    run(value_horizon_months=6)
    page = rep_client.get(customers["A"].get_absolute_url()).content.decode()
    assert 'data-testid="customer-value"' in page
    assert "next 6 months" in page
    assert "596.70" in page and "tier A" in page
    # R = 200.00, P = 3 / 26 x 25.857143 = 2.98
    assert "200.00 EUR a purchase (R) \u00d7 2.98 purchases (P)" in page
    assert "L not estimated" in page


@pytest.mark.django_db
def test_a_run_made_before_the_model_still_shows_its_values(manager_client, customers):  # noqa: F811
    job = run()
    # As a run stored before migration 0009: V and tier only.
    del job.summary["value_model"]
    job.save(update_fields=["summary"])
    CustomerSegment.objects.filter(job=job).update(
        value_per_purchase=None, expected_purchases=None
    )
    body = manager_client.get("/analytics/value/").content.decode()
    assert 'data-testid="value-legacy"' in body and "1,203.30 EUR" in body
    rows = list(csv.DictReader(io.StringIO(manager_client.get(
        "/analytics/value/?format=csv").content.decode())))  # fmt: skip
    assert (rows[0]["value_per_purchase"], rows[0]["expected_value"]) == (
        "",
        "1203.30",
    )
    assert manager_client.get(job.get_absolute_url()).status_code == 200


# -- through a segmentation run: a population, the fitted model --------------------

CUT = date(2023, 12, 31)


def population_orders() -> dict[str, list[tuple[date, Decimal]]]:
    """Seventy customers' orders up to 2024-12-31, by external reference. Fitted as
    of 2023-12-31 and checked on 2024: the lapsed customers spent most before and
    nothing after; the new ones little before and most after."""
    rng = np.random.default_rng(7)
    plans = {}

    def add(ref: str, first: date, every: int, count: int, base: float):
        days = [first + timedelta(days=every * j) for j in range(count)]
        prices = base * rng.gamma(8, 1 / 8, count)
        plans[ref] = [
            (day, Decimal(f"{price:.2f}"))
            for day, price in zip(days, prices, strict=True)
        ]

    for i in range(20):  # 4 orders two weeks apart early in 2023, then silence
        add(f"LAPSED-{i}", date(2023, 1, 2) + timedelta(days=i), 14, 4, 400)
    for i in range(20):  # every 13 weeks throughout
        add(f"STEADY-{i}", date(2023, 1, 5) + timedelta(days=i), 91, 8, 250)
    for i in range(20):  # from November 2023, every 6 weeks
        add(f"NEW-{i}", date(2023, 11, 10) + timedelta(days=i % 5), 42, 10, 300)
    for i in range(10):  # once in June 2023
        add(f"ONCE-{i}", date(2023, 6, 15), 1, 1, 250)
    return plans


@pytest.fixture
def population(rep):
    """The population's customers (the rep owns the first of each group) and their
    order history, imported as a manager would (orders.importing)."""
    WarehouseFactory(code="MAIN")
    priced_product("1.00", tax="0.00", sku="VALUE-1")
    plans = population_orders()
    made = {}
    for ref in plans:
        owner = {"owner": rep} if ref.endswith("-0") else {}
        made[ref] = CustomerFactory(name=f"Customer {ref}", external_ref=ref, **owner)
    lines = [
        f"{ref}-{j},{ref},{day},VALUE-1,1,{price},delivered,yes,,,\n"
        for ref, orders in plans.items()
        for j, (day, price) in enumerate(orders)
    ]
    result = order_import(file=io.BytesIO((HISTORY_HEADER + "".join(lines)).encode()))
    assert not result.problems and result.created == len(lines)
    return made, plans


@pytest.mark.django_db
def test_the_value_inputs_are_read_as_days_with_orders_in_weeks(population):
    made, plans = population
    rows = value_run.customer_value_rows(as_of=date(2024, 12, 31), cut=CUT)
    full, calibration, window, new = value_run.model_inputs(
        rows, as_of=date(2024, 12, 31), cut=CUT
    )
    full = full.set_index("customer_id")
    calibration = calibration.set_index("customer_id")
    # STEADY-0: 8 orders from 2023-01-05, 91 days apart; the last 2024-10-03.
    steady = made["STEADY-0"].pk
    assert full.loc[steady, "purchases"] == 8
    assert full.loc[steady, "t_x"] == pytest.approx(7 * 91 / 7)
    assert full.loc[steady, "T"] == pytest.approx(
        (date(2024, 12, 31) - date(2023, 1, 5)).days / 7
    )
    assert full.loc[steady, "revenue"] == pytest.approx(
        float(sum(p for _d, p in plans["STEADY-0"]))
    )
    # Up to the cut: 4 of them, the last 2023-10-05.
    assert calibration.loc[steady, "purchases"] == 4
    assert calibration.loc[steady, "t_x"] == pytest.approx(3 * 13)
    assert calibration.loc[steady, "T"] == pytest.approx(
        (CUT - date(2023, 1, 5)).days / 7
    )
    assert len(calibration) == 70 and len(window) == 70
    assert new == 0  # every customer had bought by the cut
    after = sum(p for orders in plans.values() for d, p in orders if d > CUT)
    assert window.sum() == pytest.approx(float(after))


@pytest.mark.django_db
def test_the_fitted_model_is_stored_shown_and_beats_past_spend_here(
    population, manager_client
):
    _made, plans = population
    job = run()
    model = job.summary["value_model"]
    assert model["method"] == "model" and model["fallback_reason"] == ""
    assert model["repeat_customers"] == 60
    assert all(model["bgnbd"][key] > 0 for key in ("r", "alpha", "a", "b"))
    assert all(model["gamma_gamma"][key] > 0 for key in ("p", "q", "gamma"))
    check = model["check"]
    assert (check["possible"], check["method"]) == (True, "model")
    assert (check["customers"], check["top_customers"]) == (70, 14)
    # Past spend's top 14 are lapsed customers, who bought nothing in 2024; the
    # model sees them silent for months after buying every two weeks.
    assert check["past_spend_share"] == 0.0
    assert check["model_share"] > 0.4 and check["beats_past_spend"] is True
    after = sum(p for orders in plans.values() for d, p in orders if d > CUT)
    assert Decimal(check["window_revenue"]) == after

    rows = {
        row.customer.external_ref: row
        for row in CustomerSegment.objects.filter(job=job).select_related("customer")
    }
    for row in rows.values():
        # V = R x P, R rounded to cents: within half a cent per purchase.
        product = float(row.value_per_purchase) * row.expected_purchases
        assert float(row.expected_value) == pytest.approx(
            product, abs=0.006 * (1 + row.expected_purchases)
        )
        assert 0 <= row.probability_active <= 1
    assert rows["ONCE-0"].probability_active == 1.0  # no repeat purchase
    assert rows["LAPSED-0"].probability_active < 0.1 < rows["NEW-0"].probability_active
    assert rows["NEW-0"].expected_value > rows["LAPSED-0"].expected_value

    page = manager_client.get(job.get_absolute_url()).content.decode()
    assert 'data-testid="value-parameters"' in page
    assert "r = " in page and "\u03b1 = " in page and "\u03b3 = " in page
    assert 'data-beats="yes"' in page and "The model beat past spend" in page
    report = manager_client.get("/analytics/value/")
    body = report.content.decode()
    assert 'data-testid="value-model" data-method="model"' in body
    top = report.context["top"][0]
    # L as a whole percentage, rounded half-up.
    percent = (Decimal(repr(top.probability_active)) * 100).quantize(1, ROUND_HALF_UP)
    assert f'<td class="text-end text-nowrap">{percent} %</td>' in body
    export = manager_client.get("/analytics/value/?format=csv").content.decode()
    first = next(csv.DictReader(io.StringIO(export)))
    assert first["customer"] == top.customer.name
    assert first["value_per_purchase"] == str(top.value_per_purchase)
    assert first["expected_value"] == str(top.expected_value)
    # P and L as every download writes figures: two decimals at most.
    assert first["expected_purchases"] == f"{top.expected_purchases:.2f}"
    assert first["probability_active_percent"] == f"{100 * top.probability_active:.1f}"


def test_months_shift_keeps_the_day_or_the_months_last_and_the_calendars_ends():
    assert value_run.months_shift(date(2024, 12, 31), 12) == date(2025, 12, 31)
    assert value_run.months_shift(date(2024, 12, 31), -6) == date(2024, 6, 30)
    assert value_run.months_shift(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert value_run.months_shift(date(1, 6, 1), -12) == date.min
    assert value_run.months_shift(date(9999, 6, 1), 12) == date.max
