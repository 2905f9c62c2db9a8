"""gunicorn settings for the SMS web server, used by the Dockerfile and
docker-compose.yml (gunicorn also reads this file by itself when started from the
project directory). Values can be overridden with environment variables, listed in
docs/operations.md ("Web server").

Measured with bench/bench_load.py on two cores (issue #13). The pages are CPU-bound
(template and table rendering, password hashing at log-in) with short database
waits, so:

- processes: one per core plus one (WEB_CONCURRENCY, default 3), so a core is
  never idle while one process waits for PostgreSQL;
- threads: a few per process (GUNICORN_THREADS, default 4), so a slow page (a
  report, a log-in) does not hold up the quick ones queued behind it, and idle
  keep-alive connections cost no process;
- the application is loaded once before the processes fork (preload_app), every
  view and its libraries (pandas, matplotlib, scikit-learn) included: no process
  spends its first requests importing, and a replaced process serves at once.
  (It saves no memory: reference counting touches the shared pages.)
"""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# Browsers reuse a connection for the page's next request; idle ones are closed.
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
# A process whose main loop has not reported for this long is replaced (with gthread
# a long request does not count: its thread runs on, the loop keeps reporting).
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
preload_app = True
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"


def when_ready(server):
    """Import every view (and what it imports) in the parent process, before the
    workers fork, then close the database connections made meanwhile: a connection
    must never be shared between processes."""
    import matplotlib
    from django.db import connections
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - imports every view module
    # Charts import matplotlib only when they draw: load it (and its font list) here.
    matplotlib.use("Agg")
    import matplotlib.figure

    # Start-up imports no analytics library (docs/operations.md); the pages that
    # compute or draw with pandas and scikit-learn import them on first use, so the
    # web server loads them here, once, rather than in each process's first request.
    import analytics.clustering_charts  # pandas, scikit-learn
    import analytics.forecast_charts  # noqa: F401 - and analytics.forecasting

    connections.close_all()
