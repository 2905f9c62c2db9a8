"""Issue #13: uploads over SMS_IMPORT_INLINE_MAX_ROWS are checked and imported by a
background job (sms.import_jobs) with a progress page, never within the request.

Tasks run eagerly here (as without a broker); the last test uses a real worker.
"""

import csv
import io
import time
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import close_old_connections
from django.urls import reverse
from django.utils import timezone

from customers.models import Customer
from orders.models import Order, OrderLine
from products.models import Product
from sms import import_jobs
from sms.import_jobs import import_job_execute, import_jobs_sweep
from sms.models import ImportJob
from tests.orders.conftest import (
    HISTORY_HEADER,
    shop,  # noqa: F401 - the fixture
)
from tests.sms.factories import RepFactory

pytestmark = pytest.mark.django_db

PRODUCTS_HEADER = "sku,name,category,list_price,cost\n"
FORMULA = '=HYPERLINK("http://evil.example/","x")'


@pytest.fixture(autouse=True)
def _small_inline_limit(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SMS_IMPORT_INLINE_MAX_ROWS = 2


def _products(n: int, *, bad: dict[int, str] | None = None) -> str:
    lines = [PRODUCTS_HEADER]
    for i in range(n):
        lines.append((bad or {}).get(i, f"P-{i},Product {i},Tools,10.00,4.00") + "\n")
    return "".join(lines)


def _upload(client, kind: str, text: str, **data):
    return client.post(
        reverse("imports:import-upload", args=[kind]),
        {"file": SimpleUploadedFile("big.csv", text.encode(), "text/csv"), **data},
    )


def _job_page(client, django_capture_on_commit_callbacks, kind, text, **data):
    """Upload; the check runs after commit (eagerly here); follow to the job page."""
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(client, kind, text, **data)
    assert response.status_code == 302, response.content.decode()[:2000]
    job = ImportJob.objects.get()
    assert response.url == reverse("imports:import-job", args=[job.pk])
    return job, client.get(response.url)


def _confirm(client, django_capture_on_commit_callbacks, job, action="import"):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(job.get_absolute_url(), {"action": action})
    assert response.status_code == 302
    return client.get(response.url)


def test_a_large_product_upload_is_checked_by_a_job_not_the_request(
    manager_client, django_capture_on_commit_callbacks
):
    job, page = _job_page(
        manager_client,
        django_capture_on_commit_callbacks,
        "products",
        _products(3),
    )
    job.refresh_from_db()
    assert (job.kind, job.mode, job.status, job.rows) == (
        "products",
        "check",
        "done",
        3,
    )
    assert page.status_code == 200
    body = page.content.decode()
    assert "Check before importing" in body
    assert 'data-testid="good-rows">3<' in body
    assert not Product.objects.exists()  # nothing is written before the confirmation

    page = _confirm(manager_client, django_capture_on_commit_callbacks, job)
    job.refresh_from_db()
    assert (job.mode, job.status, job.summary["created"]) == ("import", "done", 3)
    assert "Import done" in page.content.decode()
    assert Product.objects.count() == 3
    assert job.file == ""  # the upload is deleted once imported
    assert job.run_seconds >= 0


def test_small_uploads_stay_inline(manager_client):
    response = _upload(manager_client, "products", _products(2))
    assert response.status_code == 302
    assert response.url.startswith("/imports/products/")  # the inline preview
    assert not ImportJob.objects.exists()
    assert not ImportJob.objects.exists()


def test_bad_rows_of_a_job_are_listed_with_lines_and_downloadable_escaped(
    manager_client, django_capture_on_commit_callbacks
):
    text = _products(
        4, bad={1: f'P-1,"{FORMULA.replace(chr(34), 2 * chr(34))}",Tools,abc,1'}
    )
    job, page = _job_page(
        manager_client,
        django_capture_on_commit_callbacks,
        "products",
        text,
    )
    problems = page.context["problems"]
    assert [(p["line"], p["column"], p["key"]) for p in problems] == [
        (3, "list_price", "P-1")
    ]
    assert 'data-testid="bad-rows">1<' in page.content.decode()
    download = manager_client.get(reverse("imports:import-job-problems", args=[job.pk]))
    rows = list(csv.DictReader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert rows[0]["name"] == "'" + FORMULA
    assert rows[0]["line"] == "3"

    # All or nothing: a plain import is refused while a row is bad ...
    page = _confirm(manager_client, django_capture_on_commit_callbacks, job)
    assert "Nothing is imported while any row is bad" in page.content.decode()
    assert not Product.objects.exists()
    # ... the good rows only, on request.
    page = _confirm(
        manager_client, django_capture_on_commit_callbacks, job, "import-good"
    )
    job.refresh_from_db()
    assert job.status == "done" and job.summary["written"]
    assert sorted(Product.objects.values_list("sku", flat=True)) == [
        "P-0",
        "P-2",
        "P-3",
    ]


def test_a_job_is_confirmed_once(manager_client, django_capture_on_commit_callbacks):
    job, _page = _job_page(
        manager_client,
        django_capture_on_commit_callbacks,
        "products",
        _products(3),
    )
    _confirm(manager_client, django_capture_on_commit_callbacks, job)
    page = _confirm(manager_client, django_capture_on_commit_callbacks, job)
    assert "not waiting for a confirmation" in page.content.decode()
    assert Product.objects.count() == 3


def test_cancel_deletes_the_upload(manager_client, django_capture_on_commit_callbacks):
    job, _page = _job_page(
        manager_client,
        django_capture_on_commit_callbacks,
        "products",
        _products(3),
    )
    path = ImportJob.objects.get().file
    assert default_storage.exists(path)
    manager_client.post(job.get_absolute_url(), {"action": "cancel"})
    job.refresh_from_db()
    assert job.status == "cancelled"
    assert not default_storage.exists(path)
    assert not Product.objects.exists()


def test_customer_uploads_run_as_jobs_with_the_chosen_owner(
    manager_client, django_capture_on_commit_callbacks, rep
):
    text = "name,email\nAcme,a@acme.test\nBeta,b@beta.test\nGamma,c@gamma.test\n"
    job, _page = _job_page(
        manager_client,
        django_capture_on_commit_callbacks,
        "customers",
        text,
        default_owner=rep.pk,
    )
    assert ["New customers", 3] in job.__class__.objects.get().summary["facts"]
    _confirm(manager_client, django_capture_on_commit_callbacks, job)
    assert set(Customer.objects.values_list("owner", flat=True)) == {rep.pk}


@pytest.mark.usefixtures("shop")
def test_order_uploads_run_as_jobs_and_report_repeated_rows(
    manager_client, django_capture_on_commit_callbacks
):
    row = "A-1,C-1,2024-01-10,P-1,2,100,,,,,\n"
    text = HISTORY_HEADER + row + "A-2,C-1,0001-01-01,P-1,1,5,,,,,\n" + row
    job, page = _job_page(
        manager_client, django_capture_on_commit_callbacks, "orders", text
    )
    problems = {p["line"]: p["message"] for p in page.context["problems"]}
    assert set(problems) == {2, 3, 4}  # line 2: its order has a bad line
    assert "before 1970-01-01" in problems[3]
    assert "Repeats line 2" in problems[4]
    _confirm(manager_client, django_capture_on_commit_callbacks, job, "import-good")
    assert not Order.objects.exists()  # A-1 is left out whole: nothing doubles
    assert not OrderLine.objects.exists()


def test_only_the_uploader_and_managers_see_a_job(
    client, manager_client, django_capture_on_commit_callbacks
):
    owner, other = RepFactory(), RepFactory()
    client.force_login(owner)
    job, page = _job_page(
        client,
        django_capture_on_commit_callbacks,
        "customers",
        "name\nAcme\nBeta\nGamma\n",
    )
    assert page.status_code == 200
    assert manager_client.get(job.get_absolute_url()).status_code == 200
    client.force_login(other)
    assert client.get(job.get_absolute_url()).status_code == 404
    problems_url = reverse("imports:import-job-problems", args=[job.pk])
    assert client.get(problems_url).status_code == 404
    client.post(job.get_absolute_url(), {"action": "import"})
    assert not Customer.objects.exists()


def test_a_job_runs_once_however_often_it_is_delivered(
    manager_client, django_capture_on_commit_callbacks
):
    job, _page = _job_page(
        manager_client,
        django_capture_on_commit_callbacks,
        "products",
        _products(3),
    )
    assert import_job_execute(job_id=job.pk) is False  # done: a second delivery


def test_broker_down_keeps_the_job_queued_and_the_sweep_sends_it_again(
    manager_client, django_capture_on_commit_callbacks, monkeypatch
):
    from sms.tasks import import_job_run

    def down(*args, **kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(import_job_run, "apply_async", down)
    job, page = _job_page(
        manager_client,
        django_capture_on_commit_callbacks,
        "products",
        _products(3),
    )
    job.refresh_from_db()
    assert job.status == "queued"
    assert "queue is unavailable" in job.message
    body = page.content.decode()
    assert '<meta http-equiv="refresh"' in body
    assert "<progress" in body

    monkeypatch.undo()
    counts = import_jobs_sweep(now=timezone.now() + timedelta(minutes=6))
    assert counts["requeued"] == 1
    job.refresh_from_db()
    assert job.status == "done"


def test_the_sweep_fails_jobs_whose_worker_died_and_expires_old_uploads(
    manager_client, django_capture_on_commit_callbacks
):
    job, _page = _job_page(
        manager_client,
        django_capture_on_commit_callbacks,
        "products",
        _products(3),
    )
    path = job.file
    ImportJob.objects.filter(pk=job.pk).update(
        status="running", heartbeat_at=timezone.now() - timedelta(minutes=20)
    )
    assert import_jobs_sweep()["stale_failed"] == 1
    job.refresh_from_db()
    assert job.status == "failed"

    ImportJob.objects.filter(pk=job.pk).update(status="done", file=path)
    later = timezone.now() + timedelta(days=2)
    assert import_jobs_sweep(now=later)["expired"] == 1
    job.refresh_from_db()
    assert job.status == "cancelled" and job.file == ""
    assert not default_storage.exists(path)


def test_an_unreadable_upload_fails_the_job_with_a_reason(
    manager_client, django_capture_on_commit_callbacks
):
    job, _page = _job_page(
        manager_client,
        django_capture_on_commit_callbacks,
        "products",
        _products(3),
    )
    with default_storage.open(job.file, "wb") as file:
        file.write(b"sku\nx\n")
    ImportJob.objects.filter(pk=job.pk).update(status="queued")
    assert import_job_execute(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == "failed"
    assert "Missing column(s)" in job.message
    page = manager_client.get(job.get_absolute_url())
    assert "The import failed" in page.content.decode()


def test_progress_is_written_while_rows_are_checked(monkeypatch, manager):
    seen = []
    real = import_jobs._progress_writer

    def spy(job):
        write = real(job)

        def progress(done, total):
            write(done, total)
            seen.append(ImportJob.objects.get(pk=job.pk).progress)

        return progress

    monkeypatch.setattr(import_jobs, "_progress_writer", spy)
    job = import_jobs.import_job_start(
        kind="products",
        user=manager,
        file=_products(10).encode(),
        filename="p.csv",
        rows=10,
    )
    assert import_job_execute(job_id=job.pk)
    assert seen[0] == 10 and seen[-1] == 100
    assert seen == sorted(seen)


@pytest.mark.broker
def test_a_real_worker_checks_and_imports_a_large_upload(celery_worker, client):
    from tests.sms.factories import ManagerFactory

    manager = ManagerFactory()
    client.force_login(manager)
    response = _upload(client, "products", _products(5))
    assert response.status_code == 302
    job = ImportJob.objects.get()

    def wait(mode):
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            job.refresh_from_db()
            if job.mode == mode and job.status in ("done", "failed"):
                return job
            time.sleep(0.2)
        raise AssertionError(f"job still {job.status}: {job.message}")

    assert wait("check").status == "done"
    assert not Product.objects.exists()
    client.post(job.get_absolute_url(), {"action": "import"})
    assert wait("import").status == "done", job.error
    close_old_connections()
    assert Product.objects.count() == 5
    assert "Import done" in client.get(job.get_absolute_url()).content.decode()


def test_jobs_are_listed_read_only_in_the_admin(admin_client, manager):
    job = import_jobs.import_job_start(
        kind="products", user=manager, file=b"sku\n", filename="p.csv", rows=0
    )
    assert admin_client.get("/admin/sms/importjob/").status_code == 200
    assert admin_client.get(f"/admin/sms/importjob/{job.pk}/change/").status_code == 200
    assert admin_client.get("/admin/sms/importjob/add/").status_code == 403
