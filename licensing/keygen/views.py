"""The Keygen-compatible calls: plain Django views over `licensing.services`.

Every view runs inside `endpoint`: method check, license-key authentication,
the API's rate limits, and refusals turned into Keygen's error documents, all
signed (`documents.respond`). `validate_key` is the hot call (one query, as
our own validate).
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import uuid
from dataclasses import dataclass

from django.core.exceptions import RequestDataTooBig
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from core import ratelimit
from licensing import keys, rules, services
from licensing.api.responses import NONCE_MAX_LENGTH, is_text
from licensing.api.serializers import FINGERPRINT_MAX_LENGTH, TTL_DEFAULT, TTL_MIN
from licensing.api.throttling import limits_for
from licensing.errors import Code, Refused, api_detail
from licensing.keygen import codes, documents, files
from licensing.keygen.documents import respond
from licensing.models import Activation
from licensing.selectors.validation import Snapshot, license_snapshot
from licensing.services import fingerprint_hash, key_index

LIST_LIMIT_DEFAULT, LIST_LIMIT_MAX = 10, 100
LICENSE_INCLUDES = {"entitlements", "product", "policy", "owner", "users", "group"}
MACHINE_INCLUDES = {
    "license",
    "license.entitlements",
    "license.product",
    "license.policy",
    "license.owner",
    "license.users",
    "components",
    "owner",
    "group",
}


class Problem(Exception):
    """A Keygen error answer: one of `codes.ERRORS`, its detail and source."""

    def __init__(self, name, detail: str, *, source=None, headers=None):
        super().__init__(name)
        self.name, self.detail = name, detail
        self.source, self.headers = source, headers or {}


def _invalid(detail: str, **source) -> Problem:
    return Problem(Code.INVALID_REQUEST, detail, source=source or None)


@dataclass(frozen=True)
class Caller:
    """Who asks: the license key as sent, its canonical form and the license."""

    raw_key: str
    canonical: str
    snapshot: Snapshot


def _credentials(request) -> tuple[str | None, str | None]:
    """(raw license key, canonical form or None) from `Authorization`, or (None, None)."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, value = header.partition(" ")
    scheme, value = scheme.lower(), value.strip()
    if scheme == "bearer":
        raise Problem(
            "TOKEN_INVALID",
            "Token authentication is not offered here: authenticate with the license key.",
            source={"header": "Authorization"},
        )
    if scheme == "basic":
        try:
            user, _, password = base64.b64decode(value).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            user, password = "", ""
        if user != "license":
            raise Problem(
                "TOKEN_INVALID",
                "Basic authentication takes the user `license` and the license key.",
                source={"header": "Authorization"},
            )
        value = password.strip()
    elif scheme != "license":
        return None, None
    try:
        return value, keys.normalise(value)
    except keys.InvalidKey:
        return value, None


def _authenticate(raw: str | None, canonical: str | None) -> Caller:
    if raw is None:
        raise Problem(
            "UNAUTHORIZED",
            "You must be authenticated to complete the request.",
            source={"header": "Authorization"},
        )
    snapshot = license_snapshot(key_index=key_index(canonical)) if canonical else None
    if snapshot is None or snapshot.status == "transferred":
        raise Problem(
            "LICENSE_INVALID",
            "License key authentication failed: the key is not valid.",
            source={"header": "Authorization"},
        )
    return Caller(raw, canonical, snapshot)


