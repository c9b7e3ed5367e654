from django.shortcuts import render
from django.views import View

from accounts.models import Customer
from licensing import keys, services, transfer
from licensing.codes import Code
from licensing.lifecycle import LifecycleRefused


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


class TransferAcceptView(View):
    """The link in a transfer offer: the new owner accepts the agreement and receives a new key."""

    template_name = "licensing/transfer_accept.html"

    def _context(self, offer, **extra):
        from licensing.models import AgreementVersion

        return {
            "state": "offer",
            "product": offer.license.product.name,
            "agreement": AgreementVersion.objects.order_by("-published_at").first(),
            "kinds": Customer.Kind.choices,
            **extra,
        }

    def get(self, request, token):
        offer = transfer.transfer_pending(token=token)
        if offer is None:
            return render(request, self.template_name, {"state": "invalid"}, status=404)
        return render(request, self.template_name, self._context(offer))

    def post(self, request, token):
        offer = transfer.transfer_pending(token=token)
        if offer is None:
            return render(request, self.template_name, {"state": "invalid"}, status=404)
        name = request.POST.get("name", "").strip()[:200]
        kind = request.POST.get("kind", "")
        try:
            license = transfer.transfer_accept(
                token=token,
                name=name,
                kind=kind,
                agreement_accepted=request.POST.get("accept") == "yes",
            )
        except LifecycleRefused as refused:
            return render(
                request,
                self.template_name,
                self._context(offer, error=refused.message, name=name),
                status=400,
            )
        return render(
            request,
            self.template_name,
            {"state": "done", "product": license.product.name},
        )
