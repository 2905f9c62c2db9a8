import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from customers.models import Customer
from sms.views_imports import UPLOAD_DIR, session_key
from tests.customers.factories import CustomerFactory
from tests.customers.test_importing import MIXED
from tests.sms.factories import RepFactory, UserFactory

SESSION_KEY = session_key("customers")
pytestmark = pytest.mark.django_db

IMPORT_URL = "/imports/customers/"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _upload(client, text: str | bytes, **data):
    content = text.encode() if isinstance(text, str) else text
    return client.post(
        reverse("imports:import-upload", args=["customers"]),
        {"file": SimpleUploadedFile("customers.csv", content, "text/csv"), **data},
    )


def _uploads() -> list[str]:
    try:
        return default_storage.listdir(UPLOAD_DIR)[1]
    except FileNotFoundError:
        return []


def test_the_import_page_shows_the_form_and_the_columns(manager_client):
    assert reverse("imports:import-upload", args=["customers"]) == IMPORT_URL
    response = manager_client.get(IMPORT_URL)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'enctype="multipart/form-data"' in body
    assert "payment_terms_days" in body
    assert "default_owner" in response.context["form"].fields


def test_users_without_the_permission_get_403(client):
    client.force_login(UserFactory())
    assert client.get(IMPORT_URL).status_code == 403
    assert _upload(client, "name\nAcme\n").status_code == 403


def test_upload_preview_then_import_the_good_rows(manager_client, rep):
    response = _upload(manager_client, MIXED, default_owner=rep.pk)
    assert response.status_code == 302
    preview_url = response.url
    token = manager_client.session[SESSION_KEY]["token"]
    assert preview_url == reverse("imports:import-preview", args=["customers", token])
    assert len(_uploads()) == 1

    preview = manager_client.get(preview_url)
    body = preview.content.decode()
    assert preview.status_code == 200
    assert [(p.line, p.column) for p in preview.context["problems"]] == [
        (3, "name"),
        (4, "email"),
        (5, "industry"),
        (6, "kind"),
        (7, "owner"),
    ]
    assert preview.context["result"].to_create == 2
    assert "A name is required." in body
    assert "Import only the 2 good rows" in body
    assert 'value="import"' not in body  # no plain "Import" while rows are bad
    assert "Download bad rows (CSV)" in body
    assert not Customer.objects.exists()  # nothing written by the preview

    done = manager_client.post(preview_url, {"action": "import-good"})
    assert done.status_code == 302
    assert set(Customer.objects.values_list("external_ref", flat=True)) == {
        "A-1",
        "A-7",
    }
    assert set(Customer.objects.values_list("owner", flat=True)) == {rep.pk}
    result = manager_client.get(done.url)
    assert result.context["done"] == {
        "created": 2,
        "updated": 0,
        "bad_rows": 5,
        "facts": [],
    }
    # The bad rows stay downloadable, as they were before the import.
    download = manager_client.get(
        reverse("imports:import-problems", args=["customers", token])
    )
    assert download["Content-Type"].startswith("text/csv")
    text = download.content.decode("utf-8-sig")
    assert text.splitlines()[0].endswith(",line,reason")
    assert len(text.splitlines()) == 6
    assert _uploads() == [f"{token}-bad-rows.csv"]


def test_a_clean_file_imports_with_one_click_and_its_upload_is_deleted(rep_client, rep):
    _upload(rep_client, "name,email\nAcme,a@acme.test\nBeta,b@beta.test\n")
    token = rep_client.session[SESSION_KEY]["token"]
    url = reverse("imports:import-preview", args=["customers", token])
    assert 'value="import"' in rep_client.get(url).content.decode()
    response = rep_client.post(url, {"action": "import"}, follow=True)
    assert response.redirect_chain[-1][0] == url  # the result
    assert "Customers imported: 2 created, 0 updated." in response.content.decode()
    assert "Download bad rows" not in response.content.decode()
    assert Customer.objects.filter(owner=rep).count() == 2  # a rep's own
    assert rep_client.session[SESSION_KEY]["path"] == ""
    assert _uploads() == []


