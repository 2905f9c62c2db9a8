"""Document numbers such as SO-2026-000123: unique, increasing within a year."""

from collections.abc import Callable, Container

from django.db import IntegrityError, transaction

from sms.models import DocumentCounter


def _counter_locked(*, prefix: str, year: int) -> DocumentCounter:
    counter = (
        DocumentCounter.objects.select_for_update()
        .filter(prefix=prefix, year=year)
        .first()
    )
    if counter is not None:
        return counter
    try:
        # A savepoint: losing the race to create the row must not spoil the caller.
        with transaction.atomic():
            DocumentCounter.objects.create(prefix=prefix, year=year)
    except IntegrityError:
        pass
    return DocumentCounter.objects.select_for_update().get(prefix=prefix, year=year)


@transaction.atomic
def number_next(*, prefix: str, year: int, taken: Callable[[str], bool]) -> str:
    """The next free number ``PREFIX-YEAR-NNNNNN``.

    The counter row stays locked until the caller's transaction ends, so two orders
    never get the same number. ``taken`` skips numbers that exist already (an
    imported order may carry one).
    """
    counter = _counter_locked(prefix=prefix, year=year)
    while True:
        counter.value += 1
        number = f"{prefix}-{year}-{counter.value:06d}"
        if not taken(number):
            break
    counter.save(update_fields=["value"])
    return number


@transaction.atomic
def number_block(
    *, prefix: str, year: int, count: int, taken: Container[str] = frozenset()
) -> list[str]:
    """``count`` free numbers ``PREFIX-YEAR-NNNNNN`` for rows written in bulk (demo
    data, imports), in increasing order; the counter moves past the last one, so
    number_next never hands them out again. ``taken`` holds numbers that exist
    already (a set: it is asked once per number)."""
    counter = _counter_locked(prefix=prefix, year=year)
    numbers: list[str] = []
    while len(numbers) < count:
        counter.value += 1
        number = f"{prefix}-{year}-{counter.value:06d}"
        if number not in taken:
            numbers.append(number)
    if count > 0:
        counter.save(update_fields=["value"])
    return numbers
