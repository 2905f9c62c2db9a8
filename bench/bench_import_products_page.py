"""Benchmark: the product import page with a ~10 MB CSV (about 90,000 products).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sms .venv/bin/python \
        bench/bench_import_products_page.py [--rows 90000]

Runs on a database of its own, created and dropped here (the configured database's
name plus "_bench_import_products"; see bench/scratch.py), so it never touches real
data nor the large data set of bench/dataset.py: it refuses to drop any database but
its own. A manager uploads the file
through the Django test client; the script times each request the browser makes:
the upload, the preview (check) and the confirmation. Above
SMS_IMPORT_INLINE_MAX_ROWS rows the upload answers with a job page and the work runs
in a Celery task; here the script runs the job itself (sms.import_jobs) between the
requests and prints its time too: that is what a worker spends on it. The
result is printed and written to bench/results/import_products_page-<database>.json.
"""

import argparse
import io
import json
import os
import re
import sys
import time
from pathlib import Path
from types import SimpleNamespace

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sms.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from bench.scratch import scratch_create, scratch_drop  # noqa: E402

RESULTS = BASE_DIR / "bench" / "results"
SUFFIX = "_bench_import_products"  # this benchmark's own database (bench/scratch.py)


def products_csv(rows: int) -> bytes:
    """A product file of ``rows`` rows (about 115 bytes a row)."""
    text = io.StringIO()
    text.write("sku,name,category,list_price,cost,description,unit,tax_rate\n")
    for n in range(rows):
        text.write(
            f"BENCH-{n:07d},Bench product number {n} in a long name,"
            f"Hardware > Group {n % 40},{10 + n % 900}.50,{5 + n % 400}.25,"
            f"A plain description,pcs,20\n"
        )
    return text.getvalue().encode()


def _timed(label: str, timings: dict, call):
    started = time.perf_counter()
    response = call()
    timings[label] = round(time.perf_counter() - started, 2)
    print(f"{label}: {timings[label]:.2f} s (HTTP {response.status_code})")
    return response


def _job_id(url: str) -> int | None:
    match = re.match(r"^/imports/(\d+)/$", url)
    return int(match.group(1)) if match else None


def _timed_run(label: str, timings: dict, job) -> None:
    from sms.import_jobs import import_job_execute

    started = time.perf_counter()
    import_job_execute(job_id=job.pk)
    timings[label] = round(time.perf_counter() - started, 2)
    job.refresh_from_db()
    print(f"{label} (in the worker): {timings[label]:.2f} s, {job.status}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=90_000)
    args = parser.parse_args()
    setup_test_environment()
    content = products_csv(args.rows)
    print(f"{args.rows:,} rows, {len(content) / 2**20:.1f} MB")
    old_name = scratch_create(connection, SUFFIX)
    timings: dict[str, float] = {}
    try:
        from django.contrib.auth import get_user_model

        from products.models import Product

        try:
            from sms import import_jobs
            from sms.models import ImportJob
        except ImportError:  # a version without background imports: all inline
            import_jobs, ImportJob = SimpleNamespace(), None

        user = get_user_model().objects.create_superuser("bench", "b@example.com")
        client = Client(raise_request_exception=False)
        client.force_login(user)
        # The worker's part is run and timed here rather than by a Celery worker.
        import_jobs._enqueue = lambda job_id, again=False: True
        upload = io.BytesIO(content)
        upload.name = "products.csv"
        response = _timed(
            "upload",
            timings,
            lambda: client.post("/imports/products/", {"file": upload}),
        )
        page_url = response["Location"]
        job_id = _job_id(page_url)
        job = ImportJob.objects.get(pk=job_id) if job_id else None
        if job is not None:
            _timed_run("check_job", timings, job)
        _timed("preview", timings, lambda: client.get(page_url))
        response = _timed(
            "confirm",
            timings,
            lambda: client.post(page_url, {"action": "import"}),
        )
        if job is not None:
            _timed_run("import_job", timings, job)
            _timed("result", timings, lambda: client.get(page_url))
        written = Product.objects.count()
        print(f"products written: {written:,}")
    finally:
        scratch_drop(connection, old_name, SUFFIX)
    report = {
        "benchmark": "import_products_page",
        "database": connection.vendor,
        "rows": args.rows,
        "megabytes": round(len(content) / 2**20, 1),
        "seconds": timings,
        "written": written,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"import_products_page-{connection.vendor}.json"
    path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"written to {path.relative_to(BASE_DIR)}")


if __name__ == "__main__":
    main()
