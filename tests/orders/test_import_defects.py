"""Issue #13: order rows an import used to take silently, through the page and the
command: impossible dates, a repeated row, cells beyond the header, a quote never
closed. Each is a bad row with its line and reason, and nothing is written."""

import csv
import io
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from orders.models import Order, OrderLine
from sms.views_imports import session_key
from tests.orders.conftest import HISTORY_HEADER as HEADER

SESSION_KEY = session_key("orders")
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _preview(client, text: str):
    response = client.post(
        reverse("imports:import-upload", args=["orders"]),
        {"file": SimpleUploadedFile("orders.csv", text.encode(), "text/csv")},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    token = client.session[SESSION_KEY]["token"]
    url = reverse("imports:import-preview", args=["orders", token])
    return url, client.get(url)


def _problems(response) -> list[tuple[int, str, str]]:
    return [(p.line, p.column, p.message) for p in response.context["problems"]]


def _command(path) -> str:
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError, match="1 bad row"):
        call_command("import_orders", str(path), stdout=out, stderr=err)
    return out.getvalue() + err.getvalue()


@pytest.mark.parametrize(
    ("day", "reason"),
    [
        ("0001-01-01", "before 1970-01-01"),
        ("1969-12-31", "before 1970-01-01"),
        ("2999-01-01", "in the future"),
    ],
)
def test_impossible_order_dates_are_bad_rows_on_their_line(
    manager_client, shop, day, reason
):
    text = (
        HEADER + "A-1,C-1,2024-01-10,P-1,1,10,,,,,\n" + f"A-2,C-1,{day},P-1,1,10,,,,,\n"
    )
    url, response = _preview(manager_client, text)
    problems = _problems(response)
    assert [(line, column) for line, column, _m in problems] == [(3, "order_date")]
    assert reason in problems[0][2]
    manager_client.post(url, {"action": "import"})
    assert not Order.objects.exists()


def test_1970_01_01_is_the_earliest_date_taken(manager_client, shop):
    url, response = _preview(
        manager_client, HEADER + "A-1,C-1,1970-01-01,P-1,1,10,,,,,\n"
    )
    assert _problems(response) == []
    manager_client.post(url, {"action": "import"})
    assert Order.objects.get().order_date.isoformat() == "1970-01-01"


def test_the_command_refuses_year_one_with_the_line(shop, tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text(HEADER + "A-1,C-1,0001-01-01,P-1,1,10,,,,,\n", encoding="utf-8")
    output = _command(path)
    assert "Line 2" in output or "line 2" in output, output
    assert "before 1970-01-01" in output
    assert not Order.objects.exists()


def test_a_repeated_row_is_reported_not_doubled(manager_client, shop):
    row = "A-1,C-1,2024-01-10,P-1,2,100,,,,,\n"
    text = HEADER + row + "A-1,C-1,2024-01-10,P-2,1,5,,,,,\n" + row
    url, response = _preview(manager_client, text)
    problems = _problems(response)
    assert [(line, column) for line, column, _m in problems if line == 4] == [(4, "")]
    assert "Repeats line 2" in {p[0]: p[2] for p in problems}[4]
    # The order is left out whole even with good rows only: nothing doubles.
    manager_client.post(url, {"action": "import-good"})
    assert not OrderLine.objects.exists()


def test_the_same_sku_at_another_price_is_a_line_of_its_own(manager_client, shop):
    text = (
        HEADER
        + "A-1,C-1,2024-01-10,P-1,2,100,,,,,\n"
        + "A-1,C-1,2024-01-10,P-1,1,0,,,,,\n"  # a free unit: not a repeat
    )
    url, response = _preview(manager_client, text)
    assert _problems(response) == []
    manager_client.post(url, {"action": "import"})
    assert OrderLine.objects.count() == 2


def test_cells_beyond_the_header_are_reported(manager_client, shop):
    text = (
        HEADER
        + "A-1,C-1,2024-01-10,P-1,2,100,,,,,\n"
        + "A-2,C-1,2024-01-10,P-1,2,100,,,,,,oops\n"
        + "A-3,C-1,2024-01-10,P-1,2,100,,,,,,\n"  # an empty trailing cell: harmless
    )
    url, response = _preview(manager_client, text)
    problems = _problems(response)
    assert [(line, column) for line, column, _m in problems] == [(3, "")]
    assert "beyond the 11 columns" in problems[0][2]
    assert "oops" in problems[0][2]
    manager_client.post(url, {"action": "import"})
    assert not Order.objects.exists()


def test_an_unterminated_last_quote_is_reported(manager_client, shop):
    text = (
        HEADER
        + "A-1,C-1,2024-01-10,P-1,2,100,,,,,\n"
        + 'A-2,C-1,2024-01-10,P-1,2,"100,,,,,\n'
    )
    url, response = _preview(manager_client, text)
    problems = _problems(response)
    assert [(line, column) for line, column, _m in problems] == [(3, "")]
    assert "never closed" in problems[0][2]
    manager_client.post(url, {"action": "import"})
    assert not Order.objects.exists()


def test_the_bad_rows_download_lists_each_defect(manager_client, shop):
    text = (
        HEADER
        + "A-1,C-1,0001-01-01,P-1,2,100,,,,,\n"
        + "A-2,C-1,2024-01-10,P-1,2,100,,,,,,x\n"
        + 'A-3,C-1,2024-01-10,P-1,2,"100,,,,,\n'
    )
    url, _response = _preview(manager_client, text)
    download = manager_client.get(url + "bad-rows.csv")
    rows = list(csv.DictReader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert [row["line"] for row in rows] == ["2", "3", "4"]
