"""Signed JSON responses: every body carries `meta` and is signed over its exact bytes."""

from __future__ import annotations

import json
import logging

from django.http import HttpResponse
from django.utils import timezone
from rest_framework import exceptions

from licensing import signing
from licensing.errors import Code, api_detail

logger = logging.getLogger(__name__)

NONCE_MAX_LENGTH = 128

# Which HTTP status each refusal takes outside validate (which always answers 200).
REFUSAL_STATUS = {
    Code.NOT_FOUND: 404,
    Code.TOO_MANY_MACHINES: 409,
    Code.ALREADY_REGISTERED: 409,
    Code.INVALID_REQUEST: 400,
    Code.RATE_LIMITED: 429,
}


class ApiError(Exception):
    def __init__(
        self, code: Code, *, status: int | None = None, detail: str = "", headers=None
    ):
        super().__init__(code)
        self.code = Code(code)
        self.status = status or REFUSAL_STATUS.get(self.code, 403)
        self.detail = detail or api_detail(self.code)
        self.headers = headers or {}


def signed_response(
    body: dict, *, status: int = 200, nonce: str | None = None, headers=None
):
    """`body` plus `meta{ts, nonce}`, serialised once and signed over those bytes."""
    body["meta"] = {"ts": signing.isoformat(timezone.now()), "nonce": nonce}
    content = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
    try:
        signature = signing.signature_header(content)
    except signing.NoSigningKey:
        return unavailable()
    response = HttpResponse(content, status=status, content_type="application/json")
    response["X-License-Signature"] = signature
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def unavailable():
    """503 when there is nothing to sign with (a deployment that skipped its first key)."""
    logger.error("no signing key: run `manage.py rotate_signing_key`")
    return HttpResponse(
        b'{"code":"UNAVAILABLE","detail":"The service has no signing key yet."}',
        status=503,
        content_type="application/json",
    )


def error_response(error: ApiError, *, nonce: str | None = None):
    return signed_response(
        {"code": error.code.value, "detail": error.detail},
        status=error.status,
        nonce=nonce,
        headers=error.headers,
    )


def nonce_of(data) -> str | None:
    """The request's nonce if it is a well-formed one; echoing anything else is pointless."""
    nonce = data.get("nonce") if isinstance(data, dict) else None
    if isinstance(nonce, str) and len(nonce) <= NONCE_MAX_LENGTH:
        return nonce
    return None


def _first_error(detail) -> str:
    if isinstance(detail, dict):
        for field, errors in detail.items():
            return f"{field}: {_first_error(errors)}"
    if isinstance(detail, list) and detail:
        return _first_error(detail[0])
    return str(detail)


def exception_handler(exc, context):
    """Every DRF error as a signed `{code, detail}` body; nothing becomes a 500 by input."""
    request = context.get("request")
    nonce = None
    if request is not None and not isinstance(exc, exceptions.ParseError):
        try:
            nonce = nonce_of(request.data)
        except exceptions.APIException:
            nonce = None
    if isinstance(exc, ApiError):
        return error_response(exc, nonce=nonce)
    if isinstance(exc, signing.NoSigningKey):
        return unavailable()
    if isinstance(exc, exceptions.Throttled):
        wait = max(1, int(exc.wait or 1))
        error = ApiError(Code.RATE_LIMITED, headers={"Retry-After": str(wait)})
        return error_response(error, nonce=nonce)
    if isinstance(exc, exceptions.NotFound):
        return error_response(ApiError(Code.NOT_FOUND), nonce=nonce)
    if isinstance(exc, exceptions.APIException):
        detail = _first_error(exc.detail) if exc.status_code == 400 else str(exc.detail)
        status = exc.status_code if exc.status_code in (405, 406, 415) else 400
        return error_response(
            ApiError(Code.INVALID_REQUEST, status=status, detail=detail), nonce=nonce
        )
    return None


def not_found(request, exception=None):
    """Django's 404 for paths under the API: a signed NOT_FOUND, like the API's own."""
    return error_response(ApiError(Code.NOT_FOUND))
