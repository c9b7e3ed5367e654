"""The Ed25519 signing keys: rotation (each new key endorsed by the one it
replaces), revocation of a compromised key, and purge."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
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


def _signing_now(chain: list[SigningKey], now) -> SigningKey | None:
    """The key that signs at `now` (as `signing.Keyring.signer` chooses it)."""
    usable = [
        k
        for k in chain
        if k.private_key
        and k.activates_at <= now
        and (k.retired_at is None or k.retired_at > now)
    ]
    return max(usable, key=lambda k: k.activates_at, default=None)


@transaction.atomic
def signing_key_revoke(*, keyid: str, actor: Actor) -> SigningKey | None:
    """Remove a compromised key from the list at once, and mend the chain.

    The key after it is endorsed afresh by the nearest key before it that can
    still sign (or starts the chain when there is none). If the revoked key
    was signing, the key after it signs from now on, or a new key made now
    (returned, as is a pending key brought forward); this process stops
    signing with the old one at commit, others at their next refresh.
    """
    chain = list(SigningKey.objects.select_for_update().order_by("created_at"))
    position = next((i for i, k in enumerate(chain) if k.keyid == keyid), None)
    if position is None:
        raise Refused(Code.NOT_FOUND)
    now = timezone.now()
    revoked = chain[position]
    was_signing = _signing_now(chain, now) == revoked
    endorser = next((k for k in reversed(chain[:position]) if k.private_key), None)
    after = chain[position + 1] if position + 1 < len(chain) else None
    audit.record(
        actor=actor,
        action="signing_key.revoked",
        target=revoked,
        data={"keyid": revoked.keyid},
    )
    revoked.delete()
    signer = None
    if after is None:
        if was_signing or not any(k.retired_at is None for k in chain if k != revoked):
            signer = _new_key(after=endorser, now=now, activates_at=now)
            audit.record(actor=actor, action="signing_key.rotated", target=signer)
    else:
        after.endorsement = _endorsement(
            by=endorser, keyid=after.keyid, public_key=after.public_key
        )
        if was_signing and after.activates_at > now:
            after.activates_at, signer = now, after  # signs at once
        after.save(update_fields=["endorsement", "activates_at"])
    if signer is not None:
        # Nothing older signs again.
        SigningKey.objects.exclude(pk=signer.pk).filter(
            Q(retired_at__isnull=True) | Q(retired_at__gt=now)
        ).update(retired_at=now)
    transaction.on_commit(signing.forget)
    return signer


def signing_keys_purge(*, now: datetime | None = None) -> int:
    """Drop the private half of keys retired longer than the longest offline-file
    lifetime ago: they sign nothing more, and nothing they signed is still valid.

    The public half and its endorsement stay listed, so a client that pinned
    an old key still follows the chain to the current one.
    """
    cutoff = (now or timezone.now()) - timedelta(seconds=rules.OFFLINE_MAX_SECONDS)
    purged = SigningKey.objects.filter(retired_at__lt=cutoff, private_key__isnull=False)
    return purged.update(private_key=None)
