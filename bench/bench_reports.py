"""Benchmark: the dashboard and every report page on the large data set (issue #7).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sms_bench \
    CELERY_BROKER_URL=redis://127.0.0.1:6379/9 .venv/bin/python \
        bench/bench_reports.py [--warm 20] [--cold 5] [--bare-runs 3] [--only sales]

Reads the benchmark data set (100,000 customers, ~1,000,000 order lines over 36
months, made by bench/dataset.py): when bench/dataset.py is there it is run first
(it makes the data set once, then reuses it); without it, the database DATABASE_URL
names (default sms_bench) must already hold the data set. Nothing is written but
the cache (and migrations, applied first). Pages are asked "as of" the day the data
set was made, so an aged data set still has a "this month".

Every page is requested through Django's test client with production settings
(DEBUG off, secure requests), as a manager and as the sales rep with the most
customers: the dashboard /analytics/ and every tab of every registered report
(analytics.reports.REPORTS, found at run time), for this month, the last 12 months
and the page's default period when that is another one. Per page:

- cold: the analytics cache emptied first (data version bumped, cached charts
  deleted), so every figure is computed from the database and every chart drawn;
- warm: the same request again, figures and charts from the cache;
- bare SQL: the SELECT statements one cold request ran (captured), executed again
  as they are on a raw database cursor, rows fetched; their summed time, median of
  a few runs. page cold / bare SQL is what Django, matplotlib and the template add
  to the database's work; "charts" is the part of the cold time spent drawing
  charts (matplotlib), and (cold - charts) / bare the ratio without it.

Times are wall-clock server times (the whole request through the middleware), in
milliseconds: median and 95th percentile (with few cold samples the p95 is close to
their maximum). The machine is shared: the load average is recorded with every row,
and numbers taken under load are slower than on an idle machine. Targets (issue #7,
2 cores): every page under 300 ms p95 warm, and within 2x of its bare SQL (cold
median / bare SQL). The cache should be the production one (Redis: CELERY_BROKER_URL
or CACHE_URL); only the analytics keys in it are touched. The table is printed and
written to bench/results/reports.md and reports.json; ``--check`` exits 1 when a
target is missed.
"""

import argparse
import json
import os
import platform
import re
import secrets
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
RESULTS = BASE_DIR / "bench" / "results"
DATASET_SCRIPT = BASE_DIR / "bench" / "dataset.py"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/sms_bench"
MARKER = "bench_dataset"
PERIODS = ("this_month", "last_12_months")
WARM_P95_MS = 300.0
BARE_RATIO = 2.0
SLOWEST = 3  # statements kept per page in the JSON, slowest first
DECLARED = re.compile(r"DECLARE .*? CURSOR (?:WITH|WITHOUT) HOLD FOR (.*)", re.S)


def _configure() -> str:
    """Production-like settings for this process, the benchmark database; returns
    its URL. Runs bench/dataset.py first when it is there."""
    url = os.environ.get("DATABASE_URL") or DEFAULT_URL
    if DATASET_SCRIPT.exists():
        sys.path.insert(0, str(DATASET_SCRIPT.parent))
        import dataset  # bench/dataset.py: the same database rule as every bench

        url = dataset.bench_database_url(os.environ.get("DATABASE_URL"))
        # Its own process: seeding needs DEBUG on, this benchmark needs it off.
        subprocess.run(  # noqa: S603 - our own script
            [sys.executable, str(DATASET_SCRIPT)],
            check=True,
            env={**os.environ, "DATABASE_URL": url},
        )
    os.environ["DATABASE_URL"] = url
    os.environ["DEBUG"] = "False"
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sms.settings")
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()
    from django.conf import settings
    from django.test.utils import override_settings

    # No collectstatic here: plain static storage instead of the manifest (a dict
    # look-up per asset in production, no difference worth measuring).
    override_settings(
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {
                "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
            },
        }
    ).enable()
    return url


