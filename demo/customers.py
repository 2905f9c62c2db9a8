"""Demo customers: companies and people across Germany (and a few abroad), with their
contacts, a history of conversations and open tasks.

Everything is drawn from the ``rng`` passed in, so the same seed gives the same data
(dates are relative to today). Rows are written with bulk_create in batches, so a
hundred thousand customers take well under two minutes; the duplicate-detection
keys are set here exactly as customers.services sets them. Demo customers have
external references "DEMO-000001", ...; if any exist, seeding is skipped.

A few companies get a near-identical twin (other legal form, upper-case e-mail,
other phone layout) so the duplicate warnings and the merge page have something to
show.
"""

import enum
import random
from datetime import date, datetime, time, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, models, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from customers.models import Contact, Customer, Interaction, Tag, Task
from customers.services import email_key, name_key, phone_key
from demo.customer_data import (
    ABROAD,
    ABROAD_SHARE,
    AGE_BANDS,
    CHANNEL_WEIGHTS,
    CITIES,
    CONTACT_COUNTS,
    FEMALE,
    GENDERS,
    INDUSTRY_WEIGHTS,
    INDUSTRY_WORDS,
    INTERACTION_COUNTS,
    KINDS,
    LEGAL_FORMS,
    MALE,
    NOTES,
    OCCUPATIONS,
    OUTCOMES,
    PLACE_PREFIXES,
    STREETS,
    SUMMARIES,
    SURNAMES,
    TAG_COUNTS,
    TAGS,
    TASK_TITLES,
    TITLES,
    TOPICS,
)
from demo.draw import Progress, Weighted, slug, span_days

DEMO_PREFIX = "DEMO-"
BATCH_SIZE = 2000
TWIN_EVERY = 250  # about one company in 250 gets a duplicate twin


_INDUSTRY = Weighted(INDUSTRY_WEIGHTS)
_LEGAL = Weighted(LEGAL_FORMS)
_CHANNEL = {kind: Weighted(table) for kind, table in CHANNEL_WEIGHTS.items()}
_AGE = Weighted(AGE_BANDS)
_GENDER = Weighted(GENDERS)
_TAG_COUNT = Weighted(TAG_COUNTS)
_CONTACT_COUNT = Weighted(CONTACT_COUNTS)
_INTERACTION_COUNT = Weighted(INTERACTION_COUNTS)
_KIND = Weighted(KINDS)
_OUTCOME = Weighted(OUTCOMES)
_CITY = Weighted({c: c[-1] for c in CITIES})
_ABROAD = Weighted({c: c[-1] for c in ABROAD})


