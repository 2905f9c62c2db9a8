"""Product and category forms posted twice are saved once."""

import pytest
from django.urls import reverse

from products.models import Category, Product
from tests.products.factories import CategoryFactory
from tests.products.test_views import _product_fields
from tests.sms.double_submit import posted_twice

pytestmark = pytest.mark.django_db


def test_the_new_product_form_posted_twice_makes_one_product(manager_client):
    category = CategoryFactory()
    url = reverse("products:product-create")
    first, second = posted_twice(manager_client, url, _product_fields(category))
    product = Product.objects.get()
    assert first.url == product.get_absolute_url()
    # Not "SKU already exists" on the second post: it lands on the first result.
    assert second.redirect_chain == [(product.get_absolute_url(), 302)]
    assert "This was already saved." in second.content.decode()


def test_the_new_category_form_posted_twice_makes_one_category(manager_client):
    url = reverse("products:category-create")
    first, second = posted_twice(
        manager_client, url, {"name": "Desks", "description": ""}
    )
    assert first.status_code == 302
    # Not "this category exists" on the second post: it lands on the first result.
    assert second.redirect_chain == [(first.url, 302)]
    assert Category.objects.filter(name="Desks").count() == 1
