"""Under `/keygen/`, what escapes a view is still a signed Keygen error document.

Paths no call serves answer Keygen's 404 NOT_FOUND; a request Django finds
suspicious 400; any unexpected exception is logged and answered 503 without
a word of the internals. `config.errors` answers the same way for what fails
before this middleware (a disallowed Host header).
"""

from __future__ import annotations

import logging

from django.core.exceptions import BadRequest, SuspiciousOperation

from licensing.errors import Code
from licensing.keygen.documents import error_document, respond

logger = logging.getLogger("licensing.keygen")
PREFIX = "/keygen/"
FAILURES = {
    400: (Code.INVALID_REQUEST, "The request is malformed."),
    403: ("FORBIDDEN", "Not allowed."),
    404: (Code.NOT_FOUND, "The requested resource was not found."),
}


def is_keygen(request) -> bool:
    return request.path.startswith(PREFIX)


def keygen_failure(request, status: int):
    """A signed Keygen error document for a request that failed outside the views."""
    if status in FAILURES:
        name, detail = FAILURES[status]
        error_status, document = error_document(name, detail=detail)
        return respond(request, document, status=error_status)
    document = {
        "errors": [
            {
                "title": "Service unavailable",
                "detail": "The service cannot answer now; retry later.",
            }
        ]
    }
    return respond(request, document, status=503)


class KeygenErrorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code == 404
            and is_keygen(request)
            and not response.has_header("Keygen-Signature")
        ):
            return keygen_failure(request, 404)
        return response

    def process_exception(self, request, exception):
        if not is_keygen(request):
            return None
        if isinstance(exception, SuspiciousOperation | BadRequest):
            return keygen_failure(request, 400)
        logger.error(
            "Keygen request failed: %s", type(exception).__name__, exc_info=exception
        )
        return keygen_failure(request, 503)
