"""Load test of the documented deployment: gunicorn with gunicorn.conf.py (issue #13).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sms \
    CELERY_BROKER_URL=redis://127.0.0.1:6379/9 .venv/bin/python \
        bench/bench_load.py [--users 1 20 50] [--duration 60] [--check]

Starts gunicorn exactly as the Dockerfile does (`gunicorn sms.wsgi:application
--config gunicorn.conf.py`), bound to 127.0.0.1 on a free port, with production
settings over plain HTTP (DEBUG off, a throwaway secret key, insecure cookies since
there is no TLS), then runs locust headless (bench/locustfile.py: sales reps and a
manager logging in, browsing and logging calls, 0.5 to 2 s think time) for a fixed
time per user count, and stops the server. Only loopback is ever contacted.

The data are the demo data (`seed_demo`) in a database of their own: DATABASE_URL's
name plus "_load" (created, migrated and seeded on the first run, then reused;
the test adds logged calls to it) unless --database-url names one. The cache and
broker are CELERY_BROKER_URL's Redis as in production (give the bench its own
index). Before measuring, every demo user logs in once, so password hashes made by
an older hasher are upgraded and not counted.

Per user count: requests per second, response time percentiles (median, 95th,
99th, in ms, over all requests), errors, and the log-in POST's 95th percentile,
with the load average before and after (the machine may be shared: numbers taken
under load are slower). The table is printed and written to bench/results/load.md
and load.json, locust's CSV files to bench/results/load-<users>u_*.csv. Target
(issue #13, two cores): 50 users, p95 at most 1 s, no errors; ``--check`` exits 1
when it is missed.
"""

import argparse
import csv
import json
import os
import platform
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit
from urllib.request import urlopen

BASE_DIR = Path(__file__).resolve().parent.parent
RESULTS = BASE_DIR / "bench" / "results"
LOCUSTFILE = BASE_DIR / "bench" / "locustfile.py"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/sms"
TARGET_USERS, TARGET_P95_MS = 50, 1000
LOOPBACK = "127.0.0.1"
# seed_demo's accounts (demo/management/commands/seed_demo.py); locustfile.py uses them.
PASSWORD = "sms-demo"  # noqa: S105 - the demo password, for loopback runs only
REPS = ("rep1", "rep2")
MANAGERS = ("manager",)
CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def csrf_token(response) -> str:
    match = CSRF_RE.search(response.text)
    return match.group(1) if match else ""


def load_database_url(url: str | None) -> str:
    """The load test's database on ``url``'s server: never a working database."""
    url = url or DEFAULT_URL
    parts = urlsplit(url)
    if not parts.scheme.startswith("postgres"):
        raise SystemExit(f"The load test needs PostgreSQL, not {parts.scheme!r}.")
    name = parts.path.lstrip("/") or "sms"
    if not name.endswith("load"):
        name = f"{name}_load"
    return urlunsplit(parts._replace(path=f"/{name}"))


def database_create(url: str) -> None:
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    conninfo = {
        "host": parts.hostname,
        "port": parts.port,
        "user": parts.username,
        "password": parts.password,
    }
    conninfo = {k: v for k, v in conninfo.items() if v is not None}
    with psycopg.connect(dbname="postgres", autocommit=True, **conninfo) as admin:
        found = admin.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not found:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def manage(env: dict, *args: str) -> None:
    subprocess.run(  # noqa: S603 - manage.py, fixed arguments
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, check=True
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


def server_env(database_url: str, port: int) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "DEBUG": "False",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": f"{LOOPBACK},localhost",
        "SECURE_SSL_REDIRECT": "False",
        "SESSION_COOKIE_SECURE": "False",
        "CSRF_COOKIE_SECURE": "False",
        "GUNICORN_BIND": f"{LOOPBACK}:{port}",
        "GUNICORN_ACCESS_LOG": os.devnull,
        "LOG_LEVEL": "WARNING",
    }


