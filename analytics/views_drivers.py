"""Forecast drivers (managers): list, add, edit the monthly values, delete. The
forecast job gives the active drivers to the regression with drivers for total
revenue; these pages say which months a run today would need."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.generic import CreateView, ListView, UpdateView

from analytics.forms import ForecastDriverForm, driver_values_text
from analytics.models import ForecastDriver
from analytics.selectors import (
    driver_list,
    driver_month_grid,
    driver_values,
    driver_window,
)
from analytics.services import driver_delete, driver_save
from sms.idempotency import PostOnceMixin


class DriverListView(PermissionRequiredMixin, ListView):
    permission_required = "analytics.change_forecastdriver"
    template_name = "analytics/driver_list.html"
    context_object_name = "drivers"

    def get_queryset(self):
        return driver_list(user=self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        window = driver_window(as_of=timezone.localdate())
        drivers = list(context["drivers"])
        values = driver_values(driver_ids=[d.pk for d in drivers])
        for driver in drivers:
            driver.missing = window.missing(values[driver.pk]) if window else []
        context.update(drivers=drivers, window=window)
        return context


class _DriverFormMixin:
    model = ForecastDriver
    form_class = ForecastDriverForm
    template_name = "analytics/driver_form.html"

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            self.object = driver_save(
                driver=self.object,
                name=data["name"],
                description=data["description"],
                is_active=data["is_active"],
                values=data["values"],
                user=self.request.user,
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.error_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error("values", exc)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("Saved %(name)s with %(count)d monthly value(s).")
            % {"name": self.object.name, "count": len(data["values"])},
        )
        return redirect(self.object)

    def stored_values(self) -> dict:
        if self.object is None:
            return {}
        if not hasattr(self, "_stored"):
            self._stored = driver_values(driver_ids=[self.object.pk])[self.object.pk]
        return self._stored

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        window = driver_window(as_of=timezone.localdate())
        stored = self.stored_values()
        context.update(
            window=window,
            grid=driver_month_grid(values=stored, window=window),
            missing=window.missing(stored) if window else [],
            value_count=len(stored),
        )
        return context


class DriverCreateView(
    PermissionRequiredMixin, PostOnceMixin, _DriverFormMixin, CreateView
):
    permission_required = "analytics.add_forecastdriver"

    def get_initial(self):
        return {"is_active": True}


class DriverUpdateView(PermissionRequiredMixin, _DriverFormMixin, UpdateView):
    permission_required = "analytics.change_forecastdriver"
    context_object_name = "driver"

    def get_queryset(self):
        return driver_list(user=self.request.user)

    def get_initial(self):
        return {"values": driver_values_text(self.stored_values())}


@require_POST
@permission_required("analytics.delete_forecastdriver", raise_exception=True)
def driver_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    driver = get_object_or_404(driver_list(user=request.user), pk=pk)
    driver_delete(driver=driver)
    messages.success(request, _("Deleted %(name)s.") % {"name": driver.name})
    return redirect(reverse("analytics:driver-list"))