def _marker() -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [MARKER])
        found = cursor.fetchone()[0] is not None
        if found:
            cursor.execute(f"SELECT info FROM {MARKER} WHERE id = 1")  # noqa: S608
            row = cursor.fetchone()
    if not found or row is None:
        raise SystemExit(
            f"{connection.settings_dict['NAME']} does not hold the benchmark data set "
            "(no bench_dataset row): make it with bench/dataset.py first."
        )
    return row[0] if isinstance(row[0], dict) else json.loads(row[0])


def _as_of(day) -> None:
    """Answer "today" with the day the data set was made (pages read
    ``timezone.localdate()``), so presets cover the data whatever its age."""
    from django.utils import timezone

    real = timezone.localdate
    if real() == day:
        return

    def localdate(value=None, timezone=None):
        return day if value is None else real(value, timezone)

    timezone.localdate = localdate


def _cache_cold() -> None:
    """Empty the analytics cache: new data version (every cached figure is stale),
    cached charts deleted (they are keyed by their data, not the version)."""
    from django.core.cache import cache

    from analytics.cache import data_version_bump

    data_version_bump()
    client = getattr(getattr(cache, "_cache", None), "get_client", None)
    if client is None:  # not Redis: the in-process cache holds nothing else of value
        cache.clear()
        return
    redis = client(write=True)
    keys = list(redis.scan_iter(match=cache.make_key("analytics:chart:*"), count=1000))
    for start in range(0, len(keys), 500):
        redis.delete(*keys[start : start + 500])


class CHARTS:
    """Time spent drawing charts (matplotlib) in the current request."""

    seconds = 0.0


def _charts_timed() -> None:
    """Count the time analytics.charts spends drawing (a cache miss), so the cold
    time can be split into drawing and the rest."""
    from analytics import charts

    draw = charts._render

    def timed(chart):
        started = time.perf_counter()
        try:
            return draw(chart)
        finally:
            CHARTS.seconds += time.perf_counter() - started

    charts._render = timed


@dataclass
class Page:
    key: str  # "dashboard" or "<report>:<tab>"
    path: str
    params: dict
    fields: tuple  # filter fields the page's form offers


@dataclass
class Row:
    user: str
    page: str
    period: str
    cold_ms: list = field(default_factory=list)
    charts_ms: list = field(default_factory=list)  # drawing, within cold_ms
    warm_ms: list = field(default_factory=list)
    bare_ms: list = field(default_factory=list)
    queries_cold: int = 0
    queries_warm: int = 0
    skipped_statements: int = 0
    kbytes: float = 0.0
    load: float = 0.0
    slowest: list = field(default_factory=list)

    def summary(self) -> dict:
        cold, warm = _stats(self.cold_ms), _stats(self.warm_ms)
        bare = statistics.median(self.bare_ms) if self.bare_ms else None
        ratio = cold["median"] / bare if bare else None
        charts = statistics.median(self.charts_ms) if self.charts_ms else 0.0
        # The same without drawing the charts: what the queries' Python side and
        # the template add to the database's work.
        undrawn = (cold["median"] - charts) / bare if bare else None
        return {
            "user": self.user,
            "page": self.page,
            "period": self.period,
            "cold_median_ms": cold["median"],
            "cold_p95_ms": cold["p95"],
            "warm_median_ms": warm["median"],
            "warm_p95_ms": warm["p95"],
            "bare_sql_ms": _round(bare),
            "cold_over_bare": _round(ratio, 2),
            "charts_ms": _round(charts),
            "cold_without_charts_over_bare": _round(undrawn, 2),
            "queries_cold": self.queries_cold,
            "queries_warm": self.queries_warm,
            "statements_not_rerun": self.skipped_statements,
            "kbytes": round(self.kbytes, 1),
            "load_1min": round(self.load, 2),
            # A cached page runs fewer queries warm than cold; the same number
            # means its figures were not cached (recomputed on every request).
            "cached": self.queries_warm < self.queries_cold,
            "warm_ok": warm["p95"] is not None and warm["p95"] < WARM_P95_MS,
            "bare_ok": ratio is not None and ratio <= BARE_RATIO,
            "slowest_statements": self.slowest,
            "samples": {
                "cold_ms": [_round(v) for v in self.cold_ms],
                "warm_ms": [_round(v) for v in self.warm_ms],
                "bare_ms": [_round(v) for v in self.bare_ms],
            },
        }


