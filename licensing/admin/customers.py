"""Customers in the admin, as the licensing app sees them: a partner's staff see
only the registrants of licenses their partner sold; every look at personal data
is audited (licensing/admin/looks.py); search is exact, by blind index."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from accounts import roles
from accounts.admin import CustomerAdmin as AccountsCustomerAdmin
from accounts.models import Customer
from licensing.admin.common import (
    PartnerScopedAdmin,
    partner_scoped,
    request_partner,
)
from licensing.admin.looks import looks_record
from licensing.models import License

# What is personal on a customer's page, and the list's column.
PERSONAL = [
    "user",
    "email",
    "name",
    "company",
    "billing_address",
    "phone",
    "language",
    "kind",
]
LIST_FIELDS = ["email"]


class CustomerAdmin(PartnerScopedAdmin, AccountsCustomerAdmin):
    list_display = [
        "__str__",
        "email",
        "restricted",
        "kind",
        "language",
        "updates_opt_in",
        "created_at",
    ]
    list_display_links = ["__str__"]
    search_fields = ["pk"]  # replaced by the exact lookup below
    search_help_text = _("The customer's exact email address.")
    ordering = ["-created_at"]

    def scope(self, request, queryset):
        if not partner_scoped(request):
            return queryset
        partner = request_partner(request)
        if partner is None:
            return queryset.none()  # partner staff without a partner: nothing
        sold = License.objects.filter(partner=partner).values("customer_id")
        return queryset.filter(pk__in=sold)

    def has_change_permission(self, request, obj=None):
        # A restricted customer's data changes only by the DPO (Art. 18).
        if (
            obj is not None
            and obj.restricted
            and not roles.has_role(request.user, roles.DPO)
        ):
            return False
        return super().has_change_permission(request, obj)

    def get_fields(self, request, obj=None):
        # The login behind a customer is the vendor's to open, not a partner's.
        fields = super().get_fields(request, obj)
        if partner_scoped(request):
            return [f for f in fields if f != "user"]
        return fields

    def get_search_results(self, request, queryset, search_term):
        """Exact, by blind index; finding someone by their address is a look
        (for the autocomplete too)."""
        term = search_term.strip()
        if not term:
            return queryset, False
        found = queryset.filter(pk__in=Customer.objects.by_email(term).values("pk"))
        looks_record(
            request, found.values_list("pk", flat=True), fields=["email"], via="search"
        )
        return found, False

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is not None:
            looks_record(
                request,
                (customer.pk for customer in changelist.result_list),
                fields=LIST_FIELDS,
                via="list",
            )
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        if response.status_code == 200 and request.method == "GET":
            customer = response.context_data["original"]
            shown = [f for f in self.get_fields(request, customer) if f in PERSONAL]
            looks_record(request, [customer.pk], fields=shown, via="change page")
        return response


admin.site.unregister(Customer)
admin.site.register(Customer, CustomerAdmin)
