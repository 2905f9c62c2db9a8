"""System checks of the SMS project (registered in sms.apps.SmsConfig.ready)."""

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password
from django.core.checks import Error
from django.db import DatabaseError

from sms.demo_users import DEMO_PASSWORD, DEMO_USERS


def demo_passwords_check(app_configs=None, **kwargs) -> list[Error]:
    """sms.E001 (deploy): an active demo user still logs in with the demo password.

    Only the demo user names are tried: every try costs a full password hash (a good
    fraction of a second), and anyone else with that password is refused at log-in
    anyway while DEBUG is off (sms.security.DemoPasswordRefusingBackend).

    With no database, or one not migrated yet, there is nothing to check: Django's
    own checks never need a database, and neither does this one. `make checks` runs
    against an empty in-memory database for that reason (see the Makefile): a
    developer's db.sqlite3 holds the demo users, and it is the configuration that is
    checked there, not their data.
    """
    names = [username for username, *_ in DEMO_USERS]
    try:
        users = list(
            get_user_model()
            .objects.filter(username__in=names, is_active=True)
            .only("username", "password")
            .order_by("username")
        )
    except DatabaseError:
        return []
    # hashers.check_password, not user.check_password: that would re-hash and save.
    found = [u.username for u in users if check_password(DEMO_PASSWORD, u.password)]
    if not found:
        return []
    return [
        Error(
            f"Demo users still have the demo password: {', '.join(found)}.",
            hint=(
                "Give each a real password (python manage.py changepassword NAME) "
                "or deactivate them in the admin. The demo password is refused at "
                "log-in while DEBUG is off, but it is public."
            ),
            id="sms.E001",
        )
    ]
