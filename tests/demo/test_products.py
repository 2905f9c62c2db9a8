# ruff: noqa: S311 - seeded demo data, not secrets
import random

import pytest

from demo.products import products_demo_create
from products.models import Category, Product

pytestmark = pytest.mark.django_db


def test_demo_catalogue_has_about_60_products_in_8_categories_with_margins():
    created = products_demo_create(rng=random.Random(1))
    assert len(created) == Product.objects.count() == 60
    assert Category.objects.count() == 8
    for product in Product.objects.all():
        assert 0 < product.cost < product.list_price
        assert product.reorder_point > 0
        assert product.history.count() == 1


def test_demo_catalogue_is_idempotent_on_sku():
    products_demo_create(rng=random.Random(1))
    Product.objects.filter(sku="CMP-1010").update(name="Renamed by a user")
    again = products_demo_create(rng=random.Random(2))
    assert again == []
    assert Product.objects.count() == 60
    assert Product.objects.get(sku="CMP-1010").name == "Renamed by a user"
