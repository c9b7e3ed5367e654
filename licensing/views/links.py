"""Pages behind the links in emails: confirming a registration, accepting a transfer."""

from django.shortcuts import render
from django.utils.translation import get_language
from django.views import View

from licensing import keys, selectors, services
from licensing.errors import Code, Refused
from licensing.forms import TransferAcceptForm


class RegistrationConfirmView(View):
    """The link in the registration email: GET shows what will happen, POST confirms.

    Confirming takes a click so that mail scanners following links confirm nothing.
    """

    template_name = "licensing/registration_confirm.html"

    def get(self, request, token):
        pending = selectors.registration_pending(token=token)
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
        except Refused as refused:
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

    def _offer_page(self, request, offer, form, agreement, *, error="", status=200):
        return render(
            request,
            self.template_name,
            {
                "state": "offer",
                "product": offer.license.product.name,
                # Asked up front: the page knows the plan (a claim learns it later).
                "minimum_age": offer.license.plan.minimum_age,
                "agreement": agreement,
                "form": form,
                "error": error,
            },
            status=status,
        )

    def _invalid(self, request):
        return render(request, self.template_name, {"state": "invalid"}, status=404)

    def get(self, request, token):
        offer = selectors.transfer_pending(token=token)
        if offer is None:
            return self._invalid(request)
        agreement = selectors.agreement_current()
        form = TransferAcceptForm(initial={"agreement": agreement})
        return self._offer_page(request, offer, form, agreement)

    def post(self, request, token):
        offer = selectors.transfer_pending(token=token)
        if offer is None:
            return self._invalid(request)
        form = TransferAcceptForm(request.POST)
        agreement = selectors.agreement_current()
        if not form.is_valid():
            # Shown again with its errors, and with the agreement in force now.
            data = request.POST.copy()
            data["agreement"] = agreement.pk if agreement else ""
            form = TransferAcceptForm(data)
            return self._offer_page(request, offer, form, agreement, status=400)
        try:
            license = services.transfer_accept(
                token=token,
                name=form.cleaned_data["name"],
                kind=form.cleaned_data["kind"],
                agreement_accepted=form.cleaned_data["accept"],
                agreement=form.cleaned_data["agreement"],
                age_confirmed=form.cleaned_data["adult"],
                language=get_language(),
            )
        except Refused as refused:
            # The agreement in force now, to be read and accepted afresh.
            form = TransferAcceptForm(
                initial={
                    "agreement": agreement,
                    "name": form.cleaned_data["name"],
                    "kind": form.cleaned_data["kind"],
                    "adult": request.POST.get("adult", ""),
                }
            )
            return self._offer_page(
                request, offer, form, agreement, error=refused.message, status=400
            )
        return render(
            request,
            self.template_name,
            {"state": "done", "product": license.product.name},
        )
