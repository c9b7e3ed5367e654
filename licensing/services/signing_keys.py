"""The Ed25519 signing keys: rotation (each new key endorsed by the one it
replaces), revocation of a compromised key, and purge."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core import audit
from core.audit import Actor
from licensing import rules, signing
from licensing.errors import Code, Refused
from licensing.models import SigningKey


@transaction.atomic
def signing_key_rotate(*, actor: Actor) -> SigningKey:
    """Make a new signing key. It signs after `SIGNING_KEY_REFRESH_SECONDS` (the first one at once);
    the keys it replaces are retired from that moment and stay listed.
    """
    now = timezone.now()
    chain = list(SigningKey.objects.select_for_update().order_by("created_at"))
    current = [k for k in chain if k.retired_at is None]
    activates_at = (
        now + timedelta(seconds=settings.SIGNING_KEY_REFRESH_SECONDS)
        if current
        else now
    )
    key = _new_key(
        after=chain[-1] if chain else None, now=now, activates_at=activates_at
    )
    SigningKey.objects.filter(pk__in=[k.pk for k in current]).update(
        retired_at=activates_at
    )
    audit.record(actor=actor, action="signing_key.rotated", target=key)
    transaction.on_commit(signing.forget)
    return key


def _new_key(*, after: SigningKey | None, now, activates_at) -> SigningKey:
    """A new key at the end of the chain, endorsed by `after` (none for the first)."""
    keyid, public, private = signing.new_key_material()
    return SigningKey.objects.create(
        keyid=keyid,
        public_key=public,
        private_key=private,
        created_at=now,
        activates_at=activates_at,
        endorsement=_endorsement(by=after, keyid=keyid, public_key=public),
    )


def _endorsement(*, by: SigningKey | None, keyid: str, public_key: str) -> str:
    if by is None:
        return ""
    return signing.endorse(by.private_key, keyid=keyid, public_key=public_key)


@transaction.atomic
def signing_key_revoke(*, keyid: str, actor: Actor) -> SigningKey | None:
    """Remove a compromised key from the list at once, and mend the chain.

    The key after it is endorsed afresh by the key before it (or starts the
    chain when there is none before). When the revoked key was the newest, a
    new key replaces it and signs at once (returned); this process stops
    signing with the old one now, others at their next refresh.
    """
    chain = list(SigningKey.objects.select_for_update().order_by("created_at"))
    position = next((i for i, k in enumerate(chain) if k.keyid == keyid), None)
    if position is None:
        raise Refused(Code.NOT_FOUND)
    revoked = chain[position]
    before = chain[position - 1] if position > 0 else None
    after = chain[position + 1] if position + 1 < len(chain) else None
    audit.record(
        actor=actor,
        action="signing_key.revoked",
        target=revoked,
        data={"keyid": revoked.keyid},
    )
    revoked.delete()
    replacement = None
    now = timezone.now()
    if after is None:
        replacement = after = _new_key(after=before, now=now, activates_at=now)
        SigningKey.objects.filter(retired_at__isnull=True).exclude(
            pk=replacement.pk
        ).update(retired_at=now)
        SigningKey.objects.filter(retired_at__gt=now).update(retired_at=now)
        audit.record(actor=actor, action="signing_key.rotated", target=replacement)
    else:
        after.endorsement = _endorsement(
            by=before, keyid=after.keyid, public_key=after.public_key
        )
        after.save(update_fields=["endorsement"])
    transaction.on_commit(signing.forget)
    return replacement


def signing_keys_purge(*, now: datetime | None = None) -> int:
    """Delete keys retired longer than the longest offline-file lifetime ago."""
    cutoff = (now or timezone.now()) - timedelta(seconds=rules.OFFLINE_MAX_SECONDS)
    deleted, _ = SigningKey.objects.filter(retired_at__lt=cutoff).delete()
    return deleted
