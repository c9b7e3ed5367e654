from django.shortcuts import render
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from accounts.services import customer_from_unsubscribe_token, customer_unsubscribe


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
