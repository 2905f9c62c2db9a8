"""Which outboxes exist: filled by the using apps in their AppConfig.ready()."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

from django.utils.module_loading import import_string


class Sendable(Protocol):
    def send(self) -> Any: ...


@dataclass(frozen=True)
class Outbox:
    """One use of the outbox: its rows, how a row becomes a message, how often a
    failing message is tried and how long to wait between tries."""

    model: type  # a concrete sms.outbox.models.OutboxMessage
    # The builder, or its dotted path: imported at the first send, so a builder
    # with heavy imports (PDF rendering) costs nothing at start-up.
    build: Callable[[Any], Sendable] | str
    max_attempts: int = 5
    first_retry: timedelta = timedelta(minutes=1)
    longest_retry: timedelta = timedelta(hours=1)

    @property
    def label(self) -> str:
        return self.model._meta.label

    def message(self, row) -> Sendable:
        build = import_string(self.build) if isinstance(self.build, str) else self.build
        return build(row)

    def retry_delay(self, attempts: int) -> timedelta:
        """The wait after the ``attempts``-th failed attempt: doubling from
        ``first_retry``, at most ``longest_retry``."""
        return min(self.first_retry * 2 ** max(attempts - 1, 0), self.longest_retry)


_outboxes: dict[str, Outbox] = {}


def outbox_register(**declaration) -> Outbox:
    """Declare an outbox (keyword arguments of ``Outbox``); once per model."""
    outbox = Outbox(**declaration)
    _outboxes[outbox.label] = outbox
    return outbox


def outbox_for(model_or_label: type | str) -> Outbox:
    label = (
        model_or_label
        if isinstance(model_or_label, str)
        else model_or_label._meta.label
    )
    try:
        return _outboxes[label]
    except KeyError:
        raise LookupError(f"No outbox is registered for {label}.") from None


def outboxes() -> list[Outbox]:
    return list(_outboxes.values())
