"""python manage.py check_low_stock: the hourly low-stock check, run now."""

from django.core.management.base import BaseCommand

from inventory.models import LowStockAlert
from inventory.services import low_stock_alerts_sync


class Command(BaseCommand):
    help = (
        "Open low-stock alerts for products at or below their reorder point, close "
        "those that recovered, and e-mail the managers once per new alert."
    )

    def handle(self, *args, **options):
        self.stdout.write("Checking the available stock of every watched product…")
        result = low_stock_alerts_sync()
        opened = LowStockAlert.objects.filter(pk__in=result.opened).select_related(
            "product"
        )
        for alert in opened:
            self.stdout.write(
                f"  new alert: {alert.product.sku} {alert.product.name} "
                f"({alert.available_at_open} available, reorder point "
                f"{alert.reorder_point_at_open})"
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Checked {result.checked} products: {result.low} at or below their "
                f"reorder point, {len(result.opened)} new alert(s), "
                f"{len(result.closed)} closed, "
                f"{LowStockAlert.objects.open().count()} open."
            )
        )
