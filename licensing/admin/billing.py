"""Invoices and refunds: read-only rows, changed through the services' actions."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from licensing import services
from licensing.admin.common import PartnerScopedAdmin, service_action
from licensing.models import Invoice, Refund


@admin.register(Invoice)
class InvoiceAdmin(PartnerScopedAdmin):
    partner_path = "license__partner"
    readonly_page = True
    list_display = [
        "number",
        "license",
        "issued_on",
        "due_on",
        "amount",
        "currency",
        "status",
        "default_notice_sent_on",
    ]
    list_filter = ["status", "issued_on"]
    search_fields = ["number"]
    list_select_related = ["license__product"]
    fields = readonly_fields = [
        "number",
        "license",
        "period_start",
        "issued_on",
        "due_on",
        "amount",
        "currency",
        "status",
        "paid_at",
        "default_notice_sent_on",
    ]
    actions = ["record_payment", "void"]

    def has_add_permission(self, request):
        return False  # invoices come from issuing and renewing

    def has_delete_permission(self, request, obj=None):
        return False  # paid or voided through the services, never deleted

    record_payment = service_action(
        _("Record payment of the selected invoices"),
        lambda invoice, actor: services.invoice_record_payment(
            invoice_id=invoice.pk, actor=actor
        ),
        lambda n: (
            ngettext("%(n)d payment recorded.", "%(n)d payments recorded.", n)
            % {"n": n}
        ),
    )
    void = service_action(
        _("Void the selected invoices"),
        lambda invoice, actor: services.invoice_void(
            invoice_id=invoice.pk, actor=actor
        ),
        lambda n: (
            ngettext("%(n)d invoice voided.", "%(n)d invoices voided.", n) % {"n": n}
        ),
    )


@admin.register(Refund)
class RefundAdmin(PartnerScopedAdmin):
    partner_path = "license__partner"
    readonly_page = True
    """Money owed back after withdrawals and cancellations, with its due date."""

    list_display = ["license", "amount", "currency", "due_on", "paid_at", "created_at"]
    list_filter = ["due_on"]
    list_select_related = ["license__product"]
    fields = readonly_fields = [
        "license",
        "amount",
        "currency",
        "due_on",
        "paid_at",
        "created_at",
    ]

    def has_add_permission(self, request):
        return False  # refunds come from withdrawals and cancellations

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # a refund owed is a record