def _round(value, places=1):
    return None if value is None else round(value, places)


def _stats(samples: list) -> dict:
    if not samples:
        return {"median": None, "p95": None}
    if len(samples) == 1:
        return {"median": _round(samples[0]), "p95": _round(samples[0])}
    p95 = statistics.quantiles(samples, n=20, method="inclusive")[18]
    return {"median": _round(statistics.median(samples)), "p95": _round(p95)}


def _pages() -> list[Page]:
    from django.urls import reverse

    from analytics.reports import REPORTS

    pages = [Page("dashboard", reverse("analytics:index"), {}, ("rep", "region"))]
    for report in REPORTS.values():
        path = reverse("analytics:report", args=[report.slug])
        for tab in report.views:
            pages.append(
                Page(
                    f"{report.slug}:{tab.slug}",
                    path,
                    {"view": tab.slug},
                    report.filters,
                )
            )
    return pages


def _periods(page: Page, user, today) -> list[tuple[str, dict]]:
    """(label, GET parameters) per period; the default only when it is not one of
    the presets measured anyway (then that preset is labelled as the default)."""
    from django.http import QueryDict

    from analytics.forms import ReportFilterForm
    from analytics.periods import preset_period

    default = ReportFilterForm(
        QueryDict(""), user=user, fields=page.fields
    ).report_period(today=today)
    periods, seen = [], False
    for preset in PERIODS:
        same = preset_period(preset, today=today)
        is_default = (same.start, same.end) == (default.start, default.end)
        seen = seen or is_default
        label = f"{preset} (default)" if is_default else preset
        periods.append((label, {"period": preset}))
    if not seen:
        periods.append(("default", {}))
    return periods


def _users():
    from django.contrib.auth import get_user_model
    from django.db.models import Count

    from sms.roles import SALES_MANAGER, SALES_REP

    users = get_user_model().objects.filter(is_active=True)
    manager = users.filter(groups__name=SALES_MANAGER).order_by("pk").first()
    rep = (
        users.filter(groups__name=SALES_REP)
        .annotate(owned=Count("customers"))
        .order_by("-owned", "pk")
        .first()
    )
    if manager is None or rep is None:
        raise SystemExit("The data set needs a sales manager and a sales rep.")
    return [("manager", manager), ("rep", rep)]


def _get(client, page: Page, params: dict):
    started = time.perf_counter()
    response = client.get(page.path, {**page.params, **params}, secure=True)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise SystemExit(f"{page.path} {params}: HTTP {response.status_code}")
    return elapsed, response


def _bare(statements: list[str], runs: int) -> tuple[list[float], list[dict]]:
    """Summed time of the statements on a raw cursor, per run (milliseconds), and
    the slowest statements (median time, SQL shortened)."""
    from django.db import connection

    connection.ensure_connection()
    totals, each = [], [[] for _sql in statements]
    for _run in range(runs):
        with connection.connection.cursor() as cursor:
            for n, sql in enumerate(statements):
                started = time.perf_counter()
                cursor.execute(sql)  # as captured: values already in the text
                if cursor.description is not None:
                    cursor.fetchall()
                each[n].append((time.perf_counter() - started) * 1000)
        totals.append(sum(times[-1] for times in each))
    slowest = sorted(
        (
            {"ms": round(statistics.median(times), 1), "sql": _shorten(sql)}
            for sql, times in zip(statements, each, strict=True)
            if times
        ),
        key=lambda item: -item["ms"],
    )[:SLOWEST]
    return totals, slowest


