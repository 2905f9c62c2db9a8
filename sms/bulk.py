"""Writing many rows fast (demo data): COPY on PostgreSQL, executemany elsewhere.

Rows are plain tuples of attribute values in the order of ``fields`` (attribute
names, such as ``customer_id``), as the database stores them (a TextChoices member
is a str): building a model instance per row costs more than writing it. Ids
that related rows must point at are drawn first (ids_reserve). A column left out
gets its database default (db_default), on every database, as COPY gives it.
Nothing here runs model validation, signals or ``save()``: callers compute every
value exactly as the owning app's services would.
"""

from collections.abc import Iterable, Sequence

from django.db import connection, models

BATCH_SIZE = 2000


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def ids_reserve(model: type[models.Model], count: int) -> list[int]:
    """``count`` primary keys nobody else will get, for rows written with them."""
    if count <= 0:
        return []
    table, column = model._meta.db_table, model._meta.pk.column
    with connection.cursor() as cursor:
        if _postgres():
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) "
                "FROM generate_series(1, %s)",
                [table, column, count],
            )
            return [pk for (pk,) in cursor.fetchall()]
        # SQLite serialises writers. After the highest id ever handed out (not only
        # the highest left), as AUTOINCREMENT does; it then continues after these.
        quote = connection.ops.quote_name
        cursor.execute(
            f"SELECT MAX({quote(column)}) FROM {quote(table)} "  # noqa: S608
            "UNION ALL SELECT seq FROM sqlite_sequence WHERE name = %s",
            [table],
        )
        start = max((value or 0 for (value,) in cursor.fetchall()), default=0) + 1
    return list(range(start, start + count))


def rows_insert(
    model: type[models.Model], fields: Sequence[str], rows: Iterable[Sequence]
) -> None:
    """Insert ``rows`` (tuples of values for ``fields``, attribute names)."""
    if _postgres():
        columns = [model._meta.get_field(name).column for name in fields]
        # Attribute names such as "customer_id" resolve through their field.
        quote = connection.ops.quote_name
        names = ", ".join(quote(c) for c in columns)
        sql = f"COPY {quote(model._meta.db_table)} ({names}) FROM STDIN"
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)
        return
    _sqlite_insert(model, fields, rows)


def _sqlite_insert(
    model: type[models.Model], fields: Sequence[str], rows: Iterable[Sequence]
) -> None:
    """executemany of plain tuples: bulk_create would build a model instance and
    prepare every value through its field, several times slower than the insert."""
    meta = model._meta
    model_fields = [meta.get_field(name) for name in fields]
    adapt = [_sqlite_adapter(field) for field in model_fields]
    quote = connection.ops.quote_name
    names = ", ".join(quote(field.column) for field in model_fields)
    marks = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {quote(meta.db_table)} ({names}) VALUES ({marks})"  # noqa: S608
    with connection.cursor() as cursor:
        batch = []
        for row in rows:
            batch.append(
                [
                    value if a is None else a(value)
                    for a, value in zip(adapt, row, strict=True)
                ]
            )
            if len(batch) >= BATCH_SIZE:
                cursor.executemany(sql, batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)


def _sqlite_adapter(field: models.Field):
    """How a value of ``field`` is made ready for SQLite; None: as it is (ints,
    strings, Decimals and dates the driver takes as bulk_create would give them)."""
    if isinstance(field, models.DateTimeField):
        return connection.ops.adapt_datetimefield_value
    if isinstance(field, models.DateField | models.DecimalField | models.BooleanField):
        return None
    if isinstance(field, models.IntegerField | models.ForeignKey | models.CharField):
        return None
    return lambda value: field.get_db_prep_save(value, connection)


def statistics_refresh() -> None:
    """ANALYZE the database (PostgreSQL): tables just filled in bulk have no planner
    statistics until autovacuum gets to them (never, where it is off), and the
    queries that follow are planned as for empty tables; on 100,000 demo customers
    one such plan took minutes instead of a second."""
    if _postgres():
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
