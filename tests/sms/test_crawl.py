"""Every page, as every role, over records with their optional fields empty: a web
lead, rows imported with only the required columns and records created through the
forms with nothing but what they require. No page may answer with a server error."""

from datetime import date
from io import StringIO

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from analytics.models import ForecastDriver, JobRun
from analytics.reports import REPORTS
from analytics.selectors import SEGMENT_BY_SLUG
from customers.models import Contact, Customer, Task
from inventory.models import Warehouse
from opportunities.models import Opportunity, Quote
from orders.models import Order, OrderEmail, Shipment
from products.models import Category, Product
from sms.models import ImportJob
from tests.sms.conftest import post_lead
from tests.sms.pages import routes

IMPORT_KINDS = ("customers", "orders", "products")

pytestmark = pytest.mark.django_db


def test_one_web_lead_does_not_break_the_opportunity_list(rep, manager, locmem_cache):
    # A web lead has no expected close date; the list rendered it as a date.
    post_lead()
    for user in (manager, rep):
        client = Client()
        client.force_login(user)
        assert client.get(reverse("opportunities:opportunity-list")).status_code == 200


# The pages --------------------------------------------------------------------------


def _pks(model) -> list[dict]:
    return [{"pk": pk} for pk in model.objects.values_list("pk", flat=True)]


def _arguments() -> dict:
    """For each page that takes arguments, every set of them the data set has."""
    customers = _pks(Customer)
    orders = _pks(Order)
    return {
        "password_reset_confirm": [{"uidb64": "MQ", "token": "set-password"}],
        "customers:customer-detail": customers,
        "customers:customer-update": customers,
        "customers:customer-activate": customers,
        "customers:contact-create": customers,
        "customers:interaction-create": customers,
        "customers:contact-update": [
            {"pk": c.customer_id, "contact_pk": c.pk} for c in Contact.objects.all()
        ],
        "customers:task-done": _pks(Task),
        "imports:import-upload": [{"kind": k} for k in IMPORT_KINDS],
        "imports:import-preview": [
            {"kind": k, "token": "no-such-token"} for k in IMPORT_KINDS
        ],
        "imports:import-problems": [
            {"kind": k, "token": "no-such-token"} for k in IMPORT_KINDS
        ],
        "opportunities:opportunity-detail": _pks(Opportunity),
        "opportunities:opportunity-update": _pks(Opportunity),
        "opportunities:opportunity-move": _pks(Opportunity),
        "opportunities:quote-create": _pks(Opportunity),
        **{
            f"opportunities:quote-{action}": _pks(Quote)
            for action in ("detail", "update", "send", "accept", "reject", "print")
        },
        "opportunities:quote-pdf": _pks(Quote),
        **{
            f"orders:{name}": orders
            for name in (
                "order-detail",
                "order-update",
                "order-confirm",
                "order-return-to-draft",
                "order-cancel",
                "order-ship",
                "order-close-short",
                "order-deliver",
                "payment-create",
                "refund-create",
                "order-invoice",
                "order-invoice-pdf",
                "order-packing-slip",
                "order-packing-slip-pdf",
            )
        },
        "orders:email-retry": _pks(OrderEmail),
        "orders:shipment-packing-slip": [
            {"pk": s.order_id, "shipment_pk": s.pk} for s in Shipment.objects.all()
        ],
        "orders:shipment-packing-slip-pdf": [
            {"pk": s.order_id, "shipment_pk": s.pk} for s in Shipment.objects.all()
        ],
        "products:product-detail": _pks(Product),
        "products:product-update": _pks(Product),
        "products:category-update": _pks(Category),
        "inventory:product-stock": _pks(Product),
        "inventory:warehouse_update": _pks(Warehouse),
        "inventory:warehouse_active": _pks(Warehouse),
        "analytics:report": [{"slug": slug} for slug in REPORTS],
        "analytics:driver-update": _pks(ForecastDriver),
        "analytics:driver-delete": _pks(ForecastDriver),
        "analytics:jobrun-detail": _pks(JobRun),
        "analytics:segment-chart": [{"chart": c} for c in ("scatter", "silhouette")],
        "analytics:segment-customers": [{"slug": slug} for slug in SEGMENT_BY_SLUG],
        "imports:import-job": _pks(ImportJob),
        "imports:import-job-problems": _pks(ImportJob),
    }


def _urls() -> list[str]:
    arguments = _arguments()
    runs = [f"?run={pk}" for pk in JobRun.objects.values_list("pk", flat=True)]
    urls = []
    for name, route, params in routes():
        if not params:
            urls.append(reverse(name))
            continue
        assert name in arguments, f"Say which arguments to crawl {route} with."
        found = arguments[name]
        assert found, f"The data set has nothing to crawl {route} with."
        urls.extend(reverse(name, kwargs=kwargs) for kwargs in found)
    # The pages that show one analytics run, with each run.
    for name in ("forecast", "segment-overview", "value-report"):
        urls.extend(reverse(f"analytics:{name}") + run for run in runs)
    return urls


def _admin_urls() -> list[str]:
    urls = [reverse("admin:index")]
    for model in admin.site._registry:
        info = model._meta.app_label, model._meta.model_name
        urls.append(reverse("admin:{}_{}_changelist".format(*info)))
        urls.append(reverse("admin:{}_{}_add".format(*info)))
        for pk in model._default_manager.values_list("pk", flat=True)[:3]:
            urls.append(reverse("admin:{}_{}_change".format(*info), args=[pk]))
    return urls


def _server_errors(user, urls) -> list[str]:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    errors = []
    for url in urls:
        response = client.get(url)
        if response.status_code >= 500:
            exc = response.exc_info[1] if response.exc_info else ""
            errors.append(f"{user.username} GET {url}: {response.status_code} {exc!r}")
    return errors


def test_every_page_answers_every_role_without_a_server_error(world):
    urls = _urls()
    errors = []
    for user in (world.rep, world.other, world.manager, world.admin):
        errors += _server_errors(user, urls)
    errors += _server_errors(world.admin, _admin_urls())
    assert not errors, "\n".join(errors)


def test_every_page_answers_with_orders_at_both_ends_of_the_calendar(world):
    # What the services and the ORM accept: an order dated in year 1 (an old import
    # typo) and one on the calendar's last day, then the analytics jobs over them.
    first, last = Order.objects.order_by("pk")[:2]
    Order.objects.filter(pk=first.pk).update(
        order_date=date(1, 1, 1), due_date=date(1, 1, 31)
    )
    Order.objects.filter(pk=last.pk).update(
        order_date=date(9999, 12, 31), due_date=date(9999, 12, 31)
    )
    call_command("run_segmentation", stdout=StringIO(), stderr=StringIO())
    call_command("run_forecast", stdout=StringIO(), stderr=StringIO())
    urls = _urls()
    errors = _server_errors(world.rep, urls) + _server_errors(world.manager, urls)
    assert not errors, "\n".join(errors)
