from django import template

from opportunities.tables import STAGE_BADGES

register = template.Library()


@register.filter
def stage_class(stage: str) -> str:
    """The badge colour of a stage (an opportunity's, or a stage value)."""
    return STAGE_BADGES.get(getattr(stage, "stage", stage), "text-bg-secondary")


@register.filter
def initials(user) -> str:
    """Two letters for a card: first and last name, else the username."""
    if not user:
        return "—"
    letters = (user.first_name[:1] + user.last_name[:1]).upper()
    return letters or user.get_username()[:2].upper()
