"""Demo data for a new installation: a user for every role."""

import random

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from inventory.demo import inventory_demo_create
from products.demo import products_demo_create
from sms.roles import SALES_MANAGER, SALES_REP, roles_sync

DEMO_PASSWORD = "sms-demo"  # noqa: S105 - printed for the demo; refused without DEBUG

# username, first name, last name, role (None: a staff admin)
DEMO_USERS = (
    ("admin", "Alex", "Admin", None),
    ("manager", "Maria", "Moreno", SALES_MANAGER),
    ("rep1", "Rita", "Reyes", SALES_REP),
    ("rep2", "Sam", "Patel", SALES_REP),
)


class Command(BaseCommand):
    help = "Create demo users (admin, manager, rep1, rep2). Refused when DEBUG is off."

    def add_arguments(self, parser):
        parser.add_argument(
            "--password",
            default=DEMO_PASSWORD,
            help="Password for new demo users (default: %(default)s).",
        )

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                "seed_demo creates users with known passwords and refuses to run "
                "when DEBUG is off."
            )
        created = self._users_ensure(password=options["password"])
        self.stdout.write(self.style.SUCCESS("Demo log-ins:"))
        for username, first, last, role in DEMO_USERS:
            secret = options["password"] if username in created else "(unchanged)"
            label = role or "Admin"
            self.stdout.write(f"  {username:<8} {secret:<12} {label} ({first} {last})")
        self._catalogue_and_stock(seed=options.get("seed"))

    @transaction.atomic
    def _users_ensure(self, *, password: str) -> set[str]:
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

    def _catalogue_and_stock(self, *, seed: int | None) -> None:
        rng = random.Random(f"catalogue-{seed or 0}")  # noqa: S311 - demo data
        products = products_demo_create(rng=rng)
        stock = inventory_demo_create(rng=rng)
        self.stdout.write(
            f"Products: {len(products)} new; stock for {stock['stocked']} in "
            f"{stock['warehouses']} warehouses; {stock['low']} at or below their "
            f"reorder point ({stock['alerts_opened']} new low-stock alerts)."
        )
