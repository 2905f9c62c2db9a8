"""The demo log-ins (sms.demo_users names them): a staff admin, a manager and two
reps, created once; an existing user keeps the password it has.

The names and the password stay in sms: its deploy check and log-in back end
refuse them, and sms imports no app.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from sms.demo_users import DEMO_USERS
from sms.roles import roles_sync


@transaction.atomic
def users_ensure(*, password: str) -> set[str]:
    """Create the demo users that are missing; returns the names created."""
    roles_sync()
    user_model = get_user_model()
    created = set()
    for username, first, last, role in DEMO_USERS:
        if user_model.objects.filter(username=username).exists():
            continue
        user = user_model(
            username=username,
            first_name=first,
            last_name=last,
            email=f"{username}@example.com",
            is_staff=role is None,
            is_superuser=role is None,
        )
        user.set_password(password)
        user.save()
        if role:
            user.groups.add(Group.objects.get(name=role))
        created.add(username)
    return created
