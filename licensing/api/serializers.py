"""Request and response shapes of the client API; they are also its OpenAPI schema."""

from __future__ import annotations

from django.conf import settings
from rest_framework import serializers

from licensing import keys, rules
from licensing.api.responses import EXPLAINED, NONCE_MAX_LENGTH, is_text
from licensing.errors import API_CODES

FINGERPRINT_MAX_LENGTH = 256
TTL_MIN, TTL_DEFAULT = 3_600, 2_592_000


class StrictCharField(serializers.CharField):
    """A string and nothing else (no numbers turned into text, no lone surrogates)."""

    def to_internal_value(self, data):
        if not is_text(data):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictIntegerField(serializers.IntegerField):
    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


class LicenseKeyField(StrictCharField):
    """A license key in any common spelling; becomes its canonical form."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault(
            "help_text",
            "The license key, XXXXX-XXXXX-XXXXX-XXXXX-XXXXX (case, spaces and dashes ignored).",
        )
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        text = super().to_internal_value(data)
        try:
            return keys.normalise(text)
        except keys.InvalidKey as exc:
            raise serializers.ValidationError(str(exc), code=EXPLAINED) from None


class VersionField(StrictCharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault(
            "help_text", "MAJOR[.MINOR[.PATCH]], optionally with a -/+ suffix."
        )
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        text = super().to_internal_value(data)
        try:
            rules.version_major(text)
        except ValueError as exc:
            raise serializers.ValidationError(str(exc), code=EXPLAINED) from None
        return text


def nonce_field():
    return StrictCharField(
        required=False,
        allow_blank=True,
        trim_whitespace=False,  # echoed and bound exactly as sent
        max_length=NONCE_MAX_LENGTH,
        help_text="Echoed in meta.nonce so the client can reject replayed answers.",
    )


def fingerprint_field(required: bool):
    return StrictCharField(
        required=required,
        trim_whitespace=False,  # hashed exactly as sent, as validate does
        min_length=1,
        max_length=FINGERPRINT_MAX_LENGTH,
        help_text="The machine's fingerprint; stored only as a keyed hash.",
    )


class KeyRequest(serializers.Serializer):
    key = LicenseKeyField()
    nonce = nonce_field()


class ValidateRequest(KeyRequest):
    fingerprint = fingerprint_field(required=False)
    product = StrictCharField(required=False, max_length=50, help_text="Product slug.")
    version = VersionField(required=False)


class ActivateRequest(KeyRequest):
    fingerprint = fingerprint_field(required=True)
    label = StrictCharField(required=False, allow_blank=True, max_length=100)
    platform = StrictCharField(required=False, allow_blank=True, max_length=40)
    version = VersionField(required=False)


class CheckoutRequest(KeyRequest):
    fingerprint = fingerprint_field(required=True)
    ttl = StrictIntegerField(
        required=False,
        min_value=TTL_MIN,
        max_value=rules.OFFLINE_MAX_SECONDS,
        default=TTL_DEFAULT,
        help_text="Lifetime of the file in seconds.",
    )


class StrictEmailField(serializers.EmailField):
    def to_internal_value(self, data):
        if not is_text(data):
            self.fail("invalid")
        return super().to_internal_value(data)


class RegisterRequest(KeyRequest):
    email = StrictEmailField(max_length=254)
    name = StrictCharField(required=False, allow_blank=True, max_length=200)
    language = serializers.ChoiceField(
        required=False, choices=[code for code, _ in settings.LANGUAGES]
    )
    updates_opt_in = StrictBooleanField(required=False, default=False)


# --- Responses (documentation) ------------------------------------------------------


class Meta(serializers.Serializer):
    ts = serializers.DateTimeField(help_text="When the server answered (UTC).")
    nonce = serializers.CharField(allow_null=True)
    binding = serializers.CharField(
        required=False,
        allow_null=True,
        help_text=(
            "On every answer to a call that carries a key: lowercase hex SHA-256 of "
            "`<canonical key>\\n<fingerprint or empty>\\n<nonce or empty>`; check it "
            "to know the answer is about your own question. Null when the key sent "
            "is not a license key."
        ),
    )


class LicenseInfo(serializers.Serializer):
    id = serializers.UUIDField()
    product = serializers.CharField()
    major_version = serializers.IntegerField()
    status = serializers.CharField()
    seats = serializers.IntegerField()
    machines = serializers.IntegerField(help_text="Machines holding a seat.")
    period_end = serializers.DateField(
        help_text="End of the current period (exclusive)."
    )


class ActivationInfo(serializers.Serializer):
    id = serializers.UUIDField(help_text="The machine id.")
    activated = serializers.DateTimeField()
    last_heartbeat = serializers.DateTimeField()
    heartbeat_deadline = serializers.DateTimeField(allow_null=True)


class ValidateResponse(serializers.Serializer):
    valid = serializers.BooleanField()
    code = serializers.ChoiceField(choices=[c.value for c in API_CODES])
    detail = serializers.CharField()
    license = LicenseInfo(allow_null=True)
    activation = ActivationInfo(required=False)
    meta = Meta()


class ActivationResponse(serializers.Serializer):
    activation = ActivationInfo()
    license = LicenseInfo()
    meta = Meta()


class OkResponse(serializers.Serializer):
    code = serializers.CharField()
    detail = serializers.CharField()
    meta = Meta()


class HeartbeatResponse(serializers.Serializer):
    activation = ActivationInfo()
    meta = Meta()


class OfflineFile(serializers.Serializer):
    payload = serializers.CharField(
        help_text=(
            "base64 of a JSON document {license, product, major_version, machine, "
            "issued, expires, binding}; binding is hex SHA-256 of "
            "`<canonical key>\\n<fingerprint>`."
        )
    )
    keyid = serializers.CharField()
    algorithm = serializers.CharField()
    signature = serializers.CharField(
        help_text="base64 Ed25519 signature of the decoded payload."
    )


class CheckoutResponse(serializers.Serializer):
    file = OfflineFile()
    meta = Meta()


class PublicKeyInfo(serializers.Serializer):
    keyid = serializers.CharField()
    algorithm = serializers.CharField()
    public_key = serializers.CharField(help_text="base64 of the 32 raw bytes.")
    created = serializers.DateTimeField()
    retired = serializers.DateTimeField(allow_null=True)
    endorsement = serializers.CharField(
        allow_null=True,
        help_text=(
            "base64 Ed25519 signature by the key this one replaced over "
            "`license-signing-key\\n<keyid>\\n<public_key>`; null for the first key. "
            "Trust a key only through this chain from the key you pinned."
        ),
    )


class SigningKeysResponse(serializers.Serializer):
    keys = PublicKeyInfo(many=True)
    meta = Meta()


class PingResponse(serializers.Serializer):
    status = serializers.CharField()
    meta = Meta()


class ErrorResponse(serializers.Serializer):
    code = serializers.ChoiceField(
        choices=[*(c.value for c in API_CODES if c != "VALID"), "UNAVAILABLE"]
    )
    detail = serializers.CharField(help_text="For developers; never echoes the input.")
    seat_frees_at = serializers.DateTimeField(
        required=False,
        help_text="With MACHINE_CHECKED_OUT: when the machine's offline file expires.",
    )
    meta = Meta()
