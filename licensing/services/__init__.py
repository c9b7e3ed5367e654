"""Every write to licenses, machines and signing keys goes through one of these."""

from licensing.services.common import (
    FINGERPRINT_PURPOSE,
    MAX_OFFLINE_SECONDS,
    LicenseRefused,
    fingerprint_hash,
    key_index,
)
from licensing.services.issuing import (
    license_issue,
)
from licensing.services.machines import (
    activation_create,
    activation_deactivate,
    activation_heartbeat,
    activations_release_dead,
    offline_file_issue,
)
from licensing.services.registration import (
    registration_confirm,
    registration_pending,
    registration_request,
    registrations_purge_expired,
)
from licensing.services.signing_keys import (
    signing_key_rotate,
    signing_keys_purge,
)

__all__ = [
    "FINGERPRINT_PURPOSE",
    "MAX_OFFLINE_SECONDS",
    "LicenseRefused",
    "activation_create",
    "activation_deactivate",
    "activation_heartbeat",
    "activations_release_dead",
    "fingerprint_hash",
    "key_index",
    "license_issue",
    "offline_file_issue",
    "registration_confirm",
    "registration_pending",
    "registration_request",
    "registrations_purge_expired",
    "signing_key_rotate",
    "signing_keys_purge",
]
