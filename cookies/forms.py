from urllib.parse import urlsplit

from django import forms
from django.urls import Resolver404, resolve
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
    next = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean_next(self):
        # Where to go back to: a long or odd one is dropped, never refused (the
        # answer itself still counts; the settings page is the fallback).
        target = self.cleaned_data["next"]
        return target if len(target) <= 2000 else ""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for group in inventory.offered_groups():
            self.fields[group.varname] = forms.BooleanField(
                label=group.name, help_text=group.description, required=False
            )

    def group_fields(self):
        return [self[group.varname] for group in inventory.offered_groups()]

    def choices(self) -> dict[str, bool]:
        """Every optional group; one without cookies is never accepted."""
        answer = self.cleaned_data["choice"]
        offered = {group.varname for group in inventory.offered_groups()}
        return {
            group.varname: group.varname in offered
            and (
                answer == self.ACCEPT_ALL
                or (answer == self.SAVE and self.cleaned_data[group.varname])
            )
            for group in inventory.optional_groups()
        }


class AnalyticsHitForm(forms.Form):
    path = forms.CharField(max_length=2000)
    new = forms.BooleanField(required=False)

    def clean_path(self):
        """The page's URL pattern; the query string is never looked at."""
        url = urlsplit(self.cleaned_data["path"])
        path = url.path
        if url.scheme or url.netloc or not path.startswith("/"):
            raise forms.ValidationError(_("A path on this site starts with /."))
        try:
            return "/" + resolve(path).route
        except Resolver404:
            raise forms.ValidationError(
                _("There is no such page on this site.")
            ) from None
