"""Order pages through the Django test client, as a rep and a manager use them."""

import csv
import io
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from inventory.models import StockItem
from orders import services
from orders.models import Order, Payment
from tests.customers.factories import CustomerFactory
from tests.inventory.factories import WarehouseFactory, stocked
from tests.orders.factories import draft_order, priced_product
from tests.products.factories import ProductFactory
from tests.sms.factories import RepFactory, UserFactory

pytestmark = pytest.mark.django_db
D = Decimal


def _form_data(customer, warehouse, lines, **header):
    data = {
        "customer": f"{customer.name} (#{customer.pk})",
        "warehouse": warehouse.pk,
        "order_date": timezone.localdate().isoformat(),
        "discount_percent": "0",
        "shipping_charge": "0.00",
        "notes": "",
        "lines-TOTAL_FORMS": str(len(lines)),
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "1",
        "lines-MAX_NUM_FORMS": "1000",
    }
    data.update(header)
    for i, line in enumerate(lines):
        for key, value in line.items():
            data[f"lines-{i}-{key}"] = value
    return data


def test_rep_creates_a_draft_by_sku_and_by_name(rep_client, rep):
    customer = CustomerFactory(owner=rep)
    warehouse = WarehouseFactory(code="MAIN")
    pens = priced_product("2.50", tax="20", sku="PEN-01", name="Blue pen")
    paper = priced_product("4.00", tax="0", name="A4 paper ream")
    data = _form_data(
        customer,
        warehouse,
        [
            {"product": "pen-01", "quantity": "10", "discount_percent": "10"},
            {"product": "A4 paper", "quantity": "2", "unit_price": "3.5"},
            {"product": "", "quantity": ""},  # an unused extra row
        ],
        shipping_charge="5.00",
    )
    response = rep_client.post(reverse("orders:order-create"), data)

    order = Order.objects.get()
    assert response.status_code == 302
    assert response.url == order.get_absolute_url()
    assert order.owner == rep and order.created_by == rep
    lines = list(order.lines.order_by("position"))
    assert [(line.product, line.quantity) for line in lines] == [(pens, 10), (paper, 2)]
    # 25.00 - 2.50 = 22.50 net, 4.50 tax; 7.00 net, no tax; shipping 5.00
    assert (order.net_total, order.tax_total, order.total) == (
        D("29.50"),
        D("4.50"),
        D("39.00"),
    )


def test_form_errors_stand_next_to_their_fields_and_nothing_is_saved(rep_client, rep):
    customer = CustomerFactory(owner=rep)
    warehouse = WarehouseFactory(code="MAIN")
    data = _form_data(
        customer,
        warehouse,
        [{"product": "NO-SUCH-SKU", "quantity": "1"}, {"product": "", "quantity": "3"}],
        discount_percent="150",
    )
    response = rep_client.post(reverse("orders:order-create"), data)

    assert response.status_code == 200
    formset = response.context["formset"]
    assert "No active product" in formset.forms[0].errors["product"][0]
    assert formset.forms[1].errors["product"] == ["Pick a product."]
    assert response.context["form"].errors["discount_percent"]
    assert b"NO-SUCH-SKU" in response.content  # the rep's input is kept
    assert not Order.objects.exists()


def test_rep_cannot_order_for_another_reps_customer(rep_client):
    other = CustomerFactory(owner=RepFactory())
    data = _form_data(
        other, WarehouseFactory(code="MAIN"), [{"product": "X", "quantity": "1"}]
    )
    data["customer"] = f"{other.name} (#{other.pk})"
    response = rep_client.post(reverse("orders:order-create"), data)
    assert response.context["form"].errors["customer"] == [
        "No such customer among yours."
    ]


def test_new_order_from_the_customer_page_is_prefilled(rep_client, rep):
    customer = CustomerFactory(owner=rep, name="Acme Ltd")
    response = rep_client.get(
        reverse("orders:order-create") + f"?customer={customer.pk}"
    )
    assert 'value="Acme Ltd' in response.content.decode()


@pytest.mark.parametrize("value", ["abc", "99999999", "-1", ""])
def test_a_bad_customer_in_the_new_order_link_is_ignored(rep_client, value):
    response = rep_client.get(reverse("orders:order-create"), {"customer": value})
    assert response.status_code == 200
    assert response.context["form"]["customer"].value() in (None, "")


def test_customer_lookup_lists_only_own_customers(rep_client, rep):
    CustomerFactory(owner=rep, name="Acme North")
    CustomerFactory(owner=RepFactory(), name="Acme South")
    response = rep_client.get(reverse("customers:customer-lookup"), {"q": "acme"})
    assert [
        label.split(" (#")[0].split(",")[0] for label in response.json()["results"]
    ] == ["Acme North"]


