"""The site's own middleware."""

from csp.middleware import CSPMiddleware
from django.conf import settings


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, skipping what never renders in a browser.

    The client API answers signed JSON to programs; building the policy for
    each answer cost about 100 µs on the validate hot path. django-csp checks
    `EXCLUDE_URL_PREFIXES` only after building the policy, so this checks first.
    """

    def _excluded(self, request) -> bool:
        prefixes = settings.CONTENT_SECURITY_POLICY.get("EXCLUDE_URL_PREFIXES", ())
        return request.path_info.startswith(tuple(prefixes))

    def process_request(self, request):
        if self._excluded(request):
            return None
        return super().process_request(request)

    def process_response(self, request, response):
        if self._excluded(request):
            return response
        return super().process_response(request, response)
