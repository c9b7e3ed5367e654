from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from django.views.i18n import set_language

from accounts.forms import ProfileForm
from accounts.receivers import set_language_cookie
from accounts.selectors import customer_consents, customer_for_user
from accounts.services import (
    Restricted,
    customer_from_unsubscribe_token,
    customer_language_set,
    customer_profile_update,
    customer_unsubscribe,
)
from core.audit import Actor


class ProfileView(LoginRequiredMixin, View):
    """The customer's own details, language and marketing consents.

    A login without a customer record (its address not verified yet, or staff)
    is told so instead.
    """

    template_name = "accounts/profile.html"

    def get(self, request):
        customer = customer_for_user(request.user)
        form = ProfileForm(instance=customer) if customer else None
        return self._render(request, customer, form)

    def post(self, request):
        customer = customer_for_user(request.user)
        if customer is None:
            return self._render(request, None, None, status=409)
        form = ProfileForm(request.POST, instance=customer)
        if not form.is_valid():
            customer.refresh_from_db()  # the form wrote its input onto the instance
            return self._render(request, customer, form, status=400)
        data = form.cleaned_data
        try:
            customer_profile_update(
                customer=customer,
                actor=Actor.user(request.user),
                name=data["name"],
                company=data["company"],
                billing_address=data["billing_address"],
                phone=data["phone"],
                language=data["language"],
                updates_opt_in=data["updates_opt_in"],
                news_opt_in=data["news_opt_in"],
            )
        except Restricted:
            form.add_error(
                None,
                _(
                    "You asked us to restrict the use of your data, so it changes "
                    "only through our data protection officer: write to them."
                ),
            )
            return self._render(request, customer, form, status=409)
        translation.activate(data["language"])
        messages.success(request, _("Your profile is saved."))
        response = redirect("profile")
        set_language_cookie(response, data["language"])
        return response

    def _render(self, request, customer, form, status=200):
        context = {
            "customer": customer,
            "form": form,
            "consents": customer_consents(customer) if customer else [],
        }
        return render(request, self.template_name, context, status=status)


@method_decorator(csrf_exempt, name="dispatch")
class UnsubscribeView(View):
    """Stop one kind of marketing email (update notifications or product news,
    as the signed token says) from the link in it, without logging in.

    GET asks; POST unsubscribes from that kind only. Mail clients send RFC 8058's one-click POST
    (`List-Unsubscribe=One-Click`) without a CSRF token, so the signed token in
    the address is what authorises it.
    """

    template_name = "accounts/unsubscribe.html"

    def get(self, request, token):
        customer, kind = customer_from_unsubscribe_token(token)
        if customer is None:
            return render(request, self.template_name, {"state": "invalid"}, status=404)
        return render(request, self.template_name, {"state": "confirm", "kind": kind})

    def post(self, request, token):
        customer, kind = customer_from_unsubscribe_token(token)
        if customer is None:
            return render(request, self.template_name, {"state": "invalid"}, status=404)
        customer_unsubscribe(customer=customer, kind=kind)
        return render(request, self.template_name, {"state": "done", "kind": kind})


class LanguageView(View):
    """The header's language switch (Django's set_language); a signed-in
    customer's choice also becomes their profile's, so that emails follow it."""

    def post(self, request):
        response = set_language(request)
        language = request.POST.get("language", "")
        customer = (
            customer_for_user(request.user) if request.user.is_authenticated else None
        )
        if customer is not None:
            customer_language_set(
                customer=customer, language=language, actor=Actor.user(request.user)
            )
        return response
