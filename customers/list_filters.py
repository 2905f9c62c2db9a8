"""Filters other apps add to the customer list, without customers importing them.

An app above customers (analytics: the RFM segment) registers a filter in its
AppConfig.ready(): a function giving the choice field for a user (or None to leave
the filter out for them) and a function narrowing the customer queryset to the
chosen value. The list's filter form shows every registered filter after its own,
and the list, its pagination and its CSV/XLSX export all use the narrowed queryset.

Both functions run once per request; ``field`` may query (keep it to one small
query: the list's query count is pinned), ``apply`` should only add conditions or
subqueries to the queryset, never run a query of its own.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import QuerySet


@dataclass(frozen=True)
class ListFilterField:
    """A choice field on the customer list's filter form."""

    label: str
    choices: list[tuple[str, str]]
    empty_label: str = "Any"
    help_text: str = ""  # shown as the field's tooltip


@dataclass(frozen=True)
class ListFilter:
    key: str  # the query-string parameter
    field: Callable[..., ListFilterField | None]  # (*, user) -> field or None
    apply: Callable[..., QuerySet]  # (*, queryset, value, user) -> queryset
    order: int = 100


_FILTERS: dict[str, ListFilter] = {}
# The list's own parameters: a registered filter must not shadow one of them.
RESERVED = frozenset(
    {"q", "owner", "kind", "region", "industry", "source_channel", "tag", "status"}
    | {"page", "sort", "export", "per_page"}
)


def list_filter_register(
    *,
    key: str,
    field: Callable[..., ListFilterField | None],
    apply: Callable[..., QuerySet],
    order: int = 100,
) -> None:
    if key in RESERVED:
        raise ValueError(f"{key!r} is one of the customer list's own parameters.")
    _FILTERS[key] = ListFilter(key=key, field=field, apply=apply, order=order)


def list_filters() -> list[ListFilter]:
    """The registered filters, in order."""
    return sorted(_FILTERS.values(), key=lambda f: (f.order, f.key))


@dataclass
class BoundListFilter:
    """A registered filter with its field for one user (built once per request)."""

    spec: ListFilter
    field: ListFilterField
    user: object = field(repr=False, default=None)

    def apply(self, queryset: QuerySet, value: str) -> QuerySet:
        return self.spec.apply(queryset=queryset, value=value, user=self.user)


def list_filters_for(*, user) -> list[BoundListFilter]:
    """The filters this user gets on the list (those whose field is not None)."""
    bound = []
    for spec in list_filters():
        built = spec.field(user=user)
        if built is not None:
            bound.append(BoundListFilter(spec=spec, field=built, user=user))
    return bound