def server_start(env: dict, log) -> subprocess.Popen:
    # The Dockerfile's command (gunicorn.conf.py gives workers, threads, preload).
    command = ["gunicorn", "sms.wsgi:application", "--config", "gunicorn.conf.py"]
    gunicorn = Path(sys.executable).with_name("gunicorn")
    command[0] = str(gunicorn) if gunicorn.exists() else command[0]
    process = subprocess.Popen(  # noqa: S603 - fixed command
        command, cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    url = f"http://{env['GUNICORN_BIND']}/health/"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited ({process.returncode}): see {log.name}")
        try:
            with urlopen(url, timeout=5):
                return process
        except OSError:
            time.sleep(1)
    process.terminate()
    raise SystemExit("gunicorn did not answer /health/ within 180 s")


def server_stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()


def locust_run(
    host: str, users: int, duration: int, spawn_rate: float, name: str = "load"
) -> Path:
    prefix = RESULTS / f"{name}-{users}u"
    locust = Path(sys.executable).with_name("locust")
    subprocess.run(  # noqa: S603 - fixed command, loopback host
        [
            str(locust) if locust.exists() else "locust",
            "-f",
            str(LOCUSTFILE),
            "--headless",
            "--users",
            str(users),
            "--spawn-rate",
            str(spawn_rate),
            "--run-time",
            f"{duration}s",
            "--host",
            host,
            "--csv",
            str(prefix),
            "--only-summary",
            "--loglevel",
            "WARNING",
            "--exit-code-on-error",
            "0",
        ],
        cwd=BASE_DIR,
        check=True,
    )
    return Path(f"{prefix}_stats.csv")


def summary(stats_csv: Path) -> dict:
    rows = {row["Name"]: row for row in csv.DictReader(stats_csv.open())}
    total = rows["Aggregated"]
    login = rows.get("log-in POST", {})

    def ms(row, column):
        value = row.get(column) or "0"
        return round(float(value)) if value != "N/A" else None

    return {
        "requests": int(total["Request Count"]),
        "req_per_s": round(float(total["Requests/s"]), 1),
        "p50_ms": ms(total, "50%"),
        "p95_ms": ms(total, "95%"),
        "p99_ms": ms(total, "99%"),
        "errors": int(total["Failure Count"]),
        "login_post_p95_ms": ms(login, "95%"),
        "login_posts": int(login.get("Request Count") or 0),
    }


def loadavg() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def warm_up(host: str) -> None:
    """Every demo user logs in once, one after the other, so a password hash made
    by an older hasher is upgraded before measuring (an upgrade changes the hash,
    which ends the account's other sessions: with many simulated users sharing
    one demo account those would count as errors). Then a short run, so the first
    measured requests do not pay for empty caches."""
    import requests

    for username in (*REPS, *MANAGERS):
        with requests.Session() as session:
            form = session.get(f"{host}/accounts/login/", timeout=60)
            response = session.post(
                f"{host}/accounts/login/",
                data={
                    "username": username,
                    "password": PASSWORD,
                    "csrfmiddlewaretoken": csrf_token(form),
                },
                headers={"Referer": f"{host}/accounts/login/"},
                timeout=60,
            )
            if response.url.rstrip("/") != host:
                raise SystemExit(f"{username} cannot log in: run seed_demo first.")
    locust_run(host, users=3, duration=15, spawn_rate=3, name="warm-up")


def table(results: list[dict]) -> str:
    lines = [
        "| users | req/s | p50 ms | p95 ms | p99 ms | errors | log-in POST p95 ms "
        "| requests | load avg before | load avg after |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    for r in results:
        lines.append(
            f"| {r['users']} | {r['req_per_s']} | {r['p50_ms']} | {r['p95_ms']} | "
            f"{r['p99_ms']} | {r['errors']} | {r['login_post_p95_ms']} | "
            f"{r['requests']} | {r['load_before']} | {r['load_after']} |"
        )
    return "\n".join(lines)


def measure(args, host: str) -> list[dict]:
    results = []
    warm_up(host)
    for users in args.users:
        before = loadavg()
        stats = locust_run(host, users, args.duration, args.spawn_rate, args.name)
        results.append(
            {
                "users": users,
                **summary(stats),
                "load_before": before,
                "load_after": loadavg(),
            }
        )
        print(table(results[-1:]), flush=True)
    return results


def measure_own_server(args) -> list[dict]:
    database_url = args.database_url or load_database_url(
        os.environ.get("DATABASE_URL")
    )
    if not args.database_url:
        database_create(database_url)
        setup_env = {**os.environ, "DATABASE_URL": database_url, "DEBUG": "True"}
        manage(setup_env, "migrate", "--noinput", "-v", "0")
        manage(setup_env, "seed_demo")  # keeps what exists: quick after the first

    port = free_port()
    env = server_env(database_url, port)
    if not args.no_collectstatic:
        manage(env, "collectstatic", "--noinput", "-v", "0")
    with (RESULTS / f"{args.name}-gunicorn.log").open("w") as log:
        server = server_start(env, log)
        try:
            return measure(args, f"http://{LOOPBACK}:{port}")
        finally:
            server_stop(server)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, nargs="+", default=[1, 20, 50])
    parser.add_argument("--duration", type=int, default=60, help="seconds per run")
    parser.add_argument("--spawn-rate", type=float, default=5)
    parser.add_argument(
        "--database-url", help="use this database as is (must hold seed_demo data)"
    )
    parser.add_argument(
        "--host",
        help="measure a server already running on loopback (http://127.0.0.1:PORT) "
        "instead of starting one, e.g. an older version for a before/after",
    )
    parser.add_argument(
        "--no-collectstatic",
        action="store_true",
        help="static files are already collected (collectstatic takes minutes)",
    )
    parser.add_argument(
        "--name", default="load", help="results file names (default: %(default)s)"
    )
    parser.add_argument("--check", action="store_true", help="exit 1 if missed")
    args = parser.parse_args()

    RESULTS.mkdir(parents=True, exist_ok=True)
    if args.host:
        if urlsplit(args.host).hostname not in ("127.0.0.1", "localhost", "::1"):
            raise SystemExit("--host must be a loopback address.")
        results = measure(args, args.host.rstrip("/"))
    else:
        results = measure_own_server(args)

    report = (
        f"Load test {args.name}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"{args.duration} s per run, spawn rate {args.spawn_rate}/s.\n\n"
        + table(results)
        + "\n"
    )
    print("\n" + report)
    (RESULTS / f"{args.name}.md").write_text(report)
    (RESULTS / f"{args.name}.json").write_text(json.dumps(results, indent=2) + "\n")

    target = [r for r in results if r["users"] == TARGET_USERS]
    missed = [r for r in target if r["p95_ms"] > TARGET_P95_MS or r["errors"]]
    if args.check and missed:
        print(f"Missed: {TARGET_USERS} users, p95 <= {TARGET_P95_MS} ms, 0 errors.")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
