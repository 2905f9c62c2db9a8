from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from import_export.admin import ImportExportModelAdmin
from simple_history.admin import SimpleHistoryAdmin

from customers import services
from customers.models import Contact, Customer, CustomerMerge, Interaction, Tag, Task
from customers.resources import CustomerResource
from customers.selectors import owner_choices
from sms.concurrency import VersionedAdminMixin
from sms.exports import ExportNumberFormatsMixin

User = get_user_model()


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0


class InteractionInline(admin.TabularInline):
    model = Interaction
    extra = 0
    fields = ("kind", "occurred_at", "contact", "summary", "outcome", "created_by")
    readonly_fields = ("created_by",)
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("contact", "created_by")


def _reassign_action(owner):
    def action(modeladmin, request, queryset):
        count = services.customer_reassign(customers=queryset, owner=owner)
        modeladmin.message_user(
            request, f"{count} customer(s) reassigned to {owner}.", messages.SUCCESS
        )

    name = owner.get_full_name() or owner.get_username()
    action.__name__ = f"reassign_to_{owner.pk}"
    return action, action.__name__, f"Reassign selected customers to {name}"


@admin.register(Customer)
class CustomerAdmin(
    VersionedAdminMixin,
    ExportNumberFormatsMixin,
    ImportExportModelAdmin,
    SimpleHistoryAdmin,
):
    resource_classes = [CustomerResource]
    list_display = (
        "name",
        "kind",
        "city",
        "region",
        "industry",
        "source_channel",
        "owner",
        "is_active",
        "created_at",
    )
    list_filter = ("kind", "is_active", "industry", "source_channel", "region", "owner")
    search_fields = ("name", "email", "phone", "city", "external_ref")
    list_select_related = ("owner",)
    autocomplete_fields = ("tags",)
    readonly_fields = ("created_at", "updated_at", "merged_into")
    inlines = (ContactInline, InteractionInline)

    def get_actions(self, request):
        actions = super().get_actions(request)
        if request.user.has_perm("customers.reassign_customer"):
            for owner in owner_choices():
                action, name, label = _reassign_action(owner)
                actions[name] = (action, name, label)
        return actions

    def save_model(self, request, obj, form, change):
        # Through the services, so duplicate keys and tags stay right.
        fields = {
            f: form.cleaned_data[f]
            for f in services.CUSTOMER_FIELDS
            if f in form.cleaned_data
        }
        if change:
            services.customer_update(customer=obj, **fields)
            if "owner" in form.changed_data:
                services.customer_reassign(
                    customers=[obj], owner=form.cleaned_data["owner"]
                )
        else:
            saved = services.customer_create(owner=form.cleaned_data["owner"], **fields)
            obj.pk = saved.pk
            obj.refresh_from_db()


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    search_fields = ("name",)


@admin.register(Contact)
class ContactAdmin(VersionedAdminMixin, admin.ModelAdmin):
    list_display = ("name", "customer", "title", "email", "phone", "is_primary")
    search_fields = ("name", "email", "phone", "customer__name")
    list_filter = ("is_primary",)
    list_select_related = ("customer",)
    autocomplete_fields = ("customer",)


@admin.register(Interaction)
class InteractionAdmin(admin.ModelAdmin):
    list_display = (
        "occurred_at",
        "kind",
        "customer",
        "contact",
        "created_by",
        "follow_up_on",
    )
    list_filter = ("kind", "occurred_at")
    search_fields = ("summary", "outcome", "customer__name")
    list_select_related = ("customer", "contact", "created_by")
    autocomplete_fields = ("customer", "contact")
    date_hierarchy = "occurred_at"


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ("title", "due_on", "assigned_to", "customer", "done")
    list_filter = ("done", "due_on", "assigned_to")
    search_fields = ("title", "customer__name")
    list_select_related = ("assigned_to", "customer")
    autocomplete_fields = ("customer",)


@admin.register(CustomerMerge)
class CustomerMergeAdmin(admin.ModelAdmin):
    list_display = ("merged_at", "merged_name", "survivor", "merged_by")
    search_fields = ("merged_name", "survivor__name")
    list_select_related = ("survivor", "merged_by")
    readonly_fields = (
        "survivor",
        "merged",
        "merged_name",
        "moved",
        "merged_by",
        "merged_at",
    )

    def has_add_permission(self, request):
        return False  # merges happen through customers.services.customer_merge
