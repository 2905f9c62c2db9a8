"""One figure, one value: money is rounded per row (half-up, to the cent) and then
added, so every table's totals row is the sum of the rows it shows, and the weighted
pipeline is the same on the dashboard, the sales team report and the opportunities'
pipeline page. The data (tests/analytics/money_data.py) has half-cent weighted
amounts and sums SQLite returns as floats, where rounding the sum instead of each row
lands cents away."""

import csv
import html
import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from analytics.reports import REPORTS
from tests.analytics.money_data import PERIOD, money_dataset, weighted

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def data():
    return money_dataset()


def amount(text: str) -> Decimal:
    """A figure as a page or a CSV shows it ("1,234.56 EUR", "—" for none)."""
    text = html.unescape(re.sub(r"<[^>]+>", "", text)).strip()
    text = text.removesuffix("EUR").strip().replace(",", "")
    return D("0") if text in ("", "—") else D(text)


def csv_records(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_a_weighted_amount_is_rounded_half_up_per_opportunity(data):
    expected = {
        o.pk: weighted(o.amount, o.probability) for o in data.open_opportunities
    }
    from opportunities.models import Opportunity
    from opportunities.selectors import WEIGHTED

    in_sql = dict(
        Opportunity.objects.open().annotate(w=WEIGHTED).values_list("pk", "w")
    )
    assert in_sql == expected
    assert {o.pk: o.weighted_amount for o in data.open_opportunities} == expected
    # 0.505 -> 0.51, 3.085 -> 3.09, 1.005 -> 1.01, 6.675 -> 6.68, 0.025 -> 0.03
    assert sorted(expected.values())[:5] == [
        D("0.03"),
        D("0.51"),
        D("0.68"),
        D("1.01"),
        D("3.09"),
    ]


def test_the_weighted_pipeline_is_the_same_on_every_page(client, data):
    # 0.51 + 3.09 + 1.01 + 6.68 + 0.03 + 150.75 + 0.68 + 33.33; adding the
    # unrounded amounts first would give 196.05.
    assert data.weighted_pipeline == D("196.08")
    client.force_login(data.manager)

    dashboard = client.get(reverse("analytics:index")).content.decode()
    tile = dashboard[dashboard.index('data-kpi="weighted"') :]
    shown = re.search(r'data-testid="kpi-value">(.*?)</div>', tile, re.S).group(1)
    assert amount(shown) == data.weighted_pipeline

    team = csv_records(
        client.get(reverse("analytics:report", args=["team"]), {"format": "csv"})
    )
    column = team[0].index("Weighted pipeline")
    assert team[-1][0] == "Total"
    assert D(team[-1][column]) == data.weighted_pipeline
    # The deal nobody owns has a row of its own, so the team adds up to the whole.
    assert [row[0] for row in team[1:-1]][-1] == "Unassigned"

    page = client.get(reverse("opportunities:pipeline")).content.decode()
    total = re.search(r'data-testid="weighted-total">(.*?)</td>', page).group(1)
    assert amount(total) == data.weighted_pipeline

    # The open pipeline (amounts, unweighted) agrees the same way.
    open_amount = sum((o.amount for o in data.open_opportunities), D("0.00"))
    tile = dashboard[dashboard.index('data-kpi="pipeline"') :]
    shown = re.search(r'data-testid="kpi-value">(.*?)</div>', tile, re.S).group(1)
    assert amount(shown) == open_amount
    assert D(team[-1][team[0].index("Open pipeline")]) == open_amount
    _rows, totals = _pipeline_rows(page)
    assert amount(totals[2]) == open_amount


def _pipeline_rows(page: str) -> tuple[list[list[str]], list[str]]:
    table = page[page.index('data-testid="pipeline-table"') :]
    table = table[: table.index("</table>")]
    body = table[table.index("<tbody>") : table.index("</tbody>")]
    foot = table[table.index("<tfoot") :]
    cells = re.compile(r"<td[^>]*>(.*?)</td>", re.S)
    rows = [
        cells.findall(row) for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    ]
    return rows, cells.findall(foot)


MONTHS_MAR_TO_DEC = (
    "Mar",
    "Apr",
    "May",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Oct",
    "Nov",
    "Dec",
)


def test_the_pipeline_page_totals_are_the_sums_of_its_rows(client, data):
    client.force_login(data.manager)
    page = client.get(reverse("opportunities:pipeline")).content.decode()
    rows, totals = _pipeline_rows(page)
    # The deal won in Mar 2026, open deals close in Jan and Feb 2027; the months
    # between are listed at zero, and the undated deals come last.
    assert [row[0] for row in rows] == [
        *(f"{name} 2026" for name in MONTHS_MAR_TO_DEC),
        "Jan 2027",
        "Feb 2027",
        "No expected close",
    ]
    # Columns: month, open, open amount, weighted, one per rep, won.
    assert totals[0] == "Total"
    for index in range(1, len(totals)):
        column = [amount(row[index]) for row in rows]
        assert amount(totals[index]) == sum(column), index
    # Each month's weighted figure is the sum of its reps' cells.
    for row in rows:
        assert amount(row[3]) == sum(amount(cell) for cell in row[4:-1])
    assert amount(totals[3]) == data.weighted_pipeline


def _report_tabs():
    return [
        (report.slug, tab.slug) for report in REPORTS.values() for tab in report.views
    ]


@pytest.mark.parametrize(("slug", "view"), _report_tabs())
def test_every_report_totals_row_is_the_sum_of_the_rows_shown(client, data, slug, view):
    client.force_login(data.manager)
    url = reverse("analytics:report", args=[slug])
    response = client.get(url, {**PERIOD, "view": view})
    table = response.context["result"].table
    records = csv_records(client.get(url, {**PERIOD, "view": view, "format": "csv"}))
    header, *rows = records
    assert rows, f"{slug}/{view}: no rows in the test data"
    if table.totals is None:
        return
    *rows, totals = rows
    checked = 0
    for index, column in enumerate(table.columns):
        if column.kind not in ("money", "int") or not column.adds_up:
            continue
        if totals[index] == "":
            continue  # a count that does not add up is left blank (returning)
        shown = [D(row[index]) if row[index] else D(0) for row in rows]
        assert D(totals[index]) == sum(shown), (slug, view, header[index])
        checked += 1
    assert checked, f"{slug}/{view}: no column adds up"
