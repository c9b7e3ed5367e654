from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from licensing import keys
from licensing.models import (
    Activation,
    AgreementVersion,
    Invoice,
    License,
    Partner,
    PartnerMembership,
    Plan,
    Product,
    SigningKey,
)


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


@admin.register(AgreementVersion)
class AgreementVersionAdmin(admin.ModelAdmin):
    list_display = ["number", "published_at", "material"]


class ActivationInline(admin.TabularInline):
    model = Activation
    extra = 0
    can_delete = False
    fields = ["id", "platform", "activated_at", "last_heartbeat_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(License)
class LicenseAdmin(admin.ModelAdmin):
    list_display = [
        "masked_key",
        "product",
        "plan",
        "status",
        "seats",
        "period_end",
        "partner",
    ]
    list_filter = ["status", "product", "plan", "partner"]
    list_select_related = ["product", "plan", "partner"]
    # Read-only here: every change goes through licensing.services (the
    # lifecycle actions arrive with the lifecycle issue).
    fields = readonly_fields = [
        "masked_key",
        "major_version",
        "seats",
        "partner",
        "product",
        "plan",
        "customer",
        "status",
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

    @admin.display(description=_("license key"))
    def masked_key(self, obj):
        return keys.masked(obj.key)

    def has_add_permission(self, request):
        return False  # issued through `manage.py issue_license` and the services


@admin.register(Invoice)
class InvoiceAdmin(admin.ModelAdmin):
    list_display = ["number", "issued_on", "due_on", "amount", "currency", "status"]
    list_filter = ["status"]


@admin.register(SigningKey)
class SigningKeyAdmin(admin.ModelAdmin):
    list_display = ["keyid", "created_at", "activates_at", "retired_at"]
    fields = ["keyid", "public_key", "created_at", "activates_at", "retired_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False
