"""Roles: the Django groups a user belongs to, and the permissions each one holds.

Groups are created by the data migration ``sms/migrations/0001_roles.py``. The
permissions are granted by ``roles_sync()`` after every ``migrate`` (and every flush),
because each app's permissions only exist once that app has migrated. A new app adds
its lines to ``ROLE_PERMISSIONS``; nothing else is needed.
"""

from fnmatch import fnmatchcase

from django.contrib.auth.models import Group, Permission

SALES_REP = "Sales rep"
SALES_MANAGER = "Sales manager"
ROLES = (SALES_REP, SALES_MANAGER)

# "app_label.codename" patterns (shell-style wildcards). A rep works their own
# records; scoping to "own" happens in each app's selectors, not here.
ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    SALES_REP: (
        "customers.view_*",
        "customers.add_*",
        "customers.change_*",
        "customers.import_customer",  # their own customers (customers.importing)
        "opportunities.view_*",
        "opportunities.add_*",
        "opportunities.change_*",
        "orders.view_*",
        "orders.add_*",
        "orders.change_*",
        "orders.confirm_order",
        "orders.ship_order",
        "products.view_*",
        "inventory.view_*",
        "analytics.view_*",  # not analytics.run_job: reps cannot start jobs
    ),
    SALES_MANAGER: (
        # Managers see the team (owner filters, reassignment) but do not edit users.
        "auth.view_user",
        "customers.*",
        "opportunities.*",
        "orders.*",
        "products.*",
        "inventory.*",
        "analytics.*",
    ),
}

ADMIN_LABEL = "Admin"


def role_permissions(*, role: str) -> list[Permission]:
    """Return the permissions that ``role`` holds according to ROLE_PERMISSIONS."""
    patterns = ROLE_PERMISSIONS[role]
    perms = Permission.objects.select_related("content_type")
    return [
        perm
        for perm in perms
        if any(
            fnmatchcase(f"{perm.content_type.app_label}.{perm.codename}", pattern)
            for pattern in patterns
        )
    ]


def roles_sync() -> None:
    """Create the role groups if missing and grant each its permissions.

    Only adds: a permission an admin granted by hand is kept.
    """
    for role in ROLES:
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.add(*role_permissions(role=role))


def roles_sync_on_migrate(sender, using="default", **kwargs) -> None:
    # Only the default database holds users; tests and multi-db set-ups pass others.
    if using == "default":
        roles_sync()


def user_role(user) -> str:
    """The label shown for a user: Admin, Sales manager, Sales rep or ""."""
    if not user.is_authenticated:
        return ""
    if user.is_staff or user.is_superuser:
        return ADMIN_LABEL
    names = _group_names(user)
    for role in (SALES_MANAGER, SALES_REP):
        if role in names:
            return role
    return ""


def user_is_manager(user) -> bool:
    """Managers and admins see every record; reps see their own."""
    return user_role(user) in (ADMIN_LABEL, SALES_MANAGER)


def _group_names(user) -> set[str]:
    # Cached on the user object: the navbar, the home page and selectors all ask.
    if not hasattr(user, "_sms_group_names"):
        user._sms_group_names = set(user.groups.values_list("name", flat=True))
    return user._sms_group_names
