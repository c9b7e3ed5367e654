from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from accounts.models import Customer
from licensing import keys
from licensing.models import AgreementVersion, Partner, Plan


class TransferOfferForm(forms.Form):
    email = forms.EmailField(label=_("New owner's email address"), max_length=254)
    language = forms.ChoiceField(
        label=_("Language of the offer"),
        choices=settings.LANGUAGES,
        initial=settings.LANGUAGE_CODE,
    )


class AgreementAcceptanceForm(forms.Form):
    """Who accepts (consumer or business, of age when the plan has a minimum
    age) and the agreement version the page showed: the service binds exactly
    that one, and refuses if a newer version was published meanwhile.

    `adult` is None when unanswered: the service asks when the plan needs it.
    """

    kind = forms.ChoiceField(
        label=_("You are"),
        choices=Customer.Kind.choices,
        initial=Customer.Kind.CONSUMER,
        widget=forms.RadioSelect,
    )
    agreement = forms.ModelChoiceField(
        queryset=AgreementVersion.objects.all(),
        required=False,
        widget=forms.HiddenInput,
    )
    accept = forms.BooleanField(
        label=_("I accept the license agreement."),
        error_messages={"required": _("The license agreement must be accepted.")},
    )
    adult = forms.TypedChoiceField(
        label=_("Have you reached the plan's minimum age?"),
        choices=[("yes", _("Yes")), ("no", _("No"))],
        coerce=lambda value: value == "yes",
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )


class TransferAcceptForm(AgreementAcceptanceForm):
    """The new owner's answer to a transfer offer.

    `agreement` is the version the page showed: the service binds exactly that
    one, and refuses if a newer version was published meanwhile. The page knows
    the plan, so `adult` is asked up front when the plan has a minimum age.
    """

    name = forms.CharField(
        label=_("Your name (optional)"), max_length=200, required=False
    )


class ClaimForm(AgreementAcceptanceForm):
    """A license key to register to the signed-in customer.

    `agreement` is the version the page showed (the service binds exactly that
    one); `adult` is asked only when the key's plan has a minimum age.
    """

    field_order = ["key", "kind", "agreement", "accept", "adult", "updates_opt_in"]

    key = forms.CharField(
        label=_("License key"),
        max_length=64,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "spellcheck": "false",
                "autocapitalize": "characters",
                "placeholder": "XXXXX-XXXXX-XXXXX-XXXXX-XXXXX",
            }
        ),
    )
    updates_opt_in = forms.BooleanField(
        label=_("Email me when a new release of my major version is out."),
        required=False,
        initial=False,
    )

    def clean_key(self):
        try:
            return keys.normalise(self.cleaned_data["key"])
        except keys.InvalidKey as invalid:
            raise forms.ValidationError(
                KEY_ERRORS.get(str(invalid), str(invalid))
            ) from None


# keys.normalise says in English what is wrong; people read it in their language.
KEY_ERRORS = {
    f"A license key has {keys.LENGTH} characters.": _(
        "A license key has 25 characters (dashes and spaces do not count)."
    ),
    "A license key uses only the characters 0-9 and A-Z without I, L, O, U.": _(
        "A license key uses only the characters 0-9 and A-Z without I, L, O, U."
    ),
    "This is not a valid license key (check character).": _(
        "This is not a valid license key: a character is mistyped "
        "(the last one is a check character). Compare it with your receipt."
    ),
}


class RecoverForm(forms.Form):
    email = forms.EmailField(label=_("Email address"), max_length=254)


class OfflineForm(forms.Form):
    fingerprint = forms.CharField(
        label=_("Machine fingerprint"),
        max_length=256,
        help_text=_("Your program shows it when it asks for offline activation."),
    )
    label = forms.CharField(
        label=_("Machine name (optional)"), max_length=100, required=False
    )

    def clean_fingerprint(self):
        fingerprint = self.cleaned_data["fingerprint"].strip()
        if not fingerprint:
            raise forms.ValidationError(_("Paste the machine's fingerprint."))
        return fingerprint


class PortalTransferForm(forms.Form):
    """The new owner's address; `confirmed` is set by the confirmation page."""

    email = forms.EmailField(label=_("New owner's email address"), max_length=254)
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)


class PlanChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, plan):
        return f"{plan.product} · {plan}"


class IssueLicenseForm(forms.Form):
    """Issuing a license in the admin. A partner's staff issue for their own
    partner (the field is not theirs to choose); vendor staff pick one or none."""

    plan = PlanChoiceField(
        label=_("Plan"),
        queryset=Plan.objects.select_related("product").order_by(
            "product__name", "name"
        ),
    )
    seats = forms.IntegerField(
        label=_("Seats"),
        min_value=1,
        max_value=10_000,
        required=False,
        help_text=_("Leave empty for the plan's number of seats."),
    )
    email = forms.EmailField(
        label=_("Registrant's email address"),
        max_length=254,
        required=False,
        help_text=_(
            "Optional. The registrant receives the key by email; without an "
            "address the license is unregistered until someone claims it."
        ),
    )
    language = forms.ChoiceField(
        label=_("Language of the emails"),
        choices=settings.LANGUAGES,
        initial=settings.LANGUAGE_CODE,
    )
    partner = forms.ModelChoiceField(
        label=_("Sold by partner"), queryset=Partner.objects.all(), required=False
    )
    paid = forms.BooleanField(
        label=_("The first period is paid"), required=False, initial=True
    )

    def __init__(self, *args, partner: Partner | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if partner is None:
            # Staff attach the address directly; its emails go in the customer's language.
            del self.fields["language"]
        else:
            del self.fields["partner"]  # always theirs
            self.fields["email"].help_text = _(
                "Optional. The address is asked to confirm the registration; the "
                "license is registered to it once it does."
            )
