"""Every CSV and XLSX download in the app, fetched as the user who can see it and read
back: money has exactly two decimals (CSV text such as 305.00; XLSX numbers with no
more than cents, formatted #,##0.00), quantities and counts are whole numbers (XLSX
integers formatted #,##0), and no file holds a float's tail such as
15868.9200000000. The data (tests/analytics/money_data.py) has whole-number sums,
which SQLite hands back as 305, and long float sums."""

import csv
import io
import re
from dataclasses import dataclass, field

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from analytics import jobs
from analytics.models import CustomerSegment, JobRun
from analytics.reports import REPORTS
from analytics.selectors import segment_slug
from tests.analytics.money_data import PERIOD, money_dataset

pytestmark = pytest.mark.django_db

MONEY_TEXT = re.compile(r"^-?\d+\.\d\d$")
WHOLE_TEXT = re.compile(r"^-?\d+$")
# More places than any column keeps: a float's tail (15868.9200000000).
LONG_TAIL = re.compile(r"^-?\d+\.\d{3,}$")
AS_OF = "2026-12-03"  # the jobs' as-of date: the data's history ends in November
FORECAST = {"forecast", "lower_80", "upper_80", "lower_95", "upper_95"}
MONEY_FORMAT, WHOLE_FORMAT = "#,##0.00", "#,##0"


@dataclass
class Export:
    """One download: who fetches it and from where (``url(data, fmt)`` gives the
    path and query), and which columns (by header) hold money and which whole
    numbers. A report tab's columns come from the report's own table."""

    name: str
    user: str  # manager or admin
    url: object
    fmt: str
    money: set = field(default_factory=set)
    whole: set = field(default_factory=set)
    admin: bool = False  # django-import-export's form: GET it, then POST
    report: bool = False
    jobs: bool = False  # needs a segmentation and a forecast run

    def __str__(self):
        return self.name


def _both(name, url, **kinds):
    return [
        Export(f"{name}-{fmt}", "manager", url, fmt, **kinds) for fmt in ("csv", "xlsx")
    ]


def _list(url_name):
    return lambda data, fmt: (reverse(url_name), {"export": fmt})


def _admin(model):
    return lambda data, fmt: (reverse(f"admin:{model}_export"), {})


def _report(slug, view):
    return lambda data, fmt: (
        reverse("analytics:report", args=[slug]),
        {**PERIOD, "view": view, "format": fmt},
    )


def _forecast(series):
    return lambda data, fmt: (
        reverse("analytics:forecast-csv"),
        {"run": data["forecast"].pk, "series": data[series]},
    )


EXPORTS = [
    *_both("customer-list", _list("customers:customer-list")),
    *_both(
        "product-list",
        _list("products:product-list"),
        money={"list_price", "cost", "margin"},
        whole={"reorder_point", "reorder_quantity"},
    ),
    *_both(
        "order-list",
        _list("orders:order-list"),
        money={"subtotal", "discount", "net", "tax", "shipping", "total", "paid"}
        | {"balance_due"},
    ),
    *_both(
        "opportunity-list",
        _list("opportunities:opportunity-list"),
        money={"amount", "weighted"},
        whole={"probability"},
    ),
    *[
        Export(
            f"admin-customers-{fmt}",
            "admin",
            _admin("customers_customer"),
            fmt,
            admin=True,
        )
        for fmt in ("csv", "xlsx")
    ],
    *[
        Export(
            f"admin-products-{fmt}",
            "admin",
            _admin("products_product"),
            fmt,
            money={"list_price", "cost"},
            whole={"reorder_point", "reorder_quantity"},
            admin=True,
        )
        for fmt in ("csv", "xlsx")
    ],
    *[
        Export(
            f"report-{report.slug}-{tab.slug}-{fmt}",
            "manager",
            _report(report.slug, tab.slug),
            fmt,
            report=True,
        )
        for report in REPORTS.values()
        for tab in report.views
        for fmt in ("csv", "xlsx")
    ],
    Export(
        "segment-customers-csv",
        "manager",
        lambda data, fmt: (data["segment_url"], {"format": "csv"}),
        "csv",
        money={"monetary"},
        whole={"customer_id", "recency_days", "frequency", "r", "f", "m"},
        jobs=True,
    ),
    Export(
        "customer-value-csv",
        "manager",
        lambda data, fmt: (reverse("analytics:value-report"), {"format": "csv"}),
        "csv",
        money={"value_per_purchase", "expected_value", "monetary"},
        whole={"customer_id", "horizon_months", "orders", "recency_days"},
        jobs=True,
    ),
    Export(
        "forecast-total-csv",
        "manager",
        _forecast("total"),
        "csv",
        money=FORECAST,
        jobs=True,
    ),
    # A product's series is in units: whole numbers.
    Export(
        "forecast-product-csv",
        "manager",
        _forecast("product"),
        "csv",
        whole=FORECAST,
        jobs=True,
    ),
]


