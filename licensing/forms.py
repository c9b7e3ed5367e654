from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from accounts.models import Customer
from licensing.models import AgreementVersion


class TransferOfferForm(forms.Form):
    email = forms.EmailField(label=_("New owner's email address"), max_length=254)
    language = forms.ChoiceField(
        label=_("Language of the offer"),
        choices=settings.LANGUAGES,
        initial=settings.LANGUAGE_CODE,
    )


class TransferAcceptForm(forms.Form):
    """The new owner's answer to a transfer offer.

    `agreement` is the version the page showed: the service binds exactly that
    one, and refuses if a newer version was published meanwhile.
    """

    name = forms.CharField(
        label=_("Your name (optional)"), max_length=200, required=False
    )
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
