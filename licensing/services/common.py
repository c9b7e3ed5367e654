"""What the licensing services share: refusals, key and fingerprint hashes, locking."""

from __future__ import annotations

from core.fields import blind_index, keyed_hash
from licensing import keys, rules
from licensing.codes import Code
from licensing.models import (
    License,
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


def license_locked(canonical_key: str) -> License:
    """The license of this key, row-locked; LicenseRefused(NOT_FOUND) when none."""
    license = License.objects.locked().by_key(canonical_key).first()
    if license is None:
        raise LicenseRefused(Code.NOT_FOUND)
    return license


def license_refusal_code(
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
