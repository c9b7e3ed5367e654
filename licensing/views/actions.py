"""What a customer does with one of their licenses on the portal.

Everything that cannot be undone shows a confirmation page first (GET) and is
done by its POST. Terminating, withdrawing, cancelling and transferring ask a
recent sign-in again (allauth's reauthentication) before the POST is done.
"""

from __future__ import annotations

import json

from allauth.account.decorators import reauthentication_required
from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View

from core import ratelimit
from core.audit import Actor
from licensing import rules, selectors, services
from licensing.errors import Code, Refused
from licensing.forms import OfflineForm, PortalTransferForm
from licensing.views.common import LicenseMixin

OFFLINE_FILE_TTL = 2_592_000  # 30 days, as the API's checkout by default
sensitive = method_decorator(reauthentication_required(allow_get=True), name="dispatch")


def _seat_frees_at(refused: Refused):
    value = refused.extra.get("seat_frees_at")
    return parse_datetime(value) if value else None


class MachineReleaseView(LicenseMixin, View):
    """Free a machine's seat (at most PORTAL_RELEASES_PER_DAY per license and day)."""

    template_name = "licensing/portal/release.html"

    def _machine(self, activation_id):
        machine = selectors.license_machine(
            license=self.license, activation_id=activation_id
        )
        if machine is None:
            raise Http404
        return machine

    def _page(self, request, machine, *, error="", frees_at=None, status=200):
        return render(
            request,
            self.template_name,
            {
                "license": self.license,
                "machine": machine,
                "error": error,
                "frees_at": frees_at,
            },
            status=status,
        )

    def get(self, request, license_id, activation_id):
        return self._page(request, self._machine(activation_id))

    def post(self, request, license_id, activation_id):
        machine = self._machine(activation_id)
        limit = settings.PORTAL_RELEASES_PER_DAY
        wait = ratelimit.hit([("portal-release", str(self.license.pk), f"{limit}/day")])
        try:
            if wait is not None:
                raise Refused(Code.RATE_LIMITED, retry_after=wait)
            services.activation_deactivate(
                canonical_key=self.license.key,
                activation_id=machine.pk,
                actor=Actor.user(request.user),
                notify_owner=True,
            )
        except Refused as refused:
            status = {
                Code.RATE_LIMITED: 429,
                Code.MACHINE_CHECKED_OUT: 409,
                Code.NOT_FOUND: 404,
            }.get(refused.code, 400)
            return self._page(
                request,
                machine,
                error=refused.message,
                frees_at=_seat_frees_at(refused),
                status=status,
            )
        messages.success(request, _("The machine is released: its seat is free."))
        return redirect("portal-license", license_id=self.license.pk)


class OfflineFileView(LicenseMixin, View):
    """Activate a machine without internet: paste its fingerprint, download its
    signed license file (the API checkout's file, as JSON)."""

    template_name = "licensing/portal/offline.html"

    def get(self, request, license_id):
        return render(
            request,
            self.template_name,
            {"license": self.license, "form": OfflineForm()},
        )

    def post(self, request, license_id):
        form = OfflineForm(request.POST)
        if not form.is_valid():
            return render(
                request,
                self.template_name,
                {"license": self.license, "form": form},
                status=400,
            )
        data = form.cleaned_data
        try:
            # One step for the customer: no seat is taken without its file.
            with transaction.atomic():
                services.activation_create(
                    canonical_key=self.license.key,
                    fingerprint=data["fingerprint"],
                    label=data["label"],
                    platform="offline",
                )
                file = services.offline_file_issue(
                    canonical_key=self.license.key,
                    fingerprint=data["fingerprint"],
                    ttl=OFFLINE_FILE_TTL,
                )
        except Refused as refused:
            return render(
                request,
                self.template_name,
                {"license": self.license, "form": form, "error": refused.message},
                status=409 if refused.code == Code.TOO_MANY_MACHINES else 403,
            )
        response = HttpResponse(
            json.dumps(file, indent=2), content_type="application/json"
        )
        name = f"{self.license.product.slug}-license-{self.license.key[-5:]}.json"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        response["Cache-Control"] = "no-store"
        return response


@sensitive
class TerminateView(LicenseMixin, View):
    """Give notice: the page shows the date it takes effect before you confirm."""

    template_name = "licensing/portal/terminate.html"

    def _page(self, request, *, error="", status=200):
        today = timezone.localdate()
        return render(
            request,
            self.template_name,
            {
                "license": self.license,
                "effective_on": selectors.termination_effective_on(
                    self.license, received_on=today
                ),
                "deadline": rules.notice_deadline(self.license.period_end),
                "error": error,
            },
            status=status,
        )

    def get(self, request, license_id):
        return self._page(request)

    def post(self, request, license_id):
        try:
            services.termination_notice_receive(
                license_id=self.license.pk,
                received_on=timezone.localdate(),
                actor=Actor.user(request.user),
            )
        except Refused as refused:
            return self._page(request, error=refused.message, status=409)
        messages.success(
            request,
            _("Your notice is recorded; an email confirms the date it takes effect."),
        )
        return redirect("portal-license", license_id=self.license.pk)


