"""Machines: activation, heartbeat, deactivation, release, offline files."""

from __future__ import annotations

import base64
import json
from datetime import datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core import audit, outbox
from core.audit import Actor
from licensing import signing
from licensing.errors import Code, Refused
from licensing.models import (
    Activation,
    License,
    Plan,
)
from licensing.selectors.validation import license_snapshot, validation_code
from licensing.services.common import (
    fingerprint_hash,
    key_index,
    license_lock,
    refusal_code,
    refuse_unless_usable,
)


@transaction.atomic
def activation_create(
    *,
    canonical_key: str,
    fingerprint: str,
    label: str = "",
    platform: str = "",
    asked_major: int | None = None,
) -> tuple[Activation, bool]:
    """Take a seat for this machine; (activation, created).

    The license row is locked, so concurrent activations take seats one at a
    time and never more than the license has. The same machine again gets its
    existing seat back (its heartbeat clock restarts).
    """
    license = license_lock(canonical_key=canonical_key)
    fp_hash = fingerprint_hash(key_index=license.key_index, fingerprint=fingerprint)
    machines = license.activations.count()
    problem = refusal_code(license, machines=machines, asked_major=asked_major)
    if problem and problem != Code.TOO_MANY_MACHINES:
        raise Refused(problem, suspended_for=license.suspended_for)
    now = timezone.now()
    existing = license.activations.filter(fingerprint_hash=fp_hash).first()
    if existing is not None:
        existing.last_heartbeat_at = now
        existing.save(update_fields=["last_heartbeat_at"])
        return existing, False
    if machines >= license.seats:
        raise Refused(Code.TOO_MANY_MACHINES)
    # The row lock serialises seat-taking; the unique constraint on
    # (license, fingerprint hash) stands behind it in the database.
    activation = Activation.objects.create(
        license=license,
        fingerprint_hash=fp_hash,
        label=label,
        platform=platform,
        activated_at=now,
        last_heartbeat_at=now,
    )
    if license.first_activated_at is None:
        license.first_activated_at = now
        license.save(update_fields=["first_activated_at"])
    audit.record(
        actor=Actor.client(),
        action="activation.created",
        target=activation,
        data={"license": str(license.pk)},
    )
    if license.customer is not None:
        outbox.enqueue(
            key=f"machine-activated:{activation.pk}",
            to=license.customer.email,
            template="licensing/email/machine_activated",
            context={
                "product": license.product.name,
                "label": label,
                "platform": platform,
                "activated_at": now,
                "seats": license.seats,
                "machines": machines + 1,
            },
            language=license.customer.language,
        )
    return activation, True


def _activation_of(license: License, activation_id) -> Activation:
    activation = license.activations.filter(pk=activation_id).first()
    if activation is None:
        raise Refused(Code.NOT_FOUND)
    return activation


@transaction.atomic
def activation_heartbeat(*, canonical_key: str, activation_id) -> Activation:
    """Record that the machine is alive. A machine not yet released may come back."""
    license = license_lock(canonical_key=canonical_key)
    activation = _activation_of(license, activation_id)
    refuse_unless_usable(license)
    activation.last_heartbeat_at = timezone.now()
    activation.save(update_fields=["last_heartbeat_at"])
    return activation


@transaction.atomic
def activation_deactivate(*, canonical_key: str, activation_id) -> None:
    """Free the machine's seat at once (allowed whatever the license's status)."""
    license = license_lock(canonical_key=canonical_key)
    activation = _activation_of(license, activation_id)
    audit.record(
        actor=Actor.client(),
        action="activation.deactivated",
        target=activation,
        data={"license": str(license.pk)},
    )
    activation.delete()


def activations_release_dead(
    *, now: datetime | None = None, batch_size: int = 500
) -> int:
    """Release every machine whose heartbeat lapsed (interval + grace). Returns the count.

    One indexed query per heartbeat plan finds the dead machines, in batches.
    """
    now = now or timezone.now()
    released = 0
    for plan in Plan.objects.filter(heartbeat_interval__isnull=False):
        cutoff = now - timedelta(
            seconds=plan.heartbeat_interval + settings.HEARTBEAT_GRACE_SECONDS
        )
        while True:
            with transaction.atomic():
                dead = list(
                    Activation.objects.select_for_update(skip_locked=True)
                    .filter(license__plan=plan, last_heartbeat_at__lte=cutoff)
                    .values_list("pk", "license_id")[:batch_size]
                )
                audit.record_bulk(
                    actor=Actor.system(),
                    action="activation.released",
                    model=Activation,
                    items=[
                        (pk, {"license": str(license_id), "reason": "heartbeat"})
                        for pk, license_id in dead
                    ],
                )
                Activation.objects.filter(pk__in=[pk for pk, _ in dead]).delete()
            released += len(dead)
            if len(dead) < batch_size:
                break
    return released


def offline_file_issue(*, canonical_key: str, fingerprint: str, ttl: int) -> dict:
    """A signed offline license file for a machine that validates VALID; writes nothing.

    The file is `{payload, keyid, algorithm, signature}`: the payload is base64 of
    a JSON document the client verifies with the public key alone. It lives
    `ttl` seconds, and never beyond the end of a fixed term.
    """
    index = key_index(canonical_key)
    snapshot = license_snapshot(
        key_index=index,
        fingerprint_hash=fingerprint_hash(key_index=index, fingerprint=fingerprint),
    )
    code = validation_code(snapshot, fingerprint_given=True)
    if code != Code.VALID:
        raise Refused(code, suspended_for=snapshot.suspended_for if snapshot else "")
    now = timezone.now()
    expires = now + timedelta(seconds=ttl)
    if snapshot.renewal == Plan.Renewal.FIXED:
        end = timezone.make_aware(datetime.combine(snapshot.period_end, time.min))
        expires = min(expires, end)
    payload = json.dumps(
        {
            "license": str(snapshot.license_id),
            "product": snapshot.product,
            "major_version": snapshot.major_version,
            "machine": str(snapshot.activation_id),
            "issued": signing.isoformat(now),
            "expires": signing.isoformat(expires),
        },
        separators=(",", ":"),
        sort_keys=True,
    ).encode()
    keyid, signature = signing.sign(payload)
    return {
        "payload": base64.b64encode(payload).decode(),
        "keyid": keyid,
        "algorithm": signing.ALGORITHM,
        "signature": signature,
    }
