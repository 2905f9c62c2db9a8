"""Context every page needs: the user's role, the navbar sections, the currency."""

from django.conf import settings
from django.http import HttpRequest

from sms.broker import background_delayed, delayed_message
from sms.roles import user_is_manager, user_role

# The navbar, in order. An app replaces its "coming soon" route in sms/urls.py by
# its own urls when it lands; the prefix stays the same.
SECTIONS = (
    ("customers", "Customers", "/customers/"),
    ("opportunities", "Opportunities", "/opportunities/"),
    ("orders", "Orders", "/orders/"),
    ("products", "Products", "/products/"),
    ("inventory", "Inventory", "/inventory/"),
    ("analytics", "Analytics", "/analytics/"),
)


def base(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    signed_in = bool(user and user.is_authenticated)
    is_manager = signed_in and user_is_manager(user)
    return {
        "sms_currency": settings.SMS_CURRENCY,
        "sms_role": user_role(user) if signed_in else "",
        "sms_is_manager": is_manager,
        # In-process memory of a job-queue outage, no network (sms/broker.py).
        "sms_background_delayed": delayed_message()
        if signed_in and background_delayed()
        else "",
        "sms_sections": [
            {
                "key": key,
                "label": label,
                "url": url,
                "active": request.path.startswith(url),
            }
            for key, label, url in SECTIONS
        ]
        if signed_in
        else [],
    }
