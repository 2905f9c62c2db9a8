import io
from pathlib import Path

import pytest
from django.conf import settings

from customers.importing import COLUMNS, DECLARATION, cell_unescape
from customers.models import Customer
from sms.import_pipeline import ImportContext, import_run
from sms.imports import ImportFileError, problems_csv
from tests.customers.factories import CustomerFactory, TagFactory
from tests.sms.factories import ManagerFactory, RepFactory

pytestmark = pytest.mark.django_db

EXAMPLE = Path(settings.BASE_DIR) / "docs" / "examples" / "customers.csv"
HEADER = "external_ref,name,email,phone,city,kind,industry,owner,tags\n"


def customer_import(*, file, default_owner, imported_by=None, progress=None, **options):
    """The pipeline's run of the customers declaration, as the page and the
    command run it (``imported_by``: the user on the page; None: the command)."""
    context = ImportContext(user=imported_by, owner=default_owner, progress=progress)
    result, _planner = import_run(DECLARATION, file=file, context=context, **options)
    return result


def _import(text: str, *, owner=None, **options):
    return customer_import(
        file=io.BytesIO(text.encode()), default_owner=owner, **options
    )


def _problems(result) -> list[tuple[int, str]]:
    return [(p.line, p.column) for p in result.problems]


@pytest.fixture
def owner(rep):
    return rep


MIXED = (
    HEADER
    + "A-1,Acme Ltd,sales@acme.test,+44 20 7946 0001,London,,retail,,vip\n"  # 2 ok
    + "A-2,,nobody@x.test,,,,,,\n"  # 3: no name
    + "A-3,Bad Mail,not-an-email,,,,,,\n"  # 4: e-mail
    + "A-4,Odd Kind,,,,,nuclear,,\n"  # 5: unknown industry
    + "A-5,Someone,,,,robot,,,\n"  # 6: unknown kind
    + "A-6,Orphan,,,,,,ghost,\n"  # 7: unknown owner
    + "A-7,Beta GmbH,beta@beta.test,,Berlin,,,,\n"  # 8 ok
)


def test_every_bad_row_is_reported_with_line_and_column_and_nothing_is_written(owner):
    result = _import(MIXED, owner=owner)
    assert _problems(result) == [
        (3, "name"),
        (4, "email"),
        (5, "industry"),
        (6, "kind"),
        (7, "owner"),
    ]
    assert not result.written
    assert result.rows == 7
    assert result.good_rows == 2
    assert (result.to_create, result.to_update) == (2, 0)
    assert not Customer.objects.exists()


def test_messages_say_what_is_wrong_and_list_the_allowed_values(owner):
    messages = {p.column: p.message for p in _import(MIXED, owner=owner).problems}
    assert messages["name"] == "A name is required."
    assert "not-an-email" in messages["email"]
    assert "Unknown value 'nuclear'" in messages["industry"]
    assert "retail, manufacturing" in messages["industry"]
    assert messages["kind"] == "Unknown value 'robot'. Allowed: company, individual."
    assert messages["owner"] == "Unknown user 'ghost'."


def test_dry_run_writes_nothing(owner):
    result = _import(HEADER + "A-1,Acme,,,,,,,\n", owner=owner, dry_run=True)
    assert not result.problems
    assert not result.written
    assert result.to_create == 1
    assert not Customer.objects.exists()


def test_good_rows_only_writes_the_good_rows_and_lists_the_rest(owner):
    result = _import(MIXED, owner=owner, good_rows_only=True)
    assert result.written
    assert (result.created, result.updated) == (2, 0)
    assert len(result.problems) == 5
    assert set(Customer.objects.values_list("external_ref", flat=True)) == {
        "A-1",
        "A-7",
    }


def test_imported_customers_have_keys_tags_owner_and_history(owner):
    _import(MIXED, owner=owner, good_rows_only=True)
    acme = Customer.objects.get(external_ref="A-1")
    assert acme.owner == owner
    assert acme.industry == "retail"
    assert acme.kind == Customer.Kind.COMPANY  # the default
    assert acme.email_key == "sales@acme.test"
    assert acme.phone_key == "2079460001"
    assert acme.name_key == "acme"
    assert [t.name for t in acme.tags.all()] == ["vip"]
    assert acme.history.count() == 1


