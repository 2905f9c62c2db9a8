"""Two memos for django-tables2's per-cell work, found by profiling the list pages
under load (issue #13; bench/bench_load.py). A 50-row list renders hundreds of
cells, and for every one django-tables2

- inspects the signature of the column's render method (``inspect.signature``,
  ~0.1 ms each) to pick the arguments to pass, and
- compiles the template of a date or time column from its source again.

Both depend only on the function or the source text, so they are computed once per
process. Applied from SmsConfig.ready().
"""

from functools import lru_cache

from django.template import Template
from django_tables2 import utils
from django_tables2.columns import templatecolumn

_signature = utils.signature


@lru_cache(maxsize=2048)
def _function_signature(function) -> tuple[tuple[str, ...], str | None]:
    return _signature(function)


@lru_cache(maxsize=2048)
def _method_signature(function) -> tuple[tuple[str, ...], str | None]:
    args, kwargs_name = _signature(function)
    return args[1:], kwargs_name  # without self, as for the bound method


def signature(fn) -> tuple[tuple[str, ...], str | None]:
    """django_tables2.utils.signature, memoised. A bound method is a new object on
    every attribute access, so its function is the key."""
    function = getattr(fn, "__func__", None)
    if function is not None and getattr(fn, "__self__", None) is not None:
        return _method_signature(function)
    try:
        return _function_signature(fn)
    except TypeError:  # an unhashable callable
        return _signature(fn)


@lru_cache(maxsize=256)
def _template(source: str) -> Template:
    return Template(source)


def tables2_memoise() -> None:
    utils.signature = signature  # call_with_appropriate looks it up there
    templatecolumn.Template = _template
