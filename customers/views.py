from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST
from django.views.generic import DetailView, FormView, TemplateView

from customers import selectors, services
from customers.forms import (
    ContactForm,
    CustomerForm,
    InteractionForm,
    ReassignForm,
    TaskForm,
)
from customers.lookup import customer_label, customer_lookup
from customers.panels import panels_render
from customers.tables import CustomerTable
from sms.concurrency import StaleEdit, stale_edit_show
from sms.idempotency import PostOnceMixin
from sms.lists import FilteredTableView

EXPORT_HEADERS = [
    "external_ref",
    "kind",
    "name",
    "email",
    "phone",
    "street",
    "city",
    "region",
    "postal_code",
    "country",
    "industry",
    "source_channel",
    "tags",
    "owner",
    "notes",
    "active",
    "created",
]


class CustomerListView(PermissionRequiredMixin, FilteredTableView):
    permission_required = "customers.view_customer"
    table_class = CustomerTable
    template_name = "customers/customer_list.html"
    export_name = "customers"
    export_headers = EXPORT_HEADERS
    # The table paginates (FilteredTableView); a view-level paginate_by would count
    # the rows twice.

    def get_filterset(self):
        return selectors.customer_filter(user=self.request.user, data=self.request.GET)

    def get_table_kwargs(self):
        return {"selectable": self.request.user.has_perm("customers.reassign_customer")}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.request.user.has_perm("customers.reassign_customer"):
            context["owners"] = selectors.owner_choices()
        return context

    def export_row(self, customer) -> list:
        return [
            customer.external_ref,
            customer.kind,
            customer.name,
            customer.email,
            customer.phone,
            customer.street,
            customer.city,
            customer.region,
            customer.postal_code,
            customer.country,
            customer.industry,
            customer.source_channel,
            ", ".join(t.name for t in customer.tags.all()),
            customer.owner.get_username(),
            customer.notes,
            "yes" if customer.is_active else "no",
            timezone.localtime(customer.created_at),
        ]


class CustomerDetailView(PermissionRequiredMixin, DetailView):
    permission_required = "customers.view_customer"
    template_name = "customers/customer_detail.html"

    def get_queryset(self):
        return selectors.customer_detail(user=self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        customer = self.object
        context.update(
            contacts=list(customer.contacts.all()),
            timeline=selectors.customer_timeline(customer=customer),
            history=selectors.customer_history(customer=customer),
            duplicates=services.customer_duplicates(
                name=customer.name,
                email=customer.email,
                phone=customer.phone,
                city=customer.city,
                exclude_pk=customer.pk,
            ),
            today=timezone.localdate(),
            panels=panels_render(customer=customer, user=self.request.user),
        )
        return context


def _next_url(request: HttpRequest, default: str) -> str:
    """The "next" field of a POST, when it points into this site."""
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


class CustomerFormMixin:
    form_class = CustomerForm
    template_name = "customers/customer_form.html"

    def form_valid(self, form):
        data = dict(form.cleaned_data)
        tags = data.pop("tags")
        confirmed = data.pop("confirm_duplicate")
        duplicates = services.customer_duplicates(
            name=data["name"],
            email=data["email"],
            phone=data["phone"],
            city=data["city"],
            exclude_pk=self.object.pk if self.object else None,
        )
        if duplicates and not confirmed:
            return self.render_to_response(
                self.get_context_data(form=form, duplicates=duplicates)
            )
        try:
            self.object = self.save(data=data, tags=tags)
        except services.DuplicateCustomer as exc:  # one saved meanwhile
            return self.render_to_response(
                self.get_context_data(form=form, duplicates=exc.duplicates)
            )
        except StaleEdit as exc:
            stale_edit_show(form, exc)
            return self.form_invalid(form)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
            return self.form_invalid(form)
        messages.success(self.request, f"Saved {self.object.name}.")
        return redirect(self.object)


class CustomerCreateView(
    PermissionRequiredMixin, PostOnceMixin, CustomerFormMixin, FormView
):
    permission_required = "customers.add_customer"
    object = None

    def form_valid(self, form):
        self.duplicates_allowed = form.cleaned_data["confirm_duplicate"]
        return super().form_valid(form)

    def save(self, *, data, tags):
        return services.customer_create(
            owner=self.request.user,
            tags=tags,
            allow_duplicates=self.duplicates_allowed,
            **data,
        )


class CustomerUpdateView(PermissionRequiredMixin, CustomerFormMixin, FormView):
    permission_required = "customers.change_customer"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.object = get_object_or_404(
                selectors.customer_detail(user=request.user), pk=kwargs["pk"]
            )
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.object}

    def get_context_data(self, **kwargs):
        return super().get_context_data(customer=self.object, **kwargs)

    def save(self, *, data, tags):
        return services.customer_update(customer=self.object, tags=tags, **data)