def test_confirm_with_too_little_stock_tells_the_rep_what_is_available(rep_client, rep):
    warehouse = WarehouseFactory(code="MAIN")
    product = ProductFactory(name="Gold stapler")
    stocked(product, warehouse, 1)
    order = draft_order(
        customer=CustomerFactory(owner=rep), warehouse=warehouse, lines=[(product, 3)]
    )
    response = rep_client.post(
        reverse("orders:order-confirm", args=[order.pk]), follow=True
    )
    text = response.content.decode()
    assert "Gold stapler" in text and "1 available, 3 requested" in text
    order.refresh_from_db()
    assert order.status == Order.Status.DRAFT
    assert StockItem.objects.get(product=product).reserved == 0


def test_ship_partially_then_pay_through_the_pages(rep_client, rep):
    warehouse = WarehouseFactory(code="MAIN")
    product = priced_product("10.00", tax="0")
    order = draft_order(
        customer=CustomerFactory(owner=rep),
        warehouse=warehouse,
        lines=[(product, 4)],
        stock=4,
    )
    rep_client.post(reverse("orders:order-confirm", args=[order.pk]))
    line = order.lines.get()
    response = rep_client.post(
        reverse("orders:order-ship", args=[order.pk]),
        {
            f"line_{line.pk}": "1",
            "shipped_on": timezone.localdate().isoformat(),
            "carrier": "UPS",
            "tracking_number": "1Z999",
        },
    )
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == Order.Status.PARTIALLY_SHIPPED
    assert StockItem.objects.get(product=product).on_hand == 3

    too_much = rep_client.post(
        reverse("orders:payment-create", args=[order.pk]),
        {"amount": "40.01", "paid_on": timezone.localdate(), "method": "card"},
    )
    assert too_much.status_code == 200
    assert too_much.context["form"].errors["amount"] == ["At most 40.00."]
    assert not Payment.objects.exists()

    rep_client.post(
        reverse("orders:payment-create", args=[order.pk]),
        {"amount": "15.00", "paid_on": timezone.localdate(), "method": "card"},
    )
    page = rep_client.get(order.get_absolute_url())
    assert page.context["order"].balance_due == D("25.00")
    text = page.content.decode()
    assert "Partially paid" in text
    shipment = order.shipments.get()
    for link in (
        reverse("orders:order-invoice", args=[order.pk]),
        reverse("orders:order-invoice-pdf", args=[order.pk]),
        reverse("orders:shipment-packing-slip", args=[order.pk, shipment.pk]),
    ):
        assert f'href="{link}"' in text


def test_refunds_are_for_managers(client, rep, manager):
    order = draft_order(customer=CustomerFactory(owner=rep), stock=5)
    services.order_confirm(order=order, user=rep)
    services.payment_record(order=order, user=rep, amount=D("10.00"))
    url = reverse("orders:refund-create", args=[order.pk])
    client.force_login(rep)
    assert client.get(url).status_code == 403
    client.force_login(manager)
    response = client.post(
        url, {"amount": "4.00", "paid_on": timezone.localdate(), "method": "cash"}
    )
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.amount_paid == D("6.00")


def _partly_shipped(owner, *, stock=5):
    """A rep's order of 4 x 10.00 (20 % tax), 1 shipped."""
    warehouse = WarehouseFactory(code="MAIN")
    product = priced_product("10.00", sku="CHAIR")
    order = draft_order(
        customer=CustomerFactory(owner=owner),
        warehouse=warehouse,
        lines=[(product, 4)],
        stock=stock,
    )
    services.order_confirm(order=order, user=owner)
    line = order.lines.get()
    services.order_ship(order=order, user=owner, quantities={line.pk: 1})
    return order, product


def test_manager_closes_a_reps_order_short_from_the_order_page(manager_client, rep):
    order, product = _partly_shipped(rep)
    page = manager_client.get(order.get_absolute_url()).content.decode()
    url = reverse("orders:order-close-short", args=[order.pk])
    assert f'action="{url}"' in page
    assert "will be cancelled" in page and "total reduced" in page

    response = manager_client.post(url, {"reason": "No longer stocked"}, follow=True)

    assert response.redirect_chain == [(order.get_absolute_url(), 302)]
    text = response.content.decode()
    assert f"Order {order.number} closed short" in text
    assert "Closed short: 3 x CHAIR not shipped. No longer stocked" in text
    assert f'action="{url}"' not in text  # shipped now: no second close
    order.refresh_from_db()
    assert order.status == Order.Status.SHIPPED
    assert response.context["lines"][0].quantity == 1
    assert (order.net_total, order.total) == (D("10.00"), D("12.00"))
    assert re.search(r'data-testid="total">12\.00 ', text)
    item = StockItem.objects.get(product=product)
    assert (item.on_hand, item.reserved) == (4, 0)


