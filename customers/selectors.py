"""Reads of customers and their relationship, scoped to the user asking.

A rep sees the customers they own (and the contacts, interactions and tasks that
hang off them); managers and admins see all. Views fetch single records through
these querysets, so "not yours" and "does not exist" are the same 404.
"""

import re
from datetime import date
from itertools import chain

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers.list_filters import list_filters_for
from customers.models import Customer, Interaction, Tag, Task
from customers.panels import timeline_entries
from sms.roles import user_is_manager

User = get_user_model()


class OwnerFilterSet(django_filters.FilterSet):
    """A list's filters: a search box over ``search_fields`` and, for managers only,
    the owner (a rep's list holds only their own rows anyway)."""

    search_fields: tuple[str, ...] = ()

    q = django_filters.CharFilter(method="search", label=_("Search"))
    owner = django_filters.ModelChoiceFilter(
        queryset=User.objects.none(), label=_("Sales rep"), empty_label=_("Any rep")
    )

    def __init__(self, data=None, *args, user=None, **kwargs):
        super().__init__(data, *args, **kwargs)
        if user is not None and user_is_manager(user):
            self.filters["owner"].queryset = owner_choices()
        else:
            del self.filters["owner"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(self.search_condition(value))

    def search_condition(self, value: str) -> Q:
        condition = Q()
        for field in self.search_fields:
            condition |= Q(**{f"{field}__icontains": value})
        return condition


class CustomerFilter(OwnerFilterSet):
    search_fields = ("name", "email", "city")

    owner = django_filters.ModelChoiceFilter(
        queryset=User.objects.none(), label="Owner", empty_label="Any owner"
    )
    kind = django_filters.ChoiceFilter(choices=Customer.Kind, empty_label="Any kind")
    region = django_filters.ChoiceFilter(choices=(), empty_label="Any region")
    industry = django_filters.ChoiceFilter(
        choices=Customer.Industry, empty_label="Any industry"
    )
    source_channel = django_filters.ChoiceFilter(
        choices=Customer.Channel, label="Channel", empty_label="Any channel"
    )
    tag = django_filters.ModelChoiceFilter(
        field_name="tags",
        queryset=Tag.objects.all(),
        label="Tag",
        empty_label="Any tag",
    )
    status = django_filters.ChoiceFilter(
        choices=(("active", "Active"), ("inactive", "Inactive"), ("all", "All")),
        method="filter_status",
        empty_label=None,
        label="Status",
    )

    class Meta:
        model = Customer
        fields = ["q", "owner", "kind", "region", "industry", "source_channel", "tag"]

    def __init__(self, data=None, *args, user=None, **kwargs):
        data = data.copy() if data is not None else {}
        data.setdefault("status", "active")
        super().__init__(data, *args, user=user, **kwargs)
        self.filters["region"].extra["choices"] = [(r, r) for r in customer_regions()]
        if user is not None:
            self._add_registered_filters(user)

    def _add_registered_filters(self, user) -> None:
        """Filters other apps registered (customers.list_filters), after ours."""
        for extra in list_filters_for(user=user):
            self.filters[extra.spec.key] = django_filters.ChoiceFilter(
                field_name=extra.spec.key,
                choices=extra.field.choices,
                label=extra.field.label,
                empty_label=extra.field.empty_label,
                # A tooltip: help text under one field would break the row's line.
                widget=forms.Select(attrs={"title": extra.field.help_text}),
                method=lambda queryset, name, value, extra=extra: extra.apply(
                    queryset, value
                ),
            )

    def search_condition(self, value: str) -> Q:
        condition = super().search_condition(value)
        digits = re.sub(r"\D", "", value)
        if len(digits) >= 4:
            condition |= Q(phone_key__contains=digits.lstrip("0"))
        return condition

    def filter_status(self, queryset, name, value):
        if value == "active":
            return queryset.filter(is_active=True)
        if value == "inactive":
            return queryset.filter(is_active=False)
        return queryset


def owner_choices() -> QuerySet:
    """Users who can own customers: active members of a role, by name."""
    return (
        User.objects.filter(
            is_active=True, groups__name__in=["Sales rep", "Sales manager"]
        )
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


def customer_regions() -> list[str]:
    return list(
        Customer.objects.exclude(region="")
        .order_by("region")
        .values_list("region", flat=True)
        .distinct()
    )


def customer_scope(*, user) -> QuerySet:
    """Every customer the user may see, merged-away ones excluded."""
    qs = Customer.objects.filter(merged_into__isnull=True)
    if not user_is_manager(user):
        qs = qs.filter(owner=user)
    return qs


def customer_filter(*, user, data=None) -> CustomerFilter:
    """The filter form and its queryset, ready for a list page or an export."""
    queryset = (
        customer_scope(user=user)
        .select_related("owner")
        .prefetch_related("tags")
        .order_by("name", "pk")
    )
    return CustomerFilter(data, queryset=queryset, user=user)


def customer_list(*, user, filters=None) -> QuerySet:
    return customer_filter(user=user, data=filters).qs


def customer_detail(*, user) -> QuerySet:
    return customer_scope(user=user).select_related("owner").prefetch_related("tags")


def task_scope(*, user) -> QuerySet:
    """Tasks a user may see: assigned to them or on their customers; managers all."""
    qs = Task.objects.select_related("customer", "assigned_to")
    if user_is_manager(user):
        return qs
    return qs.filter(Q(assigned_to=user) | Q(customer__owner=user))


def tasks_due_count(*, user) -> int:
    """Open tasks assigned to the user that are due today or overdue (the navbar)."""
    today = timezone.localdate()
    return Task.objects.filter(assigned_to=user, done=False, due_on__lte=today).count()


def my_tasks(*, user) -> dict[str, list[Task]]:
    """The user's open tasks: overdue, today and upcoming; plus the last done."""
    today = timezone.localdate()
    open_tasks = list(
        Task.objects.filter(assigned_to=user, done=False)
        .select_related("customer")
        .order_by("due_on", "pk")[:500]
    )
    done = list(
        Task.objects.filter(assigned_to=user, done=True)
        .select_related("customer")
        .order_by("-done_at")[:10]
    )
    return {
        "overdue": [t for t in open_tasks if t.due_on < today],
        "today": [t for t in open_tasks if t.due_on == today],
        "upcoming": [t for t in open_tasks if t.due_on > today],
        "done": done,
    }


def customer_timeline(*, customer: Customer, limit: int = 50) -> list[dict]:
    """Interactions and tasks of a customer, newest first, as one list.

    Each entry: {"when": datetime or date, "type": str, "object": obj}. Apps above
    customers add their events through customers.panels.timeline_source_register.
    """
    interactions = (
        Interaction.objects.filter(customer=customer)
        .select_related("contact", "created_by")
        .order_by("-occurred_at")[:limit]
    )
    tasks = (
        Task.objects.filter(customer=customer)
        .select_related("assigned_to")
        .order_by("-due_on")[:limit]
    )
    entries = chain(
        (
            {"when": i.occurred_at, "type": "interaction", "object": i}
            for i in interactions
        ),
        ({"when": t.due_on, "type": "task", "object": t} for t in tasks),
        timeline_entries(customer=customer, limit=limit),
    )
    return sorted(entries, key=lambda e: _sort_key(e["when"]), reverse=True)[:limit]


def _sort_key(value):
    if isinstance(value, date) and not hasattr(value, "hour"):
        return timezone.make_aware(
            timezone.datetime(value.year, value.month, value.day)
        )
    return value


def customer_history(*, customer: Customer, limit: int = 20) -> list[dict]:
    """Who changed what and when: the django-simple-history records as diffs."""
    records = list(
        customer.history.select_related("history_user").order_by("-history_date")[
            : limit + 1
        ]
    )
    changes = []
    owner_ids = {r.owner_id for r in records}
    owners = {u.pk: u for u in User.objects.filter(pk__in=owner_ids)}
    for newer, older in zip(records, [*records[1:], None], strict=False):
        if len(changes) == limit:
            break
        if older is None:
            changes.append({"record": newer, "created": True, "changes": []})
            continue
        delta = newer.diff_against(older)
        changes.append(
            {
                "record": newer,
                "created": False,
                "changes": [
                    {
                        "field": Customer._meta.get_field(c.field).verbose_name,
                        "old": owners.get(c.old, c.old)
                        if c.field == "owner"
                        else c.old,
                        "new": owners.get(c.new, c.new)
                        if c.field == "owner"
                        else c.new,
                    }
                    for c in delta.changes
                ],
            }
        )
    return changes
