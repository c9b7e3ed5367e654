"""Every write to licenses, machines and signing keys goes through one of these."""

from __future__ import annotations

import base64
import json
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Customer
from accounts.services import customer_get_or_create
from core import audit, outbox
from core.audit import Actor
from core.fields import blind_index, keyed_hash
from licensing import keys, lifecycle, rules, selectors, signing, tokens
from licensing.codes import Code
from licensing.models import (
    Activation,
    AgreementVersion,
    Invoice,
    License,
    Partner,
    Plan,
    RegistrationRequest,
    SigningKey,
)

FINGERPRINT_PURPOSE = "activation.fingerprint"
# The longest life of an offline license file: a key retired longer ago has
# nothing left to verify.
MAX_OFFLINE_SECONDS = 7_776_000


class LicenseRefused(Exception):
    """The request cannot be served; `code` says why (a licensing.codes.Code)."""

    def __init__(self, code: Code):
        super().__init__(code)
        self.code = Code(code)


def fingerprint_hash(*, key_index: str, fingerprint: str) -> str:
    """A keyed hash of the fingerprint, salted with the license's key index.

    The same computer yields unrelated hashes on two licenses, and the hash can
    be computed from the request alone (the validate query needs no second trip).
    """
    return keyed_hash(FINGERPRINT_PURPOSE, f"{key_index}:{fingerprint}")


def key_index(canonical_key: str) -> str:
    return blind_index(keys.BLIND_INDEX_PURPOSE, canonical_key)


# --- Licenses ---------------------------------------------------------------------


@transaction.atomic
def license_issue(
    *,
    plan: Plan,
    actor: Actor,
    seats: int | None = None,
    customer: Customer | None = None,
    partner: Partner | None = None,
    major_version: int | None = None,
    purchased_on: date | None = None,
    notify: bool = False,
    paid: bool = True,
) -> License:
    """Issue a new license on `plan` with a fresh key, its first period from the purchase date.

    The first period is invoiced on the purchase date, as paid unless `paid` is
    False; a prepaid plan is issued only once paid.
    """
    if not paid and plan.billing == Plan.Billing.PREPAID:
        raise lifecycle.LifecycleRefused(_("A prepaid plan is issued only once paid."))
    purchased_on = purchased_on or timezone.localdate()
    start, end = rules.initial_period(purchased_on, plan.initial_term_months)
    license = License(
        key=keys.generate(),
        product=plan.product,
        plan=plan,
        major_version=(
            plan.product.current_major if major_version is None else major_version
        ),
        seats=seats or plan.seats,
        customer=customer,
        partner=partner,
        purchased_on=purchased_on,
        period_start=start,
        period_end=end,
        agreement_version=AgreementVersion.objects.current(),
    )
    license.full_clean(exclude=["key_index", "agreement_version"])
    license.save()
    invoice = lifecycle.invoice_create(
        license=license, period_start=start, issued_on=purchased_on
    )
    if paid:
        invoice.status, invoice.paid_at = Invoice.Status.PAID, timezone.now()
        invoice.save(update_fields=["status", "paid_at"])
    audit.record(
        actor=actor,
        action="license.issued",
        target=license,
        data={
            "plan": plan.slug,
            "seats": license.seats,
            "partner": partner and partner.slug,
        },
    )
    if notify and customer is not None:
        outbox.enqueue(
            key=f"license-issued:{license.pk}",
            to=customer.email,
            template="licensing/email/license_issued",
            context={"license": license, "key": license.display_key},
            language=customer.language,
        )
    return license


# --- Machines ---------------------------------------------------------------------


def _license_locked(canonical_key: str) -> License:
    """The license of this key, row-locked; LicenseRefused(NOT_FOUND) when none."""
    license = (
        License.objects.select_for_update(of=("self",))
        .select_related("product", "plan", "customer")
        .by_key(canonical_key)
        .first()
    )
    if license is None:
        raise LicenseRefused(Code.NOT_FOUND)
    return license


def _refusal(
    license: License, *, machines: int, asked_major: int | None = None
) -> Code | None:
    code = rules.license_refusal(
        status=license.status,
        product=license.product.slug,
        entitled_major=license.major_version,
        seats=license.seats,
        machines=machines,
        asked_major=asked_major,
    )
    return Code(code) if code else None


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
    license = _license_locked(canonical_key)
    fp_hash = fingerprint_hash(key_index=license.key_index, fingerprint=fingerprint)
    machines = license.activations.count()
    problem = _refusal(license, machines=machines, asked_major=asked_major)
    if problem and problem != Code.TOO_MANY_MACHINES:
        raise LicenseRefused(problem)
    now = timezone.now()
    existing = license.activations.filter(fingerprint_hash=fp_hash).first()
    if existing is not None:
        existing.last_heartbeat_at = now
        existing.save(update_fields=["last_heartbeat_at"])
        return existing, False
    if machines >= license.seats:
        raise LicenseRefused(Code.TOO_MANY_MACHINES)
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
        raise LicenseRefused(Code.NOT_FOUND)
    return activation


