"""Segmentation end to end: the runner scores, clusters and stores per-customer
results once per run; the segments pages, the CSV, the charts and the customer
page panel, with reps scoped to their own customers."""

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command

from analytics import jobs
from analytics.models import CustomerSegment, JobRun
from analytics.runners import segmentation_run
from tests.analytics.factories import billable_order
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db
AS_OF = "2024-12-31"

# name: [(order date, quantity)], each unit 100.00 net. Hand-computed with n = 5
# (without ties score = rank, a tie scores as its lowest rank): recency D<C<B<A<E;
# frequency C=D=1 (both F 1), B=2, A=3, E=4; revenue D 100 < B 200 < E 400 < C 500
# < A 600.
ORDERS = {
    "A": [(date(2024, 12, 20), 2), (date(2024, 11, 1), 2), (date(2024, 10, 1), 2)],
    "B": [(date(2024, 12, 1), 1), (date(2024, 6, 1), 1)],
    "C": [(date(2024, 9, 1), 5)],
    "D": [(date(2024, 3, 1), 1)],
    "E": [(date(2024, 12, d), 1) for d in (30, 29, 28, 27)],
}
EXPECTED = {
    # name: (recency days, frequency, monetary, R, F, M, segment)
    "A": (11, 3, Decimal("600.00"), 4, 4, 5, "Loyal"),
    "B": (30, 2, Decimal("200.00"), 3, 3, 2, "Need attention"),
    "C": (121, 1, Decimal("500.00"), 2, 1, 4, "Hibernating"),
    "D": (305, 1, Decimal("100.00"), 1, 1, 1, "Lost"),
    "E": (1, 4, Decimal("400.00"), 5, 5, 3, "Champions"),
}


@pytest.fixture
def customers(rep):
    """Five customers with hand-made orders; the rep owns A and B."""
    made = {}
    for name, orders in ORDERS.items():
        owner = {"owner": rep} if name in "AB" else {}
        customer = CustomerFactory(name=f"Customer {name}", **owner)
        for order_date, quantity in orders:
            billable_order(customer=customer, order_date=order_date, quantity=quantity)
        made[name] = customer
    return made


def run_segmentation(**parameters) -> JobRun:
    job = jobs.job_run_inline(
        kind="segmentation", parameters={"as_of": AS_OF, **parameters}
    )
    assert job.status == JobRun.Status.SUCCEEDED, job.error
    return job


def test_segmentation_scores_segments_and_stores_each_customer(customers):
    job = run_segmentation()
    rows = {row.customer.name[-1]: row for row in job.customer_segments.all()}
    assert set(rows) == set(EXPECTED)
    for name, expected in EXPECTED.items():
        row = rows[name]
        got = (row.recency_days, row.frequency, row.monetary, row.r, row.f, row.m)
        assert (*got, row.segment) == expected, name
        assert row.cluster is not None
    summary = job.summary
    assert summary["customers"] == 5
    assert summary["revenue"] == "1800.00"
    segments = {s["segment"]: s for s in summary["segments"]}
    assert segments["Loyal"]["customers"] == 1
    assert segments["Loyal"]["revenue"] == "600.00"
    assert segments["Loyal"]["revenue_share"] == pytest.approx(600 / 1800, abs=1e-4)
    assert segments["Promising"]["customers"] == 0
    assert 2 <= summary["k"] <= 4
    assert not summary["k_fixed"]
    assert str(summary["k"]) in summary["silhouette"]
    assert sum(c["size"] for c in summary["clusters"]) == 5
    assert all(c["label"] for c in summary["clusters"])


