"""The low-stock check through a real broker and worker (skipped without one)."""

import time

import pytest
from django.core import mail

from inventory import tasks
from inventory.models import LowStockAlert
from tests.inventory.factories import WarehouseFactory, stocked
from tests.products.factories import ProductFactory
from tests.sms.factories import ManagerFactory

pytestmark = [pytest.mark.broker, pytest.mark.django_db(transaction=True)]


def test_a_worker_runs_the_check_and_mails_the_managers_once(celery_worker):
    ManagerFactory(email="maria@example.com")
    stocked(ProductFactory(sku="LOW-1", reorder_point=5), WarehouseFactory(), 1)

    first = tasks.low_stock_check.delay().get(timeout=30)
    second = tasks.low_stock_check.delay().get(timeout=30)

    assert first["opened"] == 1
    assert second["opened"] == 0
    deadline = time.monotonic() + 30
    while not LowStockAlert.objects.filter(notified_at__isnull=False).exists():
        assert time.monotonic() < deadline, "the notify task never ran"
        time.sleep(0.2)
    time.sleep(0.5)  # a duplicate mail, if any, would have gone by now
    assert len(mail.outbox) == 1
    assert "LOW-1" in mail.outbox[0].subject
