"""Signed JSON responses: every body carries `meta` and is signed over its exact bytes.

Every answer under `/api/`, errors included, is `{code, detail, meta}` signed
JSON with a 4xx status, or 503 when the service cannot answer (the API
middleware, the error handlers in `config.errors` and DRF's exception handler
all end here). `detail` never echoes the input.
"""

from __future__ import annotations

import json
import logging

from django.http import HttpResponse
from django.utils import timezone
from rest_framework import exceptions

from licensing import keys, signing
from licensing.errors import Code, api_detail

logger = logging.getLogger(__name__)

NONCE_MAX_LENGTH = 128
UNAVAILABLE = "UNAVAILABLE"

# Which HTTP status each refusal takes outside validate (which always answers 200).
REFUSAL_STATUS = {
    Code.NOT_FOUND: 404,
    Code.TOO_MANY_MACHINES: 409,
    Code.ALREADY_REGISTERED: 409,
    Code.MACHINE_CHECKED_OUT: 409,
    Code.INVALID_REQUEST: 400,
    Code.RATE_LIMITED: 429,
}
# What a field's error says, by DRF's error code: never the value sent.
FIELD_ERRORS = {
    "required": "is required.",
    "null": "must not be null.",
    "blank": "must not be empty.",
    "invalid": "has the wrong type or form.",
    "max_length": "is too long.",
    "min_length": "is too short.",
    "max_value": "is too large.",
    "min_value": "is too small.",
    "invalid_choice": "is not one of the accepted values.",
    "max_string_length": "is too large.",
}
# A field's own explanation, written by us and never quoting the input.
EXPLAINED = "explained"
NO_BINDING = object()


class ApiError(Exception):
    def __init__(
        self,
        code: Code,
        *,
        status: int | None = None,
        detail: str = "",
        headers=None,
        extra: dict | None = None,
    ):
        super().__init__(code)
        self.code = Code(code)
        self.status = status or REFUSAL_STATUS.get(self.code, 403)
        self.detail = detail or api_detail(self.code)
        self.headers = headers or {}
        self.extra = extra or {}  # more of the answer (e.g. when a seat frees)


def is_text(value) -> bool:
    """A string that can be sent as UTF-8 (JSON allows lone surrogates; UTF-8 does not)."""
    if not isinstance(value, str):
        return False
    try:
        value.encode()
    except UnicodeEncodeError:
        return False
    return True


def nonce_of(data) -> str | None:
    """The request's nonce if it is a well-formed one; echoing anything else is pointless."""
    nonce = data.get("nonce") if isinstance(data, dict) else None
    if is_text(nonce) and len(nonce) <= NONCE_MAX_LENGTH:
        return nonce
    return None


def binding_of(data, *, with_fingerprint: bool = True) -> str | None:
    """`meta.binding` of a request body; None when its key is not a license key.

    Calls whose body has no fingerprint (heartbeat, deactivate, register) bind
    an empty one, whatever else the body holds.
    """
    if not isinstance(data, dict):
        return None
    try:
        canonical = keys.normalise(data.get("key"))
    except keys.InvalidKey:
        return None
    fingerprint = data.get("fingerprint", "") if with_fingerprint else ""
    if not is_text(fingerprint):
        return None
    return signing.answer_binding(canonical, fingerprint, nonce_of(data) or "")


def _meta(nonce, binding) -> dict:
    meta = {"ts": signing.isoformat(timezone.now()), "nonce": nonce}
    if binding is not NO_BINDING:
        meta["binding"] = binding
    return meta


