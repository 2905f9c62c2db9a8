"""The client's address for log-in throttling (django-axes)."""

from django.conf import settings
from django.http import HttpRequest


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
