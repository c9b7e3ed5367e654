from cookie_consent.middleware import CleanCookiesMiddleware
from django.conf import settings
from django.utils.functional import SimpleLazyObject

from cookies import inventory
from cookies.consent import Consent, consent_forget, consent_from_request
from cookies.services import consent_give


class ConsentMiddleware:
    """Puts the visitor's consent on `request.cookie_consent` (read lazily),
    removes the cookies of groups not accepted (django-cookie-consent's
    CleanCookiesMiddleware), and handles a consent that lapsed: recorded once
    (method "expiry"), its optional cookies removed, the banner asks again.
    Nothing under /api/v1/ (the client API sets and reads no cookies) or /static/."""

    skipped = ("/api/v1/", "/static/")

    def __init__(self, get_response):
        self.get_response = get_response
        self.clean = CleanCookiesMiddleware(get_response)

    def __call__(self, request):
        if request.path.startswith(self.skipped):
            return self.get_response(request)
        request.cookie_consent = SimpleLazyObject(lambda: consent_from_request(request))
        response = self.get_response(request)
        if settings.COOKIE_CONSENT_NAME in response.cookies:
            return response  # a choice was just written, with its own clean-up
        self.clean.process_response(request, response)
        if settings.COOKIE_CONSENT_ID_NAME not in request.COOKIES:
            return response
        consent: Consent = request.cookie_consent
        if consent.tampered:
            response.delete_cookie(settings.COOKIE_CONSENT_ID_NAME)
        elif consent.lapsed and consent.version:
            consent_give(
                consent_id=consent.consent_id,
                user=getattr(request, "user", None),
                choices={group.varname: False for group in inventory.optional_groups()},
                method="expiry",
            )
            consent_forget(response, request, consent)
        return response