def test_customers_with_identical_orders_share_scores_segment_and_cluster():
    # Ten customers, created in this order: twin 1, four one-time buyers, four repeat
    # buyers, twin 2. The twins each ordered once, 100.00 on the same day, 150 days
    # before the as-of date; the other one-time buyers 330, 300, 270 and 240 days
    # before, the repeat buyers 2-5 orders up to 60, 30, 10 and 1 days before.
    as_of = date(2024, 12, 31)

    def customer(name, days, quantities):
        made = CustomerFactory(name=name)
        for n, quantity in enumerate(quantities):
            order_date = as_of - timedelta(days=days + 7 * n)
            billable_order(customer=made, order_date=order_date, quantity=quantity)
        return made

    first_twin = customer("Twin 1", 150, [1])
    singles = [customer(f"Once {d}", d, [q]) for q, d in enumerate([330, 300, 270], 2)]
    singles.append(customer("Once 240", 240, [5]))
    for orders, days in zip(range(2, 6), [60, 30, 10, 1], strict=True):
        customer(f"Repeat {orders}", days, [1] * orders)
    second_twin = customer("Twin 2", 150, [1])
    assert first_twin.pk < min(c.pk for c in singles) < second_twin.pk

    out = io.StringIO()
    call_command("run_segmentation", "--as-of", str(as_of), stdout=out, stderr=out)
    job = JobRun.objects.get()
    rows = {row.customer.name: row for row in job.customer_segments.all()}
    twins = [rows["Twin 1"], rows["Twin 2"]]
    fields = ["recency_days", "frequency", "monetary", "r", "f", "m"]
    first, second = (
        [getattr(row, f) for f in [*fields, "segment", "cluster"]] for row in twins
    )
    assert first == second
    # R: ranks 5-6 of 10 (from the oldest), 3 for both. F: all six one-time buyers
    # score 1 (the lowest value), so the twins are "About to sleep", not one of
    # them "Need attention" for being created later.
    assert (twins[0].r, twins[0].f, twins[0].segment) == (3, 1, "About to sleep")
    assert {row.f for row in rows.values() if row.frequency == 1} == {1}


def test_the_job_parameters_can_fix_k(customers):
    job = run_segmentation(k=2)
    assert job.summary["k"] == 2
    assert job.summary["k_fixed"] is True
    assert set(job.customer_segments.values_list("cluster", flat=True)) == {0, 1}


def test_results_are_stored_once_per_run(customers):
    job = run_segmentation()
    assert jobs.job_execute(job_id=job.pk) is False  # re-delivered: not run again
    # A retry after a database error runs the runner again: rows are replaced.
    segmentation_run(job, {"as_of": AS_OF}, lambda percent, message="": None)
    assert CustomerSegment.objects.filter(job=job).count() == 5
    second = run_segmentation()
    assert CustomerSegment.objects.count() == 10
    assert second.customer_segments.count() == 5


def test_the_segments_page_shows_the_grid_and_clusters_to_a_manager(
    manager_client, customers
):
    run_segmentation()
    job = run_segmentation(k=2)
    response = manager_client.get("/analytics/segments/")
    assert response.status_code == 200
    assert response.context["run"] == job  # the latest run
    grid = {cell["segment"]: cell for cell in response.context["grid"]}
    assert grid["Champions"]["customers"] == 1
    assert grid["Champions"]["revenue"] == Decimal("400.00")
    assert grid["Loyal"]["avg_m"] == 5
    body = response.content.decode()
    assert "/analytics/segments/cannot-lose-them/?run=" in body
    assert 'data-testid="cluster-table"' in body
    assert "/analytics/segments/charts/scatter.svg" in body
    older = manager_client.get(f"/analytics/segments/?run={job.pk - 1}")
    assert older.context["run"].pk == job.pk - 1
    assert manager_client.get("/analytics/segments/?run=999999").status_code == 404
    detail = manager_client.get(job.get_absolute_url()).content.decode()
    assert f"/analytics/segments/?run={job.pk}" in detail


def test_segmentation_records_where_its_time_went(customers, manager_client):
    job = run_segmentation()
    timings = job.summary["timings"]
    assert set(timings) == {"read", "compute", "write"}
    assert all(seconds >= 0 for seconds in timings.values())
    detail = manager_client.get(job.get_absolute_url()).content.decode()
    assert "Time spent" in detail
    assert "Timings" not in detail  # shown as phases, not as a raw dict


def test_the_segments_page_without_a_run_says_so(manager_client):
    response = manager_client.get("/analytics/segments/")
    assert response.status_code == 200
    assert "No segmentation has run yet" in response.content.decode()


def test_the_k_means_charts_are_svg(manager_client, customers):
    run_segmentation()
    scatter = manager_client.get(
        "/analytics/segments/charts/scatter.svg?x=frequency&y=monetary"
    )
    assert scatter.status_code == 200
    assert scatter["Content-Type"] == "image/svg+xml"
    assert b"<svg" in scatter.content
    silhouette = manager_client.get("/analytics/segments/charts/silhouette.svg")
    assert b"<svg" in silhouette.content
    assert manager_client.get("/analytics/segments/charts/pie.svg").status_code == 404


def test_reps_do_not_get_the_k_means_charts(rep_client, customers):
    run_segmentation()
    assert rep_client.get("/analytics/segments/charts/scatter.svg").status_code == 403


