import pytest
from django.contrib.auth.models import Permission
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from orders.models import Order
from sms.views_imports import UPLOAD_DIR, session_key
from tests.orders.conftest import HISTORY_HEADER as HEADER
from tests.orders.test_importing import MIXED
from tests.sms.factories import UserFactory

SESSION_KEY = session_key("orders")
pytestmark = pytest.mark.django_db

IMPORT_URL = "/imports/orders/"
CLEAN = (
    HEADER
    + "A-1,C-1,2024-01-10,P-1,2,100,,,,,\n"
    + "A-1,C-1,2024-01-10,P-2,5,0.335,,,,,\n"
    + "A-2,C-2,2024-01-11,P-3,1,12,shipped,no,,,\n"
)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _upload(client, text: str | bytes):
    content = text.encode() if isinstance(text, str) else text
    return client.post(
        reverse("imports:import-upload", args=["orders"]),
        {"file": SimpleUploadedFile("orders.csv", content, "text/csv")},
    )


def _preview_url(client) -> str:
    return reverse(
        "imports:import-preview", args=["orders", client.session[SESSION_KEY]["token"]]
    )


def _uploads() -> list[str]:
    try:
        return default_storage.listdir(UPLOAD_DIR)[1]
    except FileNotFoundError:
        return []


def test_the_import_page_shows_the_form_and_the_columns(manager_client):
    assert reverse("imports:import-upload", args=["orders"]) == IMPORT_URL
    response = manager_client.get(IMPORT_URL)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'enctype="multipart/form-data"' in body
    for column in ("order_number", "unit_price", "discount_percent", "warehouse"):
        assert f"<code>{column}</code>" in body
    assert "<code>cancelled</code>" in body


def test_sales_reps_and_users_without_the_permission_get_403(rep_client, client, shop):
    assert rep_client.get(IMPORT_URL).status_code == 403
    assert _upload(rep_client, CLEAN).status_code == 403
    url = reverse("imports:import-preview", args=["orders", "0" * 32])
    assert rep_client.post(url, {"action": "import"}).status_code == 403
    problems = reverse("imports:import-problems", args=["orders", "0" * 32])
    assert rep_client.get(problems).status_code == 403
    client.force_login(UserFactory())
    assert client.get(IMPORT_URL).status_code == 403
    assert not Order.objects.exists()


def test_upload_preview_then_import_the_good_orders(manager_client, manager, shop):
    response = _upload(manager_client, MIXED)
    assert response.status_code == 302
    token = manager_client.session[SESSION_KEY]["token"]
    preview_url = reverse("imports:import-preview", args=["orders", token])
    assert response.url == preview_url
    assert len(_uploads()) == 1

    preview = manager_client.get(preview_url)
    body = preview.content.decode()
    assert preview.status_code == 200
    assert [(p.line, p.column) for p in preview.context["problems"]] == [
        (4, "customer"),
        (5, "order_date"),
        (6, "sku"),
        (7, "quantity"),
        (8, "unit_price"),
        (9, "status"),
    ]
    assert preview.context["result"].orders_to_create == 2
    assert "No customer has the external reference or e-mail" in body
    assert "Import only the 3 good rows" in body  # 2 orders, 3 lines
    assert 'value="import"' not in body  # no plain "Import" while rows are bad
    assert "Download bad rows (CSV)" in body
    assert not Order.objects.exists()  # nothing written by the preview

    done = manager_client.post(preview_url, {"action": "import-good"})
    assert done.status_code == 302
    assert set(Order.objects.values_list("number", flat=True)) == {"H-1", "H-8"}
    assert set(Order.objects.values_list("created_by", flat=True)) == {manager.pk}
    result = manager_client.get(done.url)
    assert result.context["done"] == {
        "created": 2,
        "updated": 0,
        "bad_rows": 6,
        "facts": [
            ["Orders created", 2],
            ["Lines created", 3],
            ["Products created", 0],
            ["Orders already present, left unchanged", 0],
            ["Orders left out (a bad line)", 6],
        ],
    }
    assert "Orders imported: 2 created, 0 updated." in result.content.decode()
    # The bad rows stay downloadable, as they were before the import.
    download = manager_client.get(
        reverse("imports:import-problems", args=["orders", token])
    )
    assert download["Content-Type"].startswith("text/csv")
    text = download.content.decode("utf-8-sig")
    assert text.splitlines()[0].endswith(",line,reason")
    assert len(text.splitlines()) == 7
    assert _uploads() == [f"{token}-bad-rows.csv"]


