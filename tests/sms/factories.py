import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from sms.roles import SALES_MANAGER, SALES_REP

PASSWORD = "correct-horse-battery"  # noqa: S105 - test users only


def _joins(role: str) -> factory.PostGeneration:
    """Put the created user in the role's group (the groups come from a migration)."""

    def add(user, create, extracted, **kwargs):
        if create:
            user.groups.add(Group.objects.get(name=role))

    return factory.PostGeneration(add)


class UserFactory(factory.django.DjangoModelFactory):
    """A user with no role; log in with ``PASSWORD``."""

    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password(PASSWORD)


class RepFactory(UserFactory):
    username = factory.Sequence(lambda n: f"rep{n}")
    role = _joins(SALES_REP)


class ManagerFactory(UserFactory):
    username = factory.Sequence(lambda n: f"manager{n}")
    role = _joins(SALES_MANAGER)


class AdminFactory(UserFactory):
    username = factory.Sequence(lambda n: f"admin{n}")
    is_staff = True
    is_superuser = True
