from django.conf import settings


def consent(request):
    """`cookie_consent` (banner, analytics) for the base template; None where the
    middleware does not run."""
    return {
        "cookie_consent": getattr(request, "cookie_consent", None),
        "cookie_renew_days": settings.COOKIE_CONSENT_RENEW_DAYS,
    }