def endpoint(*methods: str, authenticated: bool = True):
    """Method check, authentication, rate limits and Keygen's errors around a view."""

    def wrap(view):
        @csrf_exempt
        @functools.wraps(view)
        def handle(request, *args, account=None, **kwargs):
            try:
                if request.method not in methods:
                    raise Problem(
                        "METHOD_NOT_ALLOWED",
                        f"Use {' or '.join(methods)}.",
                        headers={"Allow": ", ".join(methods)},
                    )
                raw = canonical = None
                body, bad_credentials, bad_body = {}, None, None
                try:
                    if authenticated:
                        raw, canonical = _credentials(request)
                except Problem as exc:
                    bad_credentials = exc
                try:
                    if request.method == "POST":
                        body = _body(request)
                    if not authenticated:
                        canonical = _meta_key(body)[1]
                except Problem as exc:
                    bad_body = exc
                _throttle(request, canonical)  # bad requests count as well
                if bad_credentials is not None:
                    raise bad_credentials
                caller = _authenticate(raw, canonical) if authenticated else None
                if bad_body is not None:
                    raise bad_body
                return view(request, caller, body, *args, **kwargs)
            except Refused as refused:
                return _refusal(request, refused)
            except Problem as problem:
                return _problem(request, problem)
            except RequestDataTooBig:
                return _problem(request, Problem("TOO_LARGE", "The body is too large."))

        return handle

    return wrap


def _problem(request, problem: Problem, *, status: int | None = None):
    error_status, document = documents.error_document(
        problem.name, detail=problem.detail, source=problem.source
    )
    return respond(
        request, document, status=status or error_status, headers=problem.headers
    )


def _refusal(request, refused: Refused):
    detail = api_detail(refused.code, suspended_for=refused.suspended_for)
    if refused.code == Code.MACHINE_CHECKED_OUT:
        detail = f"{detail} The seat frees at {refused.extra['seat_frees_at']}."
    headers = {"Retry-After": str(refused.retry_after)} if refused.retry_after else {}
    return _problem(request, Problem(refused.code, detail, headers=headers))


def _throttle(request, canonical: str | None) -> None:
    wait = ratelimit.hit(limits_for(request, canonical))
    if wait is not None:
        raise Problem(
            Code.RATE_LIMITED,
            "Throttle limit has been reached; retry later.",
            headers={"Retry-After": str(wait)},
        )