def _shorten(sql: str, size: int = 600) -> str:
    return sql if len(sql) <= size else sql[: size - 3] + "..."


def _statement(sql: str) -> str | None:
    """The read a captured statement makes, or None for a write or a transaction
    statement. A server-side cursor (QuerySet.iterator()) is declared for a
    SELECT: that SELECT is the read."""
    head = sql.lstrip()[:10].upper()
    if head.startswith(("SELECT", "WITH")):
        return sql
    if head.startswith("DECLARE"):
        found = DECLARED.match(sql)
        return found.group(1) if found else None
    return None


def measure(client, who: str, page: Page, label: str, params: dict, args) -> Row:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    row = Row(who, page.key, label, load=os.getloadavg()[0])
    _cache_cold()
    with CaptureQueriesContext(connection) as captured:
        _elapsed, response = _get(client, page, params)
    row.kbytes = len(response.content) / 1024
    row.queries_cold = len(captured)
    statements = []
    for query in captured.captured_queries:
        sql = _statement(query["sql"])
        if sql is None:
            row.skipped_statements += 1
        else:
            statements.append(sql)
    for _n in range(args.cold):
        _cache_cold()
        CHARTS.seconds = 0.0
        row.cold_ms.append(_get(client, page, params)[0])
        row.charts_ms.append(CHARTS.seconds * 1000)
    with CaptureQueriesContext(connection) as captured:
        _get(client, page, params)
    row.queries_warm = len(captured)
    for _n in range(args.warm):
        row.warm_ms.append(_get(client, page, params)[0])
    row.bare_ms, row.slowest = _bare(statements, args.bare_runs)
    return row


def _table(rows: list[dict]) -> list[str]:
    def ms(value):
        return "-" if value is None else f"{value:,.0f}"

    lines = [
        "| user | page | period | cold median | cold p95 | warm median | warm p95 "
        "| bare SQL | cold / bare | charts | (cold - charts) / bare "
        "| queries cold / warm | load | targets |",
        "|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|",
    ]
    for r in rows:
        ratio = "-" if r["cold_over_bare"] is None else f"{r['cold_over_bare']:.2f}"
        undrawn = r["cold_without_charts_over_bare"]
        undrawn = "-" if undrawn is None else f"{undrawn:.2f}"
        misses = [
            name
            for name, ok in (("warm p95", r["warm_ok"]), ("2x SQL", r["bare_ok"]))
            if not ok
        ]
        if not r["cached"]:
            misses.append("not cached")
        lines.append(
            f"| {r['user']} | {r['page']} | {r['period']} | {ms(r['cold_median_ms'])} "
            f"| {ms(r['cold_p95_ms'])} | {ms(r['warm_median_ms'])} "
            f"| {ms(r['warm_p95_ms'])} | {ms(r['bare_sql_ms'])} | {ratio} "
            f"| {ms(r['charts_ms'])} | {undrawn} "
            f"| {r['queries_cold']} / {r['queries_warm']} | {r['load_1min']:.1f} "
            f"| {'ok' if not misses else 'missed: ' + ', '.join(misses)} |"
        )
    return lines


