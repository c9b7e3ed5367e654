"""The customer portal's license pages: dashboard, claim, recovery, one license."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.debug import sensitive_post_parameters

from core import ratelimit
from core.addresses import client_address, rate_limit_bucket
from core.audit import Actor
from licensing import keys, selectors, services
from licensing.errors import Code, Refused
from licensing.forms import ClaimForm, RecoverForm
from licensing.views.common import CustomerRequiredMixin, LicenseMixin


class DashboardView(CustomerRequiredMixin, View):
    """The customer's licenses at a glance (a fixed number of queries); those
    blocked for an unpaid invoice are named first, with the invoice to pay."""

    def get(self, request):
        rows = [
            {"license": lic, "dates": selectors.license_dates(lic)}
            for lic in selectors.customer_licenses(customer=self.customer)
        ]
        blocked = [row["license"] for row in rows if row["license"].blocked_for_payment]
        return render(
            request,
            "licensing/portal/dashboard.html",
            {"rows": rows, "blocked": blocked},
        )


class ClaimView(CustomerRequiredMixin, View):
    """Register a license by its key to the signed-in customer."""

    template_name = "licensing/portal/claim.html"

    def _page(
        self, request, form, agreement, *, error="", minimum_age=None, status=200
    ):
        return render(
            request,
            self.template_name,
            {
                "form": form,
                "agreement": agreement,
                "error": error,
                "minimum_age": minimum_age,
            },
            status=status,
        )

    def get(self, request):
        agreement = selectors.agreement_current()
        # Consumer or business is asked for each license; the last answer is the default.
        form = ClaimForm(initial={"agreement": agreement, "kind": self.customer.kind})
        return self._page(request, form, agreement)

    def post(self, request):
        agreement = selectors.agreement_current()
        form = ClaimForm(request.POST)
        if not form.is_valid():
            return self._page(request, form, agreement, status=400)
        wait = ratelimit.hit(
            [
                (
                    "portal-claim",
                    str(request.user.pk),
                    settings.PORTAL_CLAIMS_PER_HOUR,
                )
            ]
        )
        data = form.cleaned_data
        try:
            if wait is not None:
                raise Refused(Code.RATE_LIMITED, retry_after=wait)
            license = services.license_claim(
                canonical_key=data["key"],
                customer=self.customer,
                kind=data["kind"],
                agreement=data["agreement"],
                agreement_accepted=data["accept"],
                age_confirmed=data["adult"],
                updates_opt_in=data["updates_opt_in"],
                actor=Actor.user(request.user),
            )
        except Refused as refused:
            # Shown again with the agreement in force now, to be accepted afresh.
            form = ClaimForm(
                initial={
                    "agreement": agreement,
                    "key": keys.display(data["key"]),
                    "kind": data["kind"],
                    "adult": request.POST.get("adult", ""),
                    "updates_opt_in": data["updates_opt_in"],
                    "accept": refused.code
                    not in (Code.AGREEMENT_CHANGED, Code.AGREEMENT_NOT_ACCEPTED),
                }
            )
            minimum_age = refused.extra.get("minimum_age")
            status = 429 if refused.code == Code.RATE_LIMITED else 400
            if refused.code == Code.AGE_NOT_CONFIRMED:
                status = 200  # a question, not a mistake
            return self._page(
                request,
                form,
                agreement,
                error=refused.message,
                minimum_age=minimum_age,
                status=status,
            )
        messages.success(request, _("The license is added to your account."))
        return redirect("portal-license", license_id=license.pk)


@method_decorator(sensitive_post_parameters("email"), name="dispatch")
class RecoverView(View):
    """Lost keys, emailed to the address they are registered to.

    The answer is the same page, status and work whether or not the address is
    known: the request only queues a task (see `services.license_recovery_request`).
    """

    template_name = "licensing/portal/recover.html"

    def get(self, request):
        return render(request, self.template_name, {"form": RecoverForm()})

    def post(self, request):
        form = RecoverForm(request.POST)
        if not form.is_valid():
            return render(request, self.template_name, {"form": form}, status=400)
        try:
            services.license_recovery_request(
                email=form.cleaned_data["email"],
                client=rate_limit_bucket(client_address(request)),
            )
        except Refused as refused:
            response = render(
                request,
                self.template_name,
                {"form": form, "error": refused.message},
                status=429,
            )
            response["Retry-After"] = str(refused.retry_after or 60)
            return response
        return render(request, self.template_name, {"sent": True})


class LicenseView(LicenseMixin, View):
    """One license: its key (masked until asked), machines, dates, invoices, actions."""

    def get(self, request, license_id):
        license = self.license
        today = timezone.localdate()
        now = timezone.now()
        machines = selectors.license_machines(license=license)
        for machine in machines:
            machine.offline_until = (
                machine.checked_out_until
                if machine.checked_out_until and machine.checked_out_until > now
                else None
            )
        live = license.status in services.LIVE
        invoices = selectors.license_invoices(license=license)
        return render(
            request,
            "licensing/portal/license.html",
            {
                "license": license,
                "reveal": request.GET.get("reveal") == "1",
                "masked_key": keys.masked(license.key),
                "dates": selectors.license_dates(license),
                "machines": machines,
                "invoices": invoices,
                # What a license blocked for payment waits for (the banner names them).
                "overdue_invoices": [i for i in invoices if i.overdue],
                "transfer_offer": selectors.license_transfer_offer(license=license),
                "live": live,
                # Offline files only for a license that can be used now.
                "can_activate": license.status == license.Status.ACTIVE,
                # A fixed term ends by itself: there is nothing to give notice of.
                "can_terminate": live
                and license.termination_effective_on is None
                and license.plan.renewal != license.plan.Renewal.FIXED,
                "can_withdraw": services.withdrawal_eligible(license, day=today),
                "can_cancel": services.cancellation_eligible(license, day=today),
                "can_transfer": license.status == license.Status.ACTIVE,
            },
        )