def test_close_short_refusals_are_shown_as_messages(rep_client, rep):
    order, _product = _partly_shipped(rep)
    services.payment_record(order=order, user=rep, amount=D("20.00"))
    url = reverse("orders:order-close-short", args=[order.pk])

    response = rep_client.post(url, follow=True)

    assert "record a refund first" in response.content.decode()
    order.refresh_from_db()
    assert order.status == Order.Status.PARTIALLY_SHIPPED
    assert rep_client.get(url).status_code == 405


def test_close_short_needs_the_confirm_permission_and_the_order_in_scope(client, rep):
    order, _product = _partly_shipped(rep)
    url = reverse("orders:order-close-short", args=[order.pk])
    client.force_login(UserFactory())  # no role
    assert client.post(url).status_code == 403
    client.force_login(RepFactory())  # another rep
    assert client.post(url).status_code == 404
    order.refresh_from_db()
    assert order.status == Order.Status.PARTIALLY_SHIPPED


def test_another_reps_order_is_a_404_everywhere(rep_client):
    order = draft_order(stock=5)  # owned by a new rep
    get_urls = ["order-detail", "order-update", "order-ship", "payment-create"]
    post_urls = [
        "order-confirm",
        "order-cancel",
        "order-close-short",
        "order-deliver",
        "order-return-to-draft",
    ]
    for name in get_urls:
        assert (
            rep_client.get(reverse(f"orders:{name}", args=[order.pk])).status_code
            == 404
        )
    for name in post_urls:
        assert (
            rep_client.post(reverse(f"orders:{name}", args=[order.pk])).status_code
            == 404
        )
    assert order.pk not in [
        o.pk for o in rep_client.get("/orders/").context["table"].data
    ]


def test_managers_see_every_order_and_filter_by_rep(manager_client):
    mine, theirs = RepFactory(), RepFactory()
    a = draft_order(customer=CustomerFactory(owner=mine))
    draft_order(customer=CustomerFactory(owner=theirs))
    response = manager_client.get("/orders/")
    assert len(response.context["table"].data) == 2
    response = manager_client.get("/orders/", {"owner": mine.pk})
    assert [o.pk for o in response.context["table"].data] == [a.pk]


def _billable(rep, *, days_ago: int, paid: str | None = None, price="100.00"):
    order = draft_order(
        customer=CustomerFactory(owner=rep, payment_terms_days=30),
        lines=[(priced_product(price, tax="0"), 1)],
        stock=1,
        order_date=timezone.localdate() - timedelta(days=days_ago),
    )
    services.order_confirm(order=order, user=rep)
    if paid:
        services.payment_record(order=order, user=rep, amount=D(paid))
    order.refresh_from_db()
    return order


def test_filters_by_status_payment_date_and_overdue(rep_client, rep):
    overdue = _billable(rep, days_ago=45)
    partial = _billable(rep, days_ago=5, paid="30.00")
    paid = _billable(rep, days_ago=50, paid="100.00")
    draft = draft_order(customer=CustomerFactory(owner=rep))

    def numbers(**params):
        response = rep_client.get("/orders/", params)
        return {o.number for o in response.context["table"].data}

    assert numbers(status="draft") == {draft.number}
    assert numbers(payment_status="unpaid") == {overdue.number}
    assert numbers(payment_status="partial") == {partial.number}
    assert numbers(payment_status="paid") == {paid.number}
    assert numbers(overdue="true") == {overdue.number}
    since = (timezone.localdate() - timedelta(days=10)).isoformat()
    assert numbers(date_from=since) == {partial.number, draft.number}
    assert numbers(q=overdue.number) == {overdue.number}


def test_overdue_page_lists_balances_past_terms(rep_client, rep):
    late = _billable(rep, days_ago=40, paid="25.00")
    _billable(rep, days_ago=10)
    response = rep_client.get(reverse("orders:order-overdue"))
    assert [o.pk for o in response.context["table"].data] == [late.pk]
    assert response.context["overdue_total"] == D("75.00")
    assert response.context["table"].rows[0].get_cell("days") == 10


def test_csv_export_is_what_the_filters_show(rep_client, rep):
    order = _billable(rep, days_ago=3, paid="40.00")
    draft_order(customer=CustomerFactory(owner=rep))
    response = rep_client.get("/orders/", {"export": "csv", "status": "confirmed"})
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 1
    assert rows[0]["number"] == order.number
    assert rows[0]["total"] == "100.00"
    assert rows[0]["balance_due"] == "60.00"
    assert rows[0]["payment_status"] == "Partially paid"
    xlsx = rep_client.get("/orders/", {"export": "xlsx"})
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")


