"""Every write to customers, contacts, interactions and tasks."""

import re
import unicodedata
import zlib
from collections.abc import Iterable
from datetime import date

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from customers.models import Contact, Customer, Interaction, Tag, Task
from sms.concurrency import version_bump, version_claim

CUSTOMER_FIELDS = (
    "kind",
    "name",
    "email",
    "phone",
    "street",
    "city",
    "region",
    "postal_code",
    "country",
    "industry",
    "source_channel",
    "age_band",
    "gender",
    "occupation",
    "notes",
    "external_ref",
    "payment_terms_days",
)
# Legal-form suffixes that do not tell two companies apart ("Acme Ltd" = "ACME").
_NAME_NOISE = re.compile(
    r"\b(ltd|limited|llc|inc|gmbh|ag|sa|sas|sarl|bv|nv|plc|co|corp|company|srl|spa)\b"
)


def email_key(email: str) -> str:
    return email.strip().lower()


def phone_key(phone: str) -> str:
    """Digits only, without a leading 00 or 0 trunk prefix: +44 20 7946 0000 and
    020 7946 0000 both become 2079460000 (the country code is dropped when present
    with '+', so numbers typed with and without it still match)."""
    raw = phone.strip()
    digits = re.sub(r"\D", "", raw)
    international = raw.startswith("+") or digits.startswith("00")
    if international and len(digits) > 10:
        digits = digits[-10:]
    return digits.lstrip("0")


def name_key(name: str) -> str:
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    text = re.sub(r"[^a-z0-9 ]", " ", text.lower())
    text = _NAME_NOISE.sub(" ", text)
    return " ".join(text.split())


def _keys_set(customer: Customer) -> None:
    customer.email_key = email_key(customer.email)
    customer.phone_key = phone_key(customer.phone)
    customer.name_key = name_key(customer.name)


def tags_parse(text: str) -> list[str]:
    """'vip, Wholesale;  newsletter' -> ['vip', 'wholesale', 'newsletter']."""
    seen = []
    for part in re.split(r"[,;]", text):
        tag = " ".join(part.split()).lower()
        if tag and tag not in seen:
            seen.append(tag[:50])
    return seen


def _tags_set(customer: Customer, names: Iterable[str]) -> None:
    names = list(names)
    existing = {t.name: t for t in Tag.objects.filter(name__in=names)}
    missing = [Tag(name=n) for n in names if n not in existing]
    created = Tag.objects.bulk_create(missing, ignore_conflicts=True)
    if created:
        existing = {t.name: t for t in Tag.objects.filter(name__in=names)}
    customer.tags.set(existing.values())


class DuplicateCustomer(ValidationError):
    """The new customer looks like one that exists; ``duplicates`` says which."""

    def __init__(self, duplicates: list[tuple[Customer, str]]):
        super().__init__(
            "This looks like a customer you already have.", code="duplicate"
        )
        self.duplicates = duplicates


# pg_advisory_xact_lock(namespace, key): the namespace keeps these locks apart from
# any other advisory lock in the database.
_DUPLICATE_LOCK_NAMESPACE = 4201


def _duplicate_keys_lock(customer: Customer) -> None:
    """Serialise the creation of customers that could be duplicates of each other.

    A unique index cannot hold the rule (a confirmed duplicate is allowed), so each
    create takes a transaction lock on every duplicate key it has (e-mail, phone,
    name + city) before it checks. The locks are held to the commit, so the next
    create with a shared key sees this one. Taken in sorted order: no deadlocks.
    SQLite serialises writers and has no such locks.
    """
    if connection.vendor != "postgresql":
        return
    keys = {f"email:{customer.email_key}", f"phone:{customer.phone_key}"}
    if customer.city.strip():
        keys.add(f"name:{customer.name_key}|{customer.city.strip().lower()}")
    ids = sorted({zlib.crc32(k.encode()) - 2**31 for k in keys if not k.endswith(":")})
    with connection.cursor() as cursor:
        for key in ids:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, %s)",
                [_DUPLICATE_LOCK_NAMESPACE, key],
            )


@transaction.atomic
def customer_create(
    *,
    owner: AbstractBaseUser,
    tags: Iterable[str] = (),
    allow_duplicates: bool = True,
    **fields,
) -> Customer:
    """A new customer. With ``allow_duplicates=False`` (the customer form until the
    user confirms) one that matches an existing customer raises DuplicateCustomer;
    the check is race-safe (see _duplicate_keys_lock)."""
    customer = Customer(
        owner=owner, **{k: v for k, v in fields.items() if k in CUSTOMER_FIELDS}
    )
    _keys_set(customer)
    customer.full_clean(exclude=["owner"])
    _duplicate_keys_lock(customer)
    if not allow_duplicates:
        duplicates = customer_duplicates(
            name=customer.name,
            email=customer.email,
            phone=customer.phone,
            city=customer.city,
        )
        if duplicates:
            raise DuplicateCustomer(duplicates)
    customer.save()
    _tags_set(customer, tags)
    return customer


