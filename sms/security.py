"""Log-in protection: throttling (django-axes) and the refused demo password."""

from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.db.models import Sum
from django.http import HttpRequest

from sms.demo_users import DEMO_PASSWORD


def client_ip(request: HttpRequest) -> str:
    """The address of the client, as the outermost trusted proxy saw it.

    Each of the SMS_PROXY_COUNT proxies appends the address it received the request
    from to X-Forwarded-For; the last proxy is REMOTE_ADDR. Anything further left was
    written by the client and may be forged, so it is never used.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    count = settings.SMS_PROXY_COUNT
    if not count:
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    chain = [part.strip() for part in forwarded.split(",") if part.strip()]
    chain.append(remote)
    return chain[-(count + 1)] if len(chain) > count else chain[0]


class LoginFailureHandler(AxesDatabaseHandler):
    """django-axes' database handler with a failure limit per lock-out parameter set.

    axes compares the highest count of any set in AXES_LOCKOUT_PARAMETERS against one
    AXES_FAILURE_LIMIT. SMS counts two sets, in this order: one user name from one
    address (AXES_FAILURE_LIMIT, someone mistyping or guessing one password) and one
    address across every user name (SMS_LOGIN_ADDRESS_FAILURE_LIMIT, higher, so an
    office behind one NAT address is not locked by a few colleagues' typos, while
    password spraying over many user names is).
    """

    def get_failures(self, request, credentials: dict | None = None) -> int:
        per_pair, per_address = (
            attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        )
        # The lock-out page says which lock applies (registration/locked_out.html).
        request.sms_address_locked = (
            per_address >= settings.SMS_LOGIN_ADDRESS_FAILURE_LIMIT
        )
        if request.sms_address_locked:
            return max(per_pair, settings.AXES_FAILURE_LIMIT)
        return per_pair

    def reset_user_attempts(self, request, credentials: dict | None = None) -> int:
        # A successful log-in forgives that user's failures from that address only.
        # axes would delete every set's records, the whole address's included: one
        # valid account would then reset a spraying count at will.
        per_pair = self.filter_user_attempts(request, credentials)[0]
        count, _ = per_pair.delete()
        return count


class DemoPasswordRefusingBackend(ModelBackend):
    """Django's model back end, refusing the public demo password while DEBUG is off.

    Demo users made by ``seed_demo`` in development may end up on a production
    server (a copied database); their password is printed in the README. The check
    compares the typed password with the known one, so it costs no hash. The deploy
    check sms.E001 (sms/checks.py) names the users to fix.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if not settings.DEBUG and password == DEMO_PASSWORD:
            return None
        return super().authenticate(request, username, password, **kwargs)
