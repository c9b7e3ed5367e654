"""Keygen's JSON:API documents: licenses, machines, offline files, errors; signed answers."""

from __future__ import annotations

import json
import logging
from datetime import datetime

from django.http import HttpResponse
from django.utils import timezone

from licensing import keys, rules, signing
from licensing.keygen.codes import ERRORS
from licensing.keygen.signatures import signature_headers
from licensing.models import Activation
from licensing.selectors.validation import Snapshot

logger = logging.getLogger(__name__)

CONTENT_TYPE = "application/vnd.api+json"
STATUSES = {"active": "ACTIVE", "suspended": "SUSPENDED"}  # every other status: EXPIRED


def timestamp(moment: datetime | None) -> str | None:
    return signing.isoformat(moment) if moment else None


def link(kind: str, pk) -> dict:
    return {"data": {"type": kind, "id": str(pk)}}


def license_resource(snapshot: Snapshot, canonical_key: str) -> dict:
    """A license as Keygen clients read it; `key` is shown to its own holder only."""
    status = snapshot.status
    if status == "active" and rules.fixed_term_over(
        renewal=snapshot.renewal,
        period_end=snapshot.period_end,
        today=timezone.localdate(),
    ):
        status = "expired"  # before the sweep has said so (a suspension still shows)
    created = timestamp(snapshot.created_at)
    return {
        "id": str(snapshot.license_id),
        "type": "licenses",
        "attributes": {
            "name": f"{snapshot.product_name} ({snapshot.plan_name})",
            "key": keys.display(canonical_key),
            "expiry": timestamp(snapshot.known_end()),
            "status": STATUSES.get(status, "EXPIRED"),
            "suspended": status == "suspended",
            "scheme": None,
            "encrypted": False,
            "strict": True,
            "floating": snapshot.seats > 1,
            "protected": True,
            "maxMachines": snapshot.seats,
            "maxProcesses": None,
            "maxCores": None,
            "maxUses": None,
            "uses": 0,
            "requireHeartbeat": snapshot.heartbeat_interval is not None,
            "requireCheckIn": False,
            "lastValidated": None,
            "lastCheckIn": None,
            "nextCheckIn": None,
            "metadata": {
                "product": snapshot.product,
                "majorVersion": snapshot.major_version,
                "periodEnd": snapshot.period_end.isoformat(),
            },
            "created": created,
            "updated": created,
        },
        "relationships": {
            "product": link("products", snapshot.product_keygen_id or snapshot.product),
            "policy": link("policies", snapshot.plan_id),
            "machines": {"meta": {"count": snapshot.machines}},
        },
    }


def product_resource(snapshot: Snapshot) -> dict:
    return {
        "id": snapshot.product_keygen_id or snapshot.product,
        "type": "products",
        "attributes": {"name": snapshot.product_name, "metadata": {}},
        "relationships": {},
    }


def heartbeat_status(activation: Activation, interval: int | None, now) -> str:
    if interval is None:
        return "NOT_STARTED"  # a node-locked plan: no heartbeats asked
    deadline = rules.heartbeat_deadline(activation.last_heartbeat_at, interval)
    return "ALIVE" if now < deadline else "DEAD"


def machine_resource(
    activation: Activation,
    *,
    license_id,
    interval: int | None,
    status: str | None = None,
) -> dict:
    """A machine as Keygen clients read it. Its hostname, cores and IP address
    are not kept, so they read null. A machine activated through our own API
    shows neither fingerprint nor label: only a Keygen client's machine keeps
    its fingerprint, and only it is named (by its label)."""
    keygen_machine = bool(activation.fingerprint)
    now = timezone.now()
    deadline = (
        rules.heartbeat_deadline(activation.last_heartbeat_at, interval)
        if interval is not None
        else None
    )
    return {
        "id": str(activation.pk),
        "type": "machines",
        "attributes": {
            "fingerprint": activation.fingerprint,
            "name": (activation.label or None) if keygen_machine else None,
            "platform": activation.platform or None,
            "hostname": None,
            "ip": None,
            "cores": None,
            "requireHeartbeat": interval is not None,
            "heartbeatStatus": status or heartbeat_status(activation, interval, now),
            "heartbeatDuration": interval,
            "lastHeartbeat": timestamp(activation.last_heartbeat_at),
            "nextHeartbeat": timestamp(deadline),
            "lastCheckOut": None,
            "metadata": {},
            "created": timestamp(activation.activated_at),
            "updated": timestamp(activation.last_heartbeat_at),
        },
        "relationships": {"license": link("licenses", license_id)},
    }


def validation_meta(code: str, detail: str, scope: dict, *, nonce=None) -> dict:
    meta = {
        "ts": signing.isoformat(timezone.now()),
        "valid": code == "VALID",
        "detail": detail,
        "code": code,
        "scope": scope,
    }
    if nonce is not None:
        meta["nonce"] = nonce
    return meta


def error_document(
    code_or_name, *, detail: str, source: dict | None = None
) -> tuple[int, dict]:
    """(status, document) of one of `codes.ERRORS`."""
    error = ERRORS[code_or_name]
    item = {"title": error.title, "detail": detail}
    if error.code:
        item["code"] = error.code
    if source:
        item["source"] = source
    return error.status, {"errors": [item]}


def respond(request, document: dict | None, *, status: int = 200, headers=None):
    """The document as `application/vnd.api+json`, signed for this request."""
    body = (
        b""
        if document is None
        else json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()
    )
    try:
        signed = signature_headers(request, body)
    except signing.NoSigningKey:
        logger.error("no signing key: run `manage.py rotate_signing_key`")
        body = json.dumps(
            {
                "errors": [
                    {
                        "title": "Service unavailable",
                        "detail": "The service has no signing key yet.",
                    }
                ]
            }
        ).encode()
        return HttpResponse(body, status=503, content_type=CONTENT_TYPE)
    response = HttpResponse(body, status=status, content_type=CONTENT_TYPE)
    for name, value in {**signed, **(headers or {})}.items():
        response[name] = value
    return response
