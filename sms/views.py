from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from sms.context_processors import SECTIONS
from sms.health import broker_status, database_status
from sms.roles import ADMIN_LABEL, SALES_MANAGER, SALES_REP, user_role

SECTION_PROMISES = {
    "customers": "Accounts, contacts, the conversation log and your tasks.",
    "opportunities": "The pipeline board, quotes and follow-ups.",
    "orders": "Orders from draft to delivery, shipments, payments and invoices.",
    "products": "The catalogue: categories, prices, costs and margins.",
    "inventory": "Stock per warehouse, the stock ledger and low-stock alerts.",
    "analytics": "Dashboards, reports, segments and forecasts.",
}

ROLE_INTRO = {
    SALES_REP: "Your customers, your pipeline and your orders, all in one place.",
    SALES_MANAGER: "The whole team's customers, pipeline and numbers.",
    ADMIN_LABEL: "Everything, plus users, roles and schedules in the admin.",
}


def _greeting(now) -> str:
    hour = timezone.localtime(now).hour
    if hour < 12:
        return "Good morning"
    if hour < 18:
        return "Good afternoon"
    return "Good evening"


def home_view(request: HttpRequest) -> HttpResponse:
    role = user_role(request.user)
    sections = [
        {"key": key, "label": label, "url": url, "promise": SECTION_PROMISES[key]}
        for key, label, url in SECTIONS
    ]
    return render(
        request,
        "sms/home.html",
        {
            "greeting": _greeting(timezone.now()),
            "role_intro": ROLE_INTRO.get(role, "Ask an admin to give you a role."),
            "sections": sections,
        },
    )


def section_coming_soon_view(request: HttpRequest, section: str) -> HttpResponse:
    label = next(label for key, label, _ in SECTIONS if key == section)
    return render(
        request,
        "sms/coming_soon.html",
        {"section": label, "promise": SECTION_PROMISES[section]},
    )


@login_not_required
@never_cache
@require_GET
def health_view(request: HttpRequest) -> JsonResponse:
    database = database_status()
    broker = broker_status()
    healthy = database == "ok"
    return JsonResponse(
        {
            "status": "ok" if healthy else "error",
            "database": database,
            "broker": broker,
        },
        status=200 if healthy else 503,
    )
