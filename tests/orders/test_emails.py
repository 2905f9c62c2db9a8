"""Customer e-mails on confirmation and shipment: once per event, retried, visible,
and never in the way of the order when the broker is down."""

import time
from datetime import timedelta
from smtplib import SMTPException
from unittest import mock

import pytest
from django.core import mail
from django.utils import timezone

from orders import services
from orders.models import Order, OrderEmail
from sms.outbox.registry import outbox_for
from sms.outbox.services import STALE_CLAIM, SWEEP_GRACE, outbox_send, outbox_sweep
from tests.customers.factories import ContactFactory, CustomerFactory
from tests.orders.factories import draft_order
from tests.sms.brokers import dead_broker

Status = OrderEmail.Status


def _send(email) -> bool:
    """What the outbox's task does with a delivery of this e-mail."""
    return outbox_send(label="orders.OrderEmail", message_id=email.pk)


def _confirmed(customer=None, **kwargs):
    order = draft_order(
        customer=customer or CustomerFactory(email="buyer@example.com"),
        stock=10,
        **kwargs,
    )
    return services.order_confirm(order=order, user=order.owner)


def _ship_one(order, **kwargs):
    line = order.lines.first()
    return services.order_ship(
        order=order, user=None, quantities={line.pk: 1}, **kwargs
    )


