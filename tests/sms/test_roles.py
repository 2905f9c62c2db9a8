import pytest
from django.contrib.auth.models import Group, Permission

from sms import roles
from sms.roles import SALES_MANAGER, SALES_REP, roles_sync, user_is_manager, user_role
from tests.sms.factories import AdminFactory, ManagerFactory, RepFactory, UserFactory

pytestmark = pytest.mark.django_db


def _codes(group_name):
    group = Group.objects.get(name=group_name)
    return {
        f"{p.content_type.app_label}.{p.codename}"
        for p in group.permissions.select_related("content_type")
    }


def test_migrate_creates_both_roles_with_their_permissions():
    assert set(Group.objects.values_list("name", flat=True)) >= {
        SALES_REP,
        SALES_MANAGER,
    }
    assert "auth.view_user" in _codes(SALES_MANAGER)
    assert "auth.view_user" not in _codes(SALES_REP)
    # Neither role may edit users or groups: that is the admins' job.
    for role in (SALES_REP, SALES_MANAGER):
        assert not {"auth.change_user", "auth.add_user", "auth.change_group"} & _codes(
            role
        )


def test_every_granted_permission_matches_a_rule_of_its_role():
    for role in (SALES_REP, SALES_MANAGER):
        expected = {
            f"{p.content_type.app_label}.{p.codename}"
            for p in roles.role_permissions(role=role)
        }
        assert _codes(role) == expected


def test_role_patterns_grant_every_matching_permission(monkeypatch):
    monkeypatch.setitem(roles.ROLE_PERMISSIONS, SALES_REP, ("auth.view_*",))
    roles_sync()
    granted = _codes(SALES_REP)
    assert {"auth.view_user", "auth.view_group", "auth.view_permission"} <= granted
    assert "auth.add_user" not in granted


def test_roles_sync_recreates_missing_groups_and_keeps_hand_granted_permissions():
    Group.objects.filter(name=SALES_REP).delete()
    manager = Group.objects.get(name=SALES_MANAGER)
    extra = Permission.objects.get(codename="view_group")
    manager.permissions.add(extra)

    roles_sync()
    roles_sync()  # idempotent

    assert Group.objects.filter(name=SALES_REP).count() == 1
    assert "auth.view_group" in _codes(SALES_MANAGER)


def test_user_role_labels():
    assert user_role(RepFactory()) == SALES_REP
    assert user_role(ManagerFactory()) == SALES_MANAGER
    assert user_role(AdminFactory()) == "Admin"
    assert user_role(UserFactory()) == ""


def test_managers_and_admins_see_everything_reps_do_not():
    assert user_is_manager(ManagerFactory())
    assert user_is_manager(AdminFactory())
    assert not user_is_manager(RepFactory())
    assert not user_is_manager(UserFactory())
