"""The public web-to-lead form: anyone may send it, logged in or not.

A real enquiry becomes a lead through opportunities.services.opportunity_create
(no owner: the lead assignment rule picks the rep; source "website"). Protection:
CSRF (the middleware), a honeypot field (a bot that fills it gets the same thank-you
page and nothing is created), and a limit per client address of LEAD_FORM_LIMIT
posts in LEAD_FORM_WINDOW seconds, counted in the cache.
"""

import logging

from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from customers.models import Customer
from opportunities.forms_leads import HONEYPOT, LeadForm
from opportunities.services import opportunity_create
from sms.idempotency import post_once
from sms.security import client_ip

logger = logging.getLogger(__name__)

LEAD_FORM_LIMIT = 5
LEAD_FORM_WINDOW = 10 * 60  # seconds
TITLE_MAX = 200


def _over_limit(request: HttpRequest) -> bool:
    """Count this post against the client's address; True once over the limit.

    The window starts with the first post and is fixed (not sliding). If the cache
    is unreachable the form stays open: losing a lead is worse than a missed count.
    """
    key = f"lead-form:{client_ip(request)}"
    try:
        cache.add(key, 0, timeout=LEAD_FORM_WINDOW)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=LEAD_FORM_WINDOW)
            count = 1
    except Exception:
        logger.warning("Lead form rate limit not counted.", exc_info=True)
        return False
    return count > LEAD_FORM_LIMIT


def _thanks(request: HttpRequest) -> HttpResponse:
    response = render(request, "opportunities/lead_form_thanks.html")
    # A page, not a redirect, yet the end of the form: its token is spent.
    response.form_saved = True
    return response


@login_not_required
@require_http_methods(["GET", "POST"])
@post_once(replay=_thanks)
def lead_form_view(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return render(request, "opportunities/lead_form.html", {"form": LeadForm()})
    if _over_limit(request):
        return render(
            request,
            "opportunities/lead_form_limited.html",
            {"minutes": LEAD_FORM_WINDOW // 60},
            status=429,
        )
    if request.POST.get(HONEYPOT):
        logger.info("Lead form honeypot filled from %s.", client_ip(request))
        return _thanks(request)  # looks like success; nothing is created
    form = LeadForm(request.POST)
    if not form.is_valid():
        return render(request, "opportunities/lead_form.html", {"form": form})
    data = form.cleaned_data
    title = _("Website enquiry: %(company)s") % {"company": data["company"]}
    try:
        opportunity_create(
            title=title[:TITLE_MAX],
            created_by=None,
            lead_company=data["company"],
            lead_contact=data["contact_name"],
            lead_email=data["email"],
            lead_phone=data["phone"],
            source_channel=Customer.Channel.WEBSITE,
            notes=data["message"],
        )
    except ValidationError:
        logger.exception("A lead from the web form could not be saved.")
        form.add_error(
            None,
            _(
                "Your enquiry could not be taken just now. Please try again later "
                "or e-mail us."
            ),
        )
        return render(
            request, "opportunities/lead_form.html", {"form": form}, status=503
        )
    return _thanks(request)