@sensitive
class WithdrawCancelView(LicenseMixin, View):
    """Withdraw (a consumer's 14-day cooling-off) or cancel (never installed,
    within 14 days): the page says until when, or why not."""

    template_name = "licensing/portal/ending.html"
    mode = "withdraw"  # or "cancel"

    def _eligible(self, today):
        check = (
            services.withdrawal_eligible
            if self.mode == "withdraw"
            else services.cancellation_eligible
        )
        return check(self.license, day=today)

    def _page(self, request, *, error="", status=200):
        today = timezone.localdate()
        code = (
            Code.WITHDRAWAL_NOT_ALLOWED
            if self.mode == "withdraw"
            else Code.CANCELLATION_NOT_ALLOWED
        )
        eligible = self._eligible(today)
        deadline = rules.withdrawal_deadline(self.license.purchased_on)
        return render(
            request,
            self.template_name,
            {
                "license": self.license,
                "mode": self.mode,
                "eligible": eligible,
                "deadline": deadline,
                # Only a period that has run out is the reason; else the message says.
                "deadline_passed": deadline < today,
                "reason": "" if eligible else Refused(code).message,
                "error": error,
            },
            status=status,
        )

    def get(self, request, license_id):
        return self._page(request)

    def post(self, request, license_id):
        service = (
            services.license_withdraw
            if self.mode == "withdraw"
            else services.license_cancel
        )
        try:
            service(
                license_id=self.license.pk,
                day=timezone.localdate(),
                actor=Actor.user(request.user),
            )
        except Refused as refused:
            return self._page(request, error=refused.message, status=409)
        messages.success(
            request, _("Done: the license is ended and an email confirms it.")
        )
        return redirect("portal-license", license_id=self.license.pk)


@sensitive
class TransferView(LicenseMixin, View):
    """Offer the license to a new owner: the address, a confirmation, the offer."""

    template_name = "licensing/portal/transfer.html"

    def _page(self, request, form, *, confirm=False, error="", status=200):
        return render(
            request,
            self.template_name,
            {
                "license": self.license,
                "form": form,
                "confirm": confirm,
                "error": error,
                "sent": False,
                # A new offer replaces it: the page says so.
                "pending_offer": selectors.license_transfer_offer(license=self.license),
            },
            status=status,
        )

    def get(self, request, license_id):
        return self._page(request, PortalTransferForm())

    def post(self, request, license_id):
        form = PortalTransferForm(request.POST)
        if not form.is_valid():
            return self._page(request, form, status=400)
        if not form.cleaned_data["confirmed"]:
            confirm = PortalTransferForm(
                initial={"email": form.cleaned_data["email"], "confirmed": True}
            )
            return self._page(request, confirm, confirm=True)
        try:
            services.transfer_offer(
                license_id=self.license.pk,
                to_email=form.cleaned_data["email"],
                actor=Actor.user(request.user),
                language=request.LANGUAGE_CODE,
            )
        except Refused as refused:
            return self._page(request, form, error=refused.message, status=409)
        return render(
            request,
            self.template_name,
            {
                "license": self.license,
                "sent": True,
                "email": form.cleaned_data["email"],
            },
        )


class TransferWithdrawView(LicenseMixin, View):
    """Withdraw the pending transfer offer (a button on the license page): its
    emailed link then says the offer is no longer valid."""

    def post(self, request, license_id):
        try:
            services.transfer_withdraw(
                license_id=self.license.pk, actor=Actor.user(request.user)
            )
        except Refused as refused:
            messages.error(request, refused.message)
        else:
            messages.success(
                request,
                _("The transfer offer is withdrawn: its link no longer works."),
            )
        return redirect("portal-license", license_id=self.license.pk)


class InvoiceView(LicenseMixin, View):
    """One invoice of the license, as a printable page."""

    def get(self, request, license_id, invoice_id):
        invoice = selectors.customer_invoice(
            customer=self.customer, license_id=self.license.pk, invoice_id=invoice_id
        )
        if invoice is None:
            raise Http404
        return render(
            request,
            "licensing/portal/invoice.html",
            {
                "license": self.license,
                "invoice": invoice,
                "vendor_address": settings.VENDOR_ADDRESS,
            },
        )
