from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.fields import blind_index
from core.models import AuditEvent, OutboxEmail


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
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


@admin.register(OutboxEmail)
class OutboxEmailAdmin(ReadOnlyAdmin):
    """Every email and its state. Search by idempotency key, template, or a full address."""

    list_display = [
        "created_at",
        "template",
        "language",
        "status",
        "attempts",
        "sent_at",
        "last_error",
    ]
    list_filter = ["status", "template", "language"]
    search_fields = ["idempotency_key", "template"]
    date_hierarchy = "created_at"
    fields = [
        "idempotency_key",
        "template",
        "language",
        "to",
        "subject",
        "status",
        "attempts",
        "last_error",
        "created_at",
        "sent_at",
    ]
    search_help_text = _(
        "An idempotency key, a template name, or a complete email address."
    )

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if (
            "@" in term
        ):  # addresses are encrypted: match them exactly through the blind index
            return queryset.filter(to_index=blind_index("outbox.to", term)), False
        return super().get_search_results(request, queryset, search_term)