@transaction.atomic
def customer_update(
    *,
    customer: Customer,
    tags: Iterable[str] | None = None,
    version: int | None = None,
    **fields,
) -> Customer:
    """Change a customer's fields (and tags). With the ``version`` the edit form
    was read at, a save over someone else's newer change raises StaleEdit."""
    changed = [k for k in fields if k in CUSTOMER_FIELDS]
    submitted = {k: fields[k] for k in changed}
    if tags is not None:
        tags = list(tags)
        submitted["tags"] = sorted(tags)
    version_claim(
        instance=customer,
        version=version,
        submitted=submitted,
        current=lambda: {"tags": sorted(customer.tags.values_list("name", flat=True))},
    )
    for name in changed:
        setattr(customer, name, fields[name])
    _keys_set(customer)
    customer.full_clean(exclude=["owner"])
    customer.save(
        update_fields=[*changed, "email_key", "phone_key", "name_key", "updated_at"]
    )
    if tags is not None:
        _tags_set(customer, tags)
    return customer


@transaction.atomic
def customer_activate(*, customer: Customer, active: bool) -> Customer:
    customer.is_active = active
    version_bump(customer)
    customer.save(update_fields=["is_active", "updated_at"])
    return customer


@transaction.atomic
def customer_reassign(*, customers: Iterable[Customer], owner: AbstractBaseUser) -> int:
    """Give customers a new owner; returns how many changed. Recorded in history."""
    if not owner.is_active:
        raise ValidationError("Customers can only be given to an active user.")
    count = 0
    # Saved one by one (not update()) so each change lands in the history.
    for customer in customers:
        if customer.owner_id != owner.pk:
            customer.owner = owner
            # The admin's change form shows the owner: one opened before is
            # refused (sms.concurrency).
            version_bump(customer)
            customer.save(update_fields=["owner", "updated_at"])
            count += 1
    return count


def customer_duplicates(
    *, name: str, email: str = "", phone: str = "", city: str = "", exclude_pk=None
) -> list[tuple[Customer, str]]:
    """Existing customers that look like the same one, each with the reason."""
    found: dict[int, tuple[Customer, str]] = {}
    candidates = Customer.objects.filter(merged_into__isnull=True).select_related(
        "owner"
    )
    if exclude_pk:
        candidates = candidates.exclude(pk=exclude_pk)
    checks = [
        ("email_key", email_key(email), "same e-mail"),
        ("phone_key", phone_key(phone), "same phone"),
    ]
    for field, key, reason in checks:
        if key:
            for match in candidates.filter(**{field: key})[:5]:
                found.setdefault(match.pk, (match, reason))
    key = name_key(name)
    if key and city.strip():
        for match in candidates.filter(name_key=key, city__iexact=city.strip())[:5]:
            found.setdefault(match.pk, (match, "same name in the same city"))
    return list(found.values())


@transaction.atomic
def contact_save(
    *,
    customer: Customer,
    contact: Contact | None = None,
    version: int | None = None,
    **fields,
) -> Contact:
    """Create or update a contact; a new primary contact demotes the old one. With
    the ``version`` an edit form was read at, a stale save raises StaleEdit."""
    if contact is not None and contact.pk:
        version_claim(instance=contact, version=version, submitted=fields)
    contact = contact or Contact(customer=customer)
    for name in ("name", "title", "email", "phone", "is_primary"):
        if name in fields:
            setattr(contact, name, fields[name])
    contact.full_clean(exclude=["customer"])
    if contact.is_primary:
        customer.contacts.filter(is_primary=True).exclude(pk=contact.pk).update(
            is_primary=False, version=F("version") + 1
        )
    contact.save()
    return contact


@transaction.atomic
def interaction_log(
    *,
    customer: Customer,
    created_by: AbstractBaseUser,
    kind: str,
    summary: str,
    occurred_at=None,
    contact: Contact | None = None,
    outcome: str = "",
    follow_up_on: date | None = None,
) -> Interaction:
    """Record a call, e-mail, meeting or note; a follow-up date creates a task."""
    if contact is not None and contact.customer_id != customer.pk:
        raise ValidationError({"contact": "That contact works for another customer."})
    interaction = Interaction(
        customer=customer,
        contact=contact,
        kind=kind,
        summary=summary,
        outcome=outcome,
        occurred_at=occurred_at or timezone.now(),
        follow_up_on=follow_up_on,
        created_by=created_by,
    )
    interaction.full_clean()
    interaction.save()
    if follow_up_on:
        kind = interaction.get_kind_display().lower()
        Task.objects.create(
            title=f"Follow up: {kind} with {customer.name}"[:200],
            due_on=follow_up_on,
            assigned_to=customer.owner,
            customer=customer,
            interaction=interaction,
            created_by=created_by,
        )
    return interaction


