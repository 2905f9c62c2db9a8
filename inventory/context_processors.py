"""The open low-stock alert count that the navbar and the inventory tabs show to
managers (inventory is above sms: sms's own context processor cannot ask it)."""

from functools import cache

from django.http import HttpRequest

from inventory.selectors import low_stock_alert_open_count
from sms.roles import user_is_manager


def low_stock_alerts(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if not (user and user.is_authenticated and user_is_manager(user)):
        return {"low_stock_alerts": 0}
    # A callable: the template counts (one query, once) only if a page shows it.
    return {"low_stock_alerts": cache(low_stock_alert_open_count)}
