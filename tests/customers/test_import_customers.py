"""python manage.py import_customers"""

import csv
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from customers.models import Customer
from tests.customers.test_importing import EXAMPLE, MIXED
from tests.sms.factories import RepFactory

pytestmark = pytest.mark.django_db


def _run(*args, **options):
    out, err = StringIO(), StringIO()
    call_command("import_customers", *map(str, args), stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def mixed(tmp_path):
    path = tmp_path / "customers.csv"
    path.write_text(MIXED, encoding="utf-8")
    return path


def test_bad_rows_are_printed_and_the_command_fails_writing_nothing(rep, mixed):
    with pytest.raises(CommandError, match="5 bad row\\(s\\); nothing was written"):
        _run(mixed, owner=rep.username)
    assert not Customer.objects.exists()


def test_output_lists_every_bad_row_and_a_summary(rep, mixed, capsys):
    out = StringIO()
    with pytest.raises(CommandError):
        call_command(
            "import_customers",
            str(mixed),
            owner=rep.username,
            stdout=out,
            stderr=StringIO(),
        )
    lines = out.getvalue().splitlines()
    assert "line 3, column name: A name is required." in lines
    assert any(line.startswith("line 4, column email: ") for line in lines)
    assert any(line.startswith("line 7, column owner: ") for line in lines)
    assert "Rows: 7, bad rows: 5. Nothing was written." in lines
    assert "  New customers: 2" in lines
    assert "  Existing customers to update: 0" in lines


def test_good_rows_only_writes_them_and_succeeds(rep, mixed):
    out, err = _run(mixed, owner=rep.username, good_rows_only=True)
    assert "Rows: 7, created: 2, updated: 0, bad rows: 5." in out
    assert "line 3, column name: A name is required." in out
    assert Customer.objects.count() == 2
    assert "writing" in err  # the progress bar


def test_dry_run_writes_nothing_and_fails_only_on_bad_rows(rep, tmp_path, mixed):
    good = tmp_path / "good.csv"
    good.write_text("name\nAcme\nBeta\n", encoding="utf-8")
    out, err = _run(good, "--dry-run", owner=rep.username)
    assert "New customers: 2" in out
    assert "Nothing was written." in out
    assert "checking" in err
    assert not Customer.objects.exists()
    with pytest.raises(CommandError):
        _run(mixed, "--dry-run", owner=rep.username)


def test_problems_out_writes_the_bad_rows_with_a_reason(rep, mixed, tmp_path):
    report = tmp_path / "bad.csv"
    # --problems-out: the older name of --errors.
    out, _err = _run(
        mixed, "--problems-out", report, owner=rep.username, good_rows_only=True
    )
    rows = list(csv.DictReader(report.open(encoding="utf-8")))
    assert [row["line"] for row in rows] == ["3", "4", "5", "6", "7"]
    assert rows[0]["reason"] == "name: A name is required."
    assert rows[1]["email"] == "not-an-email"
    assert f"Bad rows written to {report}" in out


def test_reimport_is_idempotent(tmp_path):
    RepFactory(username="rep1")
    RepFactory(username="rep2")
    first, _ = _run(EXAMPLE, owner="rep1")
    again, _ = _run(EXAMPLE, owner="rep1")
    assert "created: 8, updated: 0, bad rows: 0" in first
    assert "created: 0, updated: 8, bad rows: 0" in again
    assert Customer.objects.count() == 8


def test_unknown_owner_missing_file_and_unreadable_file_are_command_errors(
    rep, tmp_path
):
    with pytest.raises(CommandError, match="no user 'nobody'"):
        _run(EXAMPLE, owner="nobody")
    with pytest.raises(CommandError, match="Cannot read"):
        _run(tmp_path / "missing.csv", owner=rep.username)
    latin = tmp_path / "latin.csv"
    latin.write_bytes("name\nJos\xe9\n".encode("latin-1"))
    with pytest.raises(CommandError, match="not UTF-8"):
        _run(latin, owner=rep.username)


def test_blank_owners_without_owner_option_are_bad_rows(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("name\nAcme\n", encoding="utf-8")
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("import_customers", str(path), stdout=out, stderr=StringIO())
    assert "line 2, column owner: No owner" in out.getvalue()
