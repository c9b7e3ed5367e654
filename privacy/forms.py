from django import forms
from django.utils.translation import gettext_lazy as _


class EraseConfirmForm(forms.Form):
    """Erasure is confirmed by typing a word: it cannot be undone after the grace period."""

    WORD = _("DELETE")

    confirmation = forms.CharField(
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["confirmation"].label = _("Type %(word)s to confirm") % {
            "word": self.WORD
        }

    def clean_confirmation(self):
        typed = self.cleaned_data["confirmation"].strip()
        if typed.casefold() != str(self.WORD).casefold():
            raise forms.ValidationError(
                _("Type the word %(word)s to confirm (or go back if you are not sure).")
                % {"word": self.WORD}
            )
        return typed


class PublicRequestForm(forms.Form):
    """A request from someone without an account (or signed out)."""

    kind = forms.ChoiceField(
        label=_("What would you like?"),
        choices=[
            ("access", _("A copy of the personal data you hold about me")),
            ("erasure", _("Delete my personal data")),
            ("rectification", _("Correct my personal data")),
            ("restriction", _("Stop using my data for a while (restriction)")),
            ("objection", _("I object to how my data is used")),
            ("portability", _("My data in a machine-readable file (portability)")),
        ],
        widget=forms.RadioSelect,
    )
    email = forms.EmailField(
        label=_("Email address"),
        max_length=254,
        help_text=_("The address your licenses are registered to."),
    )
    details = forms.CharField(
        label=_("Anything we should know (optional)"),
        help_text=_(
            "For a correction: what is wrong and what is right. For an objection: why."
        ),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