class _Generator:
    """Draws one customer after another; remembers what is taken (names per city,
    e-mail addresses) so the only duplicates are the deliberate twins."""

    def __init__(self, *, rng: random.Random, owners, months: int, today: date):
        self.rng = rng
        self.owners = list(owners)
        self.today = today
        self.span_days = span_days(months)
        self.now = timezone.now()
        self.tz = timezone.get_current_timezone()
        self.names: set[tuple[str, str]] = set()
        self.emails: set[str] = set()

    # -- customers --------------------------------------------------------------

    def place(self) -> dict:
        rng = self.rng
        if rng.random() < ABROAD_SHARE:
            city, region, country, pattern, dial, legal, lang, _w = _ABROAD(rng)
            postal = pattern.format(rng.randint(0, 9), rng.randint(0, 9))
            street = f"{rng.choice(STREETS[lang])} {rng.randint(1, 180)}"
            phone = f"{dial} {rng.randint(100000, 9999999)}"
            return {
                "street": street,
                "city": city,
                "region": region,
                "country": country,
                "postal_code": postal,
                "phone": phone,
                "legal": legal,
            }
        city, region, country, prefixes, area, _w = _CITY(rng)
        return {
            "street": f"{rng.choice(STREETS['de'])} {rng.randint(1, 180)}",
            "city": city,
            "region": region,
            "country": country,
            "postal_code": f"{rng.choice(prefixes)}{rng.randint(0, 999):03d}",
            "phone": f"+49 {area} {rng.randint(100000, 99999999)}",
            "legal": None,
        }

    def _unique_email(self, local: str, domain: str) -> str:
        email = f"{local}@{domain}"
        n = 1
        while email in self.emails:
            n += 1
            email = f"{local}{n}@{domain}"
        self.emails.add(email)
        return email

    def company(self, ref: str) -> tuple[Customer, dict]:
        rng = self.rng
        place = self.place()
        industry = _INDUSTRY(rng)
        for _attempt in range(20):
            legal = rng.choice(place["legal"]) if place["legal"] else _LEGAL(rng)
            word = rng.choice(INDUSTRY_WORDS[industry])
            pattern = rng.random()
            if industry == "public_sector":
                base = f"{word} {place['city']}"
                legal = "GmbH" if rng.random() < 0.5 else ""
            elif pattern < 0.45:
                base = f"{rng.choice(SURNAMES)} {word}"
            elif pattern < 0.7:
                base = f"{rng.choice(SURNAMES)} & {rng.choice(SURNAMES)}"
            else:
                base = f"{rng.choice(PLACE_PREFIXES)}{word.lower()}"
            name = f"{base} {legal}".strip()
            if (name_key(name), place["city"]) not in self.names:
                break
            place["street"] = f"{rng.choice(STREETS['de'])} {rng.randint(1, 180)}"
            name = f"{base} {place['city']} {legal}".strip()  # a branch: still unique
            if (name_key(name), place["city"]) not in self.names:
                break
        self.names.add((name_key(name), place["city"]))
        domain = f"{slug(base)}.example"
        email = self._unique_email(
            rng.choice(("info", "kontakt", "office", "hallo")), domain
        )
        customer = Customer(
            kind=Customer.Kind.COMPANY,
            name=name,
            email=email,
            phone=place["phone"],
            street=place["street"],
            city=place["city"],
            region=place["region"],
            postal_code=place["postal_code"],
            country=place["country"],
            industry=industry,
            source_channel=_CHANNEL["company"](rng),
            owner=rng.choice(self.owners),
            notes=rng.choice(NOTES) if rng.random() < 0.2 else "",
            is_active=rng.random() >= 0.04,
            external_ref=ref,
            payment_terms_days=rng.choice((14, 30, 30, 30, 45, 60)),
        )
        _keys_set(customer)
        return customer, {"domain": domain, "base": base}

    def individual(self, ref: str) -> Customer:
        rng = self.rng
        place = self.place()
        gender = _GENDER(rng)
        first_names = {"female": FEMALE, "male": MALE}.get(gender, FEMALE + MALE)
        first, last = rng.choice(first_names), rng.choice(SURNAMES)
        name = f"{first} {last}"
        if (name_key(name), place["city"]) in self.names:
            name = f"{first} {rng.choice(FEMALE + MALE)} {last}"  # a middle name
        self.names.add((name_key(name), place["city"]))
        mail = rng.choice(("web", "post", "mailbox", "posteo", "freenet"))
        email = self._unique_email(f"{slug(first)}.{slug(last)}", f"{mail}.example")
        mobile = f"+49 1{rng.choice(('51', '52', '57', '60', '70', '76'))} "
        return Customer(
            kind=Customer.Kind.INDIVIDUAL,
            name=name,
            email=email if rng.random() < 0.9 else "",
            phone=(mobile + f"{rng.randint(1000000, 99999999)}")
            if rng.random() < 0.8
            else "",
            street=place["street"],
            city=place["city"],
            region=place["region"],
            postal_code=place["postal_code"],
            country=place["country"],
            source_channel=_CHANNEL["individual"](rng),
            age_band=_AGE(rng),
            gender=gender,
            occupation=rng.choice(OCCUPATIONS),
            owner=rng.choice(self.owners),
            notes=rng.choice(NOTES) if rng.random() < 0.1 else "",
            is_active=rng.random() >= 0.03,
            external_ref=ref,
            payment_terms_days=rng.choice((0, 14, 14)),
        )

    def twin(self, original: Customer, ref: str) -> Customer:
        """The same company entered again by someone else, slightly differently."""
        rng = self.rng
        name = original.name.upper()
        for legal in LEGAL_FORMS:
            stripped = original.name.removesuffix(" " + legal)
            if stripped != original.name and name_key(stripped) == original.name_key:
                name = stripped
                break
        parts = original.phone.split(" ", 2)
        phone = f"{parts[0]} ({parts[1]}) {parts[2]}" if len(parts) == 3 else ""
        others = [o for o in self.owners if o != original.owner] or self.owners
        return Customer(
            kind=original.kind,
            name=name,
            email=original.email.upper() if rng.random() < 0.6 else "",
            phone=phone,
            city=original.city,
            country=original.country,
            industry=original.industry,
            source_channel=_CHANNEL["company"](rng),
            owner=rng.choice(others),
            notes="Entered at a trade fair; may be a duplicate.",
            external_ref=ref,
        )

    def tags(self, tag_ids: dict[str, int]) -> list[int]:
        count = _TAG_COUNT(self.rng)
        names = list(TAGS)
        weights = list(TAGS.values())
        chosen = []
        while len(chosen) < count:
            name = self.rng.choices(names, weights=weights)[0]
            if name not in chosen:
                chosen.append(name)
        return [tag_ids[n] for n in chosen]

    # -- related records ----------------------------------------------------------

    def contacts(self, customer: Customer, domain: str) -> list[Contact]:
        rng = self.rng
        contacts = []
        titles = list(TITLES)
        rng.shuffle(titles)
        for i in range(_CONTACT_COUNT(rng)):
            first = rng.choice(FEMALE if rng.random() < 0.5 else MALE)
            last = rng.choice(SURNAMES)
            contacts.append(
                Contact(
                    customer_id=customer.pk,
                    name=f"{first} {last}",
                    title=titles[i],
                    email=f"{slug(first)}.{slug(last)}@{domain}",
                    phone=f"{customer.phone}-{rng.randint(10, 99)}"
                    if customer.phone
                    else "",
                    is_primary=i == 0,
                )
            )
        return contacts

    def when(self) -> datetime:
        """A weekday business hour in the span, more often recent than long ago."""
        rng = self.rng
        days_ago = int(self.span_days * rng.random() ** 1.8)
        day = self.today - timedelta(days=days_ago)
        if day.weekday() >= 5:  # weekends: the Friday before, or the Monday after
            back = day - timedelta(days=day.weekday() - 4)
            ahead = day + timedelta(days=7 - day.weekday())
            day = ahead if ahead <= self.today else back
        moment = datetime.combine(
            day, time(rng.randint(8, 17), rng.choice((0, 15, 30, 45))), tzinfo=self.tz
        )
        return moment if moment <= self.now else moment - timedelta(days=1)

    def interactions(
        self, customer: Customer, contacts: list[Contact]
    ) -> list[Interaction]:
        rng = self.rng
        count = _INTERACTION_COUNT(rng)
        if not customer.is_active:
            count //= 3
        moments = sorted(self.when() for _ in range(count))
        interactions = []
        for moment in moments:
            kind = _KIND(rng)
            contact = rng.choice(contacts) if contacts and rng.random() < 0.75 else None
            who = contact.name if contact else customer.name
            summary = rng.choice(SUMMARIES[kind]).format(
                who=who, topic=rng.choice(TOPICS)
            )
            interaction = Interaction(
                customer_id=customer.pk,
                kind=kind,
                occurred_at=moment,
                summary=summary[0].upper() + summary[1:],
                outcome=_OUTCOME(rng) if kind != "note" else "",
                created_by_id=customer.owner_id,
            )
            interaction.demo_contact = contact  # its id is known once it is saved
            interactions.append(interaction)
        return interactions

    def tasks(self, customer: Customer, interactions: list[Interaction]) -> list[Task]:
        rng = self.rng
        tasks = []
        if customer.is_active and rng.random() < 0.32:
            roll = rng.random()
            if roll < 0.3:
                due = self.today - timedelta(days=rng.randint(1, 21))  # overdue
            elif roll < 0.45:
                due = self.today
            else:
                due = self.today + timedelta(days=rng.randint(1, 30))
            latest = interactions[-1] if interactions else None
            if latest is not None and rng.random() < 0.6:
                latest.follow_up_on = due
                kind = latest.get_kind_display().lower()
                title = f"Follow up: {kind} with {customer.name}"
            else:
                latest = None
                title = rng.choice(TASK_TITLES).format(name=customer.name)
            task = Task(
                title=title[:200],
                due_on=due,
                assigned_to_id=customer.owner_id,
                customer_id=customer.pk,
                created_by_id=customer.owner_id,
            )
            task.demo_interaction = latest  # its id is known once it is saved
            tasks.append(task)
        if interactions and rng.random() < 0.2:
            due = self.today - timedelta(days=rng.randint(7, max(7, self.span_days)))
            done_at = datetime.combine(due, time(16, 0), tzinfo=self.tz)
            task = Task(
                title=rng.choice(TASK_TITLES).format(name=customer.name)[:200],
                due_on=due,
                assigned_to_id=customer.owner_id,
                customer_id=customer.pk,
                done=True,
                done_at=done_at,
                created_by_id=customer.owner_id,
            )
            task.demo_interaction = None
            tasks.append(task)
        return tasks