def test_reimporting_the_same_file_updates_and_creates_nothing(owner):
    first = _import(MIXED, owner=owner, good_rows_only=True)
    again = _import(MIXED, owner=owner, good_rows_only=True)
    assert (first.created, first.updated) == (2, 0)
    assert (again.created, again.updated) == (0, 2)
    assert Customer.objects.count() == 2
    # Nothing changed, so no empty history entries either.
    assert Customer.objects.get(external_ref="A-1").history.count() == 1


def test_a_known_external_ref_updates_that_customer_and_blank_cells_keep_values(
    owner,
):
    customer = CustomerFactory(
        external_ref="X-9", name="Old Name", email="old@x.test", city="Leeds"
    )
    text = 'external_ref,name,email,city,tags\nX-9,New Name,,,"b, a"\n'
    result = _import(text, owner=owner)
    assert (result.created, result.updated) == (0, 1)
    customer.refresh_from_db()
    assert customer.name == "New Name"
    assert customer.name_key == "new name"
    assert customer.email == "old@x.test"  # blank cell: kept
    assert customer.city == "Leeds"
    assert customer.owner != owner  # blank owner on an update: kept
    assert sorted(t.name for t in customer.tags.all()) == ["a", "b"]


def test_an_owner_column_on_an_update_reassigns_the_customer(owner):
    customer = CustomerFactory(external_ref="X-9", name="Acme")
    _import(f"external_ref,name,owner\nX-9,Acme,{owner.username}\n")
    customer.refresh_from_db()
    assert customer.owner == owner


def test_inactive_owners_are_refused(owner):
    RepFactory(username="gone", is_active=False)
    result = _import("name,owner\nAcme,gone\n", owner=owner)
    assert [(p.column, p.message) for p in result.problems] == [
        ("owner", "User 'gone' is inactive.")
    ]


def test_rows_without_an_owner_need_a_default_owner():
    result = _import("name\nAcme\n")
    assert _problems(result) == [(2, "owner")]
    assert "default owner" in result.problems[0].message


def test_over_long_values_are_refused_with_the_limit(owner):
    result = _import(f"name,postal_code\nAcme,{'9' * 21}\n", owner=owner)
    assert _problems(result) == [(2, "postal_code")]
    assert "at most 20 characters (this has 21)" in result.problems[0].message
    long_tag = "x" * 51
    result = _import(f'name,tags\nAcme,"ok, {long_tag}"\n', owner=owner)
    assert _problems(result) == [(2, "tags")]


def test_payment_terms_must_be_a_whole_number(owner):
    result = _import("name,payment_terms_days\nA,30\nB,-4\nC,thirty\n", owner=owner)
    assert _problems(result) == [(3, "payment_terms_days"), (4, "payment_terms_days")]


def test_choices_accept_labels_and_any_case(owner):
    text = (
        "name,kind,source_channel,industry,age_band,gender\n"
        "Pat,Individual,Cold outreach,PUBLIC SECTOR,65+,Prefer not to say\n"
    )
    _import(text, owner=owner)
    pat = Customer.objects.get()
    assert (pat.kind, pat.source_channel, pat.industry) == (
        "individual",
        "cold_outreach",
        "public_sector",
    )
    assert (pat.age_band, pat.gender) == ("65+", "undisclosed")


# -- duplicates ------------------------------------------------------------------


def test_same_email_in_another_case_and_with_spaces_is_a_duplicate(owner):
    existing = CustomerFactory(name="Acme Ltd", email="Sales@Acme.test")
    result = _import("name,email\nACME Trading,  SALES@acme.TEST \n", owner=owner)
    assert _problems(result) == [(2, "email")]
    assert result.problems[0].message == (
        f"Same e-mail as existing customer #{existing.pk} 'Acme Ltd'."
    )


@pytest.mark.parametrize(
    "typed", ["020 7946 0001", "+44 (0)20 7946-0001", "0044 20 7946 0001"]
)
def test_the_same_phone_in_another_format_is_a_duplicate(owner, typed):
    existing = CustomerFactory(phone="+44 20 7946 0001")
    result = _import(f'name,phone\nSomeone,"{typed}"\n', owner=owner)
    assert _problems(result) == [(2, "phone")]
    assert f"#{existing.pk}" in result.problems[0].message