@require_POST
@permission_required("customers.change_customer", raise_exception=True)
def customer_activate_view(request: HttpRequest, pk: int) -> HttpResponse:
    customer = get_object_or_404(selectors.customer_detail(user=request.user), pk=pk)
    active = request.POST.get("active") == "1"
    services.customer_activate(customer=customer, active=active)
    state = "reactivated" if active else "deactivated"
    messages.success(request, f"{customer.name} is {state}.")
    return redirect(customer)


@require_POST
@permission_required("customers.reassign_customer", raise_exception=True)
def customer_reassign_view(request: HttpRequest) -> HttpResponse:
    form = ReassignForm(
        request.POST, customers_qs=selectors.customer_scope(user=request.user)
    )
    back = _next_url(request, reverse("customers:customer-list"))
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect(back)
    owner = form.cleaned_data["owner"]
    try:
        count = services.customer_reassign(
            customers=form.cleaned_data["customers"], owner=owner
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        name = owner.get_full_name() or owner.get_username()
        messages.success(request, f"{count} customer(s) reassigned to {name}.")
    return redirect(back)


class CustomerChildMixin:
    """Pages under /customers/<pk>/: the customer is fetched through the scope."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.customer = get_object_or_404(
                selectors.customer_detail(user=request.user), pk=kwargs["pk"]
            )
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(customer=self.customer, **kwargs)


class ContactFormView(PermissionRequiredMixin, CustomerChildMixin, FormView):
    form_class = ContactForm
    template_name = "customers/contact_form.html"

    def get_permission_required(self):
        if "contact_pk" in self.kwargs:
            return ("customers.change_contact",)
        return ("customers.add_contact",)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        if "contact_pk" in self.kwargs:
            kwargs["instance"] = get_object_or_404(
                self.customer.contacts, pk=self.kwargs["contact_pk"]
            )
        return kwargs

    def form_valid(self, form):
        try:
            services.contact_save(
                customer=self.customer,
                contact=form.instance if form.instance.pk else None,
                **form.cleaned_data,
            )
        except StaleEdit as exc:
            stale_edit_show(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, f"Saved contact {form.cleaned_data['name']}.")
        return redirect(self.customer)


class ContactCreateView(PostOnceMixin, ContactFormView):
    pass


class InteractionCreateView(
    PermissionRequiredMixin, PostOnceMixin, CustomerChildMixin, FormView
):
    permission_required = "customers.add_interaction"
    form_class = InteractionForm
    template_name = "customers/interaction_form.html"

    def get_initial(self):
        kind = self.request.GET.get("kind", "call")
        return {
            "occurred_at": timezone.localtime().replace(second=0, microsecond=0),
            "kind": kind,
        }

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "customer": self.customer}

    def form_valid(self, form):
        try:
            interaction = services.interaction_log(
                customer=self.customer,
                created_by=self.request.user,
                **form.cleaned_data,
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
            return self.form_invalid(form)
        note = f"Logged the {interaction.get_kind_display().lower()}."
        if interaction.follow_up_on:
            note += f" Follow-up task due {interaction.follow_up_on:%d %b %Y}."
        messages.success(self.request, note)
        return redirect(self.customer)


class TaskListView(PermissionRequiredMixin, TemplateView):
    permission_required = "customers.view_task"
    template_name = "customers/task_list.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            tasks=selectors.my_tasks(user=self.request.user), **kwargs
        )


class TaskCreateView(PermissionRequiredMixin, PostOnceMixin, FormView):
    permission_required = "customers.add_task"
    form_class = TaskForm
    template_name = "customers/task_form.html"

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "customers_qs": selectors.customer_scope(user=self.request.user),
        }

    def get_initial(self):
        initial = {"assigned_to": self.request.user, "due_on": timezone.localdate()}
        customer_pk = self.request.GET.get("customer", "")
        if customer_pk.isdigit():
            initial["customer"] = customer_pk
        return initial

    def form_valid(self, form):
        task = services.task_create(created_by=self.request.user, **form.cleaned_data)
        messages.success(self.request, f"Task '{task.title}' added.")
        return redirect(task.customer or reverse("customers:task-list"))


@require_POST
@permission_required("customers.change_task", raise_exception=True)
def task_done_view(request: HttpRequest, pk: int) -> HttpResponse:
    task = get_object_or_404(selectors.task_scope(user=request.user), pk=pk)
    services.task_set_done(task=task, done=request.POST.get("done", "1") == "1")
    return redirect(_next_url(request, reverse("customers:task-list")))


@require_GET
@permission_required("customers.view_customer", raise_exception=True)
def customer_lookup_view(request: HttpRequest) -> JsonResponse:
    """Up to 20 of the user's active customers matching ?q=, for the look-up boxes
    of the order and opportunity forms."""
    text = request.GET.get("q", "").strip()
    if len(text) < 2:
        return JsonResponse({"results": []})
    customers = customer_lookup(user=request.user, text=text)
    return JsonResponse({"results": [customer_label(c) for c in customers]})
