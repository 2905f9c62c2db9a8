"""Follow-ups that do not slip: the daily stale-opportunity check and the reps' digest.

An open opportunity is stale when nothing has happened on it for
SMS_STALE_OPPORTUNITY_DAYS days, or when its expected close date has passed.
"Something happened" is the latest of: its last_activity_at (stage moves, quotes and
edits touch it), the latest interaction logged on its customer, and the completion of
its previous follow-up task (finishing a follow-up counts as following up).

Each stale opportunity gets one customers.Task for its owner, linked through
Opportunity.follow_up_task. While that task is open no other is made; once it is done
(or deleted) the next run may make a new one if the opportunity is still stale.
Opportunities whose owner is inactive (or missing) get no task: they are listed in
the result and in the command's summary so a manager reassigns them; a task for
someone who no longer logs in would slip silently, which is what this check is for.

After the tasks, each rep with stale opportunities is e-mailed one digest a day
(FollowUpDigest records it, so a second run the same day sends none).
"""

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, Greatest
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.models import Interaction, Task
from customers.services import task_create
from opportunities.models import FollowUpDigest, Opportunity
from sms.broker import enqueue

logger = logging.getLogger(__name__)

TASK_TITLE_MAX = 200


@dataclass
class FollowUpResult:
    """What one run of the check did (the command prints it; the task returns it)."""

    stale: int = 0
    created: list[Task] = field(default_factory=list)
    already_open: int = 0
    inactive_owner: list[Opportunity] = field(default_factory=list)
    digests_queued: int = 0


def _stale_days(stale_days: int | None) -> int:
    return max(1, stale_days or settings.SMS_STALE_OPPORTUNITY_DAYS)


def _cutoff(*, today: date, stale_days: int) -> datetime:
    """Activity before this instant is `stale_days` or more calendar days old."""
    day = today - timedelta(days=stale_days - 1)
    return timezone.make_aware(datetime.combine(day, time.min))


def opportunity_stale_list(
    *, today: date | None = None, stale_days: int | None = None
) -> QuerySet[Opportunity]:
    """Open opportunities with no activity for `stale_days` days, or past their
    expected close date; annotated with ``activity`` (the latest activity)."""
    today = today or timezone.localdate()
    stale_days = _stale_days(stale_days)
    latest_interaction = Subquery(
        Interaction.objects.filter(customer=OuterRef("customer"))
        .order_by("-occurred_at")
        .values("occurred_at")[:1]
    )
    # Greatest is NULL on SQLite when any argument is: coalesce each to the one
    # column that is never NULL.
    return (
        Opportunity.objects.open()
        .annotate(
            activity=Greatest(
                "last_activity_at",
                Coalesce(latest_interaction, "last_activity_at"),
                Coalesce("follow_up_task__done_at", "last_activity_at"),
            )
        )
        .filter(
            Q(activity__lt=_cutoff(today=today, stale_days=stale_days))
            | Q(expected_close_date__lt=today)
        )
    )


def _why(*, opportunity: Opportunity, today: date, stale_days: int) -> str:
    reasons = []
    if opportunity.expected_close_date and opportunity.expected_close_date < today:
        reasons.append(
            _("expected close passed on %(date)s")
            % {"date": opportunity.expected_close_date.isoformat()}
        )
    idle = (today - timezone.localdate(opportunity.activity)).days
    if idle >= stale_days:
        reasons.append(_("no activity for %(days)d days") % {"days": idle})
    return "; ".join(reasons)


def _task_title(*, opportunity: Opportunity, why: str) -> str:
    title = opportunity.title
    text = _("Follow up: %(title)s (%(why)s)") % {"title": title, "why": why}
    overflow = len(text) - TASK_TITLE_MAX
    if overflow > 0:
        short = title[: max(1, len(title) - overflow - 1)] + "…"
        text = _("Follow up: %(title)s (%(why)s)") % {"title": short, "why": why}
    return text[:TASK_TITLE_MAX]