def test_the_same_name_in_the_same_city_is_a_duplicate_despite_the_ltd(owner):
    existing = CustomerFactory(name="Acme Widgets", city="Leeds")
    result = _import(
        "name,city\nACME WIDGETS LTD,leeds\nAcme Widgets Ltd,York\n", owner=owner
    )
    assert _problems(result) == [(2, "name")]
    assert "same city" in result.problems[0].message
    assert f"#{existing.pk} 'Acme Widgets'" in result.problems[0].message


def test_a_row_whose_reference_matches_the_duplicate_itself_is_an_update(owner):
    CustomerFactory(external_ref="A-1", email="a@acme.test", name="Acme", city="Leeds")
    result = _import(
        "external_ref,name,email,city\nA-1,Acme Ltd,A@ACME.TEST,Leeds\n", owner=owner
    )
    assert not result.problems
    assert (result.to_create, result.to_update) == (0, 1)


def test_a_reference_does_not_excuse_a_duplicate_of_another_customer(owner):
    CustomerFactory(external_ref="A-1")
    other = CustomerFactory(email="taken@x.test")
    result = _import("external_ref,name,email\nA-1,Acme,taken@x.test\n", owner=owner)
    assert _problems(result) == [(2, "email")]
    assert f"#{other.pk}" in result.problems[0].message


def test_merged_away_customers_are_not_duplicates_and_cannot_be_updated(owner):
    survivor = CustomerFactory()
    CustomerFactory(
        external_ref="OLD-1",
        email="old@x.test",
        merged_into=survivor,
        is_active=False,
    )
    result = _import("name,email\nNew,old@x.test\n", owner=owner)
    assert not result.problems
    result = _import("external_ref,name\nOLD-1,Old\n", owner=owner)
    assert _problems(result) == [(2, "external_ref")]
    assert f"merged into customer #{survivor.pk}" in result.problems[0].message


def test_rows_that_repeat_an_earlier_row_of_the_file_are_duplicates(owner):
    text = (
        "external_ref,name,email,phone,city\n"
        "R-1,Alpha,alpha@x.test,01632 960001,Leeds\n"  # 2
        "R-1,Alpha again,,,\n"  # 3: same reference
        "R-3,Gamma,ALPHA@x.test,,\n"  # 4: same e-mail
        "R-4,Delta,,+44 1632 960001,\n"  # 5: same phone
        "R-5,Alpha Ltd,,,leeds\n"  # 6: same name and city
        "R-6,Alpha,,,York\n"  # 7: fine
    )
    result = _import(text, owner=owner)
    assert _problems(result) == [
        (3, "external_ref"),
        (4, "email"),
        (5, "phone"),
        (6, "name"),
    ]
    assert all("as line 2 of this file" in p.message for p in result.problems)


def test_a_bad_row_does_not_make_later_rows_duplicates(owner):
    text = "name,email\nFirst,bad@\nSecond,second@x.test\nThird,second@x.test\n"
    result = _import(text, owner=owner)
    assert _problems(result) == [(2, "email"), (4, "email")]
    assert "line 3" in result.problems[1].message


# -- what a sales rep may import ---------------------------------------------------


def test_a_rep_imports_for_themselves_only(rep):
    other = RepFactory(username="someone")
    result = _import(
        f"name,owner\nMine,{rep.username}\nTheirs,{other.username}\n",
        owner=rep,
        imported_by=rep,
    )
    assert _problems(result) == [(3, "owner")]


def test_a_rep_cannot_update_or_see_another_reps_customers(rep):
    theirs = CustomerFactory(external_ref="T-1", email="theirs@x.test")
    result = _import(
        "external_ref,name,email\nT-1,Hijack,\nN-1,New,theirs@x.test\n",
        owner=rep,
        imported_by=rep,
    )
    assert _problems(result) == [(2, "external_ref"), (3, "email")]
    for problem in result.problems:
        assert str(theirs.pk) not in problem.message
        assert theirs.name not in problem.message


def test_a_manager_may_assign_customers_to_anyone(rep):
    manager = ManagerFactory()
    result = _import(f"name,owner\nAcme,{rep.username}\n", imported_by=manager)
    assert result.written
    assert Customer.objects.get().owner == rep


