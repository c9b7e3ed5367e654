from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class TransferOfferForm(forms.Form):
    email = forms.EmailField(label=_("New owner's email address"), max_length=254)
    language = forms.ChoiceField(
        label=_("Language of the offer"),
        choices=settings.LANGUAGES,
        initial=settings.LANGUAGE_CODE,
    )
