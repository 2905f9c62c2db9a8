"""Every write to the catalogue: categories and products.

Product changes are recorded by django-simple-history (one historical row per save,
with the user), which is how the product page shows its price history. A save that
changes nothing writes nothing, so re-importing the same file adds no history.
"""

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from products.models import Category, Product
from sms.concurrency import version_claim

# The fields a user edits; services accept exactly these as keyword arguments.
PRODUCT_FIELDS = (
    "sku",
    "name",
    "description",
    "category",
    "unit",
    "list_price",
    "cost",
    "tax_rate",
    "is_active",
    "reorder_point",
    "reorder_quantity",
)


SKU_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9._/-]*$")


@dataclass(frozen=True)
class ProductRow:
    """One valid row: the required values, plus the optional ones the file gave."""

    sku: str
    name: str
    category_path: tuple[str, ...]
    list_price: Decimal
    cost: Decimal
    optional: dict = field(default_factory=dict, hash=False)

    def values(self) -> dict:
        """Model field values to set (category excluded: it is resolved on write)."""
        return {
            "name": self.name,
            "list_price": self.list_price,
            "cost": self.cost,
            **self.optional,
        }


def sku_normalize(sku: str) -> str:
    """SKUs are compared and stored in upper case, without surrounding spaces."""
    return sku.strip().upper()


# Categories ---------------------------------------------------------------------------


def _category_check_depth(*, category: Category, parent: Category | None) -> None:
    if parent is None:
        return
    if category.pk and parent.pk == category.pk:
        raise ValidationError({"parent": _("A category cannot be its own parent.")})
    if parent.parent_id:
        raise ValidationError(
            {"parent": _("Categories have two levels: pick a top-level parent.")}
        )
    if category.pk and category.children.exists():
        raise ValidationError(
            {
                "parent": _(
                    "This category has subcategories, so it must stay at the top level."
                )
            }
        )


@transaction.atomic
def category_create(
    *, name: str, parent: Category | None = None, description: str = ""
) -> Category:
    category = Category(name=name.strip(), parent=parent, description=description)
    _category_check_depth(category=category, parent=parent)
    category.full_clean()
    category.save()
    return category


@transaction.atomic
def category_update(
    *, category: Category, name: str, parent: Category | None, description: str = ""
) -> Category:
    category = Category.objects.select_for_update().get(pk=category.pk)
    _category_check_depth(category=category, parent=parent)
    category.name = name.strip()
    category.parent = parent
    category.description = description
    category.full_clean()
    category.save(update_fields=["name", "parent", "description"])
    return category


def category_path_split(path: str) -> tuple[str, ...]:
    """'Computers > Laptops' -> ('Computers', 'Laptops'); spaces are tidied."""
    return tuple(" ".join(part.split()) for part in path.split(">"))


@transaction.atomic
def category_path_ensure(*, path: Sequence[str]) -> Category:
    """The category at ``path`` (one or two names), created if missing.

    Names match without regard to case, so "laptops" finds "Laptops".
    """
    if not 1 <= len(path) <= 2 or not all(path):
        raise ValidationError(
            _("A category is 'Name' or 'Parent > Name' (two levels at most).")
        )
    parent = None
    for name in path:
        found = Category.objects.filter(parent=parent, name__iexact=name).first()
        if found is None:
            found = category_create(name=name, parent=parent)
        parent = found
    return parent


# Products -----------------------------------------------------------------------------


def _fields_check(fields: dict) -> None:
    unknown = set(fields) - set(PRODUCT_FIELDS)
    if unknown:
        raise TypeError(f"Unknown product fields: {', '.join(sorted(unknown))}")


def _attname_value(product: Product, name: str):
    field = Product._meta.get_field(name)
    return getattr(product, field.attname)


def _value_for_compare(name: str, value):
    if name == "category":
        return value.pk if isinstance(value, Category) else value
    return value


@transaction.atomic
def product_create(*, user: AbstractBaseUser | None, **fields) -> Product:
    """Create a product from PRODUCT_FIELDS; raises ValidationError on bad input."""
    _fields_check(fields)
    if "sku" in fields:
        fields["sku"] = sku_normalize(fields["sku"])
    product = Product(**fields)
    product.full_clean()
    product._history_user = user
    product.save()
    return product


