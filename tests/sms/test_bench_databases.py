"""The write benchmarks' own databases never are the large data set's (issue #15)."""

from types import SimpleNamespace
from urllib.parse import urlsplit

import psycopg
import pytest
from django.db import connection
from psycopg import sql

from bench import dataset
from bench.scratch import scratch_create, scratch_drop, scratch_name

SUFFIXES = ("_bench_import_orders", "_bench_import_products")


@pytest.mark.parametrize("name", ["sms", "sms_bench", "shop"])
def test_the_import_benchmarks_use_a_database_apart_from_the_data_set(name):
    data_set = urlsplit(dataset.bench_database_url(f"postgres://h/{name}")).path[1:]
    configured = SimpleNamespace(vendor="postgresql", settings_dict={"NAME": name})
    names = {scratch_name(configured, suffix) for suffix in SUFFIXES}
    assert len(names) == 2
    assert data_set not in names
    assert name not in names


def _admin():
    settings = connection.settings_dict
    params = {
        "host": settings["HOST"] or None,
        "port": settings["PORT"] or None,
        "user": settings["USER"] or None,
        "password": settings["PASSWORD"] or None,
    }
    conninfo = {k: v for k, v in params.items() if v is not None}
    return conninfo, psycopg.connect(dbname="postgres", autocommit=True, **conninfo)


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_database_holding_the_data_set_is_never_dropped():
    suffix = SUFFIXES[0]
    own = scratch_name(connection, suffix)
    conninfo, admin = _admin()
    with admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(own)))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(own)))
        try:
            with psycopg.connect(dbname=own, autocommit=True, **conninfo) as db:
                db.execute("CREATE TABLE bench_dataset (id integer PRIMARY KEY)")
                db.execute("INSERT INTO bench_dataset VALUES (1)")
            configured = connection.settings_dict["NAME"]
            with pytest.raises(SystemExit, match="holds the benchmark data set"):
                scratch_create(connection, suffix)
            assert connection.settings_dict["NAME"] == configured
            with psycopg.connect(dbname=own, autocommit=True, **conninfo) as db:
                assert db.execute("SELECT id FROM bench_dataset").fetchall() == [(1,)]
        finally:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(own))
            )


@pytest.mark.django_db
def test_only_the_benchmarks_own_database_is_dropped():
    configured = connection.settings_dict["NAME"]
    with pytest.raises(SystemExit, match="not this benchmark's"):
        scratch_drop(connection, "sms", SUFFIXES[0])
    assert connection.settings_dict["NAME"] == configured
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)