@transaction.atomic
def task_create(
    *,
    title: str,
    due_on: date,
    assigned_to: AbstractBaseUser,
    created_by: AbstractBaseUser,
    customer: Customer | None = None,
) -> Task:
    task = Task(
        title=title,
        due_on=due_on,
        assigned_to=assigned_to,
        customer=customer,
        created_by=created_by,
    )
    task.full_clean()
    task.save()
    return task


@transaction.atomic
def task_set_done(*, task: Task, done: bool) -> Task:
    task.done = done
    task.done_at = timezone.now() if done else None
    task.save(update_fields=["done", "done_at"])
    return task


# -- Merging duplicates ------------------------------------------------------------
# Imported here, not at the top, only to keep this appended section self-contained
# while the top of the module is being edited in parallel; fold them in later.
from django.db import IntegrityError  # noqa: E402

from customers.models import CustomerMerge  # noqa: E402
from customers.relations import CustomerRelation, customer_relations  # noqa: E402

# Filled on the survivor from the merged customer when blank on the survivor. The
# address is filled only when the parts the survivor has agree with the merged
# customer's (same city, say), so a street never ends up next to another city.
MERGE_FILL_FIELDS = ("email", "phone", "industry", "age_band", "gender", "occupation")
MERGE_ADDRESS_FIELDS = ("street", "city", "region", "postal_code", "country")


def customer_merge_field_changes(
    *, survivor: Customer, merged: Customer
) -> dict[str, object]:
    """The survivor's field values that a merge changes: blanks filled from the
    merged customer, its notes appended, its external reference taken over when the
    survivor has none."""
    changes: dict[str, object] = {
        name: getattr(merged, name)
        for name in MERGE_FILL_FIELDS
        if not getattr(survivor, name) and getattr(merged, name)
    }
    agree = all(
        _address_part(survivor, n) in ("", _address_part(merged, n))
        for n in MERGE_ADDRESS_FIELDS
    )
    if agree:
        changes.update(
            {
                n: getattr(merged, n)
                for n in MERGE_ADDRESS_FIELDS
                if not getattr(survivor, n) and getattr(merged, n)
            }
        )
    if merged.notes.strip() and merged.notes.strip() not in survivor.notes:
        changes["notes"] = (
            f"{survivor.notes.rstrip()}\n\nFrom {merged.name} (merged):\n"
            f"{merged.notes.strip()}"
            if survivor.notes.strip()
            else merged.notes
        )
    if not survivor.external_ref and merged.external_ref:
        changes["external_ref"] = merged.external_ref
    return changes


def _address_part(customer: Customer, name: str) -> str:
    return " ".join(getattr(customer, name).lower().split())


@transaction.atomic
def customer_merge(
    *, survivor: Customer, merged: Customer, merged_by: AbstractBaseUser
) -> CustomerMerge:
    """Fold ``merged`` into ``survivor``: every record that belongs to the merged
    customer moves to the survivor, blank survivor fields are filled, tags are united
    and the merged customer is kept, inactive, pointing at the survivor.

    The relations are found generically (customers.relations), so records of apps
    added later move too. Both customers are locked, in primary-key order.
    """
    if survivor.pk == merged.pk:
        raise ValidationError("A customer cannot be merged into itself.")
    locked = {
        c.pk: c
        for c in Customer.objects.select_for_update()
        .filter(pk__in=[survivor.pk, merged.pk])
        .order_by("pk")
    }
    if len(locked) != 2:
        raise ValidationError("One of the customers no longer exists.")
    survivor, merged = locked[survivor.pk], locked[merged.pk]
    for customer in (merged, survivor):
        if customer.merged_into_id:
            raise ValidationError(
                f"{customer.name} (#{customer.pk}) has already been merged into "
                f"customer #{customer.merged_into_id}."
            )

    moved: dict[str, int] = {}
    # One primary contact: the survivor's if it has one.
    if survivor.contacts.filter(is_primary=True).exists():
        merged.contacts.filter(is_primary=True).update(
            is_primary=False, version=F("version") + 1
        )
    for relation in customer_relations():
        manager = relation.model._base_manager
        rows = manager.filter(**{relation.field: merged})
        try:
            with transaction.atomic():  # a savepoint: a conflict is reported below
                moved[relation.key] = _merge_relation_move(
                    relation=relation, rows=rows, survivor=survivor
                )
        except IntegrityError as exc:
            raise ValidationError(
                f"Cannot move the {relation.label} of {merged.name}: {exc}"
            ) from exc

    changes = customer_merge_field_changes(survivor=survivor, merged=merged)
    tags = set(survivor.tags.values_list("name", flat=True))
    merged_tags = set(merged.tags.values_list("name", flat=True))
    moved["tags"] = len(merged_tags - tags)
    merged._change_reason = f"Merged into #{survivor.pk} {survivor.name}"[:100]
    survivor._change_reason = f"Merged #{merged.pk} {merged.name} into this"[:100]
    if "external_ref" in changes:
        # The reference is unique: free it on the merged customer first.
        merged.external_ref = ""
        version_bump(merged)
        merged.save(update_fields=["external_ref", "updated_at"])
    customer_update(
        customer=survivor,
        tags=sorted(tags | merged_tags) if moved["tags"] else None,
        **changes,
    )
    merged.tags.clear()
    merged.is_active = False
    merged.merged_into = survivor
    merged.save(update_fields=["is_active", "merged_into", "updated_at"])
    return CustomerMerge.objects.create(
        survivor=survivor,
        merged=merged,
        merged_name=merged.name,
        moved=moved,
        merged_by=merged_by,
    )


