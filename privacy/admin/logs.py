"""What the DPO reads beside the cases (exports and erasures, read only), and the
outbox and audit log without privacy rows for anyone else."""

from django.contrib import admin

from accounts import roles
from core.admin import AuditEventAdmin as CoreAuditEventAdmin
from core.admin import OutboxEmailAdmin as CoreOutboxEmailAdmin
from core.admin import ReadOnlyAdmin
from core.models import AuditEvent, OutboxEmail
from privacy.models import DataExport, ErasureReceipt, ErasureRequest


@admin.register(DataExport)
class DataExportAdmin(ReadOnlyAdmin):
    list_display = ["case", "status", "created_at", "ready_at", "expires_at"]
    fields = [
        "case",
        "status",
        "created_at",
        "ready_at",
        "expires_at",
    ]  # never the file


@admin.register(ErasureRequest)
class ErasureRequestAdmin(ReadOnlyAdmin):
    list_display = ["case", "requested_at", "erase_after", "cancelled_at", "done_at"]
    fields = list_display


@admin.register(ErasureReceipt)
class ErasureReceiptAdmin(ReadOnlyAdmin):
    list_display = ["case", "done_at", "actor", "counts"]
    fields = ["case", "pseudonym", "counts", "actor", "key_destroyed_at", "done_at"]


# The outbox and the audit log show vendor staff no one's privacy requests:
# those rows are the DPO's (and superusers').
for model in (OutboxEmail, AuditEvent):
    admin.site.unregister(model)


def sees_privacy(request) -> bool:
    return request.user.is_superuser or roles.has_role(request.user, roles.DPO)


@admin.register(OutboxEmail)
class OutboxEmailAdmin(CoreOutboxEmailAdmin):
    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if sees_privacy(request):
            return queryset
        return queryset.exclude(template__startswith="privacy/")


@admin.register(AuditEvent)
class AuditEventAdmin(CoreAuditEventAdmin):
    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if sees_privacy(request):
            return queryset
        return queryset.exclude(action__startswith="privacy.").exclude(
            target_type__startswith="privacy."
        )
