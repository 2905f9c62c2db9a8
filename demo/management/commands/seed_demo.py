"""Demo data for a new installation: a user for every role, then each app's data."""

import logging
import random
from contextlib import contextmanager

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from demo.customer_since import customers_since_set
from demo.customers import customers_seed
from demo.inventory import inventory_demo_create
from demo.opportunities import opportunities_seed
from demo.orders import orders_seed
from demo.products import products_demo_create
from demo.users import users_ensure
from opportunities.models import Stage
from orders.models import Order
from orders.signals import orders_bulk_changed
from sms.bulk import statistics_refresh
from sms.demo_users import DEMO_PASSWORD, DEMO_USERS


@contextmanager
def _quiet(name: str):
    """Only warnings and errors from the logger ``name`` while the block runs."""
    logger = logging.getLogger(name)
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


class Command(BaseCommand):
    help = (
        "Create demo users (admin, manager, rep1, rep2) and demo data; data that "
        "already exists is kept. Refused when DEBUG is off."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--password",
            default=DEMO_PASSWORD,
            help="Password for new demo users (default: %(default)s).",
        )
        parser.add_argument(
            "--customers",
            type=int,
            default=500,
            help="Demo customers to create (default: %(default)s).",
        )
        parser.add_argument(
            "--months",
            type=int,
            default=24,
            help="Months of history: interactions, orders (default: %(default)s).",
        )
        parser.add_argument(
            "--orders-scale",
            type=float,
            default=1.0,
            help="Multiplies how often each customer orders (default: 1.0; a "
            "benchmark data set uses less to fit its size in order lines).",
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=42,
            help="Random seed: the same seed gives the same data (default: 42).",
        )

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                "seed_demo creates users with known passwords and refuses to run "
                "when DEBUG is off."
            )
        if options["orders_scale"] <= 0:
            raise CommandError("--orders-scale must be above 0.")
        created = users_ensure(password=options["password"])
        self.stdout.write(self.style.SUCCESS("Demo log-ins:"))
        for username, first, last, role in DEMO_USERS:
            secret = options["password"] if username in created else "(unchanged)"
            label = role or "Admin"
            self.stdout.write(f"  {username:<8} {secret:<12} {label} ({first} {last})")
        self._data_seed(options)

    def _data_seed(self, options) -> None:
        seed, months = options["seed"], options["months"]
        self._catalogue_and_stock(seed=seed)
        # Each app draws from its own generator, so adding one never changes another's.
        created = self._customers(seed=seed, count=options["customers"], months=months)
        # Each step below queries what the one before wrote in bulk.
        statistics_refresh()
        self._orders(seed=seed, months=months, scale=options["orders_scale"])
        if created:
            customers_since_set(
                rng=random.Random(f"customer-since-{seed}"),  # noqa: S311 - demo data
                months=months,
            )
        statistics_refresh()
        self._opportunities(seed=seed, months=months)

    def _customers(self, *, seed: int, count: int, months: int) -> int:
        reps = list(
            get_user_model()
            .objects.filter(username__in=["rep1", "rep2"])
            .order_by("pk")
        )
        with self._progress("Customers", count) as progress:
            created = customers_seed(
                rng=random.Random(f"customers-{seed}"),  # noqa: S311 - demo data
                count=count,
                owners=reps,
                months=months,
                progress=progress,
            )
        if created:
            self.stdout.write(f"Customers: {created} created.")
        elif count > 0:
            self.stdout.write("Customers: demo customers already exist; kept.")
        return created

    def _orders(self, *, seed: int, months: int, scale: float = 1.0) -> None:
        # The live orders' e-mail tasks run in-process without a broker, each logging
        # a line; the e-mails themselves are not sent (see demo.orders).
        with self._progress("Orders", None) as progress, _quiet("celery.app.trace"):
            created = orders_seed(
                rng=random.Random(f"orders-{seed}"),  # noqa: S311 - demo data
                months=months,
                scale=scale,
                progress=progress,
            )
        # Written in bulk, past the model signals: tell who caches figures.
        orders_bulk_changed.send(sender=Order)
        if created:
            detail = ", ".join(
                f"{created[status]} {label.lower()}"
                for status, label in Order.Status.choices
                if created.get(status)
            )
            total = sum(created.values())
            self.stdout.write(f"Orders: {total} created ({detail}).")
        else:
            self.stdout.write("Orders: demo orders already exist (or no customers).")

    def _opportunities(self, *, seed: int, months: int) -> None:
        with self._progress("Opportunities", None) as progress:
            created = opportunities_seed(
                rng=random.Random(f"opportunities-{seed}"),  # noqa: S311 - demo data
                months=months,
                progress=progress,
            )
        if created:
            detail = ", ".join(
                f"{created[stage]} {label.lower()}"
                for stage, label in Stage.choices
                if created.get(stage)
            )
            total = sum(created.values())
            self.stdout.write(f"Opportunities: {total} created ({detail}).")
        else:
            self.stdout.write(
                "Opportunities: demo pipeline already exists (or no customers)."
            )

    @contextmanager
    def _progress(self, label: str, total: int | None):
        """A tqdm bar on stderr, fed by a progress(phase, advance, total) callback;
        a total known only once the work starts (None here) comes with it."""
        with tqdm(total=total, desc=label, unit="row", file=self.stderr._out) as bar:

            def progress(_phase: str, advance: int, total: int) -> None:
                if bar.total != total:
                    bar.total = total
                bar.update(advance)

            yield progress

    def _catalogue_and_stock(self, *, seed: int | None) -> None:
        rng = random.Random(f"catalogue-{seed or 0}")  # noqa: S311 - demo data
        products = products_demo_create(rng=rng)
        stock = inventory_demo_create(rng=rng)
        self.stdout.write(
            f"Products: {len(products)} new; stock for {stock['stocked']} in "
            f"{stock['warehouses']} warehouses; {stock['low']} at or below their "
            f"reorder point ({stock['alerts_opened']} new low-stock alerts)."
        )
