"""``{% form_token %}``: the one-time token of a create form (see sms.idempotency).

A template built-in (settings.TEMPLATES), like ``{% csrf_token %}``, which it sits
next to in every create form.
"""

from django import template
from django.utils.html import format_html

from sms.idempotency import FIELD, form_token_for

register = template.Library()


@register.simple_tag(takes_context=True)
def form_token(context) -> str:
    request = context.get("request")
    if request is None:
        return ""
    return format_html(
        '<input type="hidden" name="{}" value="{}">', FIELD, form_token_for(request)
    )
