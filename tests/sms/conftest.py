"""tests/sms fixtures: a data set of records with their optional fields empty."""

import re
from datetime import timedelta
from io import StringIO
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from customers.lookup import customer_label
from customers.models import Customer
from opportunities.models import Opportunity
from orders.models import Order
from products.models import Category, Product
from sms.import_jobs import import_job_execute, import_job_start
from tests.inventory.factories import WarehouseFactory
from tests.sms.factories import AdminFactory, ManagerFactory, RepFactory
from tests.sms.form_post import submit

LEAD = {
    "company": "Acme Ltd",
    "contact_name": "Ada Lovelace",
    "email": "ada@acme.example",
    "website": "",
}


@pytest.fixture
def locmem_cache(settings):
    """A private in-memory cache: the lead form's rate limit counts in it."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "crawl-tests",
        }
    }
    cache.clear()


def post_lead() -> None:
    response = Client().post(reverse("opportunities:lead-form"), LEAD)
    assert b"lead-form-thanks" in response.content


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
def world(tmp_path, locmem_cache, settings):
    """Records with their optional fields empty, owned by ``rep``; ``other`` is a
    second rep who owns nothing."""
    rep, other = RepFactory(), RepFactory()
    manager, admin = ManagerFactory(), AdminFactory()
    warehouse = WarehouseFactory(code="MAIN")
    post_lead()
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

    # A background import whose check found a bad row, and one still queued.
    settings.MEDIA_ROOT = tmp_path / "media"
    bad = b"sku,name,category,list_price,cost\nP-9,Lamp,Furniture,10,abc\n"
    checked = import_job_start(
        kind="products", user=manager, file=bad, filename="big.csv", rows=1
    )
    import_job_execute(job_id=checked.pk)
    checked.refresh_from_db()
    assert (checked.status, checked.problems_file != "") == ("done", True)
    import_job_start(kind="products", user=manager, file=bad, filename="q.csv", rows=1)

    # The analytics jobs over it.
    call_command("run_segmentation", stdout=StringIO(), stderr=StringIO())
    call_command("run_forecast", stdout=StringIO(), stderr=StringIO())
    return SimpleNamespace(rep=rep, other=other, manager=manager, admin=admin)
