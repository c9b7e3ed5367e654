from django import forms
from django.core.validators import MaxLengthValidator, RegexValidator
from django.utils.translation import gettext_lazy as _

from accounts.models import Customer

phone_number = RegexValidator(
    r"^\+?[0-9 ()\-]{5,30}$",
    _("Enter a phone number: digits, spaces and an optional leading +."),
)

ADDRESS_MAX_LENGTH = 500


class ProfileForm(forms.ModelForm):
    """The customer's own details and consents; `customer_profile_update` saves them."""

    class Meta:
        model = Customer
        fields = [
            "name",
            "company",
            "billing_address",
            "phone",
            "language",
            "updates_opt_in",
            "news_opt_in",
        ]
        labels = {
            "name": _("Name"),
            "company": _("Company"),
            "billing_address": _("Billing address"),
            "phone": _("Phone"),
            "language": _("Language"),
            "updates_opt_in": _("Email me when a new version of my products is out"),
            "news_opt_in": _("Email me product news"),
        }
        help_texts = {
            "company": _("Only if you buy for a business."),
            "language": _("Pages and emails use this language."),
        }
        widgets = {"billing_address": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["phone"].validators.append(phone_number)
        # An address fits in a few lines (the model field has no limit).
        address = self.fields["billing_address"]
        address.max_length = ADDRESS_MAX_LENGTH
        address.validators.append(MaxLengthValidator(ADDRESS_MAX_LENGTH))
        address.widget.attrs["maxlength"] = ADDRESS_MAX_LENGTH
        self.fields["name"].widget.attrs["autocomplete"] = "name"
        self.fields["company"].widget.attrs["autocomplete"] = "organization"
        self.fields["billing_address"].widget.attrs["autocomplete"] = "street-address"
        self.fields["phone"].widget.attrs["autocomplete"] = "tel"
