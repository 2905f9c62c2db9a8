"""A throwaway admin site with the import-export admin for customers, so the tests
can drive the admin's import without touching the project's admin registrations."""

from django.contrib.admin import AdminSite
from django.urls import path
from import_export.admin import ImportExportModelAdmin

from customers.models import Customer
from customers.resources import CustomerResource

site = AdminSite(name="probe_admin")


class CustomerAdmin(ImportExportModelAdmin):
    resource_classes = [CustomerResource]


site.register(Customer, CustomerAdmin)

urlpatterns = [path("probe-admin/", site.urls)]
