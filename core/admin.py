from django.contrib import admin

from core.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """The audit trail: read-only for everyone."""

    list_display = [
        "created_at",
        "actor_type",
        "actor_user",
        "action",
        "target_type",
        "target_id",
    ]
    list_filter = ["actor_type", "action", "target_type"]
    search_fields = ["target_id", "action"]
    date_hierarchy = "created_at"
    list_select_related = ["actor_user"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
