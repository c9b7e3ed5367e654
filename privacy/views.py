"""The privacy center: a copy of one's data, erasure, consents and requests."""

import base64

from allauth.account.decorators import reauthentication_required
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache

from privacy import selectors, services
from privacy.forms import EraseConfirmForm
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
class ExportDownloadView(LoginRequiredMixin, View):
    """The ZIP, for the person it is about, while the link is valid."""

    def get(self, request, token):
        export = DataExport.objects.filter(
            token_hash=services.token_hash(token),
            user=request.user,
            status=DataExport.Status.READY,
            expires_at__gt=timezone.now(),
        ).first()
        if export is None:
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
        erasure = services.erasure_request(user=request.user)
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