# -- files, reports, round trips --------------------------------------------------


def test_unreadable_files_raise_import_file_error(owner):
    with pytest.raises(ImportFileError, match="Missing column"):
        _import("email\nx@y.test\n", owner=owner)
    with pytest.raises(ImportFileError, match="Unknown column"):
        _import("name,colour\nAcme,red\n", owner=owner)


def test_the_bad_rows_csv_has_the_values_the_line_and_the_reason(owner):
    text = problems_csv(result=_import(MIXED, owner=owner), columns=COLUMNS)
    lines = text.splitlines()
    assert lines[0].endswith(",line,reason")
    assert lines[0].startswith("external_ref,kind,name")
    assert len(lines) == 6
    assert "A-3" in lines[2]
    assert lines[2].endswith(",4,email: 'not-an-email' is not a valid e-mail address.")


def test_cells_escaped_by_an_export_are_imported_as_typed(owner):
    assert cell_unescape("'=1+1") == "=1+1"
    assert cell_unescape("'+44 20") == "+44 20"
    assert cell_unescape("'tis") == "'tis"
    _import("name,notes\nAcme,'=HYPERLINK(x)\n", owner=owner)
    assert Customer.objects.get().notes == "=HYPERLINK(x)"


def test_the_example_file_imports_cleanly_and_again_as_updates():
    RepFactory(username="rep1")
    RepFactory(username="rep2")
    default = RepFactory()
    with EXAMPLE.open("rb") as file:
        result = customer_import(file=file, default_owner=default)
    assert not result.problems
    assert (result.created, result.updated) == (8, 0)
    greta = Customer.objects.get(external_ref="CRM-1003")
    assert greta.kind == Customer.Kind.INDIVIDUAL
    assert greta.owner == default
    assert greta.age_band == "35-44"
    alpen = Customer.objects.get(external_ref="CRM-1005")
    assert sorted(t.name for t in alpen.tags.all()) == ["vip", "wholesale"]
    with EXAMPLE.open("rb") as file:
        again = customer_import(file=file, default_owner=default)
    assert (again.created, again.updated) == (0, 8)
    assert Customer.objects.count() == 8


def test_progress_reports_checking_then_writing(owner):
    seen = []
    _import(
        MIXED,
        owner=owner,
        good_rows_only=True,
        progress=lambda phase, n, total: seen.append((phase, n, total)),
    )
    assert sum(n for phase, n, total in seen if (phase, total) == ("checking", 7)) == 7
    assert sum(n for phase, n, total in seen if (phase, total) == ("writing", 2)) == 2
    assert [phase for phase, _n, _total in seen][-1] == "writing"


def test_existing_tags_are_reused(owner):
    TagFactory(name="vip")
    _import('name,tags\nAcme,"VIP, new one"\n', owner=owner)
    assert sorted(Customer.objects.get().tags.values_list("name", flat=True)) == [
        "new one",
        "vip",
    ]


# -- customer_bulk_create, the batched writer behind imports ----------------------


def test_bulk_create_matches_customer_create(owner):
    from django.core.exceptions import ValidationError

    from customers.services import customer_bulk_create

    created = customer_bulk_create(
        entries=[
            {
                "owner": owner,
                "tags": ["vip", "new"],
                "name": "Acme Ltd",
                "email": "A@x.test",
            },
            {"owner": owner, "name": "Beta", "phone": "+44 20 7946 0002"},
        ]
    )
    acme, beta = (Customer.objects.get(pk=c.pk) for c in created)
    assert (acme.email_key, acme.name_key, beta.phone_key) == (
        "a@x.test",
        "acme",
        "2079460002",
    )
    assert sorted(acme.tags.values_list("name", flat=True)) == ["new", "vip"]
    assert acme.history.get().history_type == "+"
    with pytest.raises(ValidationError):
        customer_bulk_create(entries=[{"owner": owner, "name": "", "email": "bad"}])
    CustomerFactory(external_ref="T-1")
    with pytest.raises(ValidationError, match="T-1"):
        customer_bulk_create(
            entries=[{"owner": owner, "name": "X", "external_ref": "T-1"}]
        )
    assert Customer.objects.count() == 3
