"""Every page, as every role, over records with their optional fields empty: a web
lead, rows imported with only the required columns and records created through the
forms with nothing but what they require. No page may answer with a server error."""

import re
from datetime import timedelta
from io import StringIO
from types import SimpleNamespace

import pytest
from django.contrib import admin
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from django.urls import URLResolver, get_resolver, reverse
from django.utils import timezone

from analytics.models import ForecastDriver, JobRun
from analytics.reports import REPORTS
from analytics.selectors import SEGMENT_BY_SLUG
from customers.lookup import customer_label
from customers.models import Contact, Customer, Task
from opportunities.models import Opportunity, Quote
from orders.models import Order, OrderEmail, Shipment
from products.models import Category, Product
from tests.inventory.factories import WarehouseFactory
from tests.sms.factories import AdminFactory, ManagerFactory, RepFactory
from tests.sms.form_post import submit

pytestmark = pytest.mark.django_db

LEAD = {
    "company": "Acme Ltd",
    "contact_name": "Ada Lovelace",
    "email": "ada@acme.example",
    "website": "",
}


@pytest.fixture(autouse=True)
def _own_cache(settings):
    """A private in-memory cache: the lead form's rate limit counts in it."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "crawl-tests",
        }
    }
    cache.clear()


def _post_lead() -> None:
    response = Client().post(reverse("opportunities:lead-form"), LEAD)
    assert b"lead-form-thanks" in response.content


def test_one_web_lead_does_not_break_the_opportunity_list(rep, manager):
    # A web lead has no expected close date; the list rendered it as a date.
    _post_lead()
    for user in (manager, rep):
        client = Client()
        client.force_login(user)
        assert client.get(reverse("opportunities:opportunity-list")).status_code == 200


# The data set -----------------------------------------------------------------------


def _import(command: str, tmp_path, text: str, *args) -> None:
    path = tmp_path / f"{command}.csv"
    path.write_text(text, encoding="utf-8")
    call_command(command, str(path), *args, stdout=StringIO(), stderr=StringIO())


def _created(response) -> None:
    """A form post that saved redirects; one that did not shows the form again."""
    errors = re.findall(
        r'class="[^"]*(?:invalid-feedback|alert-danger|errorlist)[^"]*"[^>]*>(.*?)</',
        response.content.decode(),
        flags=re.S,
    )
    assert response.status_code == 302, errors


@pytest.fixture
def world(tmp_path):
    """Records with their optional fields empty, owned by ``rep``; ``other`` is a
    second rep who owns nothing."""
    rep, other = RepFactory(), RepFactory()
    manager, admin = ManagerFactory(), AdminFactory()
    warehouse = WarehouseFactory(code="MAIN")
    _post_lead()
    last_month = (timezone.localdate().replace(day=1) - timedelta(days=1)).isoformat()

    # Imports with the required columns only (customers need a key for orders).
    _import(
        "import_products",
        tmp_path,
        "sku,name,category,list_price,cost\nP-1,Desk,Furniture,100,60\n",
    )
    _import("import_customers", tmp_path, "name\nBare Ltd\n", "--owner", rep.username)
    text = "name,external_ref\nKeyed Ltd,C-1\n"
    _import("import_customers", tmp_path, text, "--owner", rep.username)
    _import(
        "import_orders",
        tmp_path,
        "order_number,customer,order_date,sku,quantity,unit_price\n"
        f"H-1,C-1,{last_month},P-1,2,100\n",
    )

    # Manager: a category, a product and stock through the pages.
    boss = Client()
    boss.force_login(manager)
    _created(submit(boss, reverse("products:category-create"), {"name": "Chairs"}))
    _created(
        submit(
            boss,
            reverse("products:product-create"),
            {
                "sku": "P-2",
                "name": "Chair",
                "category": str(Category.objects.get(name="Chairs").pk),
                "list_price": "50",
                "cost": "20",
            },
        )
    )
    desk = Product.objects.get(sku="P-1")
    _created(
        submit(
            boss,
            reverse("inventory:stock-receive"),
            {
                "product": str(desk.pk),
                "warehouse": str(warehouse.pk),
                "quantity": "10",
            },
        )
    )
    _created(submit(boss, reverse("analytics:driver-create"), {"name": "Spend"}))

    # Rep: a customer and everything hanging off it, with only what is required.
    client = Client()
    client.force_login(rep)
    _created(submit(client, reverse("customers:customer-create"), {"name": "Form Co"}))
    customer = Customer.objects.get(name="Form Co")
    url = reverse("customers:contact-create", args=[customer.pk])
    _created(submit(client, url, {"name": "Bo"}))
    url = reverse("customers:interaction-create", args=[customer.pk])
    _created(submit(client, url, {"occurred_at": "2026-01-05T10:00", "summary": "Hi"}))
    today = timezone.localdate().isoformat()
    url = reverse("customers:task-create")
    _created(
        submit(
            client, url, {"title": "Call", "due_on": today, "assigned_to": str(rep.pk)}
        )
    )
    label = customer_label(customer)
    url = reverse("opportunities:opportunity-create")
    _created(submit(client, url, {"title": "Desks", "customer": label}))
    opportunity = Opportunity.objects.get(title="Desks")
    url = reverse("opportunities:quote-create", args=[opportunity.pk])
    line = {"lines-0-product": "P-1", "lines-0-quantity": "1"}
    _created(submit(client, url, line))
    url = reverse("orders:order-create")
    for _n in range(2):
        _created(submit(client, url, {"customer": label, **line}))
    order = Order.objects.filter(customer=customer).latest("pk")
    _created(client.post(reverse("orders:order-confirm", args=[order.pk])))
    _created(submit(client, reverse("orders:order-ship", args=[order.pk]), {}))
    _created(submit(client, reverse("orders:payment-create", args=[order.pk]), {}))
    order.refresh_from_db()
    assert (order.status, order.balance_due) == (Order.Status.SHIPPED, 0)

    # The analytics jobs over it.
    call_command("run_segmentation", stdout=StringIO(), stderr=StringIO())
    call_command("run_forecast", stdout=StringIO(), stderr=StringIO())
    return SimpleNamespace(rep=rep, other=other, manager=manager, admin=admin)


# The pages --------------------------------------------------------------------------


def _routes(patterns=None, prefix="", namespace=""):
    """(URL name with namespace, route, argument names) of every page but the
    admin's, from the URLconf."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _routes(entry.url_patterns, route, ns)
        elif entry.name:
            yield f"{namespace}{entry.name}", route, sorted(entry.pattern.converters)


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
        "customers:customer-import-preview": [{"token": "no-such-token"}],
        "customers:customer-import-problems": [{"token": "no-such-token"}],
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
        "orders:order-import-preview": [{"token": "no-such-token"}],
        "orders:order-import-problems": [{"token": "no-such-token"}],
        "orders:shipment-packing-slip": [
            {"pk": s.order_id, "shipment_pk": s.pk} for s in Shipment.objects.all()
        ],
        "orders:shipment-packing-slip-pdf": [
            {"pk": s.order_id, "shipment_pk": s.pk} for s in Shipment.objects.all()
        ],
        "products:product-detail": _pks(Product),
        "products:product-update": _pks(Product),
        "products:product-import-preview": [{"token": "no-such-token"}],
        "products:product-import-problems": [{"token": "no-such-token"}],
        "products:category-update": _pks(Category),
        "inventory:product-stock": _pks(Product),
        "analytics:report": [{"slug": slug} for slug in REPORTS],
        "analytics:driver-update": _pks(ForecastDriver),
        "analytics:driver-delete": _pks(ForecastDriver),
        "analytics:jobrun-detail": _pks(JobRun),
        "analytics:segment-chart": [{"chart": c} for c in ("scatter", "silhouette")],
        "analytics:segment-customers": [{"slug": slug} for slug in SEGMENT_BY_SLUG],
    }


def _urls() -> list[str]:
    arguments = _arguments()
    runs = [f"?run={pk}" for pk in JobRun.objects.values_list("pk", flat=True)]
    urls = []
    for name, route, params in _routes():
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
