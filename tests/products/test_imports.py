import csv
import io
from decimal import Decimal
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from products.imports import DECLARATION, product_row_validate
from products.models import Category, Product
from sms.import_pipeline import import_run
from sms.imports import RowError
from tests.products.factories import ProductFactory
from tests.sms.factories import AdminFactory

pytestmark = pytest.mark.django_db

HEADER = "sku,name,category,list_price,cost,unit,tax_rate,active,reorder_point\n"
GOOD_ROWS = (
    "lap-1,Laptop 14,Computers > Laptops,999.00,700.00,pcs,20,yes,3\n"
    "PAP-1,Copy paper A4,Paper,5.49,3.10,ream,20%,yes,100\n"
)
BAD_ROWS = (
    "MON-1,Monitor,Monitors,12,50,8.00,pcs,20,yes,2\n"  # line 4: a stray comma
    "MON-2,,Monitors,149.00,80.00,,,,\n"  # line 5: no name
    "MON-3,Monitor 27,Monitors,1.234,80.00,,,,\n"  # line 6: three decimals
    "MON-4,Monitor 32,A > B > C,149.00,80.00,,,,\n"  # line 7: three levels
    "MON-5,Monitor 34,Monitors,149.00,-1,,,,\n"  # line 8: negative cost
    "MON-6,Monitor 24,Monitors,149.00,80.00,crate,,,\n"  # line 9: unknown unit
    "MON-7,Monitor 22,Monitors,149.00,80.00,,101,,\n"  # line 10: tax over 100
    "MON-8,Monitor 20,Monitors,149.00,80.00,,,maybe,\n"  # line 11: active?
    "MON-9,Monitor 19,Monitors,149.00,80.00,,,,-2\n"  # line 12: negative reorder
    "PAP-1,Duplicate,Paper,1.00,1.00,,,,\n"  # line 13: duplicate of line 3
    "bad sku!,Thing,Paper,1.00,1.00,,,,\n"  # line 14: SKU characters
)


def _write(tmp_path, text: str):
    path = tmp_path / "products.csv"
    path.write_text(text, encoding="utf-8")
    return path


