"""The application's pages, from its URLconf."""

from django.urls import URLResolver, get_resolver


def routes(patterns=None, prefix="", namespace=""):
    """(URL name with namespace, route, argument names) of every page but the
    admin's, from the URLconf."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from routes(entry.url_patterns, route, ns)
        elif entry.name:
            yield f"{namespace}{entry.name}", route, sorted(entry.pattern.converters)