def _keys_set(customer: Customer) -> None:
    customer.email_key = email_key(customer.email)
    customer.phone_key = phone_key(customer.phone)
    customer.name_key = name_key(customer.name)


def customers_seed(
    *,
    rng: random.Random,
    count: int,
    owners: list[AbstractBaseUser],
    months: int = 18,
    progress: Progress | None = None,
) -> int:
    """Create ``count`` demo customers with their contacts, interactions over the
    past ``months`` months and tasks, owned by ``owners``. Returns how many were
    created: 0 when demo customers already exist."""
    if count <= 0 or not owners:
        return 0
    if Customer.objects.filter(external_ref__startswith=DEMO_PREFIX).exists():
        return 0
    owners = sorted(owners, key=lambda u: u.pk)
    generator = _Generator(
        rng=rng, owners=owners, months=months, today=timezone.localdate()
    )
    with transaction.atomic():
        tag_ids = {}
        for name in TAGS:
            tag, _ = Tag.objects.get_or_create(name=name)
            tag_ids[name] = tag.pk
        number = 0
        for start in range(0, count, BATCH_SIZE):
            size = min(BATCH_SIZE, count - start)
            number = _batch_write(generator, tag_ids, number, size)
            if progress:
                progress("customers", size, count)
    return count


def _batch_write(generator: _Generator, tag_ids, number: int, size: int) -> int:
    rng = generator.rng
    customers: list[Customer] = []
    extras: list[dict | None] = []
    while len(customers) < size:
        number += 1
        ref = f"{DEMO_PREFIX}{number:06d}"
        if rng.random() < 0.7:
            customer, extra = generator.company(ref)
            customers.append(customer)
            extras.append(extra)
            if number % TWIN_EVERY == 0 and len(customers) < size:
                number += 1
                customers.append(generator.twin(customer, f"{DEMO_PREFIX}{number:06d}"))
                extras.append(None)
        else:
            customers.append(generator.individual(ref))
            extras.append(None)
    for customer in customers:
        _keys_set(customer)
        customer._history_user = customer.owner
    _customers_insert(customers)
    links, contacts, interactions, tasks = [], [], [], []
    through = Customer.tags.through
    for customer, extra in zip(customers, extras, strict=True):
        links.extend(
            through(customer_id=customer.pk, tag_id=tag_id)
            for tag_id in generator.tags(tag_ids)
        )
        own_contacts = generator.contacts(customer, extra["domain"]) if extra else []
        contacts.extend(own_contacts)
        own_interactions = generator.interactions(customer, own_contacts)
        interactions.extend(own_interactions)
        tasks.extend(generator.tasks(customer, own_interactions))
    _insert(through, links)
    _insert(Contact, contacts, with_pks=True)
    for interaction in interactions:  # the contacts have their ids only now
        contact = interaction.demo_contact
        interaction.contact_id = contact.pk if contact else None
    _insert(Interaction, interactions, with_pks=True)
    for task in tasks:
        task.interaction_id = (
            task.demo_interaction.pk if task.demo_interaction else None
        )
    _insert(Task, tasks)
    return number


