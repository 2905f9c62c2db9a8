"""Merging duplicate customers: compare side by side, then confirm."""

import copy

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.http import urlencode
from django.utils.timezone import localtime

from customers.forms import CustomerMergePickForm
from customers.models import Customer
from customers.relations import customer_related_counts, customer_relation_labels
from customers.services import (
    customer_duplicates,
    customer_merge,
    customer_merge_field_changes,
)
from sms.roles import user_is_manager

# (label, attribute or callable) shown side by side.
COMPARED = (
    ("Kind", lambda c: c.get_kind_display()),
    ("Name", "name"),
    ("E-mail", "email"),
    ("Phone", "phone"),
    ("Address", "address"),
    ("Industry", lambda c: c.get_industry_display()),
    ("Source", lambda c: c.get_source_channel_display()),
    ("Owner", lambda c: c.owner.get_full_name() or c.owner.get_username()),
    ("External reference", "external_ref"),
    ("Age band", "age_band"),
    ("Gender", lambda c: c.get_gender_display()),
    ("Occupation", "occupation"),
    ("Payment terms (days)", "payment_terms_days"),
    ("Tags", lambda c: ", ".join(t.name for t in c.tags.all())),
    ("Notes", "notes"),
    ("Active", lambda c: "yes" if c.is_active else "no"),
    (
        "Created",
        lambda c: date_format(localtime(c.created_at), "SHORT_DATETIME_FORMAT"),
    ),
)


def customers_mergeable_for(user):
    """Customers ``user`` may see for merging: managers and admins all, others
    their own (the same scoping as the customer selectors)."""
    customers = Customer.objects.select_related("owner")
    if user_is_manager(user):
        return customers
    return customers.filter(owner=user)


@permission_required("customers.merge_customer", raise_exception=True)
def customer_merge_view(request: HttpRequest) -> HttpResponse:
    data = request.POST if request.method == "POST" else request.GET
    pick = CustomerMergePickForm(
        data if ("survivor" in data or "merged" in data) else None
    )
    visible = customers_mergeable_for(request.user)
    if not (
        pick.is_valid()
        and pick.cleaned_data.get("survivor")
        and pick.cleaned_data.get("merged")
    ):
        return render(
            request,
            "customers/customer_merge.html",
            {"pick": pick, "candidates": _candidates(pick, request.user)},
        )
    survivor = get_object_or_404(visible, pk=pick.cleaned_data["survivor"])
    merged = get_object_or_404(visible, pk=pick.cleaned_data["merged"])
    here = (
        reverse("customers:customer-merge")
        + "?"
        + urlencode({"survivor": survivor.pk, "merged": merged.pk})
    )

    if request.method == "POST":
        try:
            merge = customer_merge(
                survivor=survivor, merged=merged, merged_by=request.user
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect(here)
        moved = sum(merge.moved.values())
        messages.success(
            request,
            f"{merge.merged_name} was merged into {survivor.name}: "
            f"{moved} record{'s' if moved != 1 else ''} moved.",
        )
        return redirect(reverse("customers:customer-detail", args=[survivor.pk]))

    problem = ""
    if survivor.pk == merged.pk:
        problem = "A customer cannot be merged into itself."
    elif merged.merged_into_id or survivor.merged_into_id:
        problem = "One of these customers has already been merged."
    changes = customer_merge_field_changes(survivor=survivor, merged=merged)
    labels = customer_relation_labels()
    merged_counts = customer_related_counts(customer=merged)
    survivor_counts = customer_related_counts(customer=survivor)
    return render(
        request,
        "customers/customer_merge.html",
        {
            "pick": pick,
            "survivor": survivor,
            "merged": merged,
            "problem": problem,
            "rows": _compare_rows(survivor, merged, changes),
            "counts": [
                (labels.get(key, key), survivor_counts.get(key, 0), count)
                for key, count in merged_counts.items()
            ],
            "moving": sum(merged_counts.values()),
            "swap_url": reverse("customers:customer-merge")
            + "?"
            + urlencode({"survivor": merged.pk, "merged": survivor.pk}),
        },
    )


def _value(customer: Customer, how) -> object:
    return how(customer) if callable(how) else getattr(customer, how)


def _compare_rows(survivor: Customer, merged: Customer, changes: dict) -> list[dict]:
    """Both customers field by field, with what the survivor becomes."""
    after = copy.copy(survivor)
    for name, value in changes.items():
        setattr(after, name, value)
    address_fields = {"street", "city", "region", "postal_code", "country"}
    survivor_tags = {t.name for t in survivor.tags.all()}
    merged_tags = {t.name for t in merged.tags.all()}
    rows = []
    for label, how in COMPARED:
        if how == "address":
            change = "filled" if address_fields & changes.keys() else ""
        elif how == "notes" and "notes" in changes:
            change = "added" if survivor.notes.strip() else "filled"
        elif label == "Tags":
            change = "combined" if merged_tags - survivor_tags else ""
        else:
            change = "filled" if how in changes else ""
        if label == "Tags":
            result = ", ".join(sorted(survivor_tags | merged_tags))
        else:
            result = _value(after, how)
        rows.append(
            {
                "label": label,
                "survivor": _value(survivor, how),
                "merged": _value(merged, how),
                "change": change,
                "after": result,
            }
        )
    return rows


def _candidates(pick: CustomerMergePickForm, user) -> list:
    """Likely duplicates of the customer to keep, when only that one is chosen."""
    if not pick.is_valid() or not pick.cleaned_data.get("survivor"):
        return []
    survivor = (
        customers_mergeable_for(user).filter(pk=pick.cleaned_data["survivor"]).first()
    )
    if survivor is None:
        return []
    sees_all = user_is_manager(user)
    return [
        (customer, reason)
        for customer, reason in customer_duplicates(
            name=survivor.name,
            email=survivor.email,
            phone=survivor.phone,
            city=survivor.city,
            exclude_pk=survivor.pk,
        )
        if sees_all or customer.owner_id == user.pk
    ]