@pytest.mark.django_db
def test_confirmation_and_each_shipment_mail_the_customer_once(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        order = _confirmed()
    assert len(mail.outbox) == 1
    confirmation = mail.outbox[0]
    assert confirmation.to == ["buyer@example.com"]
    assert order.number in confirmation.subject
    assert order.number in confirmation.body
    assert f"Total: {order.total:,.2f} EUR\n" in confirmation.body
    # Lines before discount and tax, so they add up to the subtotal below them.
    line = order.lines.get()
    assert f"{line.gross_amount:,.2f} EUR\n" in confirmation.body
    assert f"Subtotal: {order.subtotal:,.2f} EUR" in confirmation.body
    assert confirmation.alternatives[0][1] == "text/html"

    with django_capture_on_commit_callbacks(execute=True):
        _ship_one(order, carrier="DHL", tracking_number="JD014600006281")
    assert len(mail.outbox) == 2
    shipped = mail.outbox[1]
    assert "has shipped" in shipped.subject
    assert "JD014600006281" in shipped.body and "DHL" in shipped.body
    assert "follows in a later shipment" in shipped.body

    # A task delivered again finds its e-mail already sent.
    for email in OrderEmail.objects.all():
        assert _send(email) is False
    assert len(mail.outbox) == 2
    assert set(OrderEmail.objects.values_list("status", flat=True)) == {Status.SENT}


@pytest.mark.django_db
def test_a_contact_address_is_used_when_the_customer_has_none(
    django_capture_on_commit_callbacks,
):
    customer = CustomerFactory(email="")
    ContactFactory(customer=customer, email="", is_primary=False)
    ContactFactory(customer=customer, email="boss@example.com", is_primary=True)
    with django_capture_on_commit_callbacks(execute=True):
        _confirmed(customer=customer)
    assert mail.outbox[0].to == ["boss@example.com"]


@pytest.mark.django_db
def test_no_address_is_shown_on_the_order_instead_of_failing(rep_client, rep):
    customer = CustomerFactory(owner=rep, email="")
    order = _confirmed(customer=customer)
    email = order.emails.get()
    assert email.status == Status.SKIPPED
    page = rep_client.get(order.get_absolute_url()).content.decode()
    assert "The customer has no e-mail address." in page


@pytest.mark.django_db
def test_a_failing_send_stays_pending_for_retries_then_fails_and_can_be_resent(
    rep_client, rep, django_capture_on_commit_callbacks
):
    customer = CustomerFactory(owner=rep, email="buyer@example.com")
    failing = mock.patch(
        "django.core.mail.backends.locmem.EmailBackend.send_messages",
        side_effect=SMTPException("421 try later"),
    )
    with failing:
        order = _confirmed(customer=customer)  # confirmed, whatever the mail does
        email = order.emails.get()
        # The task retries with backoff; each attempt is one call of the service.
        max_attempts = outbox_for(OrderEmail).max_attempts
        for attempt in range(1, max_attempts + 1):
            with pytest.raises(SMTPException):
                _send(email)
            email.refresh_from_db()
            assert email.attempts == attempt
            last = attempt == max_attempts
            assert email.status == (Status.FAILED if last else Status.PENDING)

    order.refresh_from_db()
    assert order.status == Order.Status.CONFIRMED
    assert "421 try later" in email.last_error
    page = rep_client.get(order.get_absolute_url()).content.decode()
    assert "421 try later" in page and "Send again" in page

    with django_capture_on_commit_callbacks(execute=True):
        rep_client.post(f"/orders/emails/{email.pk}/retry/")
    email.refresh_from_db()
    assert email.status == Status.SENT
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_re_confirming_after_an_edit_is_a_new_event(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        order = _confirmed()
        services.order_return_to_draft(order=order, user=None)
        services.order_confirm(order=order, user=None)
    assert len(mail.outbox) == 2
    assert order.emails.count() == 2


@pytest.mark.django_db
def test_broker_down_the_order_still_confirms_and_the_sweep_sends_later(
    rep_client, rep, settings, django_capture_on_commit_callbacks
):
    """Nothing listens on the port: enqueueing fails fast, the page answers, the
    outbox row waits; once a broker is back the sweep sends it exactly once."""
    order = draft_order(customer=CustomerFactory(owner=rep, email="b@example.com"))
    from tests.inventory.factories import stocked

    stocked(order.lines.get().product, order.warehouse, 5)
    with dead_broker():
        started = time.monotonic()
        with django_capture_on_commit_callbacks(execute=True):
            response = rep_client.post(f"/orders/{order.pk}/confirm/")
        elapsed = time.monotonic() - started

    assert response.status_code == 302
    # A guard against hanging on the broker, not a speed target.
    assert elapsed < 15, f"confirming took {elapsed:.1f}s with the broker down"
    order.refresh_from_db()
    assert order.status == Order.Status.CONFIRMED
    email = order.emails.get()
    assert email.status == Status.PENDING
    assert mail.outbox == []

    # Broker back (in-process here); the periodic sweep picks the row up.
    assert outbox_sweep() == 0  # still within its own task's grace
    later = timezone.now() + SWEEP_GRACE + timedelta(seconds=1)
    assert outbox_sweep(now=later) == 1
    assert outbox_sweep(now=later) == 0
    email.refresh_from_db()
    assert email.status == Status.SENT
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_the_sweep_takes_back_rows_a_dead_worker_left_sending():
    order = _confirmed()
    email = order.emails.get()
    claimed = timezone.now() - STALE_CLAIM - timedelta(minutes=1)
    OrderEmail.objects.filter(pk=email.pk).update(
        status=Status.SENDING, claimed_at=claimed, created_at=claimed
    )
    mail.outbox.clear()
    assert outbox_sweep() == 1
    email.refresh_from_db()
    assert email.status == Status.SENT
    assert len(mail.outbox) == 1


@pytest.mark.broker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sends_confirmation_and_shipment_once(celery_worker):
    order = _confirmed()
    _ship_one(order, tracking_number="TRACK-42")

    deadline = time.monotonic() + 30
    while OrderEmail.objects.exclude(status=Status.SENT).exists():
        assert time.monotonic() < deadline, list(
            OrderEmail.objects.values("kind", "status", "last_error")
        )
        time.sleep(0.2)
    # Delivering the same tasks again sends nothing more.
    from sms.tasks import outbox_send as outbox_send_task

    for email in OrderEmail.objects.all():
        delivery = outbox_send_task.delay("orders.OrderEmail", email.pk)
        assert delivery.get(timeout=30) is False
    assert sorted(m.subject.split()[-1] for m in mail.outbox) == [
        "confirmed",
        "shipped",
    ]
    assert any("TRACK-42" in m.body for m in mail.outbox)
