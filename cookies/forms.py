from django import forms
from django.utils.translation import gettext_lazy as _

from cookies import inventory
from cookies.models import ConsentRecord


class ConsentForm(forms.Form):
    """One answer from the banner or the settings page: accept all, reject all,
    or save the groups ticked (all of them at once)."""

    ACCEPT_ALL = "accept-all"
    REJECT_ALL = "reject-all"
    SAVE = "save"

    choice = forms.ChoiceField(
        choices=[
            (ACCEPT_ALL, _("Accept all")),
            (REJECT_ALL, _("Reject all")),
            (SAVE, _("Save my choices")),
        ],
        error_messages={"required": _("Choose to accept, reject or save.")},
    )
    source = forms.ChoiceField(
        choices=[
            (ConsentRecord.Method.BANNER, ConsentRecord.Method.BANNER.label),
            (ConsentRecord.Method.SETTINGS, ConsentRecord.Method.SETTINGS.label),
        ],
        initial=ConsentRecord.Method.SETTINGS,
        widget=forms.HiddenInput,
    )
    next = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for group in inventory.optional_groups():
            self.fields[group.varname] = forms.BooleanField(
                label=group.name, help_text=group.description, required=False
            )

    def group_fields(self):
        return [self[group.varname] for group in inventory.optional_groups()]

    def choices(self) -> dict[str, bool]:
        answer = self.cleaned_data["choice"]
        return {
            group.varname: (
                answer == self.ACCEPT_ALL
                or (answer == self.SAVE and self.cleaned_data[group.varname])
            )
            for group in inventory.optional_groups()
        }


class AnalyticsHitForm(forms.Form):
    path = forms.CharField(max_length=2000)
    new = forms.BooleanField(required=False)

    def clean_path(self):
        path = self.cleaned_data["path"]
        if not path.startswith("/"):
            raise forms.ValidationError(_("A path on this site starts with /."))
        return path
