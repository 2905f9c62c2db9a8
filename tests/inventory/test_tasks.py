import importlib
from datetime import timedelta
from io import StringIO
from smtplib import SMTPException

import pytest
from django.apps import apps as django_apps
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_celery_beat.models import PeriodicTask

from inventory import tasks
from inventory.models import LowStockAlert
from inventory.services import (
    low_stock_alert_notify,
    low_stock_alerts_sync,
    stock_receive,
    stock_reserve,
)
from tests.inventory.factories import WarehouseFactory, stocked
from tests.products.factories import ProductFactory
from tests.sms.factories import ManagerFactory, RepFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def main():
    return WarehouseFactory(code="MAIN")


@pytest.fixture
def managers():
    return [
        ManagerFactory(email="maria@example.com"),
        ManagerFactory(email="mo@example.com"),
        ManagerFactory(email=""),  # no address: not mailed
    ]


def _check(django_capture_on_commit_callbacks) -> dict:
    with django_capture_on_commit_callbacks(execute=True):
        return tasks.low_stock_check()


def test_check_opens_one_alert_and_sends_one_mail_per_product_not_per_run(
    main, managers, django_capture_on_commit_callbacks
):
    RepFactory(email="rep@example.com")
    low = stocked(
        ProductFactory(sku="LOW-1", reorder_point=5, reorder_quantity=20), main, 2
    )
    at_point = stocked(ProductFactory(sku="LOW-2", reorder_point=5), main, 5)
    stocked(ProductFactory(sku="OK-1", reorder_point=5), main, 6)
    ProductFactory(sku="OFF-1", reorder_point=0)  # 0: not watched
    stocked(ProductFactory(sku="OLD-1", reorder_point=5, is_active=False), main, 1)

    first = _check(django_capture_on_commit_callbacks)
    second = _check(django_capture_on_commit_callbacks)

    assert first == {"checked": 3, "low": 2, "opened": 2, "closed": 0}
    assert second == {"checked": 3, "low": 2, "opened": 0, "closed": 0}
    alerts = LowStockAlert.objects.open()
    assert {a.product for a in alerts} == {low, at_point}
    assert all(a.notified_at for a in alerts)
    assert len(mail.outbox) == 2
    message = next(m for m in mail.outbox if "LOW-1" in m.subject)
    assert sorted(message.to) == ["maria@example.com", "mo@example.com"]
    assert "Suggested order: 23" in message.body  # 20 + (5 - 2)


def test_a_mail_is_queued_on_commit_not_before(
    main, managers, django_capture_on_commit_callbacks
):
    stocked(ProductFactory(reorder_point=5), main, 1)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        low_stock_alerts_sync()
    assert len(callbacks) == 1
    assert mail.outbox == []


def test_reservations_count_against_available(main, managers):
    product = stocked(ProductFactory(reorder_point=5), main, 9)
    stock_reserve(product=product, warehouse=main, quantity=4)
    result = low_stock_alerts_sync()
    assert len(result.opened) == 1
    assert LowStockAlert.objects.get().available_at_open == 5


def test_alert_closes_when_stock_recovers_and_a_new_one_can_open_later(
    main, managers, django_capture_on_commit_callbacks
):
    product = stocked(ProductFactory(reorder_point=5), main, 1)
    _check(django_capture_on_commit_callbacks)
    stock_receive(product=product, warehouse=main, quantity=10)
    result = _check(django_capture_on_commit_callbacks)
    assert result["closed"] == 1
    closed = LowStockAlert.objects.get()
    assert closed.closed_at is not None
    assert closed.available_at_close == 11

    stock_reserve(product=product, warehouse=main, quantity=8)
    result = _check(django_capture_on_commit_callbacks)
    assert result["opened"] == 1
    assert LowStockAlert.objects.count() == 2
    assert LowStockAlert.objects.open().get().available_at_open == 3
    assert len(mail.outbox) == 2  # one per alert


def test_notify_sends_once_even_if_delivered_twice(main, managers):
    product = stocked(ProductFactory(reorder_point=5), main, 1)
    alert = LowStockAlert.objects.create(
        product=product, available_at_open=1, reorder_point_at_open=5
    )
    assert tasks.low_stock_alert_notify(alert.pk) is True
    assert tasks.low_stock_alert_notify(alert.pk) is False
    assert len(mail.outbox) == 1
    assert tasks.low_stock_alert_notify(987654) is False  # gone: quietly nothing


def test_notify_undoes_its_claim_when_mail_fails_so_a_retry_sends(
    main, managers, monkeypatch
):
    product = stocked(ProductFactory(reorder_point=5), main, 1)
    alert = LowStockAlert.objects.create(
        product=product, available_at_open=1, reorder_point_at_open=5
    )

    def broken(*args, **kwargs):
        raise SMTPException("server down")

    monkeypatch.setattr("inventory.services.send_mail", broken)
    with pytest.raises(SMTPException):
        low_stock_alert_notify(alert=alert)
    alert.refresh_from_db()
    assert alert.notified_at is None
    monkeypatch.undo()
    assert low_stock_alert_notify(alert=alert) is True
    assert len(mail.outbox) == 1


