"""Under `/keygen/`, what escapes a view is still a signed Keygen error document.

Paths no call serves answer Keygen's 404 NOT_FOUND; a request Django finds
suspicious 400; any unexpected exception is logged and answered 503 without
a word of the internals.
"""

from __future__ import annotations

import logging

from django.core.exceptions import BadRequest, SuspiciousOperation

from licensing.errors import Code
from licensing.keygen.documents import error_document, respond

logger = logging.getLogger("licensing.keygen")
PREFIX = "/keygen/"


class KeygenErrorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code == 404
            and request.path.startswith(PREFIX)
            and not response.has_header("Keygen-Signature")
        ):
            return self._error(
                request, Code.NOT_FOUND, "The requested resource was not found."
            )
        return response

    def process_exception(self, request, exception):
        if not request.path.startswith(PREFIX):
            return None
        if isinstance(exception, SuspiciousOperation | BadRequest):
            return self._error(
                request, Code.INVALID_REQUEST, "The request is malformed."
            )
        logger.error(
            "Keygen request failed: %s", type(exception).__name__, exc_info=exception
        )
        document = {
            "errors": [
                {
                    "title": "Service unavailable",
                    "detail": "The service cannot answer now; retry later.",
                }
            ]
        }
        return respond(request, document, status=503)

    @staticmethod
    def _error(request, code, detail):
        status, document = error_document(code, detail=detail)
        return respond(request, document, status=status)
