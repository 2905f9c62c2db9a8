"""A customer as the documents of other apps (invoices, packing slips, quotes)
address them."""

from customers.models import Customer
from sms.documents import Party


def customer_party(customer: Customer) -> Party:
    city = " ".join(part for part in (customer.postal_code, customer.city) if part)
    lines = (customer.street, city, customer.region, customer.country)
    return Party(
        name=customer.name, address_lines=tuple(line for line in lines if line)
    )
