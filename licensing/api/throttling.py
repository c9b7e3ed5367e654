"""Rate limits of the client API: per normalised license key and per client address."""

from __future__ import annotations

from django.conf import settings
from rest_framework import exceptions
from rest_framework.throttling import BaseThrottle

from core import ratelimit
from core.addresses import client_address, rate_limit_bucket
from core.fields import keyed_hash
from licensing import keys
from licensing.services import key_index


def client_identity(request) -> str:
    """The client's bucket (its address, or its IPv6 /64; see `core.addresses`).

    Hashed: the address is personal data and need not sit in Redis as it is.
    """
    return keyed_hash("ratelimit.client", rate_limit_bucket(client_address(request)))


def canonical_or_none(raw_key) -> str | None:
    try:
        return keys.normalise(raw_key)
    except keys.InvalidKey:
        return None


def limits_for(request, canonical_key: str | None) -> list[tuple[str, str, str]]:
    """The limits one request counts against; a malformed key counts only against the client.

    A limit that is `off` costs nothing: no hashing, no Redis.
    """
    limits = []
    client_rate, key_rate = (
        settings.API_RATE_LIMIT_PER_CLIENT,
        settings.API_RATE_LIMIT_PER_KEY,
    )
    if ratelimit.parse_rate(client_rate):
        limits.append(("client", client_identity(request), client_rate))
    if canonical_key and ratelimit.parse_rate(key_rate):
        limits.append(("key", key_index(canonical_key), key_rate))
    return limits


class ClientApiThrottle(BaseThrottle):
    def allow_request(self, request, view):
        try:
            data, malformed = request.data, None
        except exceptions.ParseError as exc:
            data, malformed = None, exc
        raw_key = data.get("key") if isinstance(data, dict) else None
        self._wait = ratelimit.hit(limits_for(request, canonical_or_none(raw_key)))
        if malformed is not None and self._wait is None:
            raise malformed  # counted against the client, then reported as such
        return self._wait is None

    def wait(self):
        return self._wait
