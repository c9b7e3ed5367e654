"""The two calls that must be fast: validate (the hot path) and ping (its baseline).

Plain Django views: Django REST framework's request handling costs more than
the whole validation. Their request and answer shapes are documented in the
schema by `licensing.api.docs`, and are checked against it by the schemathesis
test. Both count against the same rate limits as the rest of the API.
"""

from __future__ import annotations

import json

from django.views.decorators.csrf import csrf_exempt

from core import ratelimit
from licensing import keys, rules
from licensing.api.responses import (
    NONCE_MAX_LENGTH,
    ApiError,
    error_response,
    is_text,
    nonce_of,
    signed_response,
)
from licensing.api.serializers import FINGERPRINT_MAX_LENGTH
from licensing.api.throttling import limits_for
from licensing.errors import Code, api_detail
from licensing.selectors import license_snapshot, validation_code
from licensing.services import fingerprint_hash, key_index
from licensing.signing import answer_binding, isoformat

_MISSING = object()


def _invalid(detail: str) -> ApiError:
    return ApiError(Code.INVALID_REQUEST, detail=detail)


def _optional_str(data: dict, name: str, max_length: int, min_length: int = 0):
    value = data.get(name, _MISSING)
    if value is _MISSING:
        return None
    if not is_text(value) or not min_length <= len(value) <= max_length:
        raise _invalid(f"{name}: a string of {min_length} to {max_length} characters.")
    return value


def _method_not_allowed(allowed: str):
    return error_response(
        ApiError(
            Code.INVALID_REQUEST,
            status=405,
            detail=f"Use {allowed}.",
            headers={"Allow": allowed},
        )
    )


def _throttled(request, canonical_key):
    wait = ratelimit.hit(limits_for(request, canonical_key))
    if wait is None:
        return None
    return ApiError(Code.RATE_LIMITED, headers={"Retry-After": str(wait)})


@csrf_exempt
def validate(request):
    """POST /api/v1/licenses/validate: the license's state, and the machine's if a fingerprint is given."""
    if request.method != "POST":
        return _method_not_allowed("POST")
    if request.content_type != "application/json":
        return error_response(
            ApiError(
                Code.INVALID_REQUEST,
                status=415,
                detail="The body must be application/json.",
            ),
            binding=None,
        )
    try:
        data = json.loads(request.body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        data = None
    nonce = nonce_of(data)
    try:
        raw_key = data.get("key") if isinstance(data, dict) else None
        canonical, key_error = keys.normalise(raw_key), None
    except keys.InvalidKey as exc:
        canonical, key_error = None, str(exc)
    fingerprint = data.get("fingerprint") if canonical else None
    binding = (
        answer_binding(canonical, fingerprint or "", nonce or "")
        if canonical and (fingerprint is None or is_text(fingerprint))
        else None
    )
    limited = _throttled(request, canonical)
    if limited:
        return error_response(limited, nonce=nonce, binding=binding)
    try:
        if not isinstance(data, dict):
            raise _invalid("The body must be a JSON object.")
        if key_error:
            raise _invalid(f"key: {key_error}")
        fingerprint = _optional_str(data, "fingerprint", FINGERPRINT_MAX_LENGTH, 1)
        product = _optional_str(data, "product", 50, 1)
        version = _optional_str(data, "version", 64, 1)
        _optional_str(data, "nonce", NONCE_MAX_LENGTH)
        try:
            major = rules.version_major(version) if version is not None else None
        except ValueError as exc:
            raise _invalid(f"version: {exc}") from None
    except ApiError as error:
        return error_response(error, nonce=nonce, binding=binding)

    index = key_index(canonical)
    fp_hash = (
        fingerprint_hash(key_index=index, fingerprint=fingerprint)
        if fingerprint
        else ""
    )
    snapshot = license_snapshot(key_index=index, fingerprint_hash=fp_hash)
    code = validation_code(
        snapshot,
        fingerprint_given=fingerprint is not None,
        asked_product=product,
        asked_major=major,
    )
    body = {
        "valid": code == Code.VALID,
        "code": code.value,
        "detail": api_detail(
            code, suspended_for=snapshot.suspended_for if snapshot else ""
        ),
        "license": snapshot.license_info() if snapshot else None,
    }
    if snapshot is not None and snapshot.activation_id is not None:
        body["activation"] = activation_info(
            snapshot.activation_id,
            snapshot.activated_at,
            snapshot.last_heartbeat_at,
            snapshot.heartbeat_deadline(),
        )
    return signed_response(body, nonce=nonce, binding=binding)


def activation_info(activation_id, activated_at, last_heartbeat_at, deadline) -> dict:
    return {
        "id": str(activation_id),
        "activated": isoformat(activated_at),
        "last_heartbeat": isoformat(last_heartbeat_at),
        "heartbeat_deadline": isoformat(deadline) if deadline else None,
    }


@csrf_exempt
def ping(request):
    """GET /api/v1/ping: a signed liveness document; touches no database."""
    if request.method not in ("GET", "HEAD"):
        return _method_not_allowed("GET")
    nonce = request.GET.get("nonce")
    if nonce is not None and len(nonce) > NONCE_MAX_LENGTH:
        return error_response(_invalid("nonce: too long."))
    limited = _throttled(request, None)
    if limited:
        return error_response(limited, nonce=nonce)
    return signed_response({"status": "ok"}, nonce=nonce)
