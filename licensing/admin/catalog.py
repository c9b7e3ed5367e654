"""Products, plans, partners, and what is published once: agreement versions,
releases and news."""

from django.contrib import admin

from core.audit import Actor
from licensing import services
from licensing.models import (
    AgreementVersion,
    Partner,
    PartnerMembership,
    Plan,
    Product,
    ProductNews,
    ProductRelease,
)


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "current_major"]
    prepopulated_fields = {"slug": ["name"]}

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "keygen_product_id":
            field.widget.attrs["class"] = "vTextField admin-wide"  # a UUID shows whole
        return field


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
