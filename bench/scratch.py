"""A throw-away database for one benchmark: created, used, dropped.

A benchmark that writes (the import benchmarks) runs on a database of its own, named
after the configured one plus a suffix only it uses (``sms_bench_import_orders``
for ``sms``), the way Django's test runner uses "test_". Django's ``create_test_db``
drops a database of that name before creating it and ``destroy_test_db`` drops it
after, so both are guarded: the name must end in the benchmark's own suffix and the
database must not hold the large benchmark data set (bench/dataset.py keeps it in
``sms_bench``, marked by its ``bench_dataset`` table), else the benchmark stops
before dropping anything. Call ``configure`` from bench/dataset.py? No: these
benchmarks use the configured database's server as it is.
"""

from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
DATASET_MARKER = "bench_dataset"  # bench/dataset.py's MARKER


def admin_conninfo(connection) -> dict:
    """Host, port, user and password of Django's connection, for psycopg.connect()
    to another database on the same server (the benchmarks' create and drop)."""
    settings = connection.settings_dict
    params = {
        "host": settings["HOST"] or None,
        "port": settings["PORT"] or None,
        "user": settings["USER"] or None,
        "password": settings["PASSWORD"] or None,
    }
    return {key: value for key, value in params.items() if value is not None}


def _holds_dataset(connection, name: str) -> bool:
    """Whether the PostgreSQL database ``name`` exists and holds the data set."""
    import psycopg

    conninfo = admin_conninfo(connection)
    with psycopg.connect(dbname="postgres", autocommit=True, **conninfo) as admin:
        found = admin.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
    if not found:
        return False
    with psycopg.connect(dbname=name, autocommit=True, **conninfo) as db:
        marker = db.execute("SELECT to_regclass(%s)", [DATASET_MARKER]).fetchone()[0]
    return marker is not None


def _guard(connection, name, suffix: str) -> None:
    """Stop unless ``name`` is this benchmark's own database (see the module)."""
    if not str(name).removesuffix(".sqlite3").endswith(suffix):
        raise SystemExit(f"Refusing to drop {name!r}: not this benchmark's ({suffix}).")
    if connection.vendor == "postgresql" and _holds_dataset(connection, name):
        raise SystemExit(
            f"Refusing to drop {name!r}: it holds the benchmark data set "
            f"({DATASET_MARKER} table)."
        )


def scratch_name(connection, suffix: str) -> str:
    """This benchmark's database name: a SQLite file in bench/results/ (ignored by
    git), or the configured PostgreSQL database's name plus ``suffix``."""
    if connection.vendor == "sqlite":
        stem = Path(connection.settings_dict["NAME"]).stem  # db.sqlite3: "db"
        return str(RESULTS / f"{stem}{suffix}.sqlite3")
    return f"{connection.settings_dict['NAME']}{suffix}"


def scratch_create(connection, suffix: str) -> str:
    """Create (again, if a run left it behind) the benchmark's own database and
    point ``connection`` at it; returns the configured name for ``scratch_drop``."""
    old_name = connection.settings_dict["NAME"]
    name = scratch_name(connection, suffix)
    _guard(connection, name, suffix)
    if connection.vendor == "sqlite":
        RESULTS.mkdir(parents=True, exist_ok=True)
    connection.settings_dict.setdefault("TEST", {})["NAME"] = name
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    return old_name


def scratch_drop(connection, old_name: str, suffix: str) -> None:
    """Drop the benchmark's own database and point ``connection`` back."""
    _guard(connection, connection.settings_dict["NAME"], suffix)
    connection.creation.destroy_test_db(old_name, verbosity=0)