def test_a_clean_file_imports_with_one_click_and_its_upload_is_deleted(
    manager_client, shop
):
    _upload(manager_client, CLEAN)
    url = _preview_url(manager_client)
    preview = manager_client.get(url)
    assert 'value="import"' in preview.content.decode()
    assert "Every row is fine" in preview.content.decode()
    response = manager_client.post(url, {"action": "import"}, follow=True)
    assert response.redirect_chain[-1][0] == url
    assert response.context["done"]["created"] == 2
    assert "Download bad rows" not in response.content.decode()
    assert Order.objects.filter(imported=True).count() == 2
    assert _uploads() == []


def test_a_second_upload_of_the_same_file_shows_the_orders_as_present(
    manager_client, shop
):
    _upload(manager_client, CLEAN)
    manager_client.post(_preview_url(manager_client), {"action": "import"})
    _upload(manager_client, CLEAN)
    preview = manager_client.get(_preview_url(manager_client))
    body = preview.content.decode()
    assert preview.context["notes"] == [
        (2, "Order A-1 already exists; left unchanged."),
        (4, "Order A-2 already exists; left unchanged."),
    ]
    assert "Nothing new to import" in body
    assert 'value="import"' not in body
    assert preview.context["bad_rows"] == 0
    assert Order.objects.count() == 2


def test_import_when_rows_are_bad_writes_nothing(manager_client, shop):
    _upload(manager_client, MIXED)
    response = manager_client.post(_preview_url(manager_client), {"action": "import"})
    assert response.status_code == 200
    assert "Nothing was imported" in response.content.decode()
    assert not Order.objects.exists()


def test_unreadable_files_get_an_error_next_to_the_file_field(manager_client):
    latin = (HEADER + "A,Jos\xe9,2024-01-10,P-1,1,1,,,,,\n").encode("latin-1")
    response = _upload(manager_client, latin)
    assert response.status_code == 200
    assert "not UTF-8" in response.context["form"].errors["file"][0]
    response = _upload(manager_client, "order_number,customer\nA,B\n")
    assert "Missing column(s): order_date" in response.context["form"].errors["file"][0]
    response = _upload(manager_client, HEADER)
    assert "no rows" in response.context["form"].errors["file"][0]
    assert _uploads() == []


def test_the_page_refuses_files_too_large_for_a_request(manager_client, monkeypatch):
    monkeypatch.setattr("sms.forms_imports.MAX_IMPORT_ROWS", 2)
    response = _upload(manager_client, CLEAN)
    assert "at most 2" in response.context["form"].errors["file"][0]


def test_a_token_from_another_session_opens_nothing(manager_client, client, shop):
    _upload(manager_client, CLEAN)
    token = manager_client.session[SESSION_KEY]["token"]
    other = UserFactory()
    other.user_permissions.add(Permission.objects.get(codename="import_order"))
    client.force_login(other)
    url = reverse("imports:import-preview", args=["orders", token])
    response = client.post(url, {"action": "import"})
    assert response.status_code == 302
    assert response.url == IMPORT_URL
    problems = client.get(reverse("imports:import-problems", args=["orders", token]))
    assert problems.status_code == 302
    assert not Order.objects.exists()


def test_cancel_deletes_the_upload(manager_client, shop):
    _upload(manager_client, CLEAN)
    response = manager_client.post(_preview_url(manager_client), {"action": "cancel"})
    assert response.url == IMPORT_URL
    assert _uploads() == []
    assert not Order.objects.exists()


def test_a_new_upload_replaces_the_pending_one(manager_client, shop):
    _upload(manager_client, CLEAN)
    _upload(manager_client, MIXED)
    assert len(_uploads()) == 1