def test_a_rep_sees_segments_over_their_own_customers_only(rep_client, customers):
    run_segmentation()
    response = rep_client.get("/analytics/segments/")
    assert response.status_code == 200
    grid = {cell["segment"]: cell for cell in response.context["grid"]}
    assert grid["Loyal"]["customers"] == 1
    assert grid["Need attention"]["customers"] == 1
    assert grid["Champions"]["customers"] == 0
    assert grid["Loyal"]["revenue_share"] == pytest.approx(0.75)  # 600 of 800
    assert 'data-testid="cluster-table"' not in response.content.decode()
    champions = rep_client.get("/analytics/segments/champions/")
    assert champions.status_code == 200
    assert "Customer E" not in champions.content.decode()
    export = rep_client.get("/analytics/segments/champions/?format=csv")
    assert "Customer E" not in export.content.decode()


def test_the_segment_customer_list_pages_filters_and_exports(manager_client, customers):
    job = run_segmentation()
    response = manager_client.get("/analytics/segments/loyal/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Customer A" in body
    assert "Customer B" not in body
    assert customers["A"].get_absolute_url() in body
    empty = manager_client.get("/analytics/segments/loyal/?q=zzz")
    assert "Customer A" not in empty.content.decode()
    export = manager_client.get(f"/analytics/segments/loyal/?run={job.pk}&format=csv")
    assert export["Content-Type"].startswith("text/csv")
    assert f"segment-loyal-run-{job.pk}.csv" in export["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(export.content.decode())))
    assert len(rows) == 1
    assert rows[0]["customer"] == "Customer A"
    assert rows[0]["monetary"] == "600.00"
    assert (rows[0]["r"], rows[0]["f"], rows[0]["m"]) == ("4", "4", "5")
    assert manager_client.get("/analytics/segments/nonsense/").status_code == 404


def test_the_segment_list_without_a_run_is_not_found(manager_client):
    assert manager_client.get("/analytics/segments/loyal/").status_code == 404


def test_the_customer_page_shows_the_segment_and_its_history(rep_client, customers):
    customer = customers["A"]
    page = rep_client.get(customer.get_absolute_url()).content.decode()
    assert "Not in a segmentation run yet" in page
    run_segmentation(as_of="2024-10-15")  # A: one order, 14 days ago
    run_segmentation()
    page = rep_client.get(customer.get_absolute_url()).content.decode()
    assert 'data-testid="current-segment">Loyal<' in page
    assert 'data-testid="segment-history"' in page
    history = CustomerSegment.objects.filter(customer=customer)
    assert history.count() == 2


@pytest.mark.parametrize("extra", [0, 20])
def test_the_segments_page_runs_a_fixed_number_of_queries(
    manager_client, customers, django_assert_num_queries, extra
):
    for n in range(extra):
        billable_order(
            customer=CustomerFactory(name=f"Extra {n}"), order_date=date(2024, 5, 1)
        )
    run_segmentation()
    manager_client.get("/analytics/segments/")
    # session, user, user and group permissions, the run, groups (role), the grid
    # (one aggregate), tasks due and open low-stock alerts (the manager's navbar):
    # the same for 5 customers as for 25
    with django_assert_num_queries(9):
        response = manager_client.get("/analytics/segments/")
    assert response.status_code == 200
    # "Lost" holds D, and with the extras (one order each, the same day) them too.
    manager_client.get("/analytics/segments/lost/")
    # the same with the page's count and its rows (customer and owner joined) in
    # place of the grid
    with django_assert_num_queries(10):
        response = manager_client.get("/analytics/segments/lost/")
    assert "Customer D" in response.content.decode()
    # with ?run= (the grid's links): one more, whether it is the latest run (for
    # the "Open in customer list" button)
    run = JobRun.objects.get()
    with django_assert_num_queries(11):
        manager_client.get(f"/analytics/segments/lost/?run={run.pk}")


def test_merging_two_segmented_customers_leaves_the_results_as_they_were(
    customers, manager
):
    from customers.services import customer_merge

    job = run_segmentation()
    customer_merge(survivor=customers["A"], merged=customers["B"], merged_by=manager)
    assert job.customer_segments.filter(customer=customers["A"]).count() == 1
    assert job.customer_segments.filter(customer=customers["B"]).count() == 1


# The segment as a filter on the customer list ------------------------------------


def listed(response) -> list[str]:
    return [row.record.name for row in response.context["table"].page.object_list]


def test_the_customer_list_filters_on_the_latest_runs_segment(
    manager_client, customers
):
    assert (
        "segment" not in manager_client.get("/customers/").context["filter"].form.fields
    )
    run_segmentation(as_of="2024-10-15")
    run_segmentation()
    page = manager_client.get("/customers/")
    field = page.context["filter"].form.fields["segment"]
    # the segments with customers in the latest run, best first
    assert list(field.choices) == [
        ("", "Any segment"),
        ("champions", "Champions"),
        ("loyal", "Loyal"),
        ("need-attention", "Need attention"),
        ("hibernating", "Hibernating"),
        ("lost", "Lost"),
    ]
    assert f"as of {AS_OF}" in page.content.decode()
    assert listed(manager_client.get("/customers/?segment=loyal")) == ["Customer A"]
    # with the list's own filters, and in the export
    assert listed(manager_client.get("/customers/?segment=lost&q=zzz")) == []
    export = manager_client.get("/customers/?segment=champions&export=csv")
    assert [
        row["name"]
        for row in csv.DictReader(io.StringIO(export.content.decode("utf-8-sig")))
    ] == ["Customer E"]
    # a segment with no customers in the latest run is not a choice
    refused = manager_client.get("/customers/?segment=promising")
    assert "segment" in refused.context["filter"].form.errors


def test_a_rep_filters_their_own_customers_by_segment(rep_client, customers):
    run_segmentation()
    assert listed(rep_client.get("/customers/?segment=loyal")) == ["Customer A"]
    assert (
        listed(rep_client.get("/customers/?segment=champions")) == []
    )  # E: not theirs


def test_users_without_the_segments_permission_get_no_segment_filter(client, customers):
    from django.contrib.auth.models import Permission

    from tests.sms.factories import UserFactory

    run_segmentation()
    user = UserFactory()
    user.user_permissions.add(
        Permission.objects.get(
            codename="view_customer", content_type__app_label="customers"
        )
    )
    client.force_login(user)
    response = client.get("/customers/?segment=loyal")
    assert response.status_code == 200
    assert "segment" not in response.context["filter"].form.fields


def test_a_segments_list_opens_in_the_customer_list(manager_client, customers):
    older = run_segmentation(as_of="2024-10-15")
    latest = run_segmentation()
    for url in (
        "/analytics/segments/loyal/",
        f"/analytics/segments/loyal/?run={latest.pk}",
    ):
        body = manager_client.get(url).content.decode()
        assert 'href="/customers/?segment=loyal&amp;status=all"' in body, url
    # an older run's segment list does not claim the customer list shows it
    body = manager_client.get(
        f"/analytics/segments/loyal/?run={older.pk}"
    ).content.decode()
    assert 'data-testid="open-in-customer-list"' not in body
    assert 'data-testid="older-run-note"' in body
    # the link lands on the same customers as the segment's own list
    landed = manager_client.get("/customers/?segment=loyal&status=all")
    assert listed(landed) == ["Customer A"]


@pytest.mark.parametrize("extra", [0, 20])
def test_the_customer_list_filtered_by_segment_runs_a_fixed_number_of_queries(
    rep_client, rep, customers, django_assert_num_queries, extra
):
    for n in range(extra):
        billable_order(
            customer=CustomerFactory(name=f"Loyal {n}", owner=rep),
            order_date=date(2024, 12, 20 - n % 10),
        )
    run_segmentation()
    rep_client.get("/customers/?segment=loyal")
    # the list's own 12 (tests/customers/test_views.py): the latest run is one of
    # them; the filter is a subquery of the count and of the page
    with django_assert_num_queries(12):
        response = rep_client.get("/customers/?segment=loyal")
    assert response.status_code == 200
    assert listed(response)


# A fixed k ----------------------------------------------------------------------


@pytest.mark.parametrize("k", [1, 9, "two"])
def test_a_k_outside_2_to_8_fails_the_run_with_a_clear_message(customers, k):
    job = jobs.job_run_inline(kind="segmentation", parameters={"as_of": AS_OF, "k": k})
    assert job.status == JobRun.Status.FAILED
    assert f"k must be 2 to 8, not {k}" in job.error
    assert not job.customer_segments.exists()


def test_a_k_larger_than_the_customers_allow_fails_the_run_and_says_why(customers):
    job = jobs.job_run_inline(kind="segmentation", parameters={"as_of": AS_OF, "k": 8})
    assert job.status == JobRun.Status.FAILED
    assert "k = 8 needs at least 8 customers" in job.error
    assert "there are 5" in job.error


def test_the_run_page_says_whether_k_was_fixed_or_chosen(manager_client, customers):
    chosen = run_segmentation()
    fixed = run_segmentation(k=3)
    page = manager_client.get(chosen.get_absolute_url()).content.decode()
    assert f'data-testid="k-choice">{chosen.summary["k"]}, chosen by silhouette' in page
    page = manager_client.get(fixed.get_absolute_url()).content.decode()
    assert 'data-testid="k-choice">3, fixed when the job was started' in page
    assert "k_fixed" not in page
