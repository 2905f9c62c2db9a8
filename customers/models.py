from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from simple_history.models import HistoricalRecords


class Tag(models.Model):
    """A free label on customers: interests, preferences, segments a rep keeps."""

    name = models.CharField(max_length=50, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CustomerQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True, merged_into__isnull=True)


class Customer(models.Model):
    class Kind(models.TextChoices):
        COMPANY = "company", "Company"
        INDIVIDUAL = "individual", "Individual"

    class Channel(models.TextChoices):
        WEBSITE = "website", "Website"
        ADVERTISING = "advertising", "Advertising"
        EVENT = "event", "Event"
        REFERRAL = "referral", "Referral"
        PARTNER = "partner", "Partner"
        COLD_OUTREACH = "cold_outreach", "Cold outreach"
        OTHER = "other", "Other"

    class Industry(models.TextChoices):
        RETAIL = "retail", "Retail"
        MANUFACTURING = "manufacturing", "Manufacturing"
        HEALTHCARE = "healthcare", "Healthcare"
        EDUCATION = "education", "Education"
        HOSPITALITY = "hospitality", "Hospitality"
        TECHNOLOGY = "technology", "Technology"
        CONSTRUCTION = "construction", "Construction"
        FINANCE = "finance", "Finance"
        LOGISTICS = "logistics", "Logistics"
        PUBLIC_SECTOR = "public_sector", "Public sector"
        CONSUMER = "consumer", "Consumer"
        OTHER = "other", "Other"

    class AgeBand(models.TextChoices):
        UNDER_25 = "18-24", "18-24"
        FROM_25 = "25-34", "25-34"
        FROM_35 = "35-44", "35-44"
        FROM_45 = "45-54", "45-54"
        FROM_55 = "55-64", "55-64"
        OVER_64 = "65+", "65+"

    class Gender(models.TextChoices):
        FEMALE = "female", "Female"
        MALE = "male", "Male"
        OTHER = "other", "Other"
        UNDISCLOSED = "undisclosed", "Prefer not to say"

    kind = models.CharField(max_length=10, choices=Kind, default=Kind.COMPANY)
    name = models.CharField(max_length=200)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=32, blank=True)
    street = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    region = models.CharField(max_length=100, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    country = models.CharField(max_length=100, blank=True)
    industry = models.CharField(max_length=20, choices=Industry, blank=True)
    source_channel = models.CharField(
        max_length=20, choices=Channel, default=Channel.OTHER
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="customers")
    age_band = models.CharField(max_length=5, choices=AgeBand, blank=True)
    gender = models.CharField(max_length=11, choices=Gender, blank=True)
    occupation = models.CharField(max_length=100, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="customers"
    )
    notes = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)
    external_ref = models.CharField(
        "external reference",
        max_length=64,
        blank=True,
        help_text="The customer's key in another system; imports match on it.",
    )
    payment_terms_days = models.PositiveSmallIntegerField(default=30)
    # Normalised copies for duplicate detection, kept by customers.services.
    email_key = models.CharField(max_length=254, blank=True, editable=False)
    phone_key = models.CharField(max_length=32, blank=True, editable=False)
    name_key = models.CharField(max_length=200, blank=True, editable=False)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Counts saved changes; edit forms carry it so a stale save is refused
    # (sms.concurrency). The database default serves rows COPYed in (sms.bulk).
    version = models.PositiveIntegerField(default=1, db_default=1, editable=False)

    history = HistoricalRecords(excluded_fields=["email_key", "phone_key", "name_key"])
    objects = CustomerQuerySet.as_manager()

    class Meta:
        ordering = ["name", "pk"]
        permissions = [
            ("reassign_customer", "Can reassign the owner of customers"),
            ("merge_customer", "Can merge duplicate customers"),
            ("import_customer", "Can import customers"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["external_ref"],
                condition=~Q(external_ref=""),
                name="customer_external_ref_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["owner", "name"]),
            models.Index(fields=["email_key"]),
            models.Index(fields=["phone_key"]),
            models.Index(fields=["name_key", "city"]),
            # A rep's scope (owner) as a join key, without reading the table: the
            # reports join every order of the period to it.
            models.Index(
                fields=["owner"],
                include=["id", "merged_into"],
                name="customer_owner_cover_idx",
            ),
            # The region filter's choices (DISTINCT region) from the index alone.
            models.Index(fields=["region"], name="customer_region_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("customers:customer-detail", args=[self.pk])

    @property
    def address(self) -> str:
        parts = [self.street, " ".join(p for p in (self.postal_code, self.city) if p)]
        return ", ".join(p for p in (*parts, self.region, self.country) if p)


class Contact(models.Model):
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="contacts"
    )
    name = models.CharField(max_length=200)
    title = models.CharField(max_length=100, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=32, blank=True)
    is_primary = models.BooleanField("primary contact", default=False)
    # Counts saved changes; edit forms carry it so a stale save is refused
    # (sms.concurrency). The database default serves rows COPYed in (sms.bulk).
    version = models.PositiveIntegerField(default=1, db_default=1, editable=False)

    class Meta:
        ordering = ["-is_primary", "name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer"],
                condition=Q(is_primary=True),
                name="contact_one_primary_per_customer",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Interaction(models.Model):
    class Kind(models.TextChoices):
        CALL = "call", "Call"
        EMAIL = "email", "E-mail"
        MEETING = "meeting", "Meeting"
        NOTE = "note", "Note"

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="interactions"
    )
    contact = models.ForeignKey(
        Contact,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="interactions",
    )
    kind = models.CharField(max_length=10, choices=Kind, default=Kind.CALL)
    occurred_at = models.DateTimeField()
    summary = models.TextField()
    outcome = models.CharField(max_length=200, blank=True)
    follow_up_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_at", "-pk"]
        indexes = [
            models.Index(fields=["customer", "-occurred_at"]),
            # Activities logged in a period (the Sales team report), covering what
            # it counts: interactions are spread over the table (logged per
            # customer), so reading the rows themselves costs ten times the pages.
            models.Index(
                fields=["occurred_at"],
                include=["id", "customer", "created_by"],
                name="interaction_occurred_idx",
            ),
        ]

    def __str__(self) -> str:
        when = f"{self.occurred_at:%Y-%m-%d}"
        return f"{self.get_kind_display()} with {self.customer} on {when}"


class TaskQuerySet(models.QuerySet):
    def open(self):
        return self.filter(done=False)


class Task(models.Model):
    title = models.CharField(max_length=200)
    due_on = models.DateField()
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="tasks"
    )
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.CASCADE, related_name="tasks"
    )
    interaction = models.OneToOneField(
        Interaction,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="follow_up_task",
    )
    done = models.BooleanField(default=False)
    done_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TaskQuerySet.as_manager()

    class Meta:
        ordering = ["done", "due_on", "pk"]
        indexes = [models.Index(fields=["assigned_to", "done", "due_on"])]

    def __str__(self) -> str:
        return self.title


class CustomerMerge(models.Model):
    """The record of a merge: which customer was folded into which, by whom."""

    survivor = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="merges"
    )
    merged = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="merged_away"
    )
    merged_name = models.CharField(max_length=200)
    moved = models.JSONField(default=dict, help_text="Counts of the records moved.")
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    merged_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-merged_at"]

    def __str__(self) -> str:
        return f"{self.merged_name} merged into {self.survivor}"
