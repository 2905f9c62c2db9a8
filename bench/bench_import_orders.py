"""Benchmark: importing 10,000 lines of order history (2,500 orders x 4 lines).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sms .venv/bin/python \
        bench/bench_import_orders.py [--orders 2500] [--lines 4] [--repeat 3]

Runs on a database of its own, created and dropped here (the configured database's
name plus "_bench_import_orders", as Django's test runner does with "test_"; see
bench/scratch.py), so it never touches real data nor the large data set of
bench/dataset.py (``sms_bench``): it refuses to drop any database but its own. It
creates the customers, products and a warehouse the file refers to, generates the
CSV in memory, then times ``orders.importing.order_import`` through the whole path
the command takes: reading the CSV, checking every row, and writing the orders,
lines, payments and status changes in one transaction. Each repeat
imports new order numbers; the best run is reported, with the queries it took, and a
re-import of the same file (every order skipped) is timed too. The result is printed
and written to bench/results/import_orders-<database>.json. The numbers to compare
are PostgreSQL's (the production database); SQLite works for a quick look.
"""

import argparse
import io
import json
import os
import platform
import statistics
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sms.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench.scratch import scratch_create, scratch_drop  # noqa: E402

RESULTS = BASE_DIR / "bench" / "results"
CUSTOMERS = 500
PRODUCTS = 60
STATUSES = ("delivered", "delivered", "delivered", "shipped", "cancelled")
SUFFIX = "_bench_import_orders"  # this benchmark's own database (bench/scratch.py)


def _catalogue():
    from customers.services import customer_bulk_create
    from inventory.services import warehouse_ensure
    from products.services import category_path_ensure, product_create

    owner = get_user_model().objects.create_user(username="bench-rep")
    customer_bulk_create(
        entries=[
            {
                "owner": owner,
                "name": f"Bench customer {n}",
                "email": f"buyer{n}@bench.example",
                "external_ref": f"BENCH-{n:05d}",
                "payment_terms_days": (14, 30, 45)[n % 3],
            }
            for n in range(CUSTOMERS)
        ]
    )
    category = category_path_ensure(path=("Bench",))
    for n in range(PRODUCTS):
        product_create(
            user=None,
            sku=f"BENCH-P{n:03d}",
            name=f"Bench product {n}",
            category=category,
            list_price=Decimal(10 + n),
            cost=Decimal(5 + n),
            tax_rate=Decimal("20.00") if n % 4 else Decimal("5.00"),
        )
    warehouse_ensure(code="MAIN", name="Main warehouse")


def history_csv(*, prefix: str, orders: int, lines: int) -> str:
    """order history: ``orders`` orders of ``lines`` lines each, some customers by
    e-mail, every status, paid and unpaid, discounts and fractional prices."""
    out = io.StringIO()
    out.write(
        "order_number,customer,order_date,sku,quantity,unit_price,status,paid,"
        "discount_percent,tax_rate,warehouse\n"
    )
    start = date(2022, 1, 1)
    for n in range(orders):
        c = (n * 7) % CUSTOMERS
        customer = f"buyer{c}@bench.example" if n % 10 == 0 else f"BENCH-{c:05d}"
        status = STATUSES[n % len(STATUSES)]
        paid = "no" if status == "cancelled" or n % 6 == 0 else "yes"
        day = start + timedelta(days=n % 900)
        warehouse = "MAIN" if n % 2 else ""
        for k in range(lines):
            p = (n * 3 + k) % PRODUCTS
            out.write(
                f"{prefix}{n:07d},{customer},{day},BENCH-P{p:03d},{1 + (n + k) % 12},"
                f"{10 + p}.{(n * 37 + k) % 10000:04d},{status},{paid},"
                f"{(0, 0, 5, 10)[(n + k) % 4]},,{warehouse}\n"
            )
    return out.getvalue()


def _timed(text: str) -> tuple[float, int, object]:
    from orders.importing import order_import

    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        result = order_import(file=io.BytesIO(text.encode()))
        seconds = time.perf_counter() - started
    return seconds, len(queries), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=2_500)
    parser.add_argument("--lines", type=int, default=4, help="lines per order")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    from orders.models import Order, OrderLine, Payment

    database = connection.vendor
    old_name = scratch_create(connection, SUFFIX)
    try:
        _catalogue()
        runs = []
        for run in range(args.repeat):
            text = history_csv(prefix=f"B{run}-", orders=args.orders, lines=args.lines)
            seconds, queries, result = _timed(text)
            if result.problems or result.created != args.orders:
                raise SystemExit(f"unexpected result: {result.problems[:3]}")
            runs.append({"seconds": seconds, "queries": queries})
            print(
                f"run {run + 1}: {result.rows:,} lines, {result.created:,} orders "
                f"in {seconds:.2f} s, {queries} queries"
            )
        again_seconds, again_queries, again = _timed(text)
        if again.created or len(again.skipped) != args.orders:
            raise SystemExit("re-import created orders")
        lines = args.orders * args.lines
        best = min(runs, key=lambda r: r["seconds"])
        report = {
            "benchmark": "import_orders",
            "when": timezone.now().isoformat(timespec="seconds"),
            "database": database,
            "server_version": connection.pg_version
            if database == "postgresql"
            else None,
            "python": platform.python_version(),
            "django": django.get_version(),
            "machine": platform.machine(),
            "cpus": os.cpu_count(),
            "lines": lines,
            "orders": args.orders,
            "best_seconds": round(best["seconds"], 3),
            "median_seconds": round(statistics.median(r["seconds"] for r in runs), 3),
            "lines_per_second": round(lines / best["seconds"]),
            "queries": best["queries"],
            "reimport_seconds": round(again_seconds, 3),
            "reimport_queries": again_queries,
            "runs": [
                {"seconds": round(r["seconds"], 3), "queries": r["queries"]}
                for r in runs
            ],
            "written": {
                "orders": Order.objects.count(),
                "lines": OrderLine.objects.count(),
                "payments": Payment.objects.count(),
            },
        }
    finally:
        scratch_drop(connection, old_name, SUFFIX)
    print(
        f"import_orders: {lines:,} lines ({args.orders:,} orders) on {database}: "
        f"best {report['best_seconds']:.2f} s ({report['lines_per_second']:,} "
        f"lines/s, {report['queries']} queries); re-import (all skipped) "
        f"{report['reimport_seconds']:.2f} s"
    )
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"import_orders-{database}.json"
    path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"written to {path.relative_to(BASE_DIR)}")


if __name__ == "__main__":
    main()