def _run(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_products", *[str(a) for a in args], stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_command_imports_a_good_file_and_prints_a_progress_bar_and_summary(tmp_path):
    out, err = _run(_write(tmp_path, HEADER + GOOD_ROWS))
    assert "Rows: 2, created: 2, updated: 0, bad rows: 0." in out
    assert "checking" in err and "2/2" in err
    laptop = Product.objects.get(sku="LAP-1")
    assert laptop.category.path == "Computers > Laptops"
    assert laptop.list_price == Decimal("999.00")
    assert laptop.reorder_point == 3
    paper = Product.objects.get(sku="PAP-1")
    assert paper.tax_rate == Decimal("20.00")
    assert paper.unit == Product.Unit.REAM


def test_command_reports_every_bad_row_with_its_line_and_writes_nothing(tmp_path):
    path = _write(tmp_path, HEADER + GOOD_ROWS + BAD_ROWS)
    out = StringIO()
    with pytest.raises(CommandError, match=r"11 bad row\(s\); nothing was written"):
        call_command("import_products", str(path), stdout=out, stderr=StringIO())
    report = out.getvalue()
    for line in range(4, 15):
        assert f"line {line}" in report, line
    assert "line 5, column name: Required." in report
    assert "line 6, column list_price:" in report
    assert "line 7, column category:" in report
    assert "line 8, column cost: Must not be negative." in report
    assert "line 9, column unit: Unknown unit 'crate'" in report
    assert "line 10, column tax_rate: Must be at most 100." in report
    assert "line 11, column active:" in report
    assert "line 12, column reorder_point: Must not be negative." in report
    assert "line 13: Duplicate of line 3 in this file." in report
    assert "line 14, column sku:" in report
    assert not [row for row in report.splitlines() if row.startswith("line 3")]
    assert not Product.objects.exists()
    assert not Category.objects.exists()


def test_command_dry_run_writes_nothing(tmp_path):
    out, _err = _run(_write(tmp_path, HEADER + GOOD_ROWS), "--dry-run")
    assert "Rows: 2, bad rows: 0. Nothing was written." in out
    assert "New products: 2" in out
    assert not Product.objects.exists()
    assert not Category.objects.exists()


def test_command_good_rows_only_writes_the_good_rows_and_the_bad_rows_file(tmp_path):
    problems = tmp_path / "problems.csv"
    out, _err = _run(
        _write(tmp_path, HEADER + GOOD_ROWS + BAD_ROWS),
        "--good-rows-only",
        "--problems",
        problems,
    )
    assert "Rows: 13, created: 2, updated: 0, bad rows: 11." in out
    assert set(Product.objects.values_list("sku", flat=True)) == {"LAP-1", "PAP-1"}
    rows = list(csv.DictReader(io.StringIO(problems.read_text())))
    assert [int(r["line"]) for r in rows] == list(range(4, 15))
    assert rows[1]["reason"] == "name: Required."
    assert rows[1]["sku"] == "MON-2"


def test_reimporting_the_same_file_is_idempotent_on_sku(tmp_path):
    path = _write(tmp_path, HEADER + GOOD_ROWS)
    _run(path)
    history = sum(p.history.count() for p in Product.objects.all())
    out, _err = _run(path)
    assert "created: 0, updated: 0, bad rows: 0." in out
    assert "Unchanged: 2" in out
    assert Product.objects.count() == 2
    assert sum(p.history.count() for p in Product.objects.all()) == history
    assert Category.objects.count() == 3  # Computers, Laptops, Paper


def test_reimport_updates_changed_rows_and_keeps_blank_optional_values(tmp_path):
    ProductFactory(sku="LAP-1", reorder_point=7, list_price=Decimal("900.00"))
    path = _write(
        tmp_path,
        "sku,name,category,list_price,cost,reorder_point\n"
        "LAP-1,Laptop 14,Computers,949.00,700.00,\n",
    )
    out, _err = _run(path)
    assert "created: 0, updated: 1" in out
    laptop = Product.objects.get(sku="LAP-1")
    assert laptop.list_price == Decimal("949.00")
    assert laptop.reorder_point == 7  # blank keeps the current value
    assert laptop.history.first().list_price == Decimal("949.00")


def test_command_refuses_missing_and_unknown_columns(tmp_path):
    with pytest.raises(CommandError, match="Missing column"):
        _run(_write(tmp_path, "sku,name\nA,B\n"))
    with pytest.raises(CommandError, match="Unknown column"):
        _run(_write(tmp_path, "sku,name,category,list_price,cost,colour\n"))


def test_the_documented_example_file_imports_cleanly(settings):
    path = settings.BASE_DIR / "docs" / "examples" / "products.csv"
    out, _err = _run(path)
    assert "created: 5" in out
    assert Product.objects.get(sku="FUR-2010").is_active is False


def test_row_validation_reports_the_column():
    values = {"sku": "A", "name": "B", "category": "C", "list_price": "x", "cost": "1"}
    with pytest.raises(RowError) as caught:
        product_row_validate(values)
    assert caught.value.column == "list_price"


def test_an_exported_file_can_be_imported_again(manager_client):
    ProductFactory(sku="EXP-1", name="Exported")
    response = manager_client.get(reverse("products:product-list") + "?export=csv")
    text = response.content.decode("utf-8-sig")
    result, _planner = import_run(DECLARATION, file=io.StringIO(text), dry_run=True)
    assert result.problems == []
    assert result.rows == 1


# The import page --------------------------------------------------------------------


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _upload(client, text: str):
    upload = SimpleUploadedFile("p.csv", text.encode(), content_type="text/csv")
    return client.post(
        reverse("imports:import-upload", args=["products"]), {"file": upload}
    )


def test_page_upload_preview_and_confirm(manager_client, manager, media):
    response = _upload(manager_client, HEADER + GOOD_ROWS)
    assert response.status_code == 302
    preview_url = response.url
    preview = manager_client.get(preview_url)
    body = preview.content.decode()
    assert preview.status_code == 200
    assert 'data-testid="good-rows">2<' in body
    assert "New products: <strong>2</strong>" in body
    assert not Product.objects.exists()  # the preview writes nothing

    done = manager_client.post(preview_url, {"action": "import"})
    assert done.status_code == 302
    assert done.url == preview_url  # the result
    assert manager_client.get(done.url).context["done"]["created"] == 2
    assert Product.objects.count() == 2
    assert Product.objects.get(sku="LAP-1").history.get().history_user == manager
    again = manager_client.post(preview_url, {"action": "import"})
    assert again.status_code == 200  # the result again: the upload is gone
    assert Product.objects.count() == 2


def test_page_shows_every_bad_row_and_writes_nothing_unless_asked(
    manager_client, media
):
    preview_url = _upload(manager_client, HEADER + GOOD_ROWS + BAD_ROWS).url
    body = manager_client.get(preview_url).content.decode()
    assert 'data-testid="bad-rows">11<' in body
    assert "Download bad rows" in body
    assert "Import only the 2 good rows" in body

    refused = manager_client.post(preview_url, {"action": "import"})
    assert refused.status_code == 200
    assert "Nothing was imported" in refused.content.decode()
    assert not Product.objects.exists()

    problems = manager_client.get(
        reverse(
            "imports:import-problems", args=["products", preview_url.split("/")[-2]]
        )
    )
    assert problems["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(problems.content.decode("utf-8-sig"))))
    assert len(rows) == 11
    assert rows[0]["line"] == "4"

    done = manager_client.post(preview_url, {"action": "import-good"})
    assert done.status_code == 302
    assert Product.objects.count() == 2


def test_page_rejects_an_unreadable_file_with_a_field_error(manager_client, media):
    response = _upload(manager_client, "name,price\nx,1\n")
    assert response.status_code == 200
    assert "Missing column(s): sku" in response.content.decode()


def test_another_users_upload_is_not_found(client, manager_client, media):
    preview_url = _upload(manager_client, HEADER + GOOD_ROWS).url
    from tests.sms.factories import ManagerFactory

    client.force_login(ManagerFactory())
    upload_url = reverse("imports:import-upload", args=["products"])
    assert client.get(preview_url).url == upload_url  # not waiting for them
    assert client.post(preview_url, {"action": "import"}).url == upload_url
    assert not Product.objects.exists()


def test_page_cancel_deletes_the_upload(manager_client, media):
    preview_url = _upload(manager_client, HEADER + GOOD_ROWS).url
    response = manager_client.post(preview_url, {"action": "cancel"})
    assert response.status_code == 302
    assert not list(media.rglob("*.csv"))  # the upload is deleted
    assert manager_client.get(preview_url).status_code == 302  # no longer waiting
    assert not Product.objects.exists()


def test_reps_cannot_import(rep_client, media):
    assert (
        rep_client.get(reverse("imports:import-upload", args=["products"])).status_code
        == 403
    )
    assert _upload(rep_client, HEADER + GOOD_ROWS).status_code == 403


def test_example_file_download(manager_client):
    response = manager_client.get(reverse("products:product-import-example"))
    assert response.status_code == 200
    assert b"sku,name,category" in b"".join(response.streaming_content)


# The admin import (django-import-export) --------------------------------------------


def test_admin_import_applies_the_same_row_rules(client):
    client.force_login(AdminFactory())
    url = reverse("admin:products_product_import")
    assert client.get(url).status_code == 200
    bad = SimpleUploadedFile(
        "p.csv",
        (HEADER + GOOD_ROWS + "MON-2,,Monitors,149.00,80.00,,,,\n").encode(),
        content_type="text/csv",
    )
    response = client.post(
        url, {"import_file": bad, "format": "0", "resource": "0"}, follow=True
    )
    body = response.content.decode()
    assert "Required." in body
    assert "confirm_form" not in response.context  # no way to write a bad file
    assert not Product.objects.exists()

    good = SimpleUploadedFile(
        "p.csv", (HEADER + GOOD_ROWS).encode(), content_type="text/csv"
    )
    response = client.post(url, {"import_file": good, "format": "0", "resource": "0"})
    assert response.status_code == 200
    assert not Product.objects.exists()  # the first step is a dry run
    form = response.context["confirm_form"]
    confirm = client.post(
        reverse("admin:products_product_process_import"),
        {name: form[name].value() for name in form.fields},
    )
    assert confirm.status_code == 302
    assert Product.objects.get(sku="LAP-1").category.path == "Computers > Laptops"
