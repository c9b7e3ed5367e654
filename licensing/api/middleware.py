"""Under `/api/`, whatever goes wrong is still a signed JSON answer.

The views answer every refusal and bad request themselves; this catches what
escapes them: a body over `DATA_UPLOAD_MAX_MEMORY_SIZE` (413), other
suspicious requests (400), and any unexpected exception (logged, then a
signed 503 that says nothing of the internals).
"""

from __future__ import annotations

import logging

from django.core.exceptions import (
    BadRequest,
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
)
from django.http import Http404

from licensing.api.responses import NO_BINDING, failure_response

logger = logging.getLogger("licensing.api")

# Calls that carry no key and so no `meta.binding`.
KEYLESS = ("/api/v1/ping", "/api/v1/signing-keys")


def is_api(request) -> bool:
    return request.path.startswith("/api/") and not request.path.startswith(
        ("/api/schema", "/api/docs")
    )


def api_failure(request, status: int, detail: str):
    binding = NO_BINDING if request.path.startswith(KEYLESS) else None
    return failure_response(status, detail, binding=binding)


class ApiErrorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code == 404
            and is_api(request)
            and not response.has_header("X-License-Signature")
        ):
            # Django's own 404 (its debug page under DEBUG): signed JSON as well.
            return api_failure(request, 404, "")
        return response

    def process_exception(self, request, exception):
        if not is_api(request):
            return None
        if isinstance(exception, RequestDataTooBig):
            return api_failure(request, 413, "The body is too large.")
        if isinstance(exception, SuspiciousOperation | BadRequest):
            return api_failure(request, 400, "The request is malformed.")
        if isinstance(exception, Http404):
            return api_failure(request, 404, "")
        if isinstance(exception, PermissionDenied):
            return api_failure(request, 403, "Not allowed.")
        logger.error(
            "API request failed: %s", type(exception).__name__, exc_info=exception
        )
        return api_failure(request, 503, "The service cannot answer now; retry later.")
