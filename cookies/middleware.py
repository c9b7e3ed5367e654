from cookie_consent.middleware import CleanCookiesMiddleware
from django.conf import settings
from django.utils.functional import SimpleLazyObject

from cookies.consent import (
    Consent,
    consent_forget,
    consent_from_request,
    id_cookie_delete,
    optional_cookies_delete,
    optional_cookies_sent,
)
from cookies.services import consent_lapse


class ConsentMiddleware:
    """Puts the visitor's consent on `request.cookie_consent` (read lazily),
    removes the cookies of groups not accepted (django-cookie-consent's
    CleanCookiesMiddleware), and handles a consent that lapsed: recorded once
    (method "expiry"), its optional cookies removed, the banner asks again.
    Nothing under /api/v1/ or /keygen/ (the client APIs set and read no cookies)
    or /static/."""

    skipped = ("/api/v1/", "/keygen/", "/static/")

    def __init__(self, get_response):
        self.get_response = get_response
        self.clean = CleanCookiesMiddleware(get_response)

    def __call__(self, request):
        if request.path.startswith(self.skipped):
            return self.get_response(request)
        request.cookie_consent = SimpleLazyObject(lambda: consent_from_request(request))
        response = self.get_response(request)
        if settings.COOKIE_CONSENT_NAME in response.cookies or not request.COOKIES:
            return response  # a choice was just written, or nothing to clean up
        self.clean.process_response(request, response)
        consent: Consent = request.cookie_consent
        if not consent.current and optional_cookies_sent(request):
            # Accepted under an earlier policy version: not any more.
            optional_cookies_delete(response, request)
        if settings.COOKIE_CONSENT_ID_NAME not in request.COOKIES:
            return response
        if consent.tampered:
            id_cookie_delete(response)
        elif consent.lapsed and consent.version:
            consent_lapse(
                consent_id=consent.consent_id,
                user=getattr(request, "user", None),
                given_at=consent.given_at,
            )
            consent_forget(response, request, consent)
        return response
