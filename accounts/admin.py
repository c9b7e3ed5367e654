from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import Customer, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "is_staff", "is_active", "date_joined"]
    search_fields = ["email"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),
    )


class CustomerForm(forms.ModelForm):
    class Meta:
        model = Customer
        fields = [
            "user",
            "email",
            "name",
            "company",
            "billing_address",
            "phone",
            "language",
            "kind",
        ]
        # Encrypted text columns: one line each, as people type them.
        widgets = {
            name: forms.TextInput(attrs={"size": 50})
            for name in ("email", "name", "company", "phone")
        }

    def clean_email(self):
        # The email's uniqueness lives in its blind index, which the form does not show.
        email = self.cleaned_data["email"].strip()
        if Customer.objects.by_email(email).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(_("Another customer has this email address."))
        return email


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    form = CustomerForm
    list_display = ["__str__", "kind", "language", "updates_opt_in", "created_at"]
    list_filter = ["kind", "language", "updates_opt_in"]
    # Consents are the customer's to give (portal, registration); staff see them only.
    readonly_fields = [
        "updates_opt_in",
        "updates_opt_in_at",
        "updates_opt_in_source",
        "news_opt_in",
        "news_opt_in_at",
        "news_opt_in_source",
        "created_at",
    ]

    def get_actions(self, request):
        # A customer is erased through the privacy service, never by deleting rows.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def has_delete_permission(self, request, obj=None):
        return False
