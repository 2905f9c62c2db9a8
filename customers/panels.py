"""Panels other apps add to the customer page, without customers importing them.

Apps that depend on customers (orders, opportunities) register a panel in their
AppConfig.ready(): a template and a function returning its context. The customer
page renders every registered panel in order. This keeps the dependency arrow
pointing at customers, as DESIGN.md requires.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Panel:
    key: str
    template: str
    context: Callable[..., dict]  # (*, customer, user) -> dict
    order: int = 100


_PANELS: dict[str, Panel] = {}


def panel_register(
    *, key: str, template: str, context: Callable[..., dict], order: int = 100
) -> None:
    _PANELS[key] = Panel(key=key, template=template, context=context, order=order)


def panels_render(*, customer, user) -> list[dict]:
    """[{"key", "template", "context"}] for the customer page, in order."""
    return [
        {
            "key": panel.key,
            "template": panel.template,
            "context": panel.context(customer=customer, user=user),
        }
        for panel in sorted(_PANELS.values(), key=lambda p: (p.order, p.key))
    ]


# Timeline sources: other apps' events on the customer's timeline -----------------

_TIMELINE: dict[str, tuple[Callable[..., list], str]] = {}


def timeline_source_register(
    *, key: str, entries: Callable[..., list], template: str
) -> None:
    """``entries(*, customer, limit)`` returns [{"when", "object"}], newest first;
    ``template`` renders one entry (as ``obj``) inside the timeline's list."""
    _TIMELINE[key] = (entries, template)


def timeline_entries(*, customer, limit: int) -> list[dict]:
    return [
        {**entry, "type": key, "template": template}
        for key, (entries, template) in sorted(_TIMELINE.items())
        for entry in entries(customer=customer, limit=limit)
    ]