def _merge_relation_move(
    *, relation: CustomerRelation, rows, survivor: Customer
) -> int:
    if relation.kind == "m2m":
        # A link the survivor already has is dropped instead of duplicated.
        already = relation.model._base_manager.filter(
            **{relation.field: survivor}
        ).values(relation.other)
        count = rows.count()
        rows.filter(**{f"{relation.other}__in": already}).delete()
        rows.update(**{relation.field: survivor})
        return count
    if relation.kind == "one":
        if not rows.exists():
            return 0
        if relation.model._base_manager.filter(**{relation.field: survivor}).exists():
            raise ValidationError(
                f"Both customers have {relation.label}; resolve that before merging."
            )
    if hasattr(relation.model._meta, "simple_history_manager_attribute"):
        # Saved one by one so each record's own history shows the new customer.
        count = 0
        for record in rows:
            setattr(record, relation.field, survivor)
            record.save(update_fields=[relation.field])
            count += 1
        return count
    return rows.update(**{relation.field: survivor})


# -- Many customers at once (imports) ----------------------------------------------
from collections.abc import Mapping, Sequence  # noqa: E402

from simple_history.utils import bulk_create_with_history  # noqa: E402

BULK_BATCH_SIZE = 500


@transaction.atomic
def customer_bulk_create(*, entries: Sequence[Mapping]) -> list[Customer]:
    """Create many customers as customer_create would one by one (same fields,
    keys, validation, tags and history) in a handful of queries per batch.

    Each entry holds customer_create's arguments: ``{"owner": user, "tags": [...],
    **fields}``. Raises ValidationError, writing nothing, if any entry is invalid
    or an external reference is taken.
    """
    customers = []
    for entry in entries:
        customer = Customer(
            owner=entry["owner"],
            **{k: v for k, v in entry.items() if k in CUSTOMER_FIELDS},
        )
        _keys_set(customer)
        # The unique external reference is checked below, for the whole batch.
        customer.full_clean(exclude=["owner"], validate_constraints=False)
        customers.append(customer)
    refs = [c.external_ref for c in customers if c.external_ref]
    taken = set(
        Customer.objects.filter(external_ref__in=refs).values_list(
            "external_ref", flat=True
        )
    )
    if taken or len(set(refs)) != len(refs):
        repeated = ", ".join(sorted(taken or {r for r in refs if refs.count(r) > 1}))
        raise ValidationError(
            {"external_ref": f"External reference(s) already used: {repeated}."}
        )
    bulk_create_with_history(customers, Customer, batch_size=BULK_BATCH_SIZE)

    names = sorted({name for entry in entries for name in entry.get("tags", ())})
    if names:
        Tag.objects.bulk_create([Tag(name=n) for n in names], ignore_conflicts=True)
        tag_ids = dict(Tag.objects.filter(name__in=names).values_list("name", "pk"))
        through = Customer.tags.through
        through.objects.bulk_create(
            [
                through(customer_id=customer.pk, tag_id=tag_ids[name])
                for customer, entry in zip(customers, entries, strict=True)
                for name in dict.fromkeys(entry.get("tags", ()))
            ],
            batch_size=BULK_BATCH_SIZE,
        )
    return customers