@transaction.atomic
def _follow_up_task_create(
    *, opportunity_id: int, why: str, today: date
) -> Task | None:
    """Make the follow-up task for one opportunity, unless an open one exists (the
    row is locked, so two runs at once still make one task)."""
    # No joins in the locking query: after waiting for the lock PostgreSQL
    # re-reads only the locked row, so a task another run just made would be
    # missing from the join. Related rows are read after the lock.
    opportunity = Opportunity.objects.select_for_update().get(pk=opportunity_id)
    current = opportunity.follow_up_task
    if current is not None and not current.done:
        return None
    if not opportunity.is_open:
        return None
    task = task_create(
        title=_task_title(opportunity=opportunity, why=why),
        due_on=today,
        assigned_to=opportunity.owner,
        created_by=opportunity.owner,
        customer=opportunity.customer,
    )
    opportunity.follow_up_task = task
    opportunity.save(update_fields=["follow_up_task"])
    return task


def opportunities_follow_up(
    *, today: date | None = None, stale_days: int | None = None
) -> FollowUpResult:
    """Create one follow-up task per stale open opportunity (never a second while
    the first is open), then queue each rep's daily digest (sent once per day)."""
    from opportunities.tasks import follow_up_digest_send as digest_send_task

    today = today or timezone.localdate()
    stale_days = _stale_days(stale_days)
    result = FollowUpResult()
    reps: set[int] = set()
    stale = opportunity_stale_list(today=today, stale_days=stale_days).select_related(
        "owner", "follow_up_task"
    )
    for opportunity in stale.order_by("pk"):
        result.stale += 1
        owner = opportunity.owner
        if owner is None or not owner.is_active:
            result.inactive_owner.append(opportunity)
            continue
        reps.add(owner.pk)
        task = opportunity.follow_up_task
        if task is not None and not task.done:
            result.already_open += 1
            continue
        why = _why(opportunity=opportunity, today=today, stale_days=stale_days)
        created = _follow_up_task_create(
            opportunity_id=opportunity.pk, why=why, today=today
        )
        if created is None:
            result.already_open += 1
        else:
            result.created.append(created)
    for user_id in sorted(reps):
        # If the job queue is down the digest is not sent today: the tasks it
        # lists are created all the same and show in the rep's task list.
        transaction.on_commit(
            partial(
                enqueue,
                digest_send_task,
                (user_id, today.isoformat(), stale_days),
                what=f"Follow-up digest for user {user_id}",
            )
        )
        result.digests_queued += 1
    return result


def follow_up_digest_send(
    *, user: AbstractBaseUser, day: date, stale_days: int | None = None
) -> bool:
    """E-mail one rep their stale opportunities and the follow-up tasks created for
    them that day, once per day. Returns whether a mail was sent.

    The day is claimed (a FollowUpDigest row, unique per rep and day) before sending,
    so a repeated run or a task delivered twice sends nothing; if sending fails the
    claim is removed and the error re-raised for the task to retry.
    """
    if not user.is_active or not user.email:
        return False
    stale_days = _stale_days(stale_days)
    opportunities = list(
        opportunity_stale_list(today=day, stale_days=stale_days)
        .filter(owner=user)
        .select_related("customer", "follow_up_task")
        .order_by("expected_close_date", "pk")
    )
    tasks = list(
        Task.objects.filter(
            assigned_to=user,
            created_at__date=day,
            pk__in=Opportunity.objects.filter(owner=user).values("follow_up_task"),
        ).order_by("due_on", "pk")
    )
    if not opportunities and not tasks:
        return False
    try:
        with transaction.atomic():
            digest = FollowUpDigest.objects.create(
                user=user, day=day, opportunities=len(opportunities), tasks=len(tasks)
            )
    except IntegrityError:
        return False  # already sent today
    for opportunity in opportunities:
        opportunity.why = _why(
            opportunity=opportunity, today=day, stale_days=stale_days
        )
    context = {
        "user": user,
        "day": day,
        "opportunities": opportunities,
        "tasks": tasks,
        "stale_days": stale_days,
    }
    subject = _(
        "Follow-ups for %(day)s: %(count)d stale opportunities, %(tasks)d new tasks"
    ) % {"day": day.isoformat(), "count": len(opportunities), "tasks": len(tasks)}
    try:
        send_mail(
            subject=subject,
            message=render_to_string(
                "opportunities/email/follow_up_digest.txt", context
            ),
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[user.email],
        )
    except Exception:
        digest.delete()
        raise
    return True


def follow_up_digest_send_for(*, user_id: int, day: date, stale_days: int) -> bool:
    """The digest for a user id (the task's entry point); a user gone sends none."""
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is None:
        return False
    return follow_up_digest_send(user=user, day=day, stale_days=stale_days)
