"""What the portal's pages share: the signed-in customer and their license."""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.shortcuts import render
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache

from licensing import selectors


@method_decorator(never_cache, name="dispatch")  # keys and invoices: not cached
class CustomerRequiredMixin(LoginRequiredMixin):
    """A signed-in person with a customer record (`self.customer`); anyone else
    signed in sees a page saying why there is nothing here."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        # The reverse one-to-one raises an AttributeError subclass when missing.
        self.customer = getattr(request.user, "customer", None)
        if self.customer is None:
            return render(request, "licensing/portal/no_customer.html", status=403)
        return super().dispatch(request, *args, **kwargs)


class LicenseMixin(CustomerRequiredMixin):
    """The signed-in customer's license of the URL (`self.license`), else 404."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        customer = getattr(request.user, "customer", None)
        if customer is not None:
            self.license = selectors.customer_license(
                customer=customer, license_id=kwargs["license_id"]
            )
            if self.license is None:
                raise Http404
        return super().dispatch(request, *args, **kwargs)