def test_edit_is_only_for_drafts(rep_client, rep):
    order = draft_order(customer=CustomerFactory(owner=rep), stock=5)
    services.order_confirm(order=order, user=rep)
    response = rep_client.get(reverse("orders:order-update", args=[order.pk]))
    assert response.status_code == 302
    rep_client.post(reverse("orders:order-return-to-draft", args=[order.pk]))
    line = order.lines.get()
    data = _form_data(
        order.customer, order.warehouse, [{"product": line.sku, "quantity": "5"}]
    )
    del data["customer"]
    response = rep_client.post(reverse("orders:order-update", args=[order.pk]), data)
    assert response.status_code == 302
    assert order.lines.get().quantity == 5


def test_customer_page_shows_orders_revenue_and_average(rep_client, rep):
    customer = CustomerFactory(owner=rep)
    for price in ("100.00", "50.00"):
        order = draft_order(
            customer=customer, lines=[(priced_product(price, tax="20"), 1)], stock=1
        )
        services.order_confirm(order=order, user=rep)
    cancelled = draft_order(customer=customer)
    services.order_cancel(order=cancelled, user=rep)
    response = rep_client.get(customer.get_absolute_url())
    panel = next(p for p in response.context["panels"] if p["key"] == "purchases")
    figures = panel["context"]
    assert figures["count"] == 2
    assert figures["revenue"] == D("150.00")  # net, before tax; cancelled left out
    assert figures["average"] == D("75.00")
    assert figures["balance_due"] == D("180.00")
    assert len(figures["recent"]) == 3
    page = response.content.decode()
    assert "150.00" in page
    assert page.count('data-testid="timeline-order"') == 3
    assert cancelled.number in page


def test_orders_move_with_a_customer_merge(manager):
    from customers.services import customer_merge

    survivor, merged = CustomerFactory(), CustomerFactory()
    order = draft_order(customer=merged)
    record = customer_merge(survivor=survivor, merged=merged, merged_by=manager)
    order.refresh_from_db()
    assert order.customer == survivor
    assert record.moved["orders"] == 1


@pytest.mark.parametrize("count", [3, 30])
def test_list_runs_a_fixed_number_of_queries(
    rep_client, rep, django_assert_num_queries, count
):
    customer = CustomerFactory(owner=rep)
    product = ProductFactory()
    for _ in range(count):
        draft_order(customer=customer, lines=[(product, 1)])
    rep_client.get("/orders/")
    # session, user, user and group permissions, groups (role), count, tasks due,
    # the page of orders (customer and rep joined)
    with django_assert_num_queries(8):
        response = rep_client.get("/orders/")
    assert response.status_code == 200


@pytest.mark.parametrize("lines", [1, 12])
def test_order_page_runs_a_fixed_number_of_queries(
    rep_client, rep, django_assert_num_queries, lines
):
    warehouse = WarehouseFactory(code="MAIN")
    products = [ProductFactory() for _ in range(lines)]
    order = draft_order(
        customer=CustomerFactory(owner=rep),
        warehouse=warehouse,
        lines=[(p, 2) for p in products],
        stock=10,
    )
    services.order_confirm(order=order, user=rep)
    services.order_ship(
        order=order,
        user=rep,
        quantities={line.pk: 1 for line in order.lines.all()},
    )
    services.payment_record(order=order, user=rep, amount=D("1.00"))
    rep_client.get(order.get_absolute_url())
    # session, user, user and group permissions, groups, the order (customer,
    # rep, warehouse joined), lines, transitions, shipments, shipment lines,
    # payments, e-mails, tasks due
    with django_assert_num_queries(13):
        response = rep_client.get(order.get_absolute_url())
    assert response.status_code == 200


@pytest.mark.parametrize("count", [2, 15])
def test_customer_page_with_orders_runs_a_fixed_number_of_queries(
    rep_client, rep, django_assert_num_queries, count
):
    customer = CustomerFactory(owner=rep)
    product = ProductFactory()
    for _ in range(count):
        draft_order(customer=customer, lines=[(product, 1)])
    rep_client.get(customer.get_absolute_url())
    # The customer page's own queries (see tests/customers/test_views.py), plus the
    # purchase figures, the latest orders and the orders on the timeline (rep
    # joined), the open opportunities panel (one query) and the segment panel (one
    # query): the same number for 2 orders as for 15.
    with django_assert_num_queries(21):
        response = rep_client.get(customer.get_absolute_url())
    assert response.status_code == 200
