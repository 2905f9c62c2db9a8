"""Demo stock for seed_demo: two warehouses and opening stock for every product that
has none yet, a few of them below their reorder point.

Opening stock is bulk-created as receipts together with the stock rows, each receipt
carrying the balance it leaves, so the ledger invariant (on hand = sum of the
movements) holds exactly as if stock_receive had been called. A few adjustments and
transfers then go through the services, so the history shows more than receipts.
"""

import random
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from inventory.models import StockItem, StockMovement
from inventory.services import (
    low_stock_alerts_sync,
    stock_adjust,
    stock_transfer,
    warehouse_ensure,
)
from products.models import Product

WAREHOUSES = (
    ("MAIN", "Main warehouse", "Industriestraße 12\n60314 Frankfurt am Main"),
    ("EAST", "East depot", "Am Güterbahnhof 3\n04103 Leipzig"),
)
LOW_STOCK_PRODUCTS = 5


def inventory_demo_create(*, rng: random.Random) -> dict[str, int]:
    """Create what is missing; returns counts for the command's summary."""
    with transaction.atomic():
        warehouses = [
            warehouse_ensure(code=code, name=name, address=address)
            for code, name, address in WAREHOUSES
        ]
        main, east = warehouses
        stocked = StockItem.objects.values_list("product_id", flat=True).distinct()
        products = list(
            Product.objects.exclude(pk__in=stocked)
            .filter(is_active=True)
            .order_by("sku")
        )
        low = {
            p.pk for p in rng.sample(products, k=min(LOW_STOCK_PRODUCTS, len(products)))
        }
        now = timezone.now()
        in_main_by_product: dict[int, int] = {}
        items: list[StockItem] = []
        movements: list[StockMovement] = []
        for product in products:
            if product.pk in low:
                total = rng.randint(0, max(product.reorder_point - 1, 0))
            else:
                total = product.reorder_point * rng.randint(2, 4) + rng.randint(
                    product.reorder_quantity // 2, product.reorder_quantity + 1
                )
            in_main = round(total * rng.uniform(0.55, 0.8))
            in_main_by_product[product.pk] = in_main
            received_at = now - timedelta(days=rng.randint(30, 90))
            for warehouse, quantity in ((main, in_main), (east, total - in_main)):
                items.append(
                    StockItem(product=product, warehouse=warehouse, on_hand=quantity)
                )
                if quantity:
                    movements.append(
                        StockMovement(
                            product=product,
                            warehouse=warehouse,
                            kind=StockMovement.Kind.RECEIPT,
                            quantity=quantity,
                            on_hand_delta=quantity,
                            reserved_delta=0,
                            on_hand_after=quantity,
                            reserved_after=0,
                            reference=f"PO-DEMO-{rng.randint(1000, 9999)}",
                            reason="Opening stock",
                            created_at=received_at,
                        )
                    )
        StockItem.objects.bulk_create(items, batch_size=500)
        StockMovement.objects.bulk_create(movements, batch_size=500)

        # Some history through the services: counts and a rebalancing transfer.
        # Only products with a few units in the main warehouse, so every move works.
        normal = [p for p in products if in_main_by_product[p.pk] >= 5]
        for product in rng.sample(normal, k=min(4, len(normal))):
            stock_adjust(
                product=product,
                warehouse=main,
                quantity=-rng.randint(1, 2),
                reason="Stock count: damaged packaging",
            )
        for product in rng.sample(normal, k=min(3, len(normal))):
            stock_transfer(
                product=product,
                from_warehouse=main,
                to_warehouse=east,
                quantity=1,
                reference="TR-DEMO",
                note="Rebalancing",
            )
    alerts = low_stock_alerts_sync()
    return {
        "warehouses": len(warehouses),
        "stocked": len(products),
        "low": alerts.low,
        "alerts_opened": len(alerts.opened),
    }
