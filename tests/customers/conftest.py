import pytest

from customers.services import customer_create


@pytest.fixture
def make_customer(db):
    """Create a customer through the service (keys, tags and history as in real use)."""
    counter = iter(range(1, 100_000))

    def make(owner, **fields):
        n = next(counter)
        fields.setdefault("name", f"Customer {n}")
        fields.setdefault("email", f"customer{n}@example.com")
        fields.setdefault("city", "Leeds")
        return customer_create(owner=owner, **fields)

    return make
