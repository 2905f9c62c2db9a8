"""Two saves of the same customer from the same version, at the same moment, on
PostgreSQL: exactly one is saved, the other is refused as stale."""

import threading

import pytest
from django.db import connection, transaction

from customers import services
from sms.concurrency import StaleEdit
from tests.customers.factories import CustomerFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_saves_of_one_version_at_once_one_wins():
    customer = CustomerFactory(city="York")
    read = customer.version
    first_saved = threading.Event()
    outcomes: dict[str, str] = {}

    def anna():
        try:
            with transaction.atomic():
                services.customer_update(customer=customer, version=read, city="Leeds")
                first_saved.set()
                # Still uncommitted while Ben saves: a read-then-write check
                # would let him through here.
                threading.Event().wait(0.5)
            outcomes["anna"] = "saved"
        except StaleEdit:
            outcomes["anna"] = "stale"
        finally:
            first_saved.set()
            connection.close()

    def ben():
        try:
            first_saved.wait(timeout=30)
            services.customer_update(customer=customer, version=read, city="Hull")
            outcomes["ben"] = "saved"
        except StaleEdit:
            outcomes["ben"] = "stale"
        finally:
            connection.close()

    threads = [threading.Thread(target=anna), threading.Thread(target=ben)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"

    assert outcomes == {"anna": "saved", "ben": "stale"}
    customer.refresh_from_db()
    assert customer.city == "Leeds" and customer.version == read + 1
