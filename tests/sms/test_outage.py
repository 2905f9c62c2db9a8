"""Redis down: the cache and the Celery broker both point at a port where nothing
listens. Every page still answers, the data is written, the work for a worker stays
in its row (outbox e-mail, job, alert) and the user is told it is delayed.

Transactional, so on-commit work (enqueues, data-version bumps) runs inside the
request as in production, not after the test client returned.
"""

import time
from contextlib import contextmanager
from datetime import timedelta

import pytest
import redis
from django.core import mail
from django.core.cache import cache
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from analytics.models import JobRun
from analytics.reports import REPORTS
from customers.models import Customer, Interaction
from inventory.models import LowStockAlert
from inventory.tasks import low_stock_check
from opportunities import views_leads
from opportunities.models import Opportunity
from orders.models import Order, OrderEmail, Payment
from sms import broker
from sms.cache import breaker
from sms.outbox.services import SWEEP_GRACE
from sms.tasks import outbox_sweep
from tests.customers.factories import CustomerFactory
from tests.inventory.factories import WarehouseFactory, stocked
from tests.orders.factories import draft_order
from tests.products.factories import ProductFactory
from tests.sms.brokers import DEAD_BROKER, dead_broker

pytestmark = pytest.mark.django_db(transaction=True)

DEAD_REDIS = DEAD_BROKER  # nothing listens on port 1
BANNER = "Background work is delayed"
# What settings.py configures when the cache is on Redis; swap in
# "django.core.cache.backends.redis.RedisCache" to see every page fail (500).
BACKEND = "sms.cache.FaultTolerantRedisCache"