@pytest.fixture
def data(request):
    made = money_dataset()
    found = {"made": made}
    if request.node.callspec.params["export"].jobs:
        segmentation = jobs.job_run_inline(
            kind="segmentation", parameters={"as_of": AS_OF}
        )
        assert segmentation.status == JobRun.Status.SUCCEEDED, segmentation.error
        forecast = jobs.job_run_inline(kind="forecast", parameters={"as_of": AS_OF})
        assert forecast.status == JobRun.Status.SUCCEEDED, forecast.error
        segment = (
            CustomerSegment.objects.filter(job=segmentation)
            .order_by("segment")
            .values_list("segment", flat=True)
            .first()
        )
        products = forecast.summary.get("products") or []
        assert products, "the forecast has no product series"
        found.update(
            segment_url=reverse(
                "analytics:segment-customers", args=[segment_slug(segment)]
            ),
            forecast=forecast,
            total=forecast.summary["series"][0]["key"],
            product=products[0]["key"],
        )
    return found


def _download(client, export: Export, data) -> bytes:
    path, params = export.url(data, export.fmt)
    if not export.admin:
        response = client.get(path, params)
    else:
        form = client.get(path).context["form"]
        titles = {
            str(label).lower(): value for value, label in form.fields["format"].choices
        }
        post = {"format": titles[export.fmt]}
        for name, form_field in form.fields.items():
            if name not in ("format", "resource", "export_items"):
                post[name] = "on"  # every column
            elif name == "resource":
                post[name] = form_field.choices[0][0]
        response = client.post(path, post)
    assert response.status_code == 200, (export.name, response.status_code)
    assert "attachment" in response["Content-Disposition"], export.name
    return response.content


def _report_kinds(client, export: Export, data) -> tuple[set, set]:
    path, params = export.url(data, export.fmt)
    page = client.get(path, {k: v for k, v in params.items() if k != "format"})
    columns = page.context["result"].table.columns
    return (
        {c.label for c in columns if c.kind == "money"},
        {c.label for c in columns if c.kind == "int"},
    )


def _read_csv(content: bytes) -> tuple[list, list]:
    header, *rows = csv.reader(io.StringIO(content.decode("utf-8-sig")))
    return header, rows


def _read_xlsx(content: bytes) -> tuple[list, list]:
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    header, *rows = sheet.iter_rows()
    return [cell.value for cell in header], rows


def _check_csv(name, header, rows, money, whole):
    for row in rows:
        for label, text in zip(header, row, strict=True):
            where = f"{name}: {label}={text!r}"
            assert not LONG_TAIL.match(text), where
            if text == "":
                continue
            if label in money:
                assert MONEY_TEXT.match(text), where
            elif label in whole:
                assert WHOLE_TEXT.match(text), where


def _check_xlsx(name, header, rows, money, whole):
    for row in rows:
        for label, cell in zip(header, row, strict=True):
            value = cell.value
            where = f"{name}: {label}={value!r} ({cell.number_format})"
            if isinstance(value, float):
                # No float's tail: at most cents (or a tenth for percentages).
                assert abs(value * 100 - round(value * 100)) < 1e-6, where
            if value is None or value == "":
                continue
            if label in money:
                assert isinstance(value, int | float), where
                assert cell.number_format == MONEY_FORMAT, where
            elif label in whole:
                assert isinstance(value, int) and not isinstance(value, bool), where
                assert cell.number_format == WHOLE_FORMAT, where


@pytest.mark.parametrize("export", EXPORTS, ids=str)
def test_every_download_writes_money_with_cents_and_counts_whole(client, data, export):
    made = data["made"]
    client.force_login(made.admin if export.user == "admin" else made.manager)
    content = _download(client, export, data)
    money, whole = export.money, export.whole
    if export.report:
        money, whole = _report_kinds(client, export, data)
    header, rows = (_read_csv if export.fmt == "csv" else _read_xlsx)(content)
    assert rows, f"{export.name}: no rows in the test data"
    # Every declared column is in the file (a renamed column would go unchecked).
    assert money | whole <= set(header), (export.name, header)
    check = _check_csv if export.fmt == "csv" else _check_xlsx
    check(export.name, header, rows, money, whole)
    if money:  # the data holds amounts, not only blanks
        column = header.index(sorted(money)[0])
        assert any(
            (row[column] if export.fmt == "csv" else row[column].value)
            not in ("", None)
            for row in rows
        ), export.name
