from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from products.models import Category, Product
from products.services import (
    category_create,
    category_path_ensure,
    category_update,
    product_create,
    product_price_history,
    product_update,
)
from tests.products.factories import CategoryFactory, ProductFactory
from tests.sms.factories import ManagerFactory

pytestmark = pytest.mark.django_db


def _fields(category, **overrides):
    fields = {
        "sku": "lap-100",
        "name": "Laptop",
        "description": "",
        "category": category,
        "unit": Product.Unit.PIECE,
        "list_price": Decimal("1000.00"),
        "cost": Decimal("700.00"),
        "tax_rate": Decimal("20.00"),
        "is_active": True,
        "reorder_point": 5,
        "reorder_quantity": 10,
    }
    fields.update(overrides)
    return fields


def test_product_create_normalises_the_sku_and_records_history_with_the_user():
    user = ManagerFactory()
    product = product_create(user=user, **_fields(CategoryFactory()))
    assert product.sku == "LAP-100"
    record = product.history.get()
    assert record.history_type == "+"
    assert record.history_user == user


def test_product_create_refuses_a_duplicate_sku_and_negative_prices():
    category = CategoryFactory()
    product_create(user=None, **_fields(category))
    with pytest.raises(ValidationError) as caught:
        product_create(user=None, **_fields(category, sku="LAP-100 "))
    assert "sku" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        product_create(user=None, **_fields(category, sku="X1", cost=Decimal("-1")))
    assert "cost" in caught.value.message_dict or "__all__" in caught.value.message_dict
    assert Product.objects.count() == 1


def test_product_update_records_price_changes_and_skips_no_op_saves():
    user = ManagerFactory()
    product = product_create(user=None, **_fields(CategoryFactory()))
    product_update(product=product, user=user, list_price=Decimal("1000.00"))
    assert product.history.count() == 1  # nothing changed, nothing recorded
    product_update(product=product, user=user, list_price=Decimal("1100.00"))
    product_update(product=product, user=user, name="Laptop Pro")
    product_update(product=product, user=user, cost=Decimal("650.00"))
    changes = product_price_history(product=product)
    assert [(c["old_list_price"], c["list_price"]) for c in changes] == [
        (Decimal("1100.00"), Decimal("1100.00")),
        (Decimal("1000.00"), Decimal("1100.00")),
        (None, Decimal("1000.00")),
    ]
    assert changes[0]["old_cost"] == Decimal("700.00")
    assert changes[0]["cost"] == Decimal("650.00")
    assert changes[0]["user"] == user
    assert changes[-1]["created"] is True


def test_product_update_compares_with_the_database_not_the_given_instance():
    product = ProductFactory(list_price=Decimal("10.00"))
    product.list_price = Decimal("12.00")  # as a ModelForm leaves the instance
    saved = product_update(product=product, user=None, list_price=Decimal("12.00"))
    saved.refresh_from_db()
    assert saved.list_price == Decimal("12.00")


def test_product_update_rejects_unknown_fields():
    with pytest.raises(TypeError):
        product_update(product=ProductFactory(), user=None, margin=1)


def test_margin_and_margin_percent():
    product = ProductFactory(list_price=Decimal("19.99"), cost=Decimal("12.50"))
    assert product.margin == Decimal("7.49")
    assert product.margin_percent == Decimal("37.5")
    free = ProductFactory(list_price=Decimal("0.00"), cost=Decimal("1.00"))
    assert free.margin == Decimal("-1.00")
    assert free.margin_percent is None


def test_categories_have_two_levels_at_most():
    top = category_create(name="Computers")
    child = category_create(name="Laptops", parent=top)
    with pytest.raises(ValidationError) as caught:
        category_create(name="Gaming", parent=child)
    assert "parent" in caught.value.message_dict
    other = category_create(name="Office")
    with pytest.raises(ValidationError):
        category_update(category=top, name="Computers", parent=other)  # has children
    with pytest.raises(ValidationError):
        category_update(category=other, name="Office", parent=other)
    assert str(child) == "Computers > Laptops"


def test_category_names_are_unique_per_parent():
    top = category_create(name="Computers")
    with pytest.raises(ValidationError):
        category_create(name="Computers")
    category_create(name="Accessories", parent=top)
    category_create(name="Accessories")  # a top-level one of the same name is fine
    with pytest.raises(ValidationError):
        category_create(name="Accessories", parent=top)


def test_category_path_ensure_finds_case_insensitively_and_creates_missing():
    top = category_create(name="Computers")
    found = category_path_ensure(path=("computers", "Laptops"))
    assert found.parent == top
    assert category_path_ensure(path=("COMPUTERS", "laptops")) == found
    assert Category.objects.count() == 2
    with pytest.raises(ValidationError):
        category_path_ensure(path=("a", "b", "c"))
