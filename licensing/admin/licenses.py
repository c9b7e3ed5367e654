"""Licenses and their machines: read-only rows, changed through the services'
actions; issued through a form of ours; partners see their own."""

import csv

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.models import Customer
from core.audit import Actor
from licensing import keys, services
from licensing.admin.common import (
    PartnerScopedAdmin,
    csv_cell,
    request_partner,
    service_action,
)
from licensing.admin.looks import looks_record
from licensing.errors import Refused
from licensing.forms import IssueLicenseForm, TransferOfferForm
from licensing.models import Activation, License

EXPORT_COLUMNS = [
    "key",
    "product",
    "major_version",
    "plan",
    "status",
    "seats",
    "period_end",
    "registrant_name",
    "registrant_email",
]


class ActivationInline(admin.TabularInline):
    model = Activation
    extra = 0
    can_delete = False
    fields = [
        "id",
        "label",
        "platform",
        "activated_at",
        "last_heartbeat_at",
        "checked_out_until",
    ]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Activation)
class ActivationAdmin(PartnerScopedAdmin):
    """Machines holding seats; staff can free the seat of a lost one."""

    partner_path = "license__partner"

    list_display = [
        "id",
        "label",
        "license",
        "platform",
        "activated_at",
        "last_heartbeat_at",
        "checked_out_until",
    ]
    list_select_related = ["license__product"]
    fields = readonly_fields = list_display
    actions = ["release"]

    release = service_action(
        _("Release the selected machines now (even with an offline file)"),
        lambda activation, actor: services.activation_release(
            activation_id=activation.pk, actor=actor
        ),
        lambda n: (
            ngettext("%(n)d machine released.", "%(n)d machines released.", n)
            % {"n": n}
        ),
    )

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # released through the service
        return actions

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(License)
class LicenseAdmin(PartnerScopedAdmin):
    list_display = [
        "masked_key",
        "product",
        "major_version",
        "plan",
        "status_badge",
        "customer_kind",
        "seats",
        "period_end",
        "partner",
    ]
    list_filter = [
        "status",
        "product",
        "plan",
        ("period_end", admin.DateFieldListFilter),
        "customer_kind",
        "partner",
    ]
    list_select_related = ["product", "plan", "partner"]
    date_hierarchy = "period_end"
    ordering = ["period_end", "pk"]
    search_fields = ["pk"]  # replaced by the exact lookups below
    search_help_text = _(
        "Exact license key (with or without dashes) or the registrant's exact "
        "email address."
    )
    # Read-only here: every change goes through licensing.services (the actions).
    fields = readonly_fields = [
        "masked_key",
        "major_version",
        "seats",
        "partner",
        "product",
        "plan",
        "customer",
        "customer_kind",
        "status_label",
        "purchased_on",
        "period_start",
        "period_end",
        "termination_received_on",
        "termination_effective_on",
        "first_activated_at",
        "replaced_by",
        "agreement_version",
        "created_at",
    ]
    inlines = [ActivationInline]
    actions = ["suspend", "unsuspend", "terminate", "offer_transfer", "export_csv"]

    @admin.action(
        description=_("Offer the selected license to a new owner"),
        permissions=["change"],
    )
    def offer_transfer(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(
                request, _("Select exactly one license to transfer."), messages.WARNING
            )
            return None
        license = queryset.get()
        form = TransferOfferForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            try:
                services.transfer_offer(
                    license_id=license.pk,
                    to_email=form.cleaned_data["email"],
                    language=form.cleaned_data["language"],
                    actor=Actor.user(request.user),
                )
            except Refused as refused:
                self.message_user(request, refused.message, messages.WARNING)
            else:
                self.message_user(
                    request, _("The transfer offer has been sent."), messages.SUCCESS
                )
            return None
        return TemplateResponse(
            request,
            "admin/licensing/license/offer_transfer.html",
            {
                **self.admin_site.each_context(request),
                "form": form,
                "license": license,
                "opts": self.opts,
            },
        )

    suspend = service_action(
        _("Suspend the selected licenses"),
        lambda lic, actor: services.license_suspend(license_id=lic.pk, actor=actor),
        lambda n: (
            ngettext("%(n)d license suspended.", "%(n)d licenses suspended.", n)
            % {"n": n}
        ),
    )
    unsuspend = service_action(
        _("Unsuspend the selected licenses"),
        lambda lic, actor: services.license_unsuspend(license_id=lic.pk, actor=actor),
        lambda n: (
            ngettext("%(n)d license unsuspended.", "%(n)d licenses unsuspended.", n)
            % {"n": n}
        ),
        caveat=lambda lic: (
            _(
                "stays suspended: an invoice is overdue, so it is now blocked for "
                "payment (the customer is told). Record the payment to restore access."
            )
            if lic.status == License.Status.SUSPENDED
            else None
        ),
    )
    terminate = service_action(
        _("Terminate the selected licenses now"),
        lambda lic, actor: services.license_terminate(
            license_id=lic.pk, day=timezone.localdate(), actor=actor
        ),
        lambda n: (
            ngettext("%(n)d license terminated.", "%(n)d licenses terminated.", n)
            % {"n": n}
        ),
    )

    @admin.display(description=_("license key"))
    def masked_key(self, obj):
        return format_html('<span class="admin-key">{}</span>', keys.masked(obj.key))

    def get_list_display(self, request):
        # A partner's staff see their own partner's licenses only: no column for it.
        columns = super().get_list_display(request)
        if request_partner(request) is None:
            return columns
        return [column for column in columns if column != "partner"]

    @admin.display(description=_("status"), ordering="status")
    def status_label(self, obj):
        return obj.status_label

    @admin.display(description=_("status"), ordering="status")
    def status_badge(self, obj):
        return format_html(
            '<span class="admin-badge admin-badge-{}">{}</span>',
            obj.status,
            obj.status_label,
        )

    def get_search_results(self, request, queryset, search_term):
        """Keys and addresses are stored encrypted: found by their blind
        indexes, exactly, and only within what this user may see."""
        term = search_term.strip()
        if not term:
            return queryset, False
        if "@" in term:
            customers = Customer.objects.by_email(term).values("pk")
            return queryset.filter(customer__in=customers), False
        try:
            return queryset.by_key(keys.normalise(term)), False
        except keys.InvalidKey:
            return queryset.none(), False

    @admin.action(
        description=_("Export the selected licenses as CSV"), permissions=["view"]
    )
    def export_csv(self, request, queryset):
        """Licenses with their registrants' name and email: a look at personal
        data, written to the audit log for each registrant exported."""
        licenses = list(queryset.select_related("product", "plan", "customer"))
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="licenses.csv"'
        writer = csv.writer(response)
        writer.writerow(EXPORT_COLUMNS)
        for license in licenses:
            customer = license.customer
            writer.writerow(
                csv_cell(value)
                for value in (
                    license.display_key,
                    license.product.name,
                    license.major_version,
                    license.plan.name,
                    license.status_label,
                    license.seats,
                    license.period_end,
                    customer.name if customer else "",
                    customer.email if customer else "",
                )
            )
        customers = {lic.customer_id for lic in licenses if lic.customer_id}
        looks_record(request, customers, fields=["name", "email"], via="export")
        return response

    def has_delete_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # licenses end through the services
        return actions

    def add_view(self, request, form_url="", extra_context=None):
        """Issuing a license: a form of ours calling `license_issue`; a
        partner's staff issue for their own partner only."""
        partner = request_partner(request)
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = IssueLicenseForm(
            request.POST if request.method == "POST" else None, partner=partner
        )
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                license = services.license_issue(
                    plan=data["plan"],
                    seats=data["seats"],
                    email=data["email"],
                    partner=partner or data["partner"],
                    paid=data["paid"],
                    notify=bool(data["email"]),
                    actor=Actor.user(request.user),
                )
            except Refused as refused:
                form.add_error(None, refused.message)
            else:
                self.message_user(
                    request,
                    _("License %(license)s issued.") % {"license": license},
                    messages.SUCCESS,
                )
                return redirect("admin:licensing_license_change", license.pk)
        return TemplateResponse(
            request,
            "admin/licensing/license/issue.html",
            {
                **self.admin_site.each_context(request),
                "form": form,
                "opts": self.opts,
                "partner": partner,
                "title": _("Issue a license"),
            },
            status=400 if form.errors else 200,
        )
