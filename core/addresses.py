"""The client's address, as far as it can be trusted, and its rate-limit bucket.

Behind `TRUSTED_PROXY_COUNT` reverse proxies, each appending its peer to
`X-Forwarded-For`, the client is the entry that many from the right: entries
further left are whatever the client chose to send. With 0 (no proxy) the
header is ignored and `REMOTE_ADDR` is the client.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings

IPV6_BUCKET_PREFIX = 64  # one subscriber's network: an IPv6 client holds a /64


def client_address(request) -> str:
    address = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies > 0:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        # Fewer entries than proxies: a misconfigured chain; keep the peer.
        if len(forwarded) >= proxies:
            address = forwarded[-proxies]
    return address


def rate_limit_bucket(address: str) -> str:
    """What one client is counted as: an IPv4 address, or an IPv6 address's /64."""
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return address  # not an address: counted as it is
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        network = ipaddress.ip_network(f"{ip}/{IPV6_BUCKET_PREFIX}", strict=False)
        return str(network)
    return str(ip)
