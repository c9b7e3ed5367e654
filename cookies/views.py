"""The cookie policy, the settings page, the banner's answers and the visit counter."""

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from cookies import inventory, selectors, services
from cookies.consent import consent_write
from cookies.forms import AnalyticsHitForm, ConsentForm
from core import ratelimit
from core.addresses import client_address, rate_limit_bucket
from core.fields import keyed_hash


class CookiePolicyView(View):
    """/cookies/: every cookie the site can set, by group, from the inventory."""

    def get(self, request):
        listed = inventory.cookies()
        groups = [
            {
                "group": group,
                "cookies": [c for c in listed if c.group == group.varname],
            }
            for group in inventory.GROUPS
        ]
        return render(
            request,
            "cookies/policy.html",
            {
                "groups": groups,
                "policy": selectors.policy_published(inventory.policy_version()),
                "version": inventory.policy_version(),
            },
        )


@method_decorator(never_cache, name="dispatch")
class CookieSettingsView(View):
    """/cookies/settings/: the choices now, the form to change them, their history."""

    def get(self, request):
        consent = request.cookie_consent
        initial = {"next": request.GET.get("next", "")}
        if consent.current:
            initial.update(
                {name: bool(value) for name, value in consent.choices.items()}
            )
        return self.page(request, ConsentForm(initial=initial))

    def page(self, request, form, status=200):
        consent = request.cookie_consent
        return render(
            request,
            "cookies/settings.html",
            {
                "form": form,
                "consent": consent,
                "history": selectors.consent_history(
                    consent_id=consent.consent_id, user=request.user
                ),
                "groups": {group.varname: group for group in inventory.GROUPS},
                "unused_groups": [
                    group
                    for group in inventory.optional_groups()
                    if group not in inventory.offered_groups()
                ],
            },
            status=status,
        )


@method_decorator(never_cache, name="dispatch")
class ConsentView(CookieSettingsView):
    """POST only: the answer from the banner or the settings page, all groups at
    once (django-cookie-consent's own views would record accept and decline in two
    responses, and the second can lose the first)."""

    http_method_names = ["post"]

    def post(self, request):
        form = ConsentForm(request.POST)
        if not form.is_valid():
            return self.page(request, form, status=400)
        choices = form.choices()
        consent_id, _record = services.consent_give(
            consent_id=request.cookie_consent.consent_id,
            user=request.user,
            choices=choices,
            method=form.cleaned_data["source"],
        )
        if request.headers.get("X-Requested-With") == "fetch":
            response = JsonResponse(choices)
        else:
            response = HttpResponseRedirect(self.success_url(request, form))
            messages.success(request, _("Your cookie choices are saved."))
        consent_write(response, consent_id=consent_id, choices=choices)
        return response

    def success_url(self, request, form) -> str:
        target = form.cleaned_data["next"]
        if target and url_has_allowed_host_and_scheme(
            target,
            allowed_hosts={request.get_host()},
            require_https=request.is_secure(),
        ):
            return target
        return reverse("cookies:settings")


@method_decorator(csrf_exempt, name="dispatch")
class AnalyticsHitView(View):
    """The self-hosted analytics' beacon: one page view, counted only with consent.

    CSRF-exempt as a beacon carries no token; it changes nothing but a counter,
    and nothing at all without the visitor's analytics consent."""

    http_method_names = ["post"]

    def post(self, request):
        form = AnalyticsHitForm(request.POST)
        if not form.is_valid():
            return JsonResponse({"errors": form.errors}, status=400)
        over_limit = ratelimit.hit(
            [
                (
                    "analytics-beacon",
                    keyed_hash(
                        "ratelimit.client", rate_limit_bucket(client_address(request))
                    ),
                    settings.ANALYTICS_BEACONS_PER_CLIENT,
                )
            ]
        )
        if request.cookie_consent.analytics and over_limit is None:
            services.page_view_count(
                route=form.cleaned_data["path"], new_visitor=form.cleaned_data["new"]
            )
        return HttpResponse(status=204)
