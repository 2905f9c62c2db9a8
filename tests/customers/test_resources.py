"""The django-import-export resource behind the admin's import and export."""

import pytest
import tablib

from customers.models import Customer
from customers.resources import CustomerResource
from tests.customers.factories import CustomerFactory
from tests.sms.factories import AdminFactory

pytestmark = pytest.mark.django_db


def _dataset(text: str) -> tablib.Dataset:
    return tablib.Dataset().load(text, format="csv")


def _import(text: str, *, user, dry_run=False):
    return CustomerResource().import_data(
        _dataset(text), dry_run=dry_run, user=user, rollback_on_validation_errors=True
    )


def test_a_valid_file_imports_through_the_services():
    admin = AdminFactory()
    result = _import(
        'external_ref,name,email,tags\nE-1,Acme Ltd,a@acme.test,"vip, eco"\n',
        user=admin,
    )
    assert not result.has_errors()
    assert not result.has_validation_errors()
    assert result.totals["new"] == 1
    acme = Customer.objects.get(external_ref="E-1")
    assert acme.owner == admin  # blank owner: the importing user
    assert acme.email_key == "a@acme.test"
    assert sorted(acme.tags.values_list("name", flat=True)) == ["eco", "vip"]
    assert acme.history.count() == 1


def test_rows_match_on_external_ref_and_update():
    admin = AdminFactory()
    customer = CustomerFactory(external_ref="E-1", name="Old")
    result = _import("external_ref,name\nE-1,New\n", user=admin)
    assert result.totals["update"] == 1
    customer.refresh_from_db()
    assert customer.name == "New"
    assert Customer.objects.count() == 1


def test_a_bad_row_is_rejected_with_its_column_and_nothing_is_written():
    admin = AdminFactory()
    CustomerFactory(email="taken@x.test")
    text = (
        "name,email,industry\n"
        "Good,good@x.test,retail\n"
        "Bad,not-an-email,retail\n"
        "Dupe,TAKEN@x.test,\n"
        "Odd,,spaceflight\n"
    )
    result = _import(text, user=admin)
    assert result.has_validation_errors()
    invalid = {row.number: row.field_specific_errors for row in result.invalid_rows}
    assert set(invalid) == {2, 3, 4}
    assert "not a valid e-mail" in invalid[2]["email"][0]
    assert "Same e-mail as existing customer" in invalid[3]["email"][0]
    assert "Allowed:" in invalid[4]["industry"][0]
    assert Customer.objects.count() == 1  # rolled back: only the existing one


def test_a_file_without_a_name_column_is_an_error():
    result = _import("email\nx@y.test\n", user=AdminFactory())
    assert result.has_errors()
    assert "Missing column(s): name" in str(result.base_errors[0].error)


def test_export_uses_the_import_columns_and_escapes_formulas():
    CustomerFactory(
        name='=HYPERLINK("http://evil")', external_ref="E-1", tags=["b", "a"]
    )
    dataset = CustomerResource().export()
    assert dataset.headers[:3] == ["external_ref", "kind", "name"]
    row = dict(zip(dataset.headers, dataset[0], strict=True))
    assert row["name"].startswith("'=")
    assert row["tags"] == "a, b"
    assert row["phone"].startswith("'+44")  # a leading + would be a formula too


def test_an_export_imports_back_unchanged():
    admin = AdminFactory()
    customer = CustomerFactory(external_ref="E-1", name="=1+1 Ltd", tags=["vip"])
    exported = CustomerResource().export().export("csv")
    result = _import(exported, user=admin)
    assert not result.has_validation_errors(), [
        r.error_dict for r in result.invalid_rows
    ]
    assert result.totals["update"] == 1
    customer.refresh_from_db()
    assert customer.name == "=1+1 Ltd"
    assert customer.phone.startswith("+44")


@pytest.mark.urls("tests.customers.urls_admin_probe")
def test_the_admin_import_previews_then_imports(client, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    admin = AdminFactory()
    client.force_login(admin)
    url = "/probe-admin/customers/customer/import/"
    form = client.get(url).context["form"]
    csv_format = next(v for v, label in form.fields["format"].choices if label == "csv")
    upload = SimpleUploadedFile(
        "c.csv", b"external_ref,name,email\nE-1,Acme,a@acme.test\nE-2,Bad,nope\n"
    )
    preview = client.post(
        url, {"resource": "0", "import_file": upload, "format": csv_format}
    )
    assert preview.status_code == 200
    assert preview.context["result"].has_validation_errors()
    assert "not a valid e-mail" in preview.content.decode()
    assert "confirm_form" not in preview.context or not preview.context["confirm_form"]
    assert not Customer.objects.exists()

    good = SimpleUploadedFile("c.csv", b"external_ref,name\nE-1,Acme\n")
    preview = client.post(
        url, {"resource": "0", "import_file": good, "format": csv_format}
    )
    confirm = preview.context["confirm_form"]
    done = client.post(
        "/probe-admin/customers/customer/process_import/",
        {**confirm.initial, "resource": "0"},
    )
    assert done.status_code == 302
    assert Customer.objects.get().owner == admin
