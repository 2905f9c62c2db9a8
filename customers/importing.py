"""Customer imports from CSV: a declaration on sms.import_pipeline (the command,
the import page and the background job), and the validator the admin shares.

Columns (header names are matched without regard to case; only ``name`` is required,
every other column may be left out; docs/import-formats.md is the user's guide):

=================== ==========================================================
external_ref        the customer's key in another system; a row whose reference
                    exists updates that customer instead of creating one
kind                company or individual (default company)
name                required
email               a valid e-mail address
phone               any format; compared on its digits
street, city, region, postal_code, country
industry            one of Customer.Industry (value or label)
source_channel      one of Customer.Channel (value or label; default other)
tags                comma- or semicolon-separated labels
owner               user name of an active user; blank: the default owner (new
                    customers) or the current owner (updates)
notes               free text
age_band            one of Customer.AgeBand
gender              one of Customer.Gender
payment_terms_days  whole number of days (default 30)
occupation          free text
=================== ==========================================================

Every row is validated before anything is written (sms.imports). A row is refused
when it lacks a name, has a malformed e-mail, an unknown choice, an unknown or
inactive owner, a value longer than the field allows, or when it looks like a
customer that already exists (same normalised e-mail or phone, or the same normalised
name in the same city) other than the one its external_ref matches, or like an
earlier row of the same file. On updates a blank cell keeps the current value.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from customers.models import Customer
from customers.services import (
    BULK_BATCH_SIZE,
    CUSTOMER_FIELDS,
    customer_bulk_create,
    customer_create,
    customer_reassign,
    customer_update,
    email_key,
    name_key,
    phone_key,
    tags_parse,
)
from sms.import_pipeline import (
    Fix,
    ImportContext,
    ImportDeclaration,
    ImportPlanner,
    Progress,
)
from sms.imports import ImportResult, cell_unescape
from sms.roles import user_is_manager

COLUMNS = (
    "external_ref",
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
    "tags",
    "owner",
    "notes",
    "age_band",
    "gender",
    "occupation",
    "payment_terms_days",
)
REQUIRED_COLUMNS = ("name",)
OPTIONAL_COLUMNS = tuple(c for c in COLUMNS if c not in REQUIRED_COLUMNS)

CHOICE_COLUMNS = {
    "kind": Customer.Kind,
    "industry": Customer.Industry,
    "source_channel": Customer.Channel,
    "age_band": Customer.AgeBand,
    "gender": Customer.Gender,
}
TEXT_COLUMNS = (
    "external_ref",
    "name",
    "email",
    "phone",
    "street",
    "city",
    "region",
    "postal_code",
    "country",
    "occupation",
    "notes",
)
TAG_MAX_LENGTH = 50
PAYMENT_TERMS_MAX = 32767  # PositiveSmallIntegerField
_LOOKUP_CHUNK = 500
NO_OWNER = "No owner, and no default owner for new customers."


@dataclass
class CustomerImportResult(ImportResult):
    """An ImportResult plus what a dry run would do."""

    to_create: int = 0
    to_update: int = 0


@dataclass
class CustomerRow:
    """A validated row: what to write, ready for the services."""

    line: int
    customer: Customer | None  # the existing customer to update, or None: create
    fields: dict[str, object] = field(default_factory=dict)
    tags: list[str] | None = None  # None: leave the tags alone
    owner: AbstractBaseUser | None = None  # None: keep the current owner


def _choice_lookup(choices) -> dict[str, str]:
    lookup = {}
    for value, label in choices.choices:
        for text in (value, label):
            lookup[text.lower()] = value
            lookup[
                " ".join(text.lower().replace("_", " ").replace("-", " ").split())
            ] = value
    return lookup


_CHOICES = {
    column: _choice_lookup(choices) for column, choices in CHOICE_COLUMNS.items()
}


def _choice(column: str, text: str) -> str:
    lookup = _CHOICES[column]
    key = " ".join(text.lower().replace("_", " ").replace("-", " ").split())
    value = lookup.get(text.lower()) or lookup.get(key)
    if value is None:
        allowed = ", ".join(CHOICE_COLUMNS[column].values)
        raise ValueError(f"Unknown value '{text}'. Allowed: {allowed}.")
    return value


def _chunks(items: list, size: int = _LOOKUP_CHUNK):
    for start in range(0, len(items), size):
        yield items[start : start + size]


class CustomerRowValidator:
    """Validates import rows against the database and against the earlier rows.

    Everything it needs from the database (owners, customers by external reference,
    possible duplicates) is loaded in a few batched queries when it is built, so a
    large file costs a handful of queries rather than several per row.

    ``imported_by``: the user running the import. A user who may not reassign
    customers (a sales rep) can only import customers for themselves and only update
    their own; duplicates among other reps' customers are reported without naming
    them. None (the command line, the admin's superusers): no such limits.
    """

    def __init__(
        self,
        *,
        rows: Iterable[dict[str, str]],
        default_owner: AbstractBaseUser | None,
        imported_by: AbstractBaseUser | None = None,
    ):
        rows = [{k: cell_unescape(v) for k, v in r.items()} for r in rows]
        self.default_owner = default_owner
        self.imported_by = imported_by
        self.sees_all = imported_by is None or user_is_manager(imported_by)
        self.may_reassign = imported_by is None or imported_by.has_perm(
            "customers.reassign_customer"
        )
        self.to_create = 0
        self.to_update = 0
        self._seen: dict[tuple[str, str], int] = {}
        self._load(rows)

    # -- database look-ups, batched --------------------------------------------

    def _load(self, rows: list[dict[str, str]]) -> None:
        user_model = get_user_model()
        usernames = sorted({r.get("owner", "") for r in rows} - {""})
        self.users = {}
        for chunk in _chunks(usernames):
            for user in user_model.objects.filter(username__in=chunk):
                self.users[user.get_username()] = user

        refs = sorted({r.get("external_ref", "") for r in rows} - {""})
        self.by_ref: dict[str, Customer] = {}
        for chunk in _chunks(refs):
            for customer in Customer.objects.filter(
                external_ref__in=chunk
            ).prefetch_related("tags"):
                self.by_ref[customer.external_ref] = customer

        candidates = Customer.objects.filter(merged_into__isnull=True).only(
            "pk", "name", "owner_id", "city", "email_key", "phone_key", "name_key"
        )
        self.by_email = defaultdict(list)
        self.by_phone = defaultdict(list)
        self.by_name = defaultdict(list)
        lookups = (
            ("email_key", self.by_email, {email_key(r.get("email", "")) for r in rows}),
            ("phone_key", self.by_phone, {phone_key(r.get("phone", "")) for r in rows}),
            ("name_key", self.by_name, {name_key(r.get("name", "")) for r in rows}),
        )
        for column, index, keys in lookups:
            for chunk in _chunks(sorted(keys - {""})):
                for customer in candidates.filter(**{f"{column}__in": chunk}):
                    index[getattr(customer, column)].append(customer)

    # -- one row --------------------------------------------------------------

    def validate(self, values: dict[str, str], *, line: int) -> CustomerRow:
        """Return the row ready to write or raise ValidationError({column: [...]})."""
        values = {k: cell_unescape(v) for k, v in values.items()}
        errors: dict[str, list[str]] = defaultdict(list)
        cleaned: dict[str, object] = {}

        for column in TEXT_COLUMNS:
            if values.get(column):
                cleaned[column] = values[column]
        if not values.get("name"):
            errors["name"].append("A name is required.")
        for column in TEXT_COLUMNS:
            limit = Customer._meta.get_field(column).max_length
            text = values.get(column, "")
            if limit and len(text) > limit:
                errors[column].append(
                    f"Too long: at most {limit} characters (this has {len(text)})."
                )
        if values.get("email"):
            try:
                validate_email(values["email"])
            except ValidationError:
                errors["email"].append(
                    f"'{values['email']}' is not a valid e-mail address."
                )
        if values.get("phone") and not phone_key(values["phone"]):
            errors["phone"].append(f"'{values['phone']}' has no digits.")
        for column in CHOICE_COLUMNS:
            if values.get(column):
                try:
                    cleaned[column] = _choice(column, values[column])
                except ValueError as exc:
                    errors[column].append(str(exc))
        if values.get("payment_terms_days"):
            text = values["payment_terms_days"]
            if text.isdigit() and int(text) <= PAYMENT_TERMS_MAX:
                cleaned["payment_terms_days"] = int(text)
            else:
                errors["payment_terms_days"].append(
                    f"'{text}' is not a whole number of days "
                    f"(0 to {PAYMENT_TERMS_MAX})."
                )
        tags = None
        if values.get("tags"):
            too_long = [
                t.strip()
                for t in values["tags"].replace(";", ",").split(",")
                if len(" ".join(t.split())) > TAG_MAX_LENGTH
            ]
            if too_long:
                errors["tags"].append(
                    f"Tag '{too_long[0][:20]}…' is too long: at most "
                    f"{TAG_MAX_LENGTH} characters per tag."
                )
            tags = tags_parse(values["tags"])

        customer = self._existing(values.get("external_ref", ""), errors)
        owner = self._owner(values.get("owner", ""), customer, errors)
        keys = self._keys(values, customer)
        self._duplicates(keys, customer, errors)
        if not errors:
            self._backstop(customer, cleaned, errors)
        if errors:
            raise ValidationError(dict(errors))

        for key in keys.values():
            if key[1]:
                self._seen.setdefault(key, line)
        if customer is None:
            self.to_create += 1
            return CustomerRow(line, None, cleaned, tags, owner)
        self.to_update += 1
        cleaned.pop("external_ref", None)
        return CustomerRow(line, customer, cleaned, tags, owner)

    def _existing(self, ref: str, errors) -> Customer | None:
        if not ref:
            return None
        if ("external_ref", ref) in self._seen:
            errors["external_ref"].append(
                f"Same external_ref as line {self._seen[('external_ref', ref)]} "
                "of this file."
            )
            return None
        customer = self.by_ref.get(ref)
        if customer is None:
            return None
        if not self._visible(customer):
            errors["external_ref"].append(
                "This reference belongs to another sales rep's customer."
            )
            return None
        if customer.merged_into_id:
            errors["external_ref"].append(
                f"Customer #{customer.pk} '{customer.name}' was merged into customer "
                f"#{customer.merged_into_id}; update that customer instead."
            )
            return None
        return customer

    def _owner(self, username: str, customer, errors) -> AbstractBaseUser | None:
        if not username:
            if customer is not None:
                return None  # keep the current owner
            if self.default_owner is None:
                errors["owner"].append(NO_OWNER)
            return self.default_owner
        user = self.users.get(username)
        if user is None:
            errors["owner"].append(f"Unknown user '{username}'.")
            return None
        if not user.is_active:
            errors["owner"].append(f"User '{username}' is inactive.")
            return None
        if not self.may_reassign and user.pk != self.imported_by.pk:
            errors["owner"].append(
                f"You can only import customers for yourself, not for '{username}'."
            )
            return None
        return user

    @staticmethod
    def _keys(values: dict[str, str], customer) -> dict[str, tuple[str, str]]:
        """The row's identities: external reference, e-mail, phone, name + city."""
        city = values.get("city") or (customer.city if customer else "")
        city = " ".join(city.lower().split())
        name = name_key(values.get("name", ""))
        return {
            "external_ref": ("external_ref", values.get("external_ref", "")),
            "email": ("email", email_key(values.get("email", ""))),
            "phone": ("phone", phone_key(values.get("phone", ""))),
            "name": ("name", f"{name}|{city}" if name and city else ""),
        }

    def _duplicates(self, keys, customer, errors) -> None:
        own_pk = customer.pk if customer else None
        name, _, city = keys["name"][1].partition("|")
        checks = [
            ("email", "e-mail", self.by_email.get(keys["email"][1], [])),
            ("phone", "phone", self.by_phone.get(keys["phone"][1], [])),
            (
                "name",
                "name in the same city",
                [
                    c
                    for c in self.by_name.get(name, [])
                    if " ".join(c.city.lower().split()) == city
                ],
            ),
        ]
        for column, what, matches in checks:
            if not keys[column][1]:
                continue
            others = [c for c in matches if c.pk != own_pk]
            if others:
                errors[column].append(self._duplicate_message(what, others[0]))
            elif keys[column] in self._seen:
                errors[column].append(
                    f"Same {what} as line {self._seen[keys[column]]} of this file."
                )

    def _duplicate_message(self, what: str, other: Customer) -> str:
        if self._visible(other):
            return f"Same {what} as existing customer #{other.pk} '{other.name}'."
        return f"Same {what} as an existing customer of another sales rep."

    def _visible(self, customer: Customer) -> bool:
        return self.sees_all or customer.owner_id == self.imported_by.pk

    def _backstop(self, customer, cleaned, errors) -> None:
        """The model's own validation, so a write can never fail on what was
        accepted here (anything this module missed is still reported per row)."""
        probe = Customer(**{k: v for k, v in cleaned.items() if k in CUSTOMER_FIELDS})
        if customer is not None:
            probe = Customer(
                **{
                    name: cleaned.get(name, getattr(customer, name))
                    for name in CUSTOMER_FIELDS
                }
            )
        try:
            probe.full_clean(
                exclude=["owner"], validate_unique=False, validate_constraints=False
            )
        except ValidationError as exc:
            for column, messages in exc.message_dict.items():
                column = column if column in COLUMNS else ""
                errors[column].extend(messages)


def customer_row_write(*, row: CustomerRow) -> tuple[Customer, bool]:
    """Write one validated row through the services; returns (customer, created).

    An update whose values are all unchanged is not saved, so re-importing a file
    adds no empty entries to the customers' history (it still counts as updated).
    """
    if row.customer is None:
        return customer_create(owner=row.owner, tags=row.tags or (), **row.fields), True
    customer = row.customer
    changed = {k: v for k, v in row.fields.items() if getattr(customer, k) != v}
    tags = row.tags
    if tags is not None and set(tags) == {t.name for t in customer.tags.all()}:
        tags = None
    if changed or tags is not None:
        customer_update(customer=customer, tags=tags, **changed)
    if row.owner is not None and row.owner.pk != customer.owner_id:
        customer_reassign(customers=[customer], owner=row.owner)
    return customer, False


def customer_rows_write(
    *, rows: list[CustomerRow], progress: Progress | None = None
) -> tuple[int, int]:
    """Write validated rows; returns (created, updated).

    New customers are created in batches (customer_bulk_create: the same checks,
    keys, tags and history as customer_create, in a few queries per batch);
    updates go one by one through customer_update.
    """
    created = updated = 0
    pending: list[CustomerRow] = []

    def flush() -> None:
        customer_bulk_create(
            entries=[
                {"owner": row.owner, "tags": row.tags or (), **row.fields}
                for row in pending
            ]
        )
        if progress:
            progress("writing", len(pending), len(rows))
        pending.clear()

    for row in rows:
        if row.customer is None:
            pending.append(row)
            created += 1
            if len(pending) >= BULK_BATCH_SIZE:
                flush()
            continue
        customer_row_write(row=row)
        updated += 1
        if progress:
            progress("writing", 1, len(rows))
    if pending:
        flush()
    return created, updated


class CustomerImportPlanner(ImportPlanner):
    """Customers on the import pipeline: CustomerRowValidator checks, the services
    write. A user who may not reassign customers imports for themselves only."""

    def __init__(self, *, rows, context: ImportContext):
        super().__init__(rows=rows, context=context)
        user = context.user
        owner = context.owner
        if user is not None and not user.has_perm("customers.reassign_customer"):
            owner = user
        self.validator = CustomerRowValidator(
            rows=[values for _line, values in rows],
            default_owner=owner,
            imported_by=user,
        )

    def check(self, line: int, values: dict[str, str]) -> CustomerRow:
        return self.validator.validate(values, line=line)

    def write(self, cleaned: list) -> tuple[int, int]:
        return customer_rows_write(rows=cleaned, progress=self.context.progress)

    def facts(self, result: ImportResult) -> list[tuple[str, int]]:
        if result.written:
            return []
        return [
            (_("New customers"), self.validator.to_create),
            (_("Existing customers to update"), self.validator.to_update),
        ]

    def result(self, result: ImportResult) -> CustomerImportResult:
        return CustomerImportResult(
            **vars(result),
            to_create=self.validator.to_create,
            to_update=self.validator.to_update,
        )


def _form_fields(user) -> dict:
    if not user.has_perm("customers.reassign_customer"):
        return {}  # sales reps import their own customers
    return {
        "default_owner": forms.ModelChoiceField(
            queryset=get_user_model()
            .objects.filter(is_active=True)
            .order_by("username"),
            required=False,
            empty_label=_lazy("Me"),
            label=_lazy("Owner of new customers"),
            help_text=_lazy("Used for rows whose owner column is blank."),
        )
    }


def _form_options(data: dict, user) -> tuple[int | None, dict]:
    owner = data.get("default_owner")
    return (owner.pk if owner else None), {}


DECLARATION = ImportDeclaration(
    key="customers",
    label=_lazy("Customers"),
    permission="customers.import_customer",
    required=REQUIRED_COLUMNS,
    optional=OPTIONAL_COLUMNS,
    key_column="name",
    list_url="customers:customer-list",
    planner=CustomerImportPlanner,
    help_template="customers/_import_help.html",
    help_context=lambda: {
        "industries": Customer.Industry.values,
        "channels": Customer.Channel.values,
    },
    form_fields=_form_fields,
    form_options=_form_options,
    fixes=(
        Fix(
            column="owner",
            starts=NO_OWNER,
            command=_lazy("fill the owner column or pass --owner USER"),
            page=_lazy("fill the owner column or choose the owner of new customers"),
        ),
    ),
)
