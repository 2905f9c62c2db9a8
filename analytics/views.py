"""Analytics pages: the index and the Jobs page (start a job, watch its progress,
open any past run). Progress updates without reloading through a small JSON
endpoint that static/analytics/jobs.js polls; without JavaScript a reload shows
the same thing, because everything lives on the JobRun row."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.generic import DetailView, ListView

from analytics.forms import JobStartForm
from analytics.jobs import job_start
from analytics.models import JobRun
from analytics.selectors import jobrun_list, jobrun_statuses
from analytics.templatetags.analytics_tags import duration_text, status_badge


@permission_required("analytics.view_jobrun", raise_exception=True)
def analytics_index_view(request: HttpRequest) -> HttpResponse:
    recent = jobrun_list(user=request.user)[:5]
    return render(request, "analytics/index.html", {"recent_runs": recent})


class JobRunListView(PermissionRequiredMixin, ListView):
    permission_required = "analytics.view_jobrun"
    paginate_by = 25
    form = None

    def get_queryset(self):
        kind = self.request.GET.get("kind")
        return jobrun_list(
            user=self.request.user, kind=kind if kind in JobRun.Kind.values else None
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.request.user.has_perm("analytics.run_job"):
            context["form"] = self.form or JobStartForm()
        context["kinds"] = JobRun.Kind.choices
        return context

    def post(self, request, *args, **kwargs):
        if not request.user.has_perm("analytics.run_job"):
            raise PermissionDenied
        form = JobStartForm(request.POST)
        if form.is_valid():
            try:
                job = job_start(
                    kind=form.cleaned_data["kind"],
                    parameters=form.parameters(),
                    user=request.user,
                )
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                messages.success(
                    request, _("%(job)s started.") % {"job": job.get_kind_display()}
                )
                return redirect("analytics:jobrun-list")
        self.form = form
        self.object_list = self.get_queryset()
        return self.render_to_response(self.get_context_data(), status=400)


class JobRunDetailView(PermissionRequiredMixin, DetailView):
    permission_required = "analytics.view_jobrun"
    context_object_name = "run"

    def get_queryset(self):
        return jobrun_list(user=self.request.user)


def jobrun_status(run: JobRun) -> dict:
    return {
        "id": run.pk,
        "status": run.status,
        "status_label": str(run.get_status_display()),
        "badge": status_badge(run.status),
        "progress": run.progress,
        "message": run.message,
        "duration": duration_text(run.duration),
        "error": run.error.split("\n", 1)[0] if run.error else "",
        "finished": run.is_finished,
    }


@require_GET
@never_cache
@permission_required("analytics.view_jobrun", raise_exception=True)
def jobrun_status_view(request: HttpRequest) -> JsonResponse:
    """``?id=1&id=2``: the current status of those runs, for the polling script."""
    ids = [int(value) for value in request.GET.getlist("id") if value.isdigit()]
    runs = jobrun_statuses(user=request.user, ids=ids)
    return JsonResponse({"jobs": [jobrun_status(run) for run in runs]})