# -- writing ----------------------------------------------------------------------
# bulk_create everywhere; on PostgreSQL, COPY instead, which is several times faster
# for the hundreds of thousands of rows of a large demo (ids are drawn from the
# tables' own sequences first, so related rows can point at them).


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def _customers_insert(customers: list[Customer]) -> None:
    if not _postgres():
        bulk_create_with_history(
            customers,
            Customer,
            batch_size=BATCH_SIZE,
            default_change_reason="Demo data",
        )
        return
    _insert(Customer, customers, with_pks=True)
    history = Customer.history.model
    now = timezone.now()
    extra = {
        "history_date": now,
        "history_change_reason": "Demo data",
        "history_type": "+",
    }
    tracked = {f.attname for f in Customer._meta.concrete_fields}
    columns = [
        f
        for f in history._meta.concrete_fields
        if not f.primary_key and (f.attname in tracked or f.attname in extra)
    ] + [history._meta.get_field("history_user")]
    rows = (
        [
            getattr(c, f.attname) if f.attname in tracked else extra[f.attname]
            for f in columns[:-1]
        ]
        + [c.owner_id]
        for c in customers
    )
    _copy(history, columns, rows)


def _insert(model: type[models.Model], objs: list, *, with_pks: bool = False) -> None:
    if not objs:
        return
    if not _postgres():
        model.objects.bulk_create(objs, batch_size=BATCH_SIZE)
        return
    if with_pks:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) "
                "FROM generate_series(1, %s)",
                [model._meta.db_table, model._meta.pk.column, len(objs)],
            )
            for obj, (pk,) in zip(objs, cursor.fetchall(), strict=True):
                obj.pk = pk
    columns = [f for f in model._meta.concrete_fields if with_pks or not f.primary_key]
    rows = ([f.pre_save(obj, True) for f in columns] for obj in objs)
    _copy(model, columns, rows)
    for obj in objs:
        obj._state.adding = False


def _copy(model: type[models.Model], columns: list, rows) -> None:
    quote = connection.ops.quote_name
    names = ", ".join(quote(f.column) for f in columns)
    sql = f"COPY {quote(model._meta.db_table)} ({names}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row([v.value if isinstance(v, enum.Enum) else v for v in row])
