"""The privacy center: a copy of one's data, erasure, consents and requests."""

import base64

from allauth.account.decorators import reauthentication_required
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from core import datakeys
from core.addresses import client_address, rate_limit_bucket
from privacy import selectors, services
from privacy.forms import EraseConfirmForm, PublicRequestForm
from privacy.models import DataExport, ErasureRequest

sensitive = method_decorator(reauthentication_required(allow_get=True), name="dispatch")


@method_decorator(never_cache, name="dispatch")
class PrivacyCenterView(LoginRequiredMixin, View):
    """/privacy/: download my data, delete my data, my consents, my requests."""

    def get(self, request):
        export = selectors.export_latest(request.user)
        customer, _user = selectors.person_of(user=request.user)
        return render(
            request,
            "privacy/center.html",
            {
                "export": export,
                "export_today": export is not None
                and timezone.localdate(export.created_at) == timezone.localdate(),
                "cases": selectors.cases_of(customer=customer, user=request.user),
                "customer": customer,
            },
        )

    def post(self, request):
        """Ask for a copy of one's data (built in the background, emailed)."""
        try:
            services.export_request(user=request.user)
        except services.PrivacyRefused as refused:
            messages.error(request, refused.message)
        else:
            messages.success(
                request,
                _(
                    "We are preparing your data. You get an email with the link when it is ready."
                ),
            )
        return redirect("privacy:center")


@method_decorator(never_cache, name="dispatch")
class ExportDownloadView(View):
    """The ZIP, for the person it is about, while the link is valid."""

    def get(self, request, token):
        export = DataExport.objects.filter(
            token_hash=services.token_hash(token),
            status=DataExport.Status.READY,
            expires_at__gt=timezone.now(),
        ).first()
        # An account's export opens for that account alone; one made for a
        # person without an account (the public form) by its link alone.
        # While the account is disabled for a pending erasure, its holder cannot
        # sign in: the link alone opens their copy, for the days it lives.
        open_by_link = export is not None and (
            export.user_id is None or not export.user.is_active
        )
        if (
            export is not None
            and not open_by_link
            and not request.user.is_authenticated
        ):
            return redirect_to_login(request.get_full_path())
        if export is None or not (open_by_link or export.user_id == request.user.pk):
            raise Http404
        if export.archive == datakeys.ERASED:  # its key destroyed: nothing to give
            raise Http404
        response = HttpResponse(
            base64.b64decode(export.archive), content_type="application/zip"
        )
        response["Content-Disposition"] = (
            f'attachment; filename="my-data-{timezone.localdate(export.ready_at)}.zip"'
        )
        return response


@sensitive
@method_decorator(never_cache, name="dispatch")
class EraseView(LoginRequiredMixin, View):
    """Delete my data: a warning, a typed confirmation, after re-authentication."""

    template_name = "privacy/erase.html"

    def page(self, request, form, status=200):
        return render(
            request,
            self.template_name,
            {"form": form, "grace_days": settings.ERASURE_GRACE_DAYS},
            status=status,
        )

    def get(self, request):
        return self.page(request, EraseConfirmForm())

    def post(self, request):
        form = EraseConfirmForm(request.POST)
        if not form.is_valid():
            return self.page(request, form, status=400)
        try:
            erasure = services.erasure_request(user=request.user)
        except services.PrivacyRefused as refused:
            form.add_error(None, refused.message)
            return self.page(request, form, status=403)
        logout(request)
        return render(
            request,
            "privacy/erase_requested.html",
            {"erase_on": timezone.localdate(erasure.erase_after)},
        )


class EraseCancelView(View):
    """The link in the email: GET shows, POST cancels (mail scanners only GET)."""

    template_name = "privacy/erase_cancel.html"

    def get(self, request, token):
        pending = ErasureRequest.objects.filter(
            token_hash=services.token_hash(token), cancelled_at=None, done_at=None
        ).exists()
        return render(
            request,
            self.template_name,
            {"state": "pending" if pending else "invalid"},
            status=200 if pending else 404,
        )

    def post(self, request, token):
        try:
            services.erasure_cancel(token=token)
        except services.PrivacyRefused:
            return render(request, self.template_name, {"state": "invalid"}, status=404)
        return render(request, self.template_name, {"state": "cancelled"})


@method_decorator(sensitive_post_parameters("email"), name="dispatch")
class PublicRequestView(View):
    """/privacy/request/: for people without an account. The page, its status
    and its timing are the same whether or not the address is known."""

    template_name = "privacy/request.html"

    def get(self, request):
        return render(request, self.template_name, {"form": PublicRequestForm()})

    def post(self, request):
        form = PublicRequestForm(request.POST)
        if not form.is_valid():
            return render(request, self.template_name, {"form": form}, status=400)
        try:
            services.request_submit(
                email=form.cleaned_data["email"],
                kind=form.cleaned_data["kind"],
                details=form.cleaned_data["details"],
                client=rate_limit_bucket(client_address(request)),
            )
        except services.PrivacyRefused as refused:
            return render(
                request,
                self.template_name,
                {"form": form, "error": refused.message},
                status=429,
            )
        return render(request, "privacy/request_sent.html")


class RequestConfirmView(View):
    """The emailed link: GET shows, POST confirms (mail scanners only GET)."""

    template_name = "privacy/request_confirm.html"

    def get(self, request, token):
        link = services.request_link_pending(token)
        if link is None:
            return render(request, self.template_name, {"state": "invalid"}, status=404)
        return render(
            request,
            self.template_name,
            {
                "state": "pending",
                "kind": link.get_kind_display(),
                "erasure": link.kind == "erasure",
                "grace_days": settings.ERASURE_GRACE_DAYS,
            },
        )

    def post(self, request, token):
        try:
            case = services.request_confirm(token=token)
        except services.PrivacyRefused:
            return render(request, self.template_name, {"state": "invalid"}, status=404)
        return render(request, self.template_name, {"state": "done", "case": case})


class PolicyView(View):
    """/privacy/policy/: the privacy policy, its table from the registry."""

    def get(self, request):
        return render(
            request,
            "privacy/policy.html",
            {
                "records": selectors.records_of_processing(),
                "subprocessors": settings.PRIVACY_SUBPROCESSORS,
            },
        )
