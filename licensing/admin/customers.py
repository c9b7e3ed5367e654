"""Customers in the admin, as the licensing app sees them: a partner's staff see
only the registrants of licenses their partner sold; every look at personal data
is audited (licensing/admin/looks.py); search is exact, by blind index."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from accounts.admin import CustomerAdmin as AccountsCustomerAdmin
from accounts.models import Customer
from licensing.admin.common import PartnerScopedAdmin, request_partner
from licensing.admin.looks import looks_record
from licensing.models import License

# What the change page shows of a customer (its form), and the list's column.
CHANGE_PAGE_FIELDS = [
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
        partner = request_partner(request)
        if partner is None:
            return queryset
        sold = License.objects.filter(partner=partner).values("customer_id")
        return queryset.filter(pk__in=sold)

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        return queryset.filter(
            pk__in=Customer.objects.by_email(term).values("pk")
        ), False

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
            looks_record(
                request, [customer.pk], fields=CHANGE_PAGE_FIELDS, via="change page"
            )
        return response


admin.site.unregister(Customer)
admin.site.register(Customer, CustomerAdmin)
