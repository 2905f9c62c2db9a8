# ruff: noqa: S311 - seeded demo data, not secrets
import random
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Sum

from demo.inventory import inventory_demo_create
from demo.products import products_demo_create
from inventory.models import LowStockAlert, StockItem, StockMovement, Warehouse
from inventory.selectors import product_available_totals
from products.models import Product

pytestmark = pytest.mark.django_db


def _ledger_holds():
    for item in StockItem.objects.all():
        sums = StockMovement.objects.filter(
            product_id=item.product_id, warehouse_id=item.warehouse_id
        ).aggregate(on_hand=Sum("on_hand_delta"), reserved=Sum("reserved_delta"))
        assert item.on_hand == (sums["on_hand"] or 0)
        assert item.reserved == (sums["reserved"] or 0)


def test_demo_stock_in_two_warehouses_keeps_the_ledger_and_has_low_products():
    products_demo_create(rng=random.Random(3))
    summary = inventory_demo_create(rng=random.Random(3))
    assert set(Warehouse.objects.values_list("code", flat=True)) == {"MAIN", "EAST"}
    assert summary["stocked"] == 60
    assert StockItem.objects.count() == 120
    _ledger_holds()
    totals = product_available_totals(products=Product.objects.all())
    low = [t for t in totals if t["available_total"] <= t["reorder_point"]]
    assert 3 <= len(low) <= 8
    assert summary["low"] == len(low)
    assert LowStockAlert.objects.open().count() == len(low)
    kinds = set(StockMovement.objects.values_list("kind", flat=True))
    assert {"receipt", "adjustment", "transfer_out", "transfer_in"} <= kinds


def test_seed_demo_twice_creates_no_duplicates(settings):
    settings.DEBUG = True
    out = StringIO()
    # A handful of customers and orders is enough to show a second seeding adds
    # nothing; the default demo size takes seconds.
    call_command("seed_demo", customers=3, months=2, stdout=out, stderr=StringIO())
    counts = (
        Product.objects.count(),
        StockItem.objects.count(),
        StockMovement.objects.count(),
        LowStockAlert.objects.count(),
    )
    assert "Products: 60 new" in out.getvalue()
    call_command(
        "seed_demo", customers=3, months=2, stdout=StringIO(), stderr=StringIO()
    )
    assert (
        Product.objects.count(),
        StockItem.objects.count(),
        StockMovement.objects.count(),
        LowStockAlert.objects.count(),
    ) == counts
    _ledger_holds()