def _markdown(report: dict) -> str:
    m = report["machine"]
    out = [
        "# Report pages on the large data set (issue #7)",
        "",
        f"Run {report['when']} at commit {report['commit']} with "
        f"`{report['command']}`.",
        "",
        f"- Data set: {report['dataset']}",
        f"- As of {report['as_of']} (the day the data set was made).",
        f"- Database: PostgreSQL {report['database']['server']}; cache: "
        f"{report['cache']}.",
        f"- Machine: {m['cpus']} CPUs, Python {m['python']}, Django {m['django']}. "
        f"Shared with other work: load average (1, 5, 15 min) "
        f"{m['load_start']} at the start, {m['load_end']} at the end; each row "
        "has the 1-minute load when it started. Times under load are slower "
        "than on an idle machine.",
        f"- Per page: {report['samples']['cold']} cold requests (analytics cache "
        f"emptied before each), {report['samples']['warm']} warm requests, bare SQL "
        f"median of {report['samples']['bare_runs']} runs. Milliseconds of server "
        "time (the whole request through Django's test client).",
        f"- Targets: warm p95 under {WARM_P95_MS:.0f} ms; cold median at most "
        f"{BARE_RATIO:.0f}x the bare SQL of the page. Charts: median time spent "
        "drawing charts (matplotlib) in a cold request, part of the cold time.",
        "",
        *_table(report["rows"]),
        "",
        f"Targets met: {report['met']} of {len(report['rows'])} rows.",
        "",
    ]
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warm", type=int, default=20, help="warm requests per page")
    parser.add_argument("--cold", type=int, default=5, help="cold requests per page")
    parser.add_argument("--bare-runs", type=int, default=3)
    parser.add_argument(
        "--only", default="", help="pages whose key contains this (e.g. sales)"
    )
    parser.add_argument("--users", default="manager,rep")
    parser.add_argument("--output", default="reports", help="results file name")
    parser.add_argument("--check", action="store_true", help="exit 1 on a miss")
    args = parser.parse_args()
    load_start = os.getloadavg()

    url = _configure()
    import django
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    if not DATASET_SCRIPT.exists():
        call_command("migrate", verbosity=0, interactive=False)
    marker = _marker()
    as_of = date.fromisoformat(marker["seeded_on"])
    _as_of(as_of)
    _charts_timed()
    backend = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    if "Redis" not in backend:
        print(
            f"Cache: {backend}, not Redis (set CELERY_BROKER_URL or CACHE_URL): warm "
            "times will be those of an in-process cache.",
            flush=True,
        )

    rows = []
    wanted = set(args.users.split(","))
    for who, user in _users():
        if who not in wanted:
            continue
        client = Client()
        client.force_login(user)
        for page in _pages():
            if args.only not in page.key:
                continue
            for label, params in _periods(page, user, as_of):
                row = measure(client, who, page, label, params, args).summary()
                rows.append(row)
                print(_table([row])[-1], flush=True)

    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    counts = marker.get("counts", {})
    report = {
        "benchmark": "reports",
        "when": timezone.now().isoformat(timespec="seconds"),
        "commit": commit or "unknown",
        "command": "bench/bench_reports.py " + " ".join(sys.argv[1:]),
        "database": {
            "name": connection.settings_dict["NAME"],
            "server": connection.pg_version
            if connection.vendor == "postgresql"
            else connection.vendor,
        },
        "dataset": ", ".join(f"{v:,} {k.replace('_', ' ')}" for k, v in counts.items()),
        "as_of": as_of.isoformat(),
        "cache": backend,
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "django": django.get_version(),
            "load_start": [round(v, 2) for v in load_start],
            "load_end": [round(v, 2) for v in os.getloadavg()],
        },
        "samples": {"cold": args.cold, "warm": args.warm, "bare_runs": args.bare_runs},
        "targets": {"warm_p95_ms": WARM_P95_MS, "cold_over_bare": BARE_RATIO},
        "rows": rows,
        "met": sum(1 for r in rows if r["warm_ok"] and r["bare_ok"]),
    }
    server = report["database"]["server"]
    if isinstance(server, int):  # 150020 -> 15.20
        report["database"]["server"] = f"{server // 10000}.{server % 10000}"
    text = _markdown(report)
    print()
    print(text)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{args.output}.md").write_text(text, encoding="utf-8")
    (RESULTS / f"{args.output}.json").write_text(
        json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8"
    )
    print(f"written to bench/results/{args.output}.md and .json ({url})")
    if args.check and report["met"] < len(rows):
        sys.exit(1)


if __name__ == "__main__":
    main()
