import pytest
from django.db import connection

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def test_the_suite_runs_on_postgresql_15_or_newer_with_checked_connections():
    assert connection.vendor == "postgresql"
    assert connection.pg_version >= 150000
    assert connection.settings_dict["CONN_HEALTH_CHECKS"] is True
