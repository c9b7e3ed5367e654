"""Licenses and their machines: read-only rows, changed through the services'
actions; issued through a form of ours; partners see their own."""

import csv
from datetime import timedelta

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
from licensing import keys, services
from licensing.admin.common import (
    PartnerScopedAdmin,
    admin_actor,
    csv_cell,
    partner_scoped,
    request_partner,
    service_action,
)
from licensing.admin.looks import looks_record, machine_looks_record
from licensing.errors import Refused
from licensing.forms import IssueLicenseForm, TransferOfferForm
from licensing.models import Activation, License


class PeriodEndFilter(admin.SimpleListFilter):
    """When the current period ends: what is up for renewal soon, or over."""

    title = _("period end")
    parameter_name = "period_ends"

    def lookups(self, request, model_admin):
        return [
            ("30", _("within 30 days")),
            ("90", _("within 90 days")),
            ("past", _("already ended")),
        ]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        if self.value() in ("30", "90"):
            end = today + timedelta(days=int(self.value()))
            return queryset.filter(period_end__gte=today, period_end__lte=end)
        if self.value() == "past":
            return queryset.filter(period_end__lt=today)
        return queryset


EXPORT_COLUMNS = [
    "key",  # masked
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
    readonly_page = True

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

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is not None:
            machine_looks_record(request, changelist.result_list, via="list")
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        if response.status_code == 200 and request.method == "GET":
            activation = response.context_data["original"]
            machine_looks_record(request, [activation], via="change page")
        return response


@admin.register(License)
class LicenseAdmin(PartnerScopedAdmin):
    readonly_page = True
    list_display = [
        "masked_key",
        "status_badge",
        "product",
        "version",
        "plan",
        "seats",
        "period_end",
        "partner",
    ]
    list_filter = [
        "status",
        "product",
        "plan",
        PeriodEndFilter,
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
        "sold_by",
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
        "agreement",
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
                    actor=admin_actor(request),
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
        if not partner_scoped(request):
            return columns
        return [column for column in columns if column != "partner"]

    @admin.display(description=_("status"), ordering="status")
    def status_label(self, obj):
        return obj.status_label

    @admin.display(description=_("version"), ordering="major_version")
    def version(self, obj):
        return obj.major_version

    # Plain text: partners may not open partners or agreement versions.
    @admin.display(description=_("partner"))
    def sold_by(self, obj):
        return obj.partner.name if obj.partner else _("Direct sale")

    @admin.display(description=_("agreement version"))
    def agreement(self, obj):
        return obj.agreement_version.number if obj.agreement_version else "-"

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
            found = queryset.filter(customer__in=customers)
            looks_record(
                request,
                found.values_list("customer_id", flat=True),
                fields=["email"],
                via="search",
            )
            return found, False
        try:
            return queryset.by_key(keys.normalise(term)), False
        except keys.InvalidKey:
            return queryset.none(), False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        if response.status_code == 200 and request.method == "GET":
            license = response.context_data["original"]
            machine_looks_record(
                request,
                license.activations.select_related("license"),
                via="license page",
            )
        return response

    @admin.action(
        description=_("Export the selected licenses as CSV"), permissions=["view"]
    )
    def export_csv(self, request, queryset):
        """Licenses with their registrants' name and email: a look at personal
        data, written to the audit log for each registrant exported."""
        licenses = list(queryset.select_related("product", "plan", "customer"))
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="licenses-{timezone.localdate():%Y-%m-%d}.csv"'
        )
        response.write("\ufeff")  # so that spreadsheets read it as UTF-8
        writer = csv.writer(response)
        writer.writerow(EXPORT_COLUMNS)
        for license in licenses:
            customer = license.customer
            writer.writerow(
                csv_cell(value)
                for value in (
                    keys.masked(license.key),  # keys are secrets: never listed
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
        scoped = partner_scoped(request)
        if not self.has_add_permission(request) or (scoped and partner is None):
            raise PermissionDenied
        form = IssueLicenseForm(
            request.POST if request.method == "POST" else None, partner=partner
        )
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                if scoped:
                    license = services.license_issue_by_partner(
                        partner=partner,
                        plan=data["plan"],
                        seats=data["seats"],
                        email=data["email"],
                        paid=data["paid"],
                        language=data["language"],
                        actor=admin_actor(request),
                    )
                else:
                    license = services.license_issue(
                        plan=data["plan"],
                        seats=data["seats"],
                        email=data["email"],
                        partner=data["partner"],
                        paid=data["paid"],
                        notify=bool(data["email"]),
                        actor=admin_actor(request),
                    )
            except Refused as refused:
                form.add_error(None, refused.message)
            else:
                self.log_addition(request, license, [{"added": {}}])  # its history
                # The full key is shown this once (the admin shows it masked).
                self.message_user(
                    request,
                    _("License %(key)s issued.") % {"key": license.display_key},
                    messages.SUCCESS,
                )
                if scoped and data["email"]:
                    self.message_user(
                        request,
                        _(
                            "The address was asked to confirm the registration; "
                            "until it does, the license is unregistered."
                        ),
                        messages.INFO,
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
