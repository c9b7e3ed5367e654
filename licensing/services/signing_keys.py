"""The Ed25519 signing keys: rotation and purge."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core import audit
from core.audit import Actor
from licensing import rules, signing
from licensing.models import SigningKey


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
    cutoff = (now or timezone.now()) - timedelta(seconds=rules.OFFLINE_MAX_SECONDS)
    deleted, _ = SigningKey.objects.filter(retired_at__lt=cutoff).delete()
    return deleted
