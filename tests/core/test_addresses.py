"""Client addresses behind trusted proxies, and IPv6 clients counted per /64."""

import pytest
from django.test import RequestFactory

from core.addresses import client_address, rate_limit_bucket


def request(remote="10.0.0.1", forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_without_a_proxy_the_header_is_ignored(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_address(request("198.51.100.7", "203.0.113.9")) == "198.51.100.7"


@pytest.mark.parametrize(
    ("proxies", "forwarded", "client"),
    [
        (1, "203.0.113.9", "203.0.113.9"),
        # A client-sent entry on the left is not trusted.
        (1, "1.2.3.4, 203.0.113.9", "203.0.113.9"),
        (2, "1.2.3.4, 203.0.113.9, 10.0.0.2", "203.0.113.9"),
        # Fewer entries than proxies: the peer, never the client's claim.
        (2, "203.0.113.9", "10.0.0.1"),
        (1, "", "10.0.0.1"),
    ],
)
def test_behind_proxies_the_address_is_counted_from_the_right(
    settings, proxies, forwarded, client
):
    settings.TRUSTED_PROXY_COUNT = proxies
    assert client_address(request("10.0.0.1", forwarded)) == client


def test_each_ipv6_network_of_64_bits_is_one_bucket():
    first = rate_limit_bucket("2001:db8:1:2:aaaa::1")
    assert first == rate_limit_bucket("2001:db8:1:2:ffff:ffff:ffff:ffff")
    assert first != rate_limit_bucket("2001:db8:1:3::1")
    assert rate_limit_bucket("::ffff:192.0.2.1") == "192.0.2.1"
    assert rate_limit_bucket("192.0.2.1") != rate_limit_bucket("192.0.2.2")
    assert rate_limit_bucket("not an address") == "not an address"
