"""The inventory is code (cookies/inventory.py): the admin shows it, never edits it,
since `migrate` would write the code's version back. Consent records are proof:
read only."""

from cookie_consent.models import Cookie, CookieGroup
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from cookies.models import ConsentRecord, CookieDetail, PageViewCount, PolicyVersion
from core.admin import ReadOnlyAdmin


class CookieDetailInline(admin.StackedInline):
    model = CookieDetail
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


for model in (Cookie, CookieGroup):
    if admin.site.is_registered(model):
        admin.site.unregister(model)


@admin.register(CookieGroup)
class CookieGroupAdmin(ReadOnlyAdmin):
    list_display = ("varname", "name", "is_required", "ordering")


@admin.register(Cookie)
class CookieAdmin(ReadOnlyAdmin):
    list_display = ("name", "cookiegroup", "provider", "expiry", "set_by")
    list_filter = ("cookiegroup",)
    list_select_related = ("cookiegroup", "detail")
    inlines = [CookieDetailInline]

    @admin.display(description=_("provider"))
    def provider(self, cookie):
        return cookie.detail.provider

    @admin.display(description=_("expiry (English)"))
    def expiry(self, cookie):
        return cookie.detail.expiry

    @admin.display(description=_("set by"))
    def set_by(self, cookie):
        return cookie.detail.get_set_by_display()


@admin.register(PolicyVersion)
class PolicyVersionAdmin(ReadOnlyAdmin):
    list_display = ("version", "published_at")


@admin.register(ConsentRecord)
class ConsentRecordAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "method", "choices", "policy", "user")
    list_filter = ("method", "policy")
    list_select_related = ("policy", "user")
    date_hierarchy = "created_at"
    raw_id_fields = ("user",)


@admin.register(PageViewCount)
class PageViewCountAdmin(ReadOnlyAdmin):
    list_display = ("day", "path", "views", "new_visitors")
    list_filter = ("day",)
    date_hierarchy = "day"
