"""Ed25519 signatures for API responses and offline license files.

Each process keeps the keys in memory and reloads them at least every
`SIGNING_KEY_REFRESH_SECONDS` (a web worker loads them when it starts, see
`config.wsgi`). A newly rotated key is listed at once but signs only from its
`activates_at`, which rotation sets that far ahead, so every process knows a
key before any client meets it.

Clients pin a key and trust a listed key only through the chain of
endorsements: each key after the first carries the signature of the key it
replaced over `license-signing-key\n<keyid>\n<public_key>` (`endorsement_text`).
"""

from __future__ import annotations

import base64
import hashlib
import logging
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.conf import settings
from django.db import DatabaseError
from django.utils import timezone

from licensing import keys
from licensing.models import SigningKey

logger = logging.getLogger(__name__)

ALGORITHM = "ed25519"


class NoSigningKey(RuntimeError):
    """No signing key exists yet: run `manage.py rotate_signing_key`."""


@dataclass(frozen=True)
class LoadedKey:
    keyid: str
    public_key: str  # base64 of the 32 raw bytes
    private: Ed25519PrivateKey | None  # None once purged: listed for the chain only
    created_at: datetime
    activates_at: datetime
    retired_at: datetime | None
    endorsement: str = ""


@dataclass(frozen=True)
class Keyring:
    keys: tuple[LoadedKey, ...]  # oldest first
    loaded_at: float  # time.monotonic()

    def signer(self, now: datetime | None = None) -> LoadedKey:
        """The newest key that has started signing and is not retired."""
        now = now or timezone.now()
        usable = [
            k
            for k in self.keys
            if k.private is not None
            and k.activates_at <= now
            and (k.retired_at is None or k.retired_at > now)
        ]
        if not usable:
            raise NoSigningKey("No signing key is active yet.")
        return max(usable, key=lambda k: k.activates_at)


def new_key_material() -> tuple[str, str, str]:
    """(keyid, public base64, private base64) of a fresh Ed25519 key."""
    private = Ed25519PrivateKey.generate()
    public_raw = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    private_raw = private.private_bytes_raw()
    keyid = hashlib.sha256(public_raw).hexdigest()[:16]
    return (
        keyid,
        base64.b64encode(public_raw).decode(),
        base64.b64encode(private_raw).decode(),
    )


def endorsement_text(keyid: str, public_key: str) -> bytes:
    return f"license-signing-key\n{keyid}\n{public_key}".encode()


def endorse(private_key_b64: str, *, keyid: str, public_key: str) -> str:
    """The base64 signature by `private_key_b64` that vouches for the key `keyid`."""
    private = Ed25519PrivateKey.from_private_bytes(base64.b64decode(private_key_b64))
    return base64.b64encode(private.sign(endorsement_text(keyid, public_key))).decode()


def _private(stored: str) -> Ed25519PrivateKey | None:
    if not stored:
        return None
    return Ed25519PrivateKey.from_private_bytes(base64.b64decode(stored))


def _load() -> Keyring:
    loaded = tuple(
        LoadedKey(
            keyid=row.keyid,
            public_key=row.public_key,
            private=_private(row.private_key),
            created_at=row.created_at,
            activates_at=row.activates_at,
            retired_at=row.retired_at,
            endorsement=row.endorsement,
        )
        for row in SigningKey.objects.order_by("created_at")
    )
    return Keyring(keys=loaded, loaded_at=time.monotonic())


_keyring: Keyring | None = None
_lock = threading.Lock()
# After a failed reload, try again this soon rather than on every request.
_RETRY_SECONDS = 5


def keyring() -> Keyring:
    """This process's keys, reloaded when older than the refresh interval.

    If the database cannot be reached for a reload, the keys in memory go on
    signing (liveness does not depend on the database).
    """
    global _keyring
    ring = _keyring
    if (
        ring is not None
        and time.monotonic() - ring.loaded_at < settings.SIGNING_KEY_REFRESH_SECONDS
    ):
        return ring
    with _lock:
        ring = _keyring
        if (
            ring is not None
            and time.monotonic() - ring.loaded_at < settings.SIGNING_KEY_REFRESH_SECONDS
        ):
            return ring
        try:
            loaded = _load()
            # No key yet: ask again next time rather than for a whole interval.
            _keyring = loaded if loaded.keys else None
            return loaded
        except DatabaseError:
            if ring is None:
                raise
            logger.warning(
                "signing keys not reloaded (database unavailable); keeping them"
            )
            retry_at = (
                time.monotonic() - settings.SIGNING_KEY_REFRESH_SECONDS + _RETRY_SECONDS
            )
            _keyring = Keyring(keys=ring.keys, loaded_at=retry_at)
        return _keyring


def warm() -> None:
    """Load the keys now (a web worker at start), so that its first answers,
    `ping` included, touch no database. A database that cannot be reached is
    logged, not fatal: the first request tries again."""
    try:
        keyring()
    except DatabaseError:
        logger.warning("signing keys not loaded at start (database unavailable)")


def forget() -> None:
    """Drop the keys in memory (after a rotation in this process, and in tests)."""
    global _keyring
    _keyring = None


def sign(data: bytes) -> tuple[str, str]:
    """(keyid, base64 signature) of `data` under the current signer."""
    key = keyring().signer()
    return key.keyid, base64.b64encode(key.private.sign(data)).decode()


def signature_header(body: bytes) -> str:
    keyid, signature = sign(body)
    return f'keyid="{keyid}", algorithm="{ALGORITHM}", signature="{signature}"'


def public_keys() -> list[dict]:
    return [
        {
            "keyid": k.keyid,
            "algorithm": ALGORITHM,
            "public_key": k.public_key,
            "created": isoformat(k.created_at),
            "retired": isoformat(k.retired_at) if k.retired_at else None,
            "endorsement": k.endorsement or None,
        }
        for k in keyring().keys
    ]


def isoformat(moment: datetime) -> str:
    """ISO 8601 in UTC with a `Z`, to the second."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def answer_binding(canonical_key: str, fingerprint: str = "", nonce: str = "") -> str:
    """`meta.binding`: which question a signed answer is about (SPEC section 5).

    Lowercase hex SHA-256 of `<key>\\n<fingerprint>\\n<nonce>`, the key in its
    printed form `XXXXX-XXXXX-XXXXX-XXXXX-XXXXX`, so a client can tell that a
    genuine answer was not relayed from another key, machine or request.
    """
    text = f"{keys.display(canonical_key)}\n{fingerprint}\n{nonce}"
    return hashlib.sha256(text.encode()).hexdigest()


def file_binding(canonical_key: str, fingerprint: str) -> str:
    """An offline file's `binding`: the key (printed form) and machine it is for."""
    text = f"{keys.display(canonical_key)}\n{fingerprint}"
    return hashlib.sha256(text.encode()).hexdigest()
