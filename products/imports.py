"""Product import: the columns and the per-row rules (the admin shares them), as a
declaration on sms.import_pipeline (the command, the import page, the job).

The format is documented in docs/import-formats.md ("Products"). Validation needs no
database: every row is checked before anything is written (sms.imports), and writing
goes through products.services.product_import_write.
"""

import re
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from products.models import Product
from products.services import (
    SKU_PATTERN,
    ProductRow,
    category_path_split,
    product_import_write,
    sku_normalize,
)
from sms.import_pipeline import (
    ImportDeclaration,
    ImportPlanner,
)
from sms.imports import ImportResult, RowError

REQUIRED_COLUMNS = ("sku", "name", "category", "list_price", "cost")
OPTIONAL_COLUMNS = (
    "description",
    "unit",
    "tax_rate",
    "active",
    "reorder_point",
    "reorder_quantity",
    # Written by the product list's export; ignored on import, so an exported file
    # can be edited and imported again.
    "margin",
    "margin_percent",
)
COLUMNS = (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)

AMOUNT_PATTERN = re.compile(r"^\d{1,12}(\.\d{1,2})?$")
TRUE_WORDS = {"yes", "y", "true", "1", "active"}
FALSE_WORDS = {"no", "n", "false", "0", "inactive"}
MAX_QUANTITY = 10_000_000


def _amount(values: dict[str, str], column: str, *, maximum: Decimal | None = None):
    text = values.get(column, "").replace(" ", "")
    if not text:
        raise RowError(column, "Required.")
    if text.startswith("-"):
        raise RowError(column, "Must not be negative.")
    if not AMOUNT_PATTERN.match(text):
        raise RowError(
            column,
            f"'{text}' is not an amount: write digits with a dot for decimals and at "
            "most two decimals, without a currency sign or thousands separators "
            "(e.g. 1250.50).",
        )
    amount = Decimal(text)
    if maximum is not None and amount > maximum:
        raise RowError(column, f"Must be at most {maximum}.")
    return amount


def _quantity(values: dict[str, str], column: str) -> int:
    text = values[column].replace(" ", "")
    if text.startswith("-"):
        raise RowError(column, "Must not be negative.")
    if not text.isdigit():
        raise RowError(column, f"'{text}' is not a whole number.")
    number = int(text)
    if number > MAX_QUANTITY:
        raise RowError(column, f"Must be at most {MAX_QUANTITY}.")
    return number


def _unit(text: str) -> str:
    wanted = text.strip().lower()
    for value, label in Product.Unit.choices:
        if wanted in (value.lower(), str(label).lower()):
            return value
    codes = ", ".join(value for value, _label in Product.Unit.choices)
    raise RowError("unit", f"Unknown unit '{text}'. Use one of: {codes}.")


def product_row_validate(values: dict[str, str]) -> ProductRow:
    """Check one CSV row and return its cleaned values, or raise RowError."""
    sku = sku_normalize(values.get("sku", ""))
    if not sku:
        raise RowError("sku", "Required.")
    if len(sku) > 40:
        raise RowError("sku", "At most 40 characters.")
    if not SKU_PATTERN.match(sku):
        raise RowError(
            "sku",
            f"'{sku}' is not a valid SKU: use letters, digits and - _ . / "
            "(starting with a letter or digit).",
        )
    name = " ".join(values.get("name", "").split())
    if not name:
        raise RowError("name", "Required.")
    if len(name) > 200:
        raise RowError("name", "At most 200 characters.")
    category_text = values.get("category", "")
    if not category_text.strip():
        raise RowError("category", "Required.")
    path = category_path_split(category_text)
    if len(path) > 2 or not all(path):
        raise RowError(
            "category",
            f"'{category_text}' is not a category: write 'Name' or 'Parent > Name' "
            "(two levels at most).",
        )
    if any(len(part) > 100 for part in path):
        raise RowError("category", "Category names have at most 100 characters.")
    list_price = _amount(values, "list_price")
    cost = _amount(values, "cost")

    optional: dict = {}
    if values.get("description"):
        optional["description"] = values["description"]
    if values.get("unit"):
        optional["unit"] = _unit(values["unit"])
    if values.get("tax_rate"):
        text = values["tax_rate"].removesuffix("%").strip()
        optional["tax_rate"] = _amount({"tax_rate": text}, "tax_rate", maximum=100)
    if values.get("active"):
        word = values["active"].strip().lower()
        if word in TRUE_WORDS:
            optional["is_active"] = True
        elif word in FALSE_WORDS:
            optional["is_active"] = False
        else:
            raise RowError("active", f"'{values['active']}' is not yes or no.")
    for column in ("reorder_point", "reorder_quantity"):
        if values.get(column):
            optional[column] = _quantity(values, column)
    return ProductRow(
        sku=sku,
        name=name,
        category_path=path,
        list_price=list_price,
        cost=cost,
        optional=optional,
    )


class ProductImportPlanner(ImportPlanner):
    """Products on the import pipeline: rows checked alone, keyed on SKU."""

    def key(self, cleaned: ProductRow) -> str:
        return cleaned.sku

    def check(self, line: int, values: dict[str, str]) -> ProductRow:
        return product_row_validate(values)

    def write(self, cleaned: list) -> tuple[int, int]:
        user = self.context.owner or self.context.user
        return product_import_write(rows=cleaned, user=user)

    def facts(self, result: ImportResult) -> list[tuple[str, int]]:
        if result.written:
            return [
                (_("Unchanged"), result.good_rows - result.created - result.updated)
            ]
        preview = product_import_preview(result=result, rows=self.rows)
        return [
            (_("New products"), preview["create"]),
            (_("Existing SKUs to update"), preview["update"]),
        ]


def product_import_preview(*, result: ImportResult, rows: list) -> dict[str, int]:
    """How many good rows would create a product and how many would update one."""
    bad_lines = {problem.line for problem in result.problems}
    skus = set()
    for line, values in rows:
        if line not in bad_lines:
            skus.add(sku_normalize(values.get("sku", "")))
    existing = 0
    sku_list = sorted(skus)
    for start in range(0, len(sku_list), 500):
        chunk = sku_list[start : start + 500]
        existing += Product.objects.filter(sku__in=chunk).count()
    return {"create": len(skus) - existing, "update": existing}


DECLARATION = ImportDeclaration(
    key="products",
    label=_lazy("Products"),
    permission="products.import_product",
    required=REQUIRED_COLUMNS,
    optional=OPTIONAL_COLUMNS,
    key_column="sku",
    list_url="products:product-list",
    planner=ProductImportPlanner,
    help_template="products/_import_help.html",
)