@contextmanager
def redis_down(settings):
    """Cache and broker both on the dead port, checked to really be used."""
    real_caches = settings.CACHES
    settings.CACHES = {
        "default": {
            "BACKEND": BACKEND,
            "LOCATION": DEAD_REDIS,
            "KEY_PREFIX": "sms",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    breaker.reset()
    broker.forget()
    try:
        assert cache._servers == [DEAD_REDIS]
        with pytest.raises(redis.ConnectionError):
            cache._cache.get_client().ping()
        with dead_broker():  # asserts kombu's connection is the dead port
            yield
    finally:
        settings.CACHES = real_caches
        breaker.reset()


@pytest.fixture
def outage(settings):
    with redis_down(settings):
        yield


def _order_for(rep, *, stock=5):
    customer = CustomerFactory(owner=rep, email="buyer@example.com")
    return draft_order(customer=customer, stock=stock)


def _delayed_shown(response) -> bool:
    return 'id="background-delayed"' in response.content.decode()


def test_confirming_an_order_keeps_its_email_and_says_so(outage, rep_client, rep):
    order = _order_for(rep)
    started = time.monotonic()
    response = rep_client.post(reverse("orders:order-confirm", args=[order.pk]))
    elapsed = time.monotonic() - started
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == Order.Status.CONFIRMED
    assert order.emails.get().status == OrderEmail.Status.PENDING
    assert mail.outbox == []
    page = rep_client.get(response.url)
    assert page.status_code == 200
    text = page.content.decode()
    assert _delayed_shown(page)  # the banner
    assert "e-mails and jobs are kept" in text.split('id="background-delayed"')[1]
    assert broker.delayed_message() in [str(m) for m in page.context["messages"]]
    # ... said once: the message is not repeated under the banner.
    assert text.count(broker.delayed_message()) == 1
    # A guard against hanging on Redis (each refused connect is immediate), not a
    # speed target.
    assert elapsed < 15, f"confirming took {elapsed:.1f}s with Redis down"


def test_a_payment_is_recorded(outage, rep_client, rep):
    order = _order_for(rep)
    rep_client.post(reverse("orders:order-confirm", args=[order.pk]))
    response = rep_client.post(
        reverse("orders:payment-create", args=[order.pk]),
        {"amount": "10.00", "paid_on": timezone.localdate(), "method": "card"},
    )
    assert response.status_code == 302
    assert Payment.objects.get(order=order).amount == 10
    assert _delayed_shown(rep_client.get(response.url))


def test_a_new_customer_is_saved(outage, rep_client, rep):
    response = rep_client.post(
        reverse("customers:customer-create"),
        {
            "kind": "company",
            "name": "Outage Ltd",
            "email": "hello@outage.test",
            "source_channel": "other",
            "payment_terms_days": 30,
        },
    )
    assert response.status_code == 302
    assert Customer.objects.get(name="Outage Ltd").owner == rep


def test_a_call_is_logged(outage, rep_client, rep):
    customer = CustomerFactory(owner=rep)
    response = rep_client.post(
        reverse("customers:interaction-create", args=[customer.pk]),
        {"kind": "call", "occurred_at": "2026-11-20T09:30", "summary": "Renewal"},
    )
    assert response.status_code == 302
    assert Interaction.objects.get(customer=customer).summary == "Renewal"


def test_the_dashboard_every_report_and_the_pipeline_are_computed(
    outage, manager_client, rep
):
    order = _order_for(rep)
    from orders import services

    services.order_confirm(order=order, user=None)  # some figures to compute
    urls = [
        reverse("analytics:index"),
        reverse("analytics:report-list"),
        reverse("opportunities:pipeline"),
        reverse("opportunities:board"),
    ]
    for slug, report in REPORTS.items():
        for tab in report.views:
            urls.append(reverse("analytics:report", args=[slug]) + f"?view={tab.slug}")
    for url in urls:
        response = manager_client.get(url)
        assert response.status_code == 200, url
        assert _delayed_shown(response), url


def test_the_main_lists_answer(outage, manager_client):
    for name in (
        "customers:customer-list",
        "customers:task-list",
        "opportunities:opportunity-list",
        "orders:order-list",
        "orders:order-overdue",
        "products:product-list",
        "inventory:stock-overview",
        "inventory:alert-list",
        "analytics:jobrun-list",
    ):
        response = manager_client.get(reverse(name))
        assert response.status_code == 200, name


def test_the_low_stock_check_opens_the_alert_and_keeps_its_email(
    outage, manager_client
):
    main = WarehouseFactory(code="MAIN")
    first = ProductFactory(reorder_point=5)
    stocked(first, main, 1)
    response = manager_client.post(reverse("inventory:alert-check"))
    assert response.status_code == 302
    alert = LowStockAlert.objects.open().get()
    assert alert.notified_at is None  # the e-mail is still to go
    # The hourly task and the command do the same without raising.
    stocked(ProductFactory(reorder_point=5), main, 2)
    assert low_stock_check()["opened"] == 1
    stocked(ProductFactory(reorder_point=5), main, 3)
    call_command("check_low_stock")
    assert LowStockAlert.objects.open().filter(notified_at=None).count() == 3


def test_starting_a_job_keeps_it_queued(outage, manager_client):
    response = manager_client.post(
        reverse("analytics:jobrun-list"),
        {"kind": "segmentation", "as_of": timezone.localdate().isoformat()},
    )
    assert response.status_code == 302
    job = JobRun.objects.get()
    assert job.status == JobRun.Status.QUEUED
    page = manager_client.get(reverse("analytics:jobrun-list"))
    assert _delayed_shown(page)
    assert broker.delayed_message() in [str(m) for m in page.context["messages"]]


def test_the_public_lead_form_takes_the_lead_and_stays_open(outage, client, rep):
    """The rate limit fails open: with no shared count, a lead is worth more than
    stopping a flood for a few minutes (CSRF and the honeypot still apply)."""
    data = {
        "company": "Acme Ltd",
        "contact_name": "Ada Lovelace",
        "email": "ada@acme.example",
        "phone": "+44 20 7946 0000",
        "message": "We need 40 desks.",
        "website": "",
    }
    url = reverse("opportunities:lead-form")
    assert client.get(url).status_code == 200
    for _ in range(views_leads.LEAD_FORM_LIMIT + 1):
        response = client.post(url, data)
        assert response.status_code == 200
        assert b"lead-form-thanks" in response.content
    assert Opportunity.objects.filter(lead_company="Acme Ltd").count() == (
        views_leads.LEAD_FORM_LIMIT + 1
    )
    assert Opportunity.objects.first().owner == rep


def test_the_old_backend_fails_where_ours_answers(settings):
    """The defect: Django's own RedisCache raises on a dead Redis, so a post_save
    receiver bumping the analytics version turned every write into a 500."""
    location = {"LOCATION": DEAD_REDIS, "OPTIONS": {"socket_connect_timeout": 1}}
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            **location,
        },
    }
    with pytest.raises(redis.ConnectionError):
        cache.incr("analytics:data-version")
    settings.CACHES = {"default": {"BACKEND": BACKEND, **location}}
    breaker.reset()
    with pytest.raises(ValueError):
        cache.incr("analytics:data-version")
    breaker.reset()


@pytest.mark.broker
def test_after_the_outage_the_sweep_sends_what_was_kept(
    settings, rep_client, rep, celery_worker
):
    order = _order_for(rep)
    with redis_down(settings):
        rep_client.post(reverse("orders:order-confirm", args=[order.pk]))
    email = order.emails.get()
    assert email.status == OrderEmail.Status.PENDING
    assert mail.outbox == []
    # Redis is back. The row is past the grace its own task had; the periodic
    # sweep goes through the real broker to the worker, which sends it.
    OrderEmail.objects.filter(pk=email.pk).update(
        next_attempt_at=timezone.now() - SWEEP_GRACE - timedelta(seconds=1)
    )
    assert outbox_sweep.delay().get(timeout=30) == 1
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        email.refresh_from_db()
        if email.status == OrderEmail.Status.SENT:
            break
        time.sleep(0.2)
    assert email.status == OrderEmail.Status.SENT
    assert [m.to for m in mail.outbox] == [["buyer@example.com"]]
