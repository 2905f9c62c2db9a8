"""Refusing stale edits (optimistic locking).

A record that several people may edit has a ``version`` number. Its edit form
carries the version it was read at (a hidden field); the service that saves the
form claims the row with a conditional UPDATE (``WHERE version = <read version>``,
setting ``version + 1``). The UPDATE also locks the row until the transaction
ends, so of two saves of the same version exactly one matches: the other finds
the version moved on and raises ``StaleEdit``, which names who changed what, so
the page can show it, keep the user's input and offer the current version (a
deliberate second save then wins).

Other writes that change what an edit form shows (a stage move, a merge, an
order's status) call ``version_bump`` so a form opened before them is refused
too. Writes of fields no form shows (timestamps, paid amounts) leave the
version alone: they cannot be lost by a form save.
"""

from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal

from django import forms
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.db.models import F
from django.utils import formats, timezone
from django.utils.translation import gettext as _

VERSION_FIELD = "version"


class StaleEdit(ValidationError):
    """A save from a form read at an older version. ``current_version`` is the
    version to offer in the form again; ``changes`` lists (label, their value,
    your value) for each field someone else changed; ``differs`` says whether
    any submitted value differs from the record as it is now."""

    def __init__(
        self,
        *,
        current_version: int,
        changes: list[tuple[str, str, str]],
        by: str = "",
        at: datetime | None = None,
        differs: bool = True,
    ):
        self.current_version = current_version
        self.changes = changes
        self.differs = differs
        self.by = by
        self.at = at
        super().__init__(_stale_message(changes=changes, by=by, at=at), code="stale")


def version_field() -> forms.IntegerField:
    """The hidden field an edit form carries the read version in."""
    return forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)


def form_version_set(form: forms.BaseForm, version: int) -> None:
    """Offer ``version`` in the form: as initial value, or (a bound form shown
    again after a stale save) in its data, so the next save is checked against
    the version the user has now seen."""
    if form.is_bound:
        data = form.data.copy()
        data[form.add_prefix(VERSION_FIELD)] = str(version)
        form.data = data
    else:
        form.initial[VERSION_FIELD] = version


def version_claim(
    *,
    instance: models.Model,
    version: int | None,
    submitted: Mapping[str, object],
    current: Callable[[], Mapping[str, object]] | None = None,
) -> None:
    """Count this save as the next version of ``instance``'s row, or raise
    StaleEdit if the row is no longer at ``version``.

    Call it inside the saving transaction, before writing. ``submitted`` holds
    the form's values by field name; ``current`` returns the present values of
    names that are not model fields (tags, lines), read only for the list of
    changes of a stale save. Without a
    version (imports, the API, scripts) the save is counted unchecked.
    """
    if version is None:
        version_bump(instance)
        return
    model = type(instance)
    claimed = model._base_manager.filter(pk=instance.pk, version=version).update(
        version=F(VERSION_FIELD) + 1
    )
    if claimed:
        instance.version = version + 1
        return
    extra = current() if current is not None else {}
    stale = _stale_edit(model, instance.pk, version, submitted, extra, lock=True)
    if stale.differs:
        raise stale
    # The record already holds what was submitted (a form sent twice, or the
    # same change made by two people): nothing to lose, nothing to refuse.
    instance.version = stale.current_version


def version_bump(instance: models.Model) -> None:
    """Count a change of ``instance``'s row made by something other than its edit
    form; ``instance.version`` is set to the new number."""
    model = type(instance)
    rows = model._base_manager.filter(pk=instance.pk)
    rows.update(version=F(VERSION_FIELD) + 1)
    instance.version = rows.values_list(VERSION_FIELD, flat=True).get()