@transaction.atomic
def activation_heartbeat(*, canonical_key: str, activation_id) -> Activation:
    """Record that the machine is alive. A machine not yet released may come back."""
    license = _license_locked(canonical_key)
    activation = _activation_of(license, activation_id)
    problem = _refusal(license, machines=0)
    if problem:
        raise LicenseRefused(problem)
    activation.last_heartbeat_at = timezone.now()
    activation.save(update_fields=["last_heartbeat_at"])
    return activation


@transaction.atomic
def activation_deactivate(*, canonical_key: str, activation_id) -> None:
    """Free the machine's seat at once (allowed whatever the license's status)."""
    license = _license_locked(canonical_key)
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
    snapshot = selectors.license_snapshot(
        key_index=index,
        fingerprint_hash=fingerprint_hash(key_index=index, fingerprint=fingerprint),
    )
    code = selectors.validation_code(snapshot, fingerprint_given=True)
    if code != Code.VALID:
        raise LicenseRefused(code)
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


# --- Registration by a client program -------------------------------------------


@transaction.atomic
def registration_request(
    *,
    canonical_key: str,
    email: str,
    name: str = "",
    language: str = "",
    updates_opt_in: bool = False,
) -> RegistrationRequest:
    """Ask `email` to confirm the registration; nothing changes until it does.

    A new request replaces the pending one for the license.
    """
    license = _license_locked(canonical_key)
    problem = _refusal(license, machines=0)
    if problem:
        raise LicenseRefused(problem)
    if license.customer_id is not None:
        raise LicenseRefused(Code.ALREADY_REGISTERED)
    RegistrationRequest.objects.filter(license=license).delete()
    token, token_hash = tokens.new_token(RegistrationRequest)
    now = timezone.now()
    request = RegistrationRequest.objects.create(
        license=license,
        token_hash=token_hash,
        email=email.strip(),
        name=name.strip(),
        language=language or settings.LANGUAGE_CODE,
        updates_opt_in=updates_opt_in,
        created_at=now,
        expires_at=now + timedelta(days=settings.REGISTRATION_LINK_DAYS),
    )
    audit.record(actor=Actor.client(), action="registration.requested", target=license)
    outbox.enqueue(
        key=f"registration-confirm:{request.pk}",
        to=request.email,
        template="licensing/email/registration_confirm",
        context={
            "product": license.product.name,
            "confirm_url": f"{settings.SITE_URL}/register/confirm/{token}/",
            "expires_at": request.expires_at,
        },
        language=request.language,
    )
    return request


def registrations_purge_expired(*, now: datetime | None = None) -> int:
    """Delete registration requests whose link has expired (they hold an email address)."""
    deleted, _ = RegistrationRequest.objects.filter(
        expires_at__lte=now or timezone.now()
    ).delete()
    return deleted


def registration_pending(*, token: str) -> RegistrationRequest | None:
    """The unexpired request this token confirms, or None."""
    return tokens.pending(
        RegistrationRequest.objects.select_related("license__product"), token
    )


@transaction.atomic
def registration_confirm(*, token: str) -> License:
    """Attach the license to the customer with the confirmed email (created when new)."""
    request = registration_pending(token=token)
    if request is None:
        raise LicenseRefused(Code.NOT_FOUND)
    license = License.objects.select_for_update().get(pk=request.license_id)
    if license.customer_id is not None:
        request.delete()
        raise LicenseRefused(Code.ALREADY_REGISTERED)
    customer, _created = customer_get_or_create(
        email=request.email, name=request.name, language=request.language
    )
    if request.updates_opt_in and not customer.updates_opt_in:
        customer.updates_opt_in = True
        customer.updates_opt_in_at = timezone.now()
        customer.updates_opt_in_source = "client-registration"
        customer.save(
            update_fields=[
                "updates_opt_in",
                "updates_opt_in_at",
                "updates_opt_in_source",
            ]
        )
    license.customer = customer
    license.save(update_fields=["customer"])
    request.delete()
    audit.record(
        actor=Actor.system(),
        action="license.registered",
        target=license,
        data={"customer": customer.pk},
    )
    return license


# --- Signing keys ------------------------------------------------------------------


@transaction.atomic
def signing_key_rotate(*, actor: Actor) -> SigningKey:
    """Make a new signing key. It signs after `SIGNING_KEY_REFRESH_SECONDS` (the first one at once);
    the keys it replaces are retired from that moment and stay listed.
    """
    now = timezone.now()
    current = list(
        SigningKey.objects.select_for_update().filter(retired_at__isnull=True)
    )
    activates_at = (
        now + timedelta(seconds=settings.SIGNING_KEY_REFRESH_SECONDS)
        if current
        else now
    )
    keyid, public, private = signing.new_key_material()
    key = SigningKey.objects.create(
        keyid=keyid,
        public_key=public,
        private_key=private,
        created_at=now,
        activates_at=activates_at,
    )
    SigningKey.objects.filter(pk__in=[k.pk for k in current]).update(
        retired_at=activates_at
    )
    audit.record(actor=actor, action="signing_key.rotated", target=key)
    transaction.on_commit(signing.forget)
    return key


def signing_keys_purge(*, now: datetime | None = None) -> int:
    """Delete keys retired longer than the longest offline-file lifetime ago."""
    cutoff = (now or timezone.now()) - timedelta(seconds=MAX_OFFLINE_SECONDS)
    deleted, _ = SigningKey.objects.filter(retired_at__lt=cutoff).delete()
    return deleted
