from django.shortcuts import render
from django.views import View

from licensing import keys, services
from licensing.codes import Code


class RegistrationConfirmView(View):
    """The link in the registration email: GET shows what will happen, POST confirms.

    Confirming takes a click so that mail scanners following links confirm nothing.
    """

    template_name = "licensing/registration_confirm.html"

    def get(self, request, token):
        pending = services.registration_pending(token=token)
        if pending is None:
            return render(request, self.template_name, {"state": "invalid"}, status=404)
        return render(
            request,
            self.template_name,
            {
                "state": "pending",
                "product": pending.license.product.name,
                "masked_key": keys.masked(pending.license.key),
            },
        )

    def post(self, request, token):
        try:
            license = services.registration_confirm(token=token)
        except services.LicenseRefused as refused:
            state = "taken" if refused.code == Code.ALREADY_REGISTERED else "invalid"
            return render(
                request,
                self.template_name,
                {"state": state},
                status=409 if state == "taken" else 404,
            )
        return render(
            request,
            self.template_name,
            {"state": "done", "product": license.product.name},
        )
