"""sms.import_pipeline: one pipeline, one set of pages, one base command for every
import; problems grouped, unknown columns beside missing ones, --errors FILE."""

import csv
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from customers.models import Customer
from products.models import Product
from sms.import_pipeline import IMPORTS
from sms.views_imports import session_key
from tests.sms.factories import RepFactory, UserFactory

pytestmark = pytest.mark.django_db

NO_OWNER_ROWS = 30
NO_OWNER = "name\n" + "".join(f"Firm {n}\n" for n in range(NO_OWNER_ROWS))
PRODUCTS = (
    "sku,name,category,list_price,cost\n"
    "LAP-1,Laptop,Computers,999.00,700.00\n"
    "PAP-1,Paper,Office,4.50,2.00\n"
)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _command(name: str, path, *args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(name, str(path), *map(str, args), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _failing(name: str, path, *args) -> str:
    out = StringIO()
    with pytest.raises(CommandError):
        call_command(name, str(path), *map(str, args), stdout=out, stderr=StringIO())
    return out.getvalue()


def _upload(client, kind: str, text: str, **data):
    return client.post(
        reverse("imports:import-upload", args=[kind]),
        {"file": SimpleUploadedFile(f"{kind}.csv", text.encode(), "text/csv"), **data},
    )


def test_every_app_registers_its_declaration():
    assert {"customers", "products", "orders"} <= set(IMPORTS)
    assert IMPORTS["orders"].permission == "orders.import_order"


# Grouped problems ---------------------------------------------------------------


def test_the_command_prints_a_problem_of_many_rows_once_with_its_count_and_fix(
    tmp_path,
):
    path = tmp_path / "customers.csv"
    path.write_text(NO_OWNER, encoding="utf-8")
    out = _failing("import_customers", path)
    lines = out.splitlines()
    owner_lines = [line for line in lines if "column owner" in line]
    assert owner_lines == [
        f"{NO_OWNER_ROWS} rows, column owner: No owner, and no default owner for "
        f"new customers. (lines 2, 3, 4, 5, 6 and {NO_OWNER_ROWS - 5} more)"
    ]
    assert "  Fix: fill the owner column or pass --owner USER" in lines
    assert not Customer.objects.exists()


def test_values_in_quotes_do_not_split_a_group(tmp_path):
    path = tmp_path / "customers.csv"
    path.write_text("name,owner\nA,ghost1\nB,ghost2\nC,ghost3\n", encoding="utf-8")
    lines = _failing("import_customers", path).splitlines()
    assert "3 rows, column owner: Unknown user '…'. (lines 2, 3, 4)" in lines


def test_a_problem_of_one_row_keeps_its_own_line_and_values(tmp_path):
    path = tmp_path / "customers.csv"
    path.write_text("name,email\nA,nope\n", encoding="utf-8")
    out = _failing("import_customers", path, "--owner", RepFactory().username)
    assert "line 2, column email: 'nope' is not a valid e-mail address." in out


def test_the_preview_shows_a_problem_of_many_rows_once(manager_client):
    text = PRODUCTS + "".join(f"BAD-{n},Bad,Tools,abc,1\n" for n in range(12))
    preview = manager_client.get(_upload(manager_client, "products", text).url)
    [group] = preview.context["groups"]
    assert (group.count, group.column, group.lines) == (
        12,
        "list_price",
        [4, 5, 6, 7, 8],
    )
    assert group.text.startswith("'…' is not an amount")
    body = preview.content.decode()
    assert "4, 5, 6, 7, 8 and 7 more" in body
    assert len(preview.context["problems"]) == 12  # each row still listed below
    assert "Import only the 2 good rows" in body


def test_the_job_page_shows_the_problems_grouped(
    manager_client, settings, django_capture_on_commit_callbacks
):
    settings.SMS_IMPORT_INLINE_MAX_ROWS = 2
    text = PRODUCTS + "".join(f"BAD-{n},Bad,Tools,abc,1\n" for n in range(12))
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(manager_client, "products", text)
    page = manager_client.get(response.url)
    [group] = page.context["groups"]
    assert group["count"] == 12
    assert group["column"] == "list_price"
    assert group["lines"] == [4, 5, 6, 7, 8]
    assert group["lines_more"] == 7
    assert 'data-testid="import-groups"' in page.content.decode()


# Columns ------------------------------------------------------------------------


def test_unknown_columns_are_reported_beside_missing_ones(tmp_path, manager_client):
    text = "sku,nmae,category,list_price,cost,colour\nA-1,x,T,1,1,red\n"
    path = tmp_path / "products.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CommandError) as caught:
        _command("import_products", path)
    message = str(caught.value)
    assert "Missing column(s): name." in message
    assert "Unknown column(s): nmae, colour." in message
    response = _upload(manager_client, "products", text)
    [error] = response.context["form"].errors["file"]
    assert error.startswith(
        "Missing column(s): name. Unknown column(s): nmae, colour. Required: sku, "
        "name, category, list_price, cost."
    )


# --errors FILE --------------------------------------------------------------------


def test_errors_file_lists_every_bad_row_with_its_line(tmp_path):
    path = tmp_path / "customers.csv"
    rows = "".join(f"Firm {n},\n" for n in range(NO_OWNER_ROWS))
    good = f"Good Ltd,{RepFactory().username}\n"
    path.write_text("name,owner\n" + rows + good, encoding="utf-8")
    errors = tmp_path / "errors.csv"
    out = _failing("import_customers", path, "--errors", errors)
    rows = list(csv.DictReader(errors.open(encoding="utf-8")))
    assert [int(row["line"]) for row in rows] == list(range(2, NO_OWNER_ROWS + 2))
    assert rows[0]["name"] == "Firm 0"
    assert rows[0]["reason"].startswith("owner: No owner")
    assert f"Bad rows written to {errors}." in out
    assert not Customer.objects.exists()


def test_errors_file_needs_an_existing_folder(tmp_path):
    path = tmp_path / "products.csv"
    path.write_text(PRODUCTS, encoding="utf-8")
    with pytest.raises(CommandError, match="no folder"):
        _command("import_products", path, "--errors", tmp_path / "no" / "e.csv")
    assert not Product.objects.exists()


def test_owner_names_the_owner_of_rows_that_name_none(tmp_path):
    rep = RepFactory()
    path = tmp_path / "customers.csv"
    path.write_text(NO_OWNER, encoding="utf-8")
    out, err = _command("import_customers", path, "--owner", rep.username)
    assert f"Rows: {NO_OWNER_ROWS}, created: {NO_OWNER_ROWS}, updated: 0" in out
    assert "checking" in err and "writing" in err  # the progress bar
    assert Customer.objects.filter(owner=rep).count() == NO_OWNER_ROWS


# The one set of pages -------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "text", "model"),
    [("customers", "name\nAcme\nBeta\n", Customer), ("products", PRODUCTS, Product)],
)
def test_upload_preview_confirm_for_each_kind(manager_client, kind, text, model):
    upload_page = manager_client.get(reverse("imports:import-upload", args=[kind]))
    assert upload_page.status_code == 200
    assert 'enctype="multipart/form-data"' in upload_page.content.decode()
    response = _upload(manager_client, kind, text)
    token = manager_client.session[session_key(kind)]["token"]
    preview_url = reverse("imports:import-preview", args=[kind, token])
    assert response.url == preview_url
    preview = manager_client.get(preview_url)
    assert preview.context["writable"] == 2
    assert 'value="import"' in preview.content.decode()
    assert not model.objects.exists()
    done = manager_client.post(preview_url, {"action": "import"}, follow=True)
    assert done.context["done"]["created"] == 2
    assert model.objects.count() == 2


def test_reps_import_customers_but_not_products_or_orders(rep_client, rep):
    assert rep_client.get("/imports/customers/").status_code == 200
    for kind in ("products", "orders"):
        assert rep_client.get(f"/imports/{kind}/").status_code == 403
        assert _upload(rep_client, kind, PRODUCTS).status_code == 403
        preview = reverse("imports:import-preview", args=[kind, "0" * 32])
        assert rep_client.post(preview, {"action": "import"}).status_code == 403
    assert rep_client.get("/imports/nothing/").status_code == 404


def test_a_rep_imports_for_themselves_whatever_the_form_says(rep_client, rep):
    other = RepFactory()
    form = rep_client.get("/imports/customers/").context["form"]
    assert "default_owner" not in form.fields
    response = _upload(rep_client, "customers", "name\nAcme\n", default_owner=other.pk)
    rep_client.post(response.url, {"action": "import"})
    assert Customer.objects.get().owner == rep


def test_managers_choose_the_owner_of_new_customers(manager_client):
    rep = RepFactory()
    form = manager_client.get("/imports/customers/").context["form"]
    assert "default_owner" in form.fields
    response = _upload(
        manager_client, "customers", "name\nAcme\n", default_owner=rep.pk
    )
    manager_client.post(response.url, {"action": "import"})
    assert Customer.objects.get().owner == rep


def test_users_without_the_permission_get_403(client):
    client.force_login(UserFactory())
    for kind in ("customers", "products", "orders"):
        assert client.get(f"/imports/{kind}/").status_code == 403
