"""Shared tables: document number counters."""

from django.db import models


class DocumentCounter(models.Model):
    """The last number handed out for one document prefix and year (SO-2026-…).

    Numbers are unique but not gap-free: a rolled-back transaction gives its number
    back, and imports may take numbers of their own (see sms.numbering).
    """

    prefix = models.CharField(max_length=8)
    year = models.PositiveSmallIntegerField()
    value = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["prefix", "year"], name="documentcounter_unique_prefix_year"
            )
        ]

    def __str__(self) -> str:
        return f"{self.prefix}-{self.year}: {self.value}"
