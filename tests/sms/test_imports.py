import io

import pytest
from django.contrib.auth.models import Group

from sms.imports import ImportFileError, RowError, csv_rows, import_rows, problems_csv

pytestmark = pytest.mark.django_db

CSV = (
    "Name,Code\n"
    "alpha,A1\n"
    ",B2\n"  # line 3: no name
    "\n"  # blank, skipped
    "gamma,A1\n"  # line 5: duplicate code of line 2
    "delta,D4\n"
)


def _validate(values):
    if not values["name"]:
        raise RowError("name", "Name is required.")
    return {"name": values["name"], "code": values["code"]}


def _write(rows):
    for row in rows:
        Group.objects.create(name=f"import-{row['name']}")
    return len(rows), 0


def _run(text=CSV, **options):
    rows = csv_rows(io.BytesIO(text.encode()), required=["name"], optional=["code"])
    return import_rows(
        rows=rows, validate=_validate, key=lambda r: r["code"], write=_write, **options
    )


def test_every_bad_row_is_reported_with_its_line_and_nothing_is_written():
    result = _run()
    assert [(p.line, p.column) for p in result.problems] == [(3, "name"), (5, "")]
    assert "Duplicate of line 2" in result.problems[1].message
    assert result.rows == 4
    assert not result.written
    assert not Group.objects.filter(name__startswith="import-").exists()


def test_good_rows_only_writes_the_good_rows():
    result = _run(good_rows_only=True)
    assert result.written
    assert result.created == 2
    assert set(
        Group.objects.filter(name__startswith="import-").values_list("name", flat=True)
    ) == {"import-alpha", "import-delta"}


def test_dry_run_writes_nothing_even_when_every_row_is_good():
    result = _run("name,code\nalpha,A1\n", dry_run=True)
    assert not result.problems
    assert not result.written
    assert not Group.objects.filter(name__startswith="import-").exists()


def test_bad_rows_download_has_the_values_the_line_and_the_reason():
    text = problems_csv(result=_run(), columns=["name", "code"])
    lines = text.strip().splitlines()
    assert lines[0] == "name,code,line,reason"
    assert lines[1] == ",B2,3,name: Name is required."
    assert lines[2].startswith("gamma,A1,5,Duplicate of line 2")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"code\nA1\n", "Missing column(s): name"),
        (b"name,colour\nx,red\n", "Unknown column(s): colour"),
        ("name\nJos\xe9\n".encode("latin-1"), "not UTF-8"),
    ],
)
def test_unreadable_files_are_refused_with_a_reason(content, message):
    with pytest.raises(
        ImportFileError, match=message.replace("(", r"\(").replace(")", r"\)")
    ):
        csv_rows(io.BytesIO(content), required=["name"], optional=["code"])


def test_excel_bom_and_header_case_are_accepted():
    rows = csv_rows(io.BytesIO("\ufeffNAME \nZoë\n".encode()), required=["name"])
    assert rows == [(2, {"name": "Zoë"})]


def test_cells_beyond_the_header_make_a_bad_row_not_a_silent_one():
    result = _run("name,code\nalpha,A1\nbeta,B2,extra\ngamma,C3,,\n")
    assert [(p.line, p.column) for p in result.problems] == [(3, "")]
    assert "1 cell(s) beyond the 2 columns" in result.problems[0].message
    assert "'extra'" in result.problems[0].message


def test_a_quote_left_open_at_the_end_is_reported_on_the_line_it_opens():
    result = _run('name,code\nalpha,A1\n"beta,B2\ngamma,C3\n')
    assert [(p.line, p.column) for p in result.problems] == [(3, "")]
    assert "never closed" in result.problems[0].message


def test_a_quoted_cell_over_several_lines_is_fine_and_keeps_its_first_line():
    result = _run('name,code\n"two\nlines",A1\ndelta,D4\n', dry_run=True)
    assert result.problems == []
    rows = csv_rows(
        io.BytesIO(b'name,code\n"two\nlines",A1\ndelta,D4\n'),
        required=["name"],
        optional=["code"],
    )
    assert [line for line, _values in rows] == [2, 4]


def test_the_bad_rows_csv_escapes_formulas_and_csv_rows_reads_them_back():
    result = _run('name,code\n"=HYPERLINK(""x"")",A1\n,=1+1\n')
    text = problems_csv(result=result, columns=["name", "code"])
    assert "'=1+1" in text
    rows = csv_rows(
        io.StringIO(text), required=["name"], optional=["code", "line", "reason"]
    )
    assert rows[0][1]["code"] == "=1+1"


def test_date_check_refuses_dates_before_1970_and_after_the_latest():
    from datetime import date

    from sms.imports import EARLIEST_DATE, date_check

    assert date(1970, 1, 1) == EARLIEST_DATE
    assert date_check(
        date(1970, 1, 1), text="x", latest=date(2030, 1, 1), latest_reason=""
    )
    with pytest.raises(ValueError, match="before 1970-01-01"):
        date_check(
            date(1, 1, 1), text="0001-01-01", latest=date(2030, 1, 1), latest_reason=""
        )
    with pytest.raises(ValueError, match="too late"):
        date_check(
            date(2031, 1, 1),
            text="x",
            latest=date(2030, 1, 1),
            latest_reason="too late",
        )