def signed_response(
    body: dict,
    *,
    status: int = 200,
    nonce: str | None = None,
    binding=NO_BINDING,
    headers=None,
):
    """`body` plus `meta{ts, nonce[, binding]}`, serialised once and signed over those bytes.

    `binding` is given for every call that carries a key (None when the key
    sent was not one).
    """
    body["meta"] = _meta(nonce, binding)
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
    """503 when there is nothing to sign with (a deployment that skipped its first key).

    The one answer that cannot be signed: it says so, in the usual shape.
    """
    logger.error("no signing key: run `manage.py rotate_signing_key`")
    body = {
        "code": UNAVAILABLE,
        "detail": "The service has no signing key yet.",
        "meta": _meta(None, NO_BINDING),
    }
    return HttpResponse(
        json.dumps(body, separators=(",", ":")).encode(),
        status=503,
        content_type="application/json",
    )


def error_response(error: ApiError, *, nonce: str | None = None, binding=NO_BINDING):
    return signed_response(
        {"code": error.code.value, "detail": error.detail, **error.extra},
        status=error.status,
        nonce=nonce,
        binding=binding,
        headers=error.headers,
    )


def failure_response(status: int, detail: str, *, binding=NO_BINDING):
    """A signed answer to a request that failed outside the API's own checks."""
    code = UNAVAILABLE if status >= 500 else Code.INVALID_REQUEST.value
    if status == 404:
        code, detail = Code.NOT_FOUND.value, api_detail(Code.NOT_FOUND)
    return signed_response(
        {"code": code, "detail": detail},
        status=503 if status >= 500 else status,
        binding=binding,
    )


def _first_error(detail) -> str:
    """`field: what is wrong`, from DRF's errors, without the value sent."""
    if isinstance(detail, dict):
        for field, errors in detail.items():
            inner = _first_error(errors)
            return f"{field}: {inner}" if field != "non_field_errors" else inner
    if isinstance(detail, list) and detail:
        return _first_error(detail[0])
    if isinstance(detail, exceptions.ErrorDetail):
        if detail.code == EXPLAINED:
            return str(detail)
        return FIELD_ERRORS.get(detail.code, "is not valid.")
    return "is not valid."


def _status_detail(exc: exceptions.APIException) -> tuple[int, str]:
    if exc.status_code == 405:
        return 405, "This method is not allowed here."
    if exc.status_code == 415:
        return 415, "The body must be application/json."
    if exc.status_code == 406:
        return 406, "The API answers application/json."
    if isinstance(exc, exceptions.ParseError):
        return 400, "The body is not valid JSON."
    if isinstance(exc, exceptions.ValidationError):
        return 400, _first_error(exc.detail)
    return 400, api_detail(Code.INVALID_REQUEST)


def exception_handler(exc, context):
    """Every DRF error as a signed `{code, detail}` body; nothing becomes a 500 by input."""
    request, view = context.get("request"), context.get("view")
    data = None
    if request is not None and not isinstance(exc, exceptions.ParseError):
        try:
            data = request.data
        except (exceptions.APIException, RecursionError):
            data = None
    nonce = nonce_of(data)
    binding = (
        binding_of(data, with_fingerprint=view.binds_fingerprint)
        if getattr(view, "carries_key", False)
        else NO_BINDING
    )
    if isinstance(exc, ApiError):
        return error_response(exc, nonce=nonce, binding=binding)
    if isinstance(exc, signing.NoSigningKey):
        return unavailable()
    if isinstance(exc, exceptions.Throttled):
        wait = max(1, int(exc.wait or 1))
        error = ApiError(Code.RATE_LIMITED, headers={"Retry-After": str(wait)})
        return error_response(error, nonce=nonce, binding=binding)
    if isinstance(exc, exceptions.NotFound):
        return error_response(ApiError(Code.NOT_FOUND), nonce=nonce, binding=binding)
    if isinstance(exc, exceptions.APIException):
        status, detail = _status_detail(exc)
        error = ApiError(Code.INVALID_REQUEST, status=status, detail=detail)
        return error_response(error, nonce=nonce, binding=binding)
    return None  # not ours: the API middleware answers it


def not_found(request, exception=None):
    """Django's 404 for paths under the API: a signed NOT_FOUND, like the API's own."""
    return error_response(ApiError(Code.NOT_FOUND))
