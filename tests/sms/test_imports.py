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