def test_notify_task_retries_on_mail_errors():
    assert SMTPException in tasks.low_stock_alert_notify.autoretry_for
    assert tasks.low_stock_alert_notify.acks_late is True
    assert tasks.low_stock_check.acks_late is True


def test_no_mail_for_an_alert_closed_before_the_mail_went(main, managers):
    product = stocked(ProductFactory(reorder_point=5), main, 1)
    alert = LowStockAlert.objects.create(
        product=product, available_at_open=1, reorder_point_at_open=5
    )
    LowStockAlert.objects.filter(pk=alert.pk).update(closed_at=alert.opened_at)
    assert low_stock_alert_notify(alert=alert) is False
    assert mail.outbox == []


def test_check_low_stock_command_prints_a_summary(
    main, managers, django_capture_on_commit_callbacks
):
    stocked(ProductFactory(sku="LOW-1", name="Toner", reorder_point=5), main, 2)
    stocked(ProductFactory(sku="OK-1", reorder_point=5), main, 20)
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("check_low_stock", stdout=out)
    text = out.getvalue()
    assert "new alert: LOW-1 Toner (2 available, reorder point 5)" in text
    assert "Checked 2 products: 1 at or below their reorder point, 1 new alert(s)" in (
        text
    )
    assert "1 open." in text
    assert len(mail.outbox) == 1


def test_the_hourly_check_is_a_periodic_task_admins_can_see():
    # What migrate ran (run again here: a transactional test's flush empties the
    # table); running it twice keeps one task.
    migration = importlib.import_module(
        "inventory.migrations.0002_low_stock_periodic_task"
    )
    migration.periodic_task_create(django_apps, None)
    migration.periodic_task_create(django_apps, None)
    task = PeriodicTask.objects.get(task="inventory.tasks.low_stock_check")
    assert task.enabled
    assert task.crontab.minute == "5"
    assert task.crontab.hour == "*"


# The navbar count -------------------------------------------------------------------


def _open_alert():
    product = ProductFactory(reorder_point=5)
    return LowStockAlert.objects.create(
        product=product, available_at_open=0, reorder_point_at_open=5
    )


def test_managers_see_the_open_alert_count_in_the_navbar(manager_client):
    _open_alert()
    _open_alert()
    body = manager_client.get(reverse("home")).content.decode()
    assert 'data-testid="low-stock-count">2<' in body


def test_reps_see_no_count_and_pay_no_query_for_it(rep_client):
    _open_alert()
    with CaptureQueriesContext(connection) as queries:
        body = rep_client.get(reverse("home")).content.decode()
    assert "low-stock-count" not in body
    assert not [q for q in queries if "inventory_lowstockalert" in q["sql"]]


def test_the_navbar_count_costs_managers_one_query(manager_client):
    _open_alert()
    with CaptureQueriesContext(connection) as queries:
        manager_client.get(reverse("home"))
    alert_queries = [q for q in queries if "inventory_lowstockalert" in q["sql"]]
    assert len(alert_queries) == 1
    assert "COUNT(" in alert_queries[0]["sql"].upper()


def test_navbar_and_inventory_tab_show_one_count_from_one_query(manager_client):
    """Both badges come from inventory's context processor (sms imports no app)."""
    _open_alert()
    _open_alert()
    _open_alert()
    with CaptureQueriesContext(connection) as queries:
        response = manager_client.get(reverse("inventory:stock-overview"))
    body = response.content.decode()
    assert 'data-testid="low-stock-count">3<' in body
    assert (
        'Low-stock alerts <span class="badge rounded-pill text-bg-warning">3<' in body
    )
    counts = [
        q
        for q in queries
        if "inventory_lowstockalert" in q["sql"] and "COUNT(" in q["sql"].upper()
    ]
    assert len(counts) == 1


def test_an_alert_whose_mail_was_lost_is_mailed_by_a_later_check(
    main, django_capture_on_commit_callbacks
):
    stocked(ProductFactory(sku="LOW-1", reorder_point=5), main, 1)
    _check(django_capture_on_commit_callbacks)  # no manager has an address yet
    alert = LowStockAlert.objects.get()
    assert alert.notified_at is None
    assert mail.outbox == []

    ManagerFactory(email="maria@example.com")
    _check(django_capture_on_commit_callbacks)  # too soon: not queued again
    assert mail.outbox == []
    LowStockAlert.objects.filter(pk=alert.pk).update(
        opened_at=alert.opened_at - timedelta(hours=1)
    )
    _check(django_capture_on_commit_callbacks)
    _check(django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1
