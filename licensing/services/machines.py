"""Machines: activation, heartbeat, deactivation, release, offline files."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core import audit, outbox
from core.audit import Actor
from licensing import keys, rules, signing
from licensing.errors import Code, Refused
from licensing.models import (
    Activation,
    License,
    Plan,
)
from licensing.selectors.validation import (
    Snapshot,
    license_snapshot,
    validation_code,
)
from licensing.services.common import (
    fingerprint_hash,
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
    existing_ok: bool = True,
    keep_fingerprint: bool = False,
) -> tuple[Activation, bool]:
    """Take a seat for this machine; (activation, created).

    The license row is locked, so concurrent activations take seats one at a
    time and never more than the license has. The same machine again gets its
    existing seat back (its heartbeat clock restarts), or, with
    `existing_ok=False` (Keygen's rule), is refused FINGERPRINT_TAKEN. Only a
    Keygen client's machine keeps its fingerprint (`keep_fingerprint`, encrypted):
    its machine file is encrypted with it.
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
        if not existing_ok:
            raise Refused(Code.FINGERPRINT_TAKEN)
        _beat(existing, now)
        return existing, False
    if machines >= license.seats:
        raise Refused(Code.TOO_MANY_MACHINES)
    # The row lock serialises seat-taking; the unique constraint on
    # (license, fingerprint hash) stands behind it in the database.
    activation = Activation.objects.create(
        license=license,
        fingerprint_hash=fp_hash,
        fingerprint=fingerprint if keep_fingerprint else "",
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


def _beat(activation: Activation, now: datetime) -> None:
    """Restart the machine's heartbeat clock; NOT_FOUND if it was released meanwhile.

    The culling of dead machines locks activations, not their license, so it
    can delete this row between our read and this write.
    """
    if not Activation.objects.filter(pk=activation.pk).update(last_heartbeat_at=now):
        raise Refused(Code.NOT_FOUND)
    activation.last_heartbeat_at = now


@transaction.atomic
def activation_heartbeat(*, canonical_key: str, activation_id) -> Activation:
    """Record that the machine is alive. A machine not yet released may come back."""
    license = license_lock(canonical_key=canonical_key)
    activation = _activation_of(license, activation_id)
    refuse_unless_usable(license)
    _beat(activation, timezone.now())
    return activation


def _refuse_if_checked_out(activation: Activation, now: datetime) -> None:
    """A machine holding an unexpired offline file keeps its seat until the file expires."""
    until = activation.checked_out_until
    if until is not None and until > now:
        raise Refused(
            Code.MACHINE_CHECKED_OUT, extra={"seat_frees_at": signing.isoformat(until)}
        )


@transaction.atomic
def activation_deactivate(
    *,
    canonical_key: str,
    activation_id,
    actor: Actor | None = None,
    notify_owner: bool = False,
) -> None:
    """Free the machine's seat at once (allowed whatever the license's status),
    unless it holds an unexpired offline file (MACHINE_CHECKED_OUT).

    The client program deactivates as `Actor.client()` (the default); the owner
    releasing a machine on the portal passes their actor and is emailed
    (`notify_owner`), so a release they did not make does not go unnoticed.
    """
    license = license_lock(canonical_key=canonical_key)
    activation = _activation_of(license, activation_id)
    now = timezone.now()
    _refuse_if_checked_out(activation, now)
    audit.record(
        actor=actor or Actor.client(),
        action="activation.deactivated",
        target=activation,
        data={"license": str(license.pk)},
    )
    if notify_owner and license.customer is not None:
        outbox.enqueue(
            key=f"machine-released:{activation.pk}",
            to=license.customer.email,
            template="licensing/email/machine_released",
            context={
                "product": license.product.name,
                "key_hint": keys.masked(license.key),
                "label": activation.label,
                "platform": activation.platform,
                "released_at": now,
                "seats": license.seats,
                "machines": license.activations.count() - 1,
            },
            language=license.customer.language,
        )
    activation.delete()


def activations_release_dead(
    *, now: datetime | None = None, batch_size: int = 500
) -> int:
    """Release every machine whose heartbeat lapsed (interval + grace). Returns the count.

    One indexed query per heartbeat plan finds the dead machines, in batches. A
    machine holding an unexpired offline file is not dead: it keeps its seat.
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
                    .filter(
                        Q(checked_out_until__isnull=True)
                        | Q(checked_out_until__lte=now)
                    )
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


@transaction.atomic
def activation_release(*, activation_id, actor: Actor) -> None:
    """Staff free the seat of a lost machine, offline file or not (audited)."""
    activation = Activation.objects.select_for_update().filter(pk=activation_id).first()
    if activation is None:
        raise Refused(Code.NOT_FOUND)
    audit.record(
        actor=actor,
        action="activation.released",
        target=activation,
        data={
            "license": str(activation.license_id),
            "reason": "staff",
            "checked_out": activation.checked_out_until is not None
            and activation.checked_out_until > timezone.now(),
        },
    )
    activation.delete()


def license_known_end(license: License) -> datetime | None:
    """When the license surely ends, if known (`rules.known_end_day`), at the
    start of that day in the vendor's time."""
    day = rules.known_end_day(
        renewal=license.plan.renewal,
        period_end=license.period_end,
        termination_effective_on=license.termination_effective_on,
    )
    return timezone.make_aware(datetime.combine(day, time.min)) if day else None


@dataclass(frozen=True)
class Checkout:
    """A checkout that passed: what an offline file states, and until when."""

    license: License
    snapshot: Snapshot
    activation: Activation | None  # given when checked out by activation id
    issued: datetime
    expires: datetime


@transaction.atomic
def offline_checkout(
    *,
    canonical_key: str,
    ttl: int,
    fingerprint: str | None = None,
    activation_id=None,
) -> Checkout:
    """Check the license out for one machine (by fingerprint or activation id), or none.

    Only what validates VALID is checked out. The file lives `ttl` seconds,
    never beyond the license's known end. A machine keeps its seat until its
    file expires (`Activation.checked_out_until`; a shorter file later does not
    shorten it). Without a machine (a Keygen client's license file) no seat is
    held: the file states what validating without a fingerprint would.
    """
    license = license_lock(canonical_key=canonical_key)
    index = license.key_index
    activation = None
    if activation_id is not None:
        activation = _activation_of(license, activation_id)
        fp_hash = activation.fingerprint_hash
    elif fingerprint is not None:
        fp_hash = fingerprint_hash(key_index=index, fingerprint=fingerprint)
    else:
        fp_hash = ""
    snapshot = license_snapshot(key_index=index, fingerprint_hash=fp_hash)
    code = validation_code(snapshot, fingerprint_given=bool(fp_hash))
    if code != Code.VALID:
        raise Refused(code, suspended_for=snapshot.suspended_for if snapshot else "")
    now = timezone.now()
    expires = now + timedelta(seconds=ttl)
    end = license_known_end(license)
    if end is not None and end <= now:
        # A termination took effect today and the sweep has not ended the
        # license yet: a file would be dead on arrival.
        raise Refused(Code.TERMINATED)
    if end is not None:
        expires = min(expires, end)
    data = {"expires": signing.isoformat(expires)}
    if snapshot.activation_id is not None:
        Activation.objects.filter(pk=snapshot.activation_id).filter(
            Q(checked_out_until__isnull=True) | Q(checked_out_until__lt=expires)
        ).update(checked_out_until=expires)
        data["activation"] = str(snapshot.activation_id)
    audit.record(
        actor=Actor.client(),
        action="activation.checked_out"
        if snapshot.activation_id
        else "license.checked_out",
        target=license,
        data=data,
    )
    return Checkout(license, snapshot, activation, now, expires)


@transaction.atomic  # no file signed, no seat held
def offline_file_issue(*, canonical_key: str, fingerprint: str, ttl: int) -> dict:
    """A signed offline license file for a machine that validates VALID (`offline_checkout`).

    The file is `{payload, keyid, algorithm, signature}`: the payload is base64 of
    a JSON document the client verifies with the public key alone, naming the
    key and machine it is for (`binding`).
    """
    checkout = offline_checkout(
        canonical_key=canonical_key, ttl=ttl, fingerprint=fingerprint
    )
    snapshot = checkout.snapshot
    payload = json.dumps(
        {
            "license": str(snapshot.license_id),
            "product": snapshot.product,
            "major_version": snapshot.major_version,
            "machine": str(snapshot.activation_id),
            "issued": signing.isoformat(checkout.issued),
            "expires": signing.isoformat(checkout.expires),
            "binding": signing.file_binding(canonical_key, fingerprint),
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
