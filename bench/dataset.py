"""The large benchmark data set: 100,000 customers and about 1,000,000 order lines.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sms_bench .venv/bin/python \
        bench/dataset.py [--reset]

Made once with the demo generator (``manage.py seed_demo``: users, catalogue and
stock, customers with their conversations and tasks, 36 months of orders with
payments and shipments, the sales pipeline) and reused by every benchmark that
needs realistic volumes (``dataset_ensure``). The demo's customers order about
3.6 times as often as the data set wants, so orders are scaled down
(``--orders-scale``) to land near a million lines; the proportions of everything
else are the demo's.

It lives in a PostgreSQL database of its own: the one DATABASE_URL names when that
name ends in "bench", else that name plus "_bench" on the same server (default
``sms_bench``), created when missing. A row in the small table ``bench_dataset``
records what was made (the parameters, the day it was made, the counts and how
long it took); a database holding that row with the same parameters and counts is
reused as it is (only migrated, which is quick when nothing is new). Anything else
(no row: an interrupted or foreign seeding; other parameters; ``--reset``) is wiped
(the public schema dropped) and made again, which takes a few minutes. Dates are
relative to the day it was made (``seeded_on``): benchmarks run "as of" that day,
so their results do not drift as the data set ages.
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/sms_bench"
MARKER = "bench_dataset"

CUSTOMERS = 100_000
MONTHS = 36
# Orders per customer relative to the demo's: 100,000 customers over 36 months make
# about 3.6 million lines at 1.0.
ORDERS_SCALE = 0.28
SEED = 8


def bench_database_url(url: str | None) -> str:
    """The benchmark database on ``url``'s server: its own database if the name
    ends in "bench", else the name plus "_bench" (never a working database)."""
    url = url or DEFAULT_URL
    parts = urlsplit(url)
    if not parts.scheme.startswith("postgres"):
        raise SystemExit(
            f"The benchmark data set needs PostgreSQL, not {parts.scheme or url!r}: "
            f"set DATABASE_URL (default {DEFAULT_URL})."
        )
    name = parts.path.lstrip("/") or "sms"
    if not name.endswith("bench"):
        name = f"{name}_bench"
    return urlunsplit(parts._replace(path=f"/{name}"))


def configure() -> str:
    """Point Django at the benchmark database and set it up; returns its URL.
    Call before importing anything from the project."""
    url = bench_database_url(os.environ.get("DATABASE_URL"))
    os.environ["DATABASE_URL"] = url
    # seed_demo refuses to run with DEBUG off (it makes users with known passwords).
    os.environ.setdefault("DEBUG", "True")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sms.settings")
    if str(BASE_DIR) not in sys.path:
        sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()
    _database_create()
    return url


def _database_create() -> None:
    """Create the benchmark database if the server does not have it yet."""
    import psycopg
    from django.db import connection
    from psycopg import sql

    from bench.scratch import admin_conninfo

    settings = connection.settings_dict
    conninfo = admin_conninfo(connection)
    with psycopg.connect(dbname="postgres", autocommit=True, **conninfo) as admin:
        found = admin.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [settings["NAME"]]
        ).fetchone()
        if not found:
            print(f"Creating database {settings['NAME']}.", flush=True)
            admin.execute(
                sql.SQL("CREATE DATABASE {}").format(sql.Identifier(settings["NAME"]))
            )


def _counts() -> dict[str, int]:
    from customers.models import Customer
    from opportunities.models import Opportunity
    from orders.models import Order, OrderLine

    return {
        "customers": Customer.objects.count(),
        "orders": Order.objects.count(),
        "order_lines": OrderLine.objects.count(),
        "opportunities": Opportunity.objects.count(),
    }


def _marker() -> dict | None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [MARKER])
        if cursor.fetchone()[0] is None:
            return None
        cursor.execute(f"SELECT info FROM {MARKER} WHERE id = 1")  # noqa: S608
        row = cursor.fetchone()
    if row is None:
        return None
    return row[0] if isinstance(row[0], dict) else json.loads(row[0])


def _marker_write(info: dict) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {MARKER} "
            "(id integer PRIMARY KEY, info jsonb NOT NULL)"
        )
        cursor.execute(
            f"INSERT INTO {MARKER} (id, info) VALUES (1, %s) "  # noqa: S608
            "ON CONFLICT (id) DO UPDATE SET info = EXCLUDED.info",
            [json.dumps(info)],
        )


def _wipe() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DROP SCHEMA public CASCADE")
        cursor.execute("CREATE SCHEMA public")


def dataset_ensure(
    *,
    customers: int = CUSTOMERS,
    months: int = MONTHS,
    orders_scale: float = ORDERS_SCALE,
    seed: int = SEED,
    reset: bool = False,
) -> dict:
    """Make sure the configured database (see ``configure``) holds the data set
    with these parameters; returns its marker: parameters, ``seeded_on``, counts,
    ``seed_seconds`` and whether this call made it (``made``)."""
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    wanted = {
        "customers": customers,
        "months": months,
        "orders_scale": orders_scale,
        "seed": seed,
    }
    name = connection.settings_dict["NAME"]
    marker = None if reset else _marker()
    if marker is not None and marker.get("parameters") == wanted:
        started = time.perf_counter()
        call_command("migrate", verbosity=0, interactive=False)
        counts = _counts()
        if counts == marker.get("counts"):
            print(
                f"Data set in {name} (made {marker['seeded_on']} in "
                f"{marker['seed_seconds']:.0f} s) reused: "
                + ", ".join(f"{v:,} {k.replace('_', ' ')}" for k, v in counts.items())
                + f" (checked in {time.perf_counter() - started:.1f} s).",
                flush=True,
            )
            return {**marker, "made": False}
        print(f"Data set in {name} changed since it was made ({counts}).", flush=True)
    if reset or marker is not None or _has_data():
        print(f"Wiping {name} to make the data set again.", flush=True)
        _wipe()
    phases = {}
    started = time.perf_counter()
    print(f"Migrating {name}.", flush=True)
    call_command("migrate", verbosity=0, interactive=False)
    phases["migrate"] = time.perf_counter() - started
    print(
        f"Seeding {customers:,} customers, {months} months of orders (scale "
        f"{orders_scale}), seed {seed}: a few minutes.",
        flush=True,
    )
    mark = time.perf_counter()
    call_command(
        "seed_demo",
        customers=customers,
        months=months,
        orders_scale=orders_scale,
        seed=seed,
        stdout=sys.stdout,
    )
    phases["seed_demo"] = time.perf_counter() - mark
    mark = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # fresh statistics, as a live system has
    phases["vacuum_analyze"] = time.perf_counter() - mark
    seconds = time.perf_counter() - started
    info = {
        "parameters": wanted,
        "seeded_on": timezone.localdate().isoformat(),
        "counts": _counts(),
        "seed_seconds": round(seconds, 1),
        "phases": {k: round(v, 1) for k, v in phases.items()},
    }
    _marker_write(info)
    print(
        f"Data set made in {seconds:.0f} s ("
        + ", ".join(f"{k} {v:.0f} s" for k, v in phases.items())
        + "): "
        + ", ".join(f"{v:,} {k.replace('_', ' ')}" for k, v in info["counts"].items())
        + ".",
        flush=True,
    )
    return {**info, "made": True}


def _has_data() -> bool:
    """Whether any project table holds rows (a database not made here)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('customers_customer')")
        if cursor.fetchone()[0] is None:
            return False
        cursor.execute("SELECT EXISTS (SELECT 1 FROM customers_customer)")
        return bool(cursor.fetchone()[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=CUSTOMERS)
    parser.add_argument("--months", type=int, default=MONTHS)
    parser.add_argument("--orders-scale", type=float, default=ORDERS_SCALE)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument(
        "--reset", action="store_true", help="make it again even if it is there"
    )
    args = parser.parse_args()
    url = configure()
    print(f"Benchmark database: {url}", flush=True)
    dataset_ensure(
        customers=args.customers,
        months=args.months,
        orders_scale=args.orders_scale,
        seed=args.seed,
        reset=args.reset,
    )


if __name__ == "__main__":
    main()