@transaction.atomic
def product_update(
    *,
    product: Product,
    user: AbstractBaseUser | None,
    version: int | None = None,
    **fields,
) -> Product:
    """Change the given fields of a product; a no-op when nothing differs.

    The row is re-read under a lock, so ``product`` may be an instance a form has
    already modified: the comparison is against what the database holds. With the
    ``version`` an edit form was read at, a change over someone else's newer one
    raises StaleEdit.
    """
    _fields_check(fields)
    if "sku" in fields:
        fields["sku"] = sku_normalize(fields["sku"])
    current = Product.objects.select_for_update().get(pk=product.pk)
    changed = [
        name
        for name, value in fields.items()
        if _attname_value(current, name) != _value_for_compare(name, value)
    ]
    if not changed:
        return current
    version_claim(instance=current, version=version, submitted=fields)
    for name in changed:
        setattr(current, name, fields[name])
    current.full_clean()
    current._history_user = user
    current.save(update_fields=[*changed, "updated_at"])
    return current


def product_fields_of(product: Product) -> dict:
    """The editable fields of an (unsaved or modified) instance, for the services."""
    return {name: getattr(product, name) for name in PRODUCT_FIELDS}


def product_price_history(*, product: Product) -> list[dict]:
    """Each recorded change of list price or cost, newest first.

    Built from the product's historical rows (one query); the first row is the
    product's creation.
    """
    records = list(
        product.history.select_related("history_user").order_by("history_date")
    )
    changes = []
    previous = None
    for record in records:
        if previous is None or (
            record.list_price != previous.list_price or record.cost != previous.cost
        ):
            changes.append(
                {
                    "date": record.history_date,
                    "user": record.history_user,
                    "created": previous is None,
                    "list_price": record.list_price,
                    "old_list_price": previous.list_price if previous else None,
                    "cost": record.cost,
                    "old_cost": previous.cost if previous else None,
                }
            )
        previous = record
    changes.reverse()
    return changes


# Import -------------------------------------------------------------------------------


@transaction.atomic
def product_import_write(
    *, rows: Iterable, user: AbstractBaseUser | None = None, batch_size: int = 500
) -> tuple[int, int]:
    """Create or update products from validated import rows, keyed on SKU.

    ``rows`` are ``products.imports.ProductRow`` values. Columns a row leaves blank
    keep the product's current value (or the default for a new product). Products
    whose values do not change are left alone, so a second import of the same file
    creates and updates nothing. Returns (created, updated). Runs inside the import's
    transaction; rows are written in bulk with their history.
    """
    rows = list(rows)
    categories: dict[tuple[str, ...], Category] = {}
    for row in rows:
        key = tuple(name.lower() for name in row.category_path)
        if key not in categories:
            categories[key] = category_path_ensure(path=row.category_path)
    skus = [row.sku for row in rows]
    existing: dict[str, Product] = {}
    for start in range(0, len(skus), batch_size):
        chunk = skus[start : start + batch_size]
        for product in Product.objects.select_for_update().filter(sku__in=chunk):
            existing[product.sku] = product
    now = timezone.now()
    to_create: list[Product] = []
    to_update: list[Product] = []
    changed_fields: set[str] = set()
    for row in rows:
        values = row.values()
        values["category"] = categories[tuple(n.lower() for n in row.category_path)]
        product = existing.get(row.sku)
        if product is None:
            product = Product(sku=row.sku, **values)
            product.created_at = product.updated_at = now
            to_create.append(product)
            continue
        changed = [
            name
            for name, value in values.items()
            if _attname_value(product, name) != _value_for_compare(name, value)
        ]
        if changed:
            for name in changed:
                setattr(product, name, values[name])
            product.updated_at = now
            # Locked above; a form opened before the import is refused.
            product.version += 1
            changed_fields.update(changed)
            to_update.append(product)
    if to_create:
        bulk_create_with_history(
            to_create, Product, batch_size=batch_size, default_user=user
        )
    if to_update:
        bulk_update_with_history(
            to_update,
            Product,
            fields=[*sorted(changed_fields), "updated_at", "version"],
            batch_size=batch_size,
            default_user=user,
        )
    return len(to_create), len(to_update)