def _body(request) -> dict:
    """The JSON body (empty is `{}`): JSON:API or plain JSON, an object either way."""
    if not request.body:
        return {}
    if request.content_type not in (documents.CONTENT_TYPE, "application/json"):
        raise Problem(
            Code.INVALID_REQUEST,
            f"The body must be {documents.CONTENT_TYPE}.",
            source={"header": "Content-Type"},
        )
    try:
        data = json.loads(request.body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise _invalid("The body is not valid JSON.", pointer="") from None
    if not isinstance(data, dict):
        raise _invalid("The body must be a JSON object.", pointer="")
    return data


def _object(parent: dict, name: str, pointer: str) -> dict:
    value = parent.get(name, {})
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _invalid("must be an object", pointer=pointer)
    return value


def _text(
    parent: dict, name: str, pointer: str, max_length: int, *, required=False
) -> str | None:
    value = parent[name] if isinstance(parent, list) else parent.get(name)
    if value is None:
        if required:
            raise _invalid("is required", pointer=pointer)
        return None
    if not isinstance(value, str) or not value.strip():
        raise _invalid("must be a non-empty string", pointer=pointer)
    if len(value) > max_length:
        raise _invalid(
            f"is too long (at most {max_length} characters)", pointer=pointer
        )
    if not is_text(value) or "\x00" in value:
        raise _invalid("must be valid text", pointer=pointer)
    return value


def _meta_key(body: dict) -> tuple[str | None, str | None]:
    meta = _object(body, "meta", "/meta")
    raw = _text(meta, "key", "/meta/key", 200, required=True)
    try:
        return raw, keys.normalise(raw)
    except keys.InvalidKey:
        return raw, None


@dataclass(frozen=True)
class Scope:
    fingerprint: str | None
    product: str | None
    entitlements: bool
    echo: dict  # what Keygen echoes as `meta.scope`
    nonce: int | str | None = None  # `meta.nonce`, echoed in the signed answer


def _scope(body: dict) -> Scope:
    scope = _object(_object(body, "meta", "/meta"), "scope", "/meta/scope")
    fingerprint = _text(
        scope, "fingerprint", "/meta/scope/fingerprint", FINGERPRINT_MAX_LENGTH
    )
    product = _text(scope, "product", "/meta/scope/product", 64)
    entitlements = scope.get("entitlements") or []
    if not isinstance(entitlements, list) or len(entitlements) > 100:
        raise _invalid("must be a list of codes", pointer="/meta/scope/entitlements")
    for n in range(len(entitlements)):
        _text(entitlements, n, f"/meta/scope/entitlements/{n}", 64, required=True)
    components = scope.get("components") or []
    if not isinstance(components, list):
        raise _invalid("must be a list", pointer="/meta/scope/components")
    _text(scope, "environment", "/meta/scope/environment", 64)
    echo = {
        name: scope[name]
        for name in ("fingerprint", "product", "entitlements", "environment")
        if name in scope
    }
    nonce = _object(body, "meta", "/meta").get("nonce")
    if nonce is not None and not (
        (isinstance(nonce, int) and not isinstance(nonce, bool) and 0 <= nonce < 2**63)
        or (is_text(nonce) and 0 < len(nonce) <= NONCE_MAX_LENGTH)
    ):
        raise _invalid(
            "must be a whole number or a short string", pointer="/meta/nonce"
        )
    return Scope(fingerprint, product, bool(entitlements), echo, nonce)


def _validation(request, canonical: str | None, scope: Scope, snapshot=None):
    """The validation answer: 200 with the code in `meta`, the license in `data`
    (null when there is none). `snapshot` is reused when no fingerprint is asked."""
    if canonical is not None and (snapshot is None or scope.fingerprint is not None):
        index = key_index(canonical)
        fp_hash = (
            fingerprint_hash(key_index=index, fingerprint=scope.fingerprint)
            if scope.fingerprint is not None
            else ""
        )
        snapshot = license_snapshot(key_index=index, fingerprint_hash=fp_hash)
    code = codes.validation(
        snapshot,
        fingerprint_given=scope.fingerprint is not None,
        asked_product=scope.product,
        entitlements=scope.entitlements,
    )
    found = snapshot is not None and code != "NOT_FOUND"
    document = {
        "data": documents.license_resource(snapshot, canonical) if found else None,
        "meta": documents.validation_meta(
            code, codes.DETAILS[code], scope.echo, nonce=scope.nonce
        ),
    }
    return respond(request, document)


@endpoint("POST", authenticated=False)
def validate_key(request, caller, body):
    """POST licenses/actions/validate-key: the key in `meta.key`, no authentication."""
    return _validation(request, _meta_key(body)[1], _scope(body))


def _own_license(caller: Caller, license: str) -> None:
    """The license in the path, by id or key, must be the caller's: else NOT_FOUND."""
    try:
        if uuid.UUID(license) == caller.snapshot.license_id:
            return
    except ValueError:
        try:
            if keys.normalise(license) == caller.canonical:
                return
        except keys.InvalidKey:
            pass
    raise Refused(Code.NOT_FOUND)


@endpoint("GET")
def me(request, caller, body):
    """GET me: the license the key authenticates."""
    return respond(
        request, {"data": documents.license_resource(caller.snapshot, caller.canonical)}
    )


@endpoint("GET", "POST")
def validate(request, caller, body, license):
    """licenses/{id or key}/actions/validate, the scope in `meta.scope`."""
    _own_license(caller, license)
    return _validation(request, caller.canonical, _scope(body), caller.snapshot)


def _machine(caller: Caller, machine: str) -> Activation:
    """The caller's machine by id or fingerprint; NOT_FOUND otherwise."""
    activations = Activation.objects.filter(license_id=caller.snapshot.license_id)
    try:
        found = activations.filter(pk=uuid.UUID(machine)).first()
    except ValueError:
        found = None
    if found is None:
        found = activations.filter(
            fingerprint_hash=fingerprint_hash(
                key_index=key_index(caller.canonical), fingerprint=machine
            )
        ).first()
    if found is None:
        raise Refused(Code.NOT_FOUND)
    return found


def _machine_document(caller: Caller, activation: Activation, **kwargs) -> dict:
    return documents.machine_resource(
        activation,
        license_id=caller.snapshot.license_id,
        interval=caller.snapshot.heartbeat_interval,
        **kwargs,
    )


@endpoint("POST")
def machines(request, caller, body):
    """POST machines: activate (JSON:API `data.attributes.fingerprint`, `relationships.license`)."""
    data = _object(body, "data", "/data")
    if data.get("type") not in ("machines", "machine"):
        raise _invalid("must be `machines`", pointer="/data/type")
    attributes = _object(data, "attributes", "/data/attributes")
    fingerprint = _text(
        attributes,
        "fingerprint",
        "/data/attributes/fingerprint",
        FINGERPRINT_MAX_LENGTH,
        required=True,
    )
    platform = _text(attributes, "platform", "/data/attributes/platform", 40)
    name = _text(attributes, "name", "/data/attributes/name", 100)
    relation = _object(
        _object(
            _object(data, "relationships", "/data/relationships"),
            "license",
            "/data/relationships/license",
        ),
        "data",
        "/data/relationships/license/data",
    )
    license = _text(
        relation, "id", "/data/relationships/license/data/id", 200, required=True
    )
    _own_license(caller, license)
    activation, _created = services.activation_create(
        canonical_key=caller.canonical,
        fingerprint=fingerprint,
        label=name or "",
        platform=platform or "",
        existing_ok=False,
        keep_fingerprint=True,
    )
    return respond(request, {"data": _machine_document(caller, activation)}, status=201)


@endpoint("GET", "DELETE")
def machine(request, caller, body, machine):
    """GET or DELETE machines/{id or fingerprint}."""
    activation = _machine(caller, machine)
    if request.method == "GET":
        return respond(request, {"data": _machine_document(caller, activation)})
    # Any holder of the key may free any of its machines (Keygen's rule): the
    # owner is told, as when a machine is released on the portal.
    services.activation_deactivate(
        canonical_key=caller.canonical, activation_id=activation.pk, notify_owner=True
    )
    return respond(request, None, status=204)


@endpoint("POST")
def ping(request, caller, body, machine):
    """POST machines/{id}/actions/ping: a heartbeat. A dead machine not yet
    released comes back (`RESURRECTED`); a released one is NOT_FOUND."""
    activation = _machine(caller, machine)
    interval = caller.snapshot.heartbeat_interval
    was = documents.heartbeat_status(activation, interval, timezone.now())
    activation = services.activation_heartbeat(
        canonical_key=caller.canonical, activation_id=activation.pk
    )
    status = "RESURRECTED" if was == "DEAD" else None
    return respond(
        request, {"data": _machine_document(caller, activation, status=status)}
    )


@endpoint("GET")
def license_machines(request, caller, body, license):
    """GET licenses/{id}/machines: the machines holding seats, oldest first."""
    _own_license(caller, license)
    limit = _int_param(request, "limit", LIST_LIMIT_DEFAULT, 1, LIST_LIMIT_MAX)
    limit = _int_param(request, "page[size]", limit, 1, LIST_LIMIT_MAX)
    page = _int_param(request, "page[number]", 1, 1, 10_000)
    activations = Activation.objects.filter(
        license_id=caller.snapshot.license_id
    ).order_by("activated_at", "pk")[(page - 1) * limit : page * limit]
    return respond(
        request,
        {
            "data": [_machine_document(caller, a) for a in activations],
            "meta": {"count": caller.snapshot.machines},
        },
    )


def _int_param(request, name: str, default: int, low: int, high: int) -> int:
    value = request.GET.get(name)
    if value is None:
        return default
    number = int(value) if value.isascii() and value.isdigit() else None
    if number is None or not low <= number <= high:
        raise _invalid(f"must be a whole number from {low} to {high}", parameter=name)
    return number


@dataclass(frozen=True)
class CheckoutOptions:
    encrypt: bool
    ttl: int
    include: set[str]


def _checkout_options(request, allowed: set[str]) -> CheckoutOptions:
    encrypt = request.GET.get("encrypt")
    if encrypt not in (None, "true", "false", "1", "0"):
        raise _invalid("must be true or false", parameter="encrypt")
    encrypted = encrypt in ("true", "1")
    algorithm = request.GET.get("algorithm")
    if algorithm is not None:
        encoding, _, signing_algorithm = algorithm.partition("+")
        if encoding not in files.ENCODINGS or signing_algorithm != "ed25519":
            raise _invalid(
                "must be aes-256-gcm+ed25519 or base64+ed25519", parameter="algorithm"
            )
        if encrypt is not None and encrypted != (encoding == "aes-256-gcm"):
            raise _invalid("contradicts encrypt", parameter="algorithm")
        encrypted = encoding == "aes-256-gcm"
    ttl = _int_param(request, "ttl", TTL_DEFAULT, TTL_MIN, rules.OFFLINE_MAX_SECONDS)
    include = {item for item in request.GET.get("include", "").split(",") if item}
    if not include <= allowed:
        raise _invalid(
            f"may name only {', '.join(sorted(allowed))}", parameter="include"
        )
    return CheckoutOptions(encrypted, ttl, include)


def _file_document(kind, checkout, certificate: str, relationships: dict) -> dict:
    return {
        "data": {
            "id": str(uuid.uuid4()),
            "type": f"{kind}-files",
            "attributes": {
                "certificate": certificate,
                "ttl": int((checkout.expires - checkout.issued).total_seconds()),
                "issued": documents.timestamp(checkout.issued),
                "expiry": documents.timestamp(checkout.expires),
            },
            "relationships": relationships,
        }
    }


def _dataset_meta(checkout) -> dict:
    return {
        "issued": documents.timestamp(checkout.issued),
        "expiry": documents.timestamp(checkout.expires),
        "ttl": int((checkout.expires - checkout.issued).total_seconds()),
    }


@endpoint("GET", "POST")
def license_checkout(request, caller, body, license):
    """licenses/{id}/actions/check-out: a license file (holds no seat; see README)."""
    _own_license(caller, license)
    options = _checkout_options(request, LICENSE_INCLUDES)
    checkout = services.offline_checkout(
        canonical_key=caller.canonical, ttl=options.ttl
    )
    snapshot = checkout.snapshot
    dataset = {
        "data": documents.license_resource(snapshot, caller.canonical),
        "included": [documents.product_resource(snapshot)]
        if "product" in options.include
        else [],
        "meta": _dataset_meta(checkout),
    }
    certificate = files.certificate(
        "license", dataset, secret=caller.raw_key if options.encrypt else None
    )
    return respond(
        request,
        _file_document(
            "license",
            checkout,
            certificate,
            {"license": documents.link("licenses", snapshot.license_id)},
        ),
    )


@endpoint("GET", "POST")
def machine_checkout(request, caller, body, machine):
    """machines/{id}/actions/check-out: a machine file; the machine keeps its
    seat until the file expires, and no file outlives the license's known end."""
    activation = _machine(caller, machine)
    options = _checkout_options(request, MACHINE_INCLUDES)
    if options.encrypt and not activation.fingerprint:
        raise Refused(Code.FINGERPRINT_UNKNOWN)
    checkout = services.offline_checkout(
        canonical_key=caller.canonical, ttl=options.ttl, activation_id=activation.pk
    )
    snapshot = checkout.snapshot
    included = [documents.license_resource(snapshot, caller.canonical)]
    if options.include & {"license.product"}:
        included.append(documents.product_resource(snapshot))
    dataset = {
        "data": _machine_document(caller, checkout.activation),
        "included": included,
        "meta": _dataset_meta(checkout),
    }
    secret = caller.raw_key + activation.fingerprint if options.encrypt else None
    certificate = files.certificate("machine", dataset, secret=secret)
    return respond(
        request,
        _file_document(
            "machine",
            checkout,
            certificate,
            {
                "license": documents.link("licenses", snapshot.license_id),
                "machine": documents.link("machines", activation.pk),
            },
        ),
    )
