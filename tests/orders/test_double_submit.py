"""Orders, payments and shipments posted twice are saved once."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from orders import services
from orders.models import Order, Payment, Shipment
from sms.idempotency import form_token_new
from tests.customers.factories import CustomerFactory
from tests.inventory.factories import WarehouseFactory
from tests.orders.factories import draft_order, priced_product
from tests.orders.test_views import _form_data
from tests.sms.double_submit import parallel_posts, posted_twice

pytestmark = pytest.mark.django_db
D = Decimal


def _confirmed(rep, *, price="10.00", quantity=4):
    order = draft_order(
        customer=CustomerFactory(owner=rep),
        warehouse=WarehouseFactory(code="MAIN"),
        lines=[(priced_product(price, tax="0"), quantity)],
        stock=quantity,
    )
    return services.order_confirm(order=order, user=rep)


def _payment(reference="", amount="15.00"):
    return {
        "amount": amount,
        "paid_on": timezone.localdate().isoformat(),
        "method": "bank_transfer",
        "reference": reference,
    }


def test_a_double_clicked_create_order_makes_one_draft(rep_client, rep):
    customer = CustomerFactory(owner=rep)
    warehouse = WarehouseFactory(code="MAIN")
    priced_product("2.50", sku="PEN-01")
    data = _form_data(customer, warehouse, [{"product": "PEN-01", "quantity": "3"}])
    first, second = posted_twice(rep_client, reverse("orders:order-create"), data)
    order = Order.objects.get()
    assert first.url == order.get_absolute_url()
    assert second.redirect_chain == [(order.get_absolute_url(), 302)]
    assert "This was already saved." in second.content.decode()


def test_the_payment_form_posted_twice_records_one_payment(rep_client, rep):
    order = _confirmed(rep)
    url = reverse("orders:payment-create", args=[order.pk])
    first, second = posted_twice(rep_client, url, _payment())
    assert first.status_code == 302
    assert second.redirect_chain == [(order.get_absolute_url(), 302)]
    order.refresh_from_db()
    assert order.payments.count() == 1 and order.amount_paid == D("15.00")


def test_the_same_payment_from_two_tabs_is_refused_with_a_reason(rep_client, rep):
    order = _confirmed(rep)
    url = reverse("orders:payment-create", args=[order.pk])
    data = _payment(reference="BANK-123")
    first = rep_client.post(url, {**data, "form_token": form_token_new()})
    assert first.status_code == 302
    again = rep_client.post(url, {**data, "form_token": form_token_new()})
    assert again.status_code == 200
    assert again.context["form"].errors["amount"] == [
        "A payment of 15.00 with reference BANK-123 is already recorded on this order."
    ]
    assert Payment.objects.count() == 1


def test_the_same_amount_without_a_reference_soon_after_is_refused(rep):
    order = _confirmed(rep)
    services.payment_record(order=order, user=rep, amount=D("15.00"))
    with pytest.raises(ValidationError, match="give it a reference"):
        services.payment_record(order=order, user=rep, amount=D("15.00"))
    # A reference tells a genuine second payment apart; so does another amount.
    services.payment_record(order=order, user=rep, amount=D("15.00"), reference="B2")
    services.payment_record(order=order, user=rep, amount=D("5.00"))
    assert order.payments.count() == 3


def test_the_same_amount_without_a_reference_later_is_recorded(rep):
    order = _confirmed(rep)
    first = services.payment_record(order=order, user=rep, amount=D("15.00"))
    Payment.objects.filter(pk=first.pk).update(
        created_at=timezone.now() - services.REPEAT_WINDOW
    )
    services.payment_record(order=order, user=rep, amount=D("15.00"))
    assert order.payments.count() == 2


def test_a_refund_posted_twice_is_recorded_once(manager_client, rep):
    order = _confirmed(rep)
    services.payment_record(order=order, user=rep, amount=D("40.00"))
    url = reverse("orders:refund-create", args=[order.pk])
    posted_twice(manager_client, url, _payment(amount="5.00"))
    # Another tab: same amount, no reference, a moment later.
    again = manager_client.post(
        url, {**_payment(amount="5.00"), "form_token": form_token_new()}
    )
    assert again.status_code == 200
    assert order.payments.filter(kind=Payment.Kind.REFUND).count() == 1


def test_the_shipment_form_posted_twice_ships_once(rep_client, rep):
    order = _confirmed(rep)
    line = order.lines.get()
    url = reverse("orders:order-ship", args=[order.pk])
    data = {
        f"line_{line.pk}": "1",
        "shipped_on": timezone.localdate().isoformat(),
        "carrier": "UPS",
    }
    posted_twice(rep_client, url, data)
    assert Shipment.objects.count() == 1
    order.refresh_from_db()
    assert order.status == Order.Status.PARTIALLY_SHIPPED


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_create_order_posted_five_times_at_once_makes_one_draft(rep):
    customer = CustomerFactory(owner=rep)
    warehouse = WarehouseFactory(code="MAIN")
    priced_product("2.50", sku="PEN-01")
    data = _form_data(customer, warehouse, [{"product": "PEN-01", "quantity": "3"}])
    data["form_token"] = form_token_new()
    results = parallel_posts(rep, reverse("orders:order-create"), [data] * 5)
    order = Order.objects.get()
    assert results == [(302, order.get_absolute_url())] * 5


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_one_payment_from_five_tabs_at_once_is_recorded_once(rep):
    order = _confirmed(rep)
    url = reverse("orders:payment-create", args=[order.pk])
    payloads = [
        {**_payment(reference="BANK-9"), "form_token": form_token_new()}
        for _ in range(5)
    ]
    results = parallel_posts(rep, url, payloads)
    assert sorted(status for status, _url in results) == [200] * 4 + [302]
    order.refresh_from_db()
    assert order.payments.count() == 1 and order.amount_paid == D("15.00")
