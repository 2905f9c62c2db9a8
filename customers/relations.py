"""Every kind of record that belongs to a customer, found from the models themselves.

Merging duplicates must move all of a customer's records, including those of apps
that arrive later (orders, opportunities, quotes...). Instead of a list to keep up to
date, the relations are read from Django's model metadata: every foreign key,
one-to-one and many-to-many field anywhere in the project that points at Customer.

Left out on purpose: history tables (they record the past as it was), the merge
records themselves, ``Customer.merged_into`` (the link a merge creates) and the
hidden through-table of Customer's own many-to-many fields (tags are united
separately). A model with ``customer_merge_skip = True`` is a snapshot of the past
too (analytics' per-run segmentation results): its rows stay with the merged-away
customer.
"""

from dataclasses import dataclass

from django.db import models
from simple_history.models import HistoricalChanges

from customers.models import Customer, CustomerMerge


@dataclass(frozen=True)
class CustomerRelation:
    """One way of belonging to a customer: ``model.field -> Customer``."""

    key: str  # stable name for counts: the reverse accessor, e.g. "contacts"
    label: str  # for people: the related model's verbose name (plural)
    model: type[models.Model]  # the model holding the link (the through model, m2m)
    field: str  # name of the link to Customer on ``model``
    kind: str  # "many" (foreign key), "one" (one-to-one) or "m2m" (auto through)
    other: str = ""  # m2m only: the through model's link to the other side


def customer_relations() -> list[CustomerRelation]:
    relations = []
    for rel in Customer._meta.get_fields(include_hidden=True):
        if not (rel.is_relation and rel.auto_created and not rel.concrete):
            continue  # forward fields of Customer itself
        model = rel.related_model
        if model is CustomerMerge or issubclass(model, HistoricalChanges):
            continue
        if model is Customer:
            continue  # merged_into
        if getattr(model, "customer_merge_skip", False):
            continue  # snapshots of the past (e.g. segmentation results)
        if rel.many_to_many:
            through = rel.through
            if not through._meta.auto_created:
                continue  # an explicit through model: handled by its foreign key
            relations.append(
                CustomerRelation(
                    key=rel.get_accessor_name(),
                    label=str(model._meta.verbose_name_plural),
                    model=through,
                    field=rel.field.m2m_reverse_field_name(),
                    kind="m2m",
                    other=rel.field.m2m_field_name(),
                )
            )
            continue
        if model._meta.auto_created:
            continue  # the through table of Customer.tags (or another own m2m)
        key = (
            f"{model._meta.label_lower}.{rel.field.name}"
            if rel.hidden
            else rel.get_accessor_name()
        )
        relations.append(
            CustomerRelation(
                key=key,
                label=str(model._meta.verbose_name_plural),
                model=model,
                field=rel.field.name,
                kind="one" if rel.one_to_one else "many",
            )
        )
    return relations


def customer_related_counts(*, customer: Customer) -> dict[str, int]:
    """How many records of each relation belong to ``customer`` (tags included)."""
    counts = {
        relation.key: relation.model._base_manager.filter(
            **{relation.field: customer}
        ).count()
        for relation in customer_relations()
    }
    for field in Customer._meta.many_to_many:
        counts[field.name] = getattr(customer, field.name).count()
    return counts


def customer_relation_labels() -> dict[str, str]:
    labels = {r.key: r.label for r in customer_relations()}
    for field in Customer._meta.many_to_many:
        labels[field.name] = str(field.verbose_name)
    return labels
