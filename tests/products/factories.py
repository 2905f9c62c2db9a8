from decimal import Decimal

import factory

from products.models import Category, Product


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    name = factory.Sequence(lambda n: f"Category {n}")
    parent = None


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    sku = factory.Sequence(lambda n: f"SKU-{n:05d}")
    name = factory.Sequence(lambda n: f"Product {n}")
    category = factory.SubFactory(CategoryFactory)
    unit = Product.Unit.PIECE
    list_price = Decimal("100.00")
    cost = Decimal("60.00")
    tax_rate = Decimal("20.00")
    is_active = True
    reorder_point = 0
    reorder_quantity = 0
