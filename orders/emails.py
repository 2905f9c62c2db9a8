"""E-mails to the customer when an order is confirmed and when a shipment leaves:
a use of sms's outbox (declared in OrdersConfig.ready()). The event writes the row
in its own transaction; the outbox sends it once, retries and sweeps it."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from orders.models import Order, OrderEmail, Shipment
from sms.outbox.services import outbox_queue

TEMPLATES = {
    OrderEmail.Kind.CONFIRMATION: "orders/email/confirmation",
    OrderEmail.Kind.SHIPMENT: "orders/email/shipment",
}


def _recipient(order: Order) -> str:
    customer = order.customer
    if customer.email:
        return customer.email
    contact = customer.contacts.exclude(email="").order_by("-is_primary", "pk").first()
    return contact.email if contact else ""


def email_queue(
    *, order: Order, kind: str, event_key: str, shipment: Shipment | None = None
) -> OrderEmail:
    """Write the outbox row for one event (once); without an address it is kept,
    not sent, and says why on the order page."""
    to_address = _recipient(order)
    return outbox_queue(
        model=OrderEmail,
        event_key=event_key,
        order=order,
        shipment=shipment,
        kind=kind,
        to_address=to_address,
        status=OrderEmail.Status.PENDING if to_address else OrderEmail.Status.SKIPPED,
        last_error="" if to_address else _("The customer has no e-mail address."),
    )


def order_email_message(email: OrderEmail) -> EmailMultiAlternatives:
    """The outbox's message builder for an order e-mail."""
    order = Order.objects.select_related("customer").get(pk=email.order_id)
    shipment = email.shipment
    context = {
        "order": order,
        "customer": order.customer,
        "lines": list(order.lines.all()),
        "shipment": shipment,
        "shipment_lines": (
            list(shipment.lines.select_related("order_line")) if shipment else []
        ),
        "currency": settings.SMS_CURRENCY,
    }
    if email.kind == OrderEmail.Kind.CONFIRMATION:
        subject = _("Order %(number)s confirmed") % {"number": order.number}
    else:
        subject = _("Order %(number)s has shipped") % {"number": order.number}
    base = TEMPLATES[email.kind]
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"{base}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[email.to_address],
    )
    message.attach_alternative(render_to_string(f"{base}.html", context), "text/html")
    return message
