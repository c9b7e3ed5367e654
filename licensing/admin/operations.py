"""Signing keys: rotated and revoked by management commands, shown here."""

from django.contrib import admin

from licensing.models import SigningKey


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
