from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.audit import Actor
from licensing import keys, services
from licensing.errors import Refused
from licensing.forms import TransferOfferForm
from licensing.models import (
    Activation,
    AgreementVersion,
    Invoice,
    License,
    Partner,
    PartnerMembership,
    Plan,
    Product,
    ProductNews,
    ProductRelease,
    Refund,
    SigningKey,
)


def service_action(description, service, done_message, *, caveat=None):
    """An admin action calling `service(obj, actor)` for each selected object.

    Refusals are reported object by object; successes are counted. `caveat`
    (the service's result -> a message or None) tells staff when a change did
    less than they asked for.
    """

    @admin.action(description=description, permissions=["change"])
    def action(modeladmin, request, queryset):
        actor, done = Actor.user(request.user), 0
        for obj in queryset:
            try:
                result = service(obj, actor)
            except Refused as refused:
                modeladmin.message_user(
                    request, f"{obj}: {refused.message}", messages.WARNING
                )
                continue
            warning = caveat(result) if caveat else None
            if warning:
                modeladmin.message_user(request, f"{obj}: {warning}", messages.WARNING)
            else:
                done += 1
        if done:
            modeladmin.message_user(request, done_message(done), messages.SUCCESS)

    return action


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "current_major"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "product",
        "seats",
        "initial_term_months",
        "renewal",
        "billing",
        "price",
        "currency",
    ]
    list_filter = ["product", "renewal", "billing"]


class MembershipInline(admin.TabularInline):
    model = PartnerMembership
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    inlines = [MembershipInline]


class PublishAdmin(admin.ModelAdmin):
    """Created once through its service (which announces it); read-only afterwards."""

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False  # what was announced stays on record

    def save_model(self, request, obj, form, change):
        published = self.publish(obj, actor=Actor.user(request.user))
        obj.pk = published.pk


@admin.register(AgreementVersion)
class AgreementVersionAdmin(PublishAdmin):
    list_display = ["number", "published_at", "material"]
    fields = ["number", "material", "summary"]

    def publish(self, obj, *, actor):
        return services.agreement_publish(
            number=obj.number, summary=obj.summary, material=obj.material, actor=actor
        )


@admin.register(ProductRelease)
class ProductReleaseAdmin(PublishAdmin):
    list_display = ["product", "version", "published_at"]
    list_filter = ["product"]
    fields = ["product", "version", "notes"]

    def publish(self, obj, *, actor):
        return services.release_publish(
            product=obj.product, version=obj.version, notes=obj.notes, actor=actor
        )


@admin.register(ProductNews)
class ProductNewsAdmin(PublishAdmin):
    list_display = ["product", "title", "published_at"]
    list_filter = ["product"]
    fields = ["product", "title", "body"]

    def publish(self, obj, *, actor):
        return services.news_publish(
            product=obj.product, title=obj.title, body=obj.body, actor=actor
        )


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
class ActivationAdmin(admin.ModelAdmin):
    """Machines holding seats; staff can free the seat of a lost one."""

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
class LicenseAdmin(admin.ModelAdmin):
    list_display = [
        "masked_key",
        "product",
        "plan",
        "status_label",
        "customer_kind",
        "seats",
        "period_end",
        "partner",
    ]
    list_filter = ["status", "customer_kind", "product", "plan", "partner"]
    list_select_related = ["product", "plan", "partner"]
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
    actions = ["suspend", "unsuspend", "terminate", "offer_transfer"]

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
        return keys.masked(obj.key)

    @admin.display(description=_("status"), ordering="status")
    def status_label(self, obj):
        return obj.status_label

    def get_actions(self, request):
        # Licenses end through the services, never by deleting rows.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def has_delete_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False  # issued through `manage.py issue_license` and the services


@admin.register(Invoice)
class InvoiceAdmin(admin.ModelAdmin):
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
class RefundAdmin(admin.ModelAdmin):
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


@admin.register(SigningKey)
class SigningKeyAdmin(admin.ModelAdmin):
    list_display = ["keyid", "created_at", "activates_at", "retired_at"]
    fields = ["keyid", "public_key", "created_at", "activates_at", "retired_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        # `manage.py revoke_signing_key` removes a key and mends the chain.
        return False
