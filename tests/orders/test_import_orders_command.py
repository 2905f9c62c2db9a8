"""python manage.py import_orders"""

import csv
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from orders.models import Order
from tests.orders.conftest import HISTORY_HEADER as HEADER
from tests.orders.test_importing import MIXED

pytestmark = pytest.mark.django_db


def _run(*args, **options):
    out, err = StringIO(), StringIO()
    call_command("import_orders", *map(str, args), stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def mixed(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text(MIXED, encoding="utf-8")
    return path


@pytest.fixture
def good(tmp_path):
    path = tmp_path / "good.csv"
    path.write_text(
        HEADER
        + "A-1,C-1,2024-01-10,P-1,2,100,,,,,\n"
        + "A-1,C-1,2024-01-10,P-2,5,0.335,,,,,\n"
        + "A-2,C-2,2024-01-11,P-3,1,12,shipped,no,,,\n",
        encoding="utf-8",
    )
    return path


def test_bad_rows_are_printed_and_the_command_fails_writing_nothing(shop, mixed):
    out = StringIO()
    with pytest.raises(CommandError, match="6 bad row\\(s\\); nothing was written"):
        call_command("import_orders", str(mixed), stdout=out, stderr=StringIO())
    lines = out.getvalue().splitlines()
    assert (
        "line 4, column customer: No customer has the external reference or e-mail "
        "'NOPE'." in lines
    )
    assert any(line.startswith("line 9, column status: ") for line in lines)
    assert "  Orders left out (a bad line): 6" in lines
    assert "Rows: 9, bad rows: 6. Nothing was written." in lines
    assert "  Orders to create: 2" in lines
    assert "  Lines to create: 3" in lines
    assert "  Orders already present, left unchanged: 0" in lines
    assert not Order.objects.exists()


def test_good_rows_only_writes_the_good_orders_and_succeeds(shop, mixed):
    out, err = _run(mixed, good_rows_only=True)
    assert "Rows: 9, created: 2, updated: 0, bad rows: 6." in out
    assert "Lines created: 3" in out
    assert "Import done." in out
    assert Order.objects.count() == 2
    assert "writing" in err  # the progress bar, on stderr


def test_a_clean_file_imports_and_a_second_run_skips_every_order(shop, good):
    out, err = _run(good)
    assert "Rows: 3, created: 2, updated: 0, bad rows: 0." in out
    assert "Lines created: 3" in out
    assert "Orders already present, left unchanged: 0" in out
    assert "checking" in err
    out, _err = _run(good)
    assert "line 2: Order A-1 already exists; left unchanged." in out
    assert "line 4: Order A-2 already exists; left unchanged." in out
    assert "Rows: 3, created: 0, updated: 0, bad rows: 0." in out
    assert "Orders already present, left unchanged: 2" in out
    assert Order.objects.count() == 2


def test_long_lists_of_present_orders_are_cut_short_unless_verbose(
    shop, good, monkeypatch
):
    monkeypatch.setattr("sms.import_command.LISTED", 1, raising=True)
    _run(good)
    out, _err = _run(good)
    assert "Order A-2" not in out
    assert "... and 1 more (--verbosity 2 lists them all)." in out
    out, _err = _run(good, verbosity=2)
    assert "Order A-2 already exists" in out


def test_dry_run_writes_nothing_and_fails_only_on_bad_rows(shop, good, mixed):
    out, err = _run(good, "--dry-run")
    assert "Orders to create: 2" in out
    assert "Lines to create: 3" in out
    assert "Nothing was written." in out
    assert "checking" in err
    assert not Order.objects.exists()
    with pytest.raises(CommandError, match="6 bad row\\(s\\); nothing was written\\."):
        _run(mixed, "--dry-run")


def test_problems_out_writes_the_bad_rows_with_a_reason(shop, mixed, tmp_path):
    report = tmp_path / "bad.csv"
    # --problems-out: the older name of --errors.
    out, _err = _run(mixed, "--problems-out", report, good_rows_only=True)
    rows = list(csv.DictReader(report.open(encoding="utf-8")))
    assert [row["line"] for row in rows] == ["4", "5", "6", "7", "8", "9"]
    assert rows[0]["order_number"] == "H-2"
    assert rows[0]["reason"].startswith("customer: No customer has")
    assert f"Bad rows written to {report}" in out
    with pytest.raises(CommandError, match="no folder"):
        _run(mixed, "--errors", tmp_path / "missing" / "bad.csv")


def test_missing_and_unreadable_files_are_command_errors(shop, tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        _run(tmp_path / "missing.csv")
    latin = tmp_path / "latin.csv"
    latin.write_bytes(
        (HEADER + "A,Jos\xe9,2024-01-10,P-1,1,1,,,,,\n").encode("latin-1")
    )
    with pytest.raises(CommandError, match="not UTF-8"):
        _run(latin)
    columns = tmp_path / "columns.csv"
    columns.write_text("order_number,customer\nA,C-1\n", encoding="utf-8")
    with pytest.raises(CommandError, match="Missing column"):
        _run(columns)
