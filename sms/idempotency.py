"""One-time tokens for create forms: a form posted twice saves once.

Every create form carries ``{% form_token %}``, a random hidden token. The view
(``@post_once`` on a function view, ``PostOnceMixin`` on a class-based one) claims
the token by inserting a ``FormSubmission`` row in the same transaction as the record
it creates. The unique constraint on (user, token) makes the claim race-safe: a
second post with the same token waits for the first to finish, then either finds
the claim (and is redirected to the first result with "This was already saved.") or,
when the first post was rolled back or showed form errors, claims the token itself.

A post without a token (scripts, tests, a page cached from before) is handled as
before: the token guards against double clicks and reloads, the services' own rules
(duplicate customers, payments) against everything else. Claims expire after a day.
"""

import functools
import logging
import re
import secrets
from collections.abc import Callable
from datetime import timedelta

from django.contrib import messages
from django.db import DatabaseError, IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils import timezone
from django.utils.translation import gettext as _

from sms.models import FormSubmission

logger = logging.getLogger(__name__)

FIELD = "form_token"
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
TOKEN_TTL = timedelta(days=1)
_REDIRECTS = {301, 302, 303, 307, 308}


def form_token_new() -> str:
    return secrets.token_urlsafe(24)


def form_token_for(request: HttpRequest) -> str:
    """The token a form page carries: the posted one when a form is shown again
    with errors (so it stays one submission), else a new one."""
    if request.method == "POST":
        posted = request.POST.get(FIELD, "")
        if TOKEN_RE.match(posted):
            return posted
    return form_token_new()


def _user(request: HttpRequest):
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


def _claim(user, token: str) -> FormSubmission | None:
    try:
        with transaction.atomic():
            return FormSubmission.objects.create(user=user, token=token)
    except IntegrityError:
        return None


def _saved(response: HttpResponse) -> bool:
    """A create view answers a successful post with a redirect (or marks a page it
    renders instead, as the public lead form's thank-you page)."""
    return response.status_code in _REDIRECTS or getattr(response, "form_saved", False)


def form_tokens_expire(*, now=None) -> int:
    """Forget claims older than TOKEN_TTL; returns how many."""
    cutoff = (now or timezone.now()) - TOKEN_TTL
    deleted, _counts = FormSubmission.objects.filter(created_at__lt=cutoff).delete()
    return deleted


def _expire_quietly() -> None:
    # Housekeeping must never fail the post that triggered it.
    try:
        with transaction.atomic():
            form_tokens_expire()
    except DatabaseError:
        logger.warning("Expired form tokens not deleted.", exc_info=True)


def post_once_handle(
    request: HttpRequest,
    handle: Callable[[], HttpResponse],
    *,
    replay: Callable[[HttpRequest], HttpResponse] | None = None,
) -> HttpResponse:
    """Run ``handle`` (the view's POST) at most once per form token."""
    token = request.POST.get(FIELD, "") if request.method == "POST" else ""
    if not TOKEN_RE.match(token):
        return handle()
    user = _user(request)
    with transaction.atomic():
        claim = _claim(user, token)
        if claim is not None:
            response = handle()
            if _saved(response):
                claim.result_url = response.get("Location", "")[:500]
                claim.save(update_fields=["result_url"])
            else:
                claim.delete()  # errors shown: the same token may be sent again
    if claim is not None:
        _expire_quietly()
        return response
    earlier = FormSubmission.objects.filter(user=user, token=token).first()
    if earlier is None:  # expired in between: nothing to point to
        return handle()
    messages.info(request, _("This was already saved."))
    if earlier.result_url:
        return HttpResponseRedirect(earlier.result_url)
    if replay is not None:
        return replay(request)
    return HttpResponseRedirect(request.get_full_path())


def post_once(view=None, *, replay=None):
    """Decorator for a function view whose POST creates something."""

    def decorate(func):
        @functools.wraps(func)
        def wrapper(request, *args, **kwargs):
            return post_once_handle(
                request, lambda: func(request, *args, **kwargs), replay=replay
            )

        return wrapper

    return decorate(view) if view is not None else decorate


class PostOnceMixin:
    """For a class-based create view: its post() runs at most once per token."""

    def post(self, request, *args, **kwargs):
        parent = super().post
        return post_once_handle(request, lambda: parent(request, *args, **kwargs))