def _stale_edit(
    model, pk, version, submitted, current_extra, *, lock: bool = False
) -> StaleEdit:
    rows = model._base_manager.filter(pk=pk)
    # Locked when the save may go on (nothing differs), so nobody changes the
    # row between this comparison and that save.
    current = (rows.select_for_update() if lock else rows).get()
    base = by = at = None
    history = getattr(current, "history", None)
    if history is not None and hasattr(model, "history"):
        records = history.select_related("history_user").order_by(
            "-history_date", "-history_id"
        )
        latest = records.filter(version__gt=version).first()
        base = records.filter(version__lte=version).first()
        if latest is not None:
            by, at = latest.history_user, latest.history_date
    if at is None:
        at = getattr(current, "updated_at", None)
    changes = []
    differs = False
    for name, mine in submitted.items():
        if name == VERSION_FIELD:
            continue
        field = _model_field(model, name)
        if field is None and name not in current_extra:
            continue
        theirs = current_extra[name] if field is None else getattr(current, name)
        if _same(theirs, mine):
            continue
        differs = True
        # With history, a field the user changed and nobody else did is no
        # conflict: list only what the other person changed.
        untouched = base is not None and field is not None
        if untouched and _same(getattr(base, name), theirs):
            continue
        label = str(field.verbose_name) if field is not None else name
        changes.append(
            (label[:1].upper() + label[1:], _show(field, theirs), _show(field, mine))
        )
    return StaleEdit(
        current_version=current.version,
        changes=changes,
        by=_user_name(by),
        at=at,
        differs=differs,
    )


def _model_field(model, name):
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:  # a name that is not a field (tags, lines)
        return None
    return field if field.concrete and not field.many_to_many else None


def _key(value):
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, (list, tuple)):
        return [_key(v) for v in value]
    if value is None:
        return ""
    return value


def _same(a, b) -> bool:
    return _key(a) == _key(b)


def _show(field, value) -> str:
    if value is None or value == "" or value == []:
        return _("(empty)")
    if field is not None and field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if hasattr(value, "get_full_name"):
        return _user_name(value)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    if isinstance(value, (date, Decimal)):
        return formats.localize(value)
    return str(value)


def _user_name(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def _stale_message(*, changes, by: str, at: datetime | None) -> str:
    when = formats.date_format(timezone.localtime(at), "DATETIME_FORMAT") if at else ""
    who = ", ".join(part for part in (by, when) if part)
    if who:
        head = _("Someone else (%(who)s) changed this record since you opened it") % {
            "who": who
        }
    else:
        head = _("Someone else changed this record since you opened it")
    if changes:
        listed = "; ".join(
            _("%(field)s: %(theirs)s (you had %(mine)s)")
            % {"field": label, "theirs": theirs, "mine": mine}
            for label, theirs, mine in changes
        )
        head = f"{head}: {listed}."
    else:
        head = f"{head}."
    return f"{head} " + _("Your changes are not saved; review and save again.")


def stale_edit_show(form: forms.BaseForm, exc: StaleEdit) -> None:
    """Put a stale save's message at the top of the form the user keeps editing,
    with the current version, so saving again deliberately overrides."""
    form.add_error(None, exc)
    form_version_set(form, exc.current_version)


class VersionedEditMixin:
    """For a page's ModelForm with a ``version_field()``: an edit carries the
    version it was read at (a stale save is refused); a new record has none."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance.pk:
            del self.fields[VERSION_FIELD]
        elif not self.is_bound:
            form_version_set(self, self.instance.version)


class VersionedModelForm(forms.ModelForm):
    """An admin change form that carries the version it was read at and refuses a
    save over someone else's newer change (checked when the form is cleaned; the
    save that follows counts the change)."""

    version = version_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            form_version_set(self, self.instance.version)

    def clean(self):
        cleaned = super().clean()
        version = cleaned.get(VERSION_FIELD)
        if self.instance.pk is None or version is None:
            return cleaned
        model = type(self.instance)
        now = model._base_manager.filter(pk=self.instance.pk).values_list(
            VERSION_FIELD, flat=True
        )
        if now.first() not in (None, version):
            submitted = {k: v for k, v in cleaned.items() if k != VERSION_FIELD}
            stale = _stale_edit(model, self.instance.pk, version, submitted, {})
            form_version_set(self, stale.current_version)
            if stale.differs:
                raise stale
        return cleaned


class VersionedAdminMixin:
    """For a ModelAdmin: its change form refuses a stale save (VersionedModelForm)
    and a save counts as a change of the row."""

    form = VersionedModelForm
    # The model field is not editable; the form's own hidden field carries it.
    exclude = (VERSION_FIELD,)

    def get_fields(self, request, obj=None):
        fields = [f for f in super().get_fields(request, obj) if f != VERSION_FIELD]
        return [*fields, VERSION_FIELD] if obj is not None else fields

    def save_model(self, request, obj, form, change):
        # Reached only by admins that save plainly (the others call a service,
        # which counts the change).
        if change:
            version_bump(obj)
        super().save_model(request, obj, form, change)
