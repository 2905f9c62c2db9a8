import factory

from inventory.models import Warehouse
from inventory.services import stock_receive


class WarehouseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Warehouse
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"WH{n}")
    name = factory.LazyAttribute(lambda w: f"Warehouse {w.code}")
    is_active = True


def stocked(product, warehouse, quantity: int):
    """Put ``quantity`` on hand through the ledger (a receipt), as the app does."""
    stock_receive(product=product, warehouse=warehouse, quantity=quantity)
    return product