def test_a_rep_cannot_choose_another_owner(rep_client, rep):
    other = RepFactory()
    form = rep_client.get(IMPORT_URL).context["form"]
    assert "default_owner" not in form.fields
    _upload(rep_client, "name\nAcme\n", default_owner=other.pk)
    url = reverse(
        "imports:import-preview",
        args=["customers", rep_client.session[SESSION_KEY]["token"]],
    )
    rep_client.post(url, {"action": "import"})
    assert Customer.objects.get().owner == rep


def test_import_when_rows_are_bad_writes_nothing(manager_client):
    _upload(manager_client, MIXED)
    url = reverse(
        "imports:import-preview",
        args=["customers", manager_client.session[SESSION_KEY]["token"]],
    )
    response = manager_client.post(url, {"action": "import"})
    assert response.status_code == 200
    assert "Nothing was imported" in response.content.decode()
    assert not Customer.objects.exists()


def test_unreadable_files_get_an_error_next_to_the_file_field(manager_client):
    latin = "name\nJos\xe9\n".encode("latin-1")
    response = _upload(manager_client, latin)
    assert response.status_code == 200
    assert "not UTF-8" in response.context["form"].errors["file"][0]
    response = _upload(manager_client, "email\nx@y.test\n")
    [error] = response.context["form"].errors["file"]
    assert error.startswith("Missing column(s): name. Required: name.")
    response = _upload(manager_client, "name\n")
    assert "no rows" in response.context["form"].errors["file"][0]
    assert 'class="invalid-feedback' in response.content.decode()
    assert _uploads() == []


def test_the_page_refuses_files_too_large_for_a_request(manager_client, monkeypatch):
    monkeypatch.setattr("sms.forms_imports.MAX_IMPORT_ROWS", 2)
    response = _upload(manager_client, "name\nA\nB\nC\n")
    assert "at most 2" in response.context["form"].errors["file"][0]


def test_a_token_from_another_session_opens_nothing(manager_client, client, rep):
    _upload(manager_client, "name\nAcme\n")
    token = manager_client.session[SESSION_KEY]["token"]
    client.force_login(rep)
    url = reverse("imports:import-preview", args=["customers", token])
    response = client.post(url, {"action": "import"})
    assert response.status_code == 302
    assert response.url == IMPORT_URL
    problems = client.get(reverse("imports:import-problems", args=["customers", token]))
    assert problems.status_code == 302
    assert not Customer.objects.exists()


def test_path_like_tokens_never_reach_the_storage(manager_client):
    _upload(manager_client, "name\nAcme\n")
    response = manager_client.get("/customers/import/..%2F..%2Fsettings.py/")
    assert response.status_code in (302, 404)


def test_cancel_deletes_the_upload(manager_client):
    _upload(manager_client, "name\nAcme\n")
    token = manager_client.session[SESSION_KEY]["token"]
    url = reverse("imports:import-preview", args=["customers", token])
    response = manager_client.post(url, {"action": "cancel"})
    assert response.url == IMPORT_URL
    assert _uploads() == []
    assert not Customer.objects.exists()


def test_a_new_upload_replaces_the_pending_one(manager_client):
    _upload(manager_client, "name\nAcme\n")
    _upload(manager_client, "name\nBeta\n")
    assert len(_uploads()) == 1


def test_reimport_through_the_page_reports_updates(manager_client):
    CustomerFactory(external_ref="A-1", name="Acme")
    _upload(manager_client, "external_ref,name\nA-1,Acme\nA-2,Beta\n")
    url = reverse(
        "imports:import-preview",
        args=["customers", manager_client.session[SESSION_KEY]["token"]],
    )
    result = manager_client.get(url).context["result"]
    assert (result.to_create, result.to_update) == (1, 1)
