import random
import socket
from datetime import UTC, datetime

import pytest
import redis
import time_machine
from django.conf import settings as django_settings
from django.test import RequestFactory

from core import ratelimit
from core.models import OutboxEmail
from licensing import keys
from licensing.api.throttling import limits_for
from tests.factories import issue

pytestmark = pytest.mark.django_db


def random_address() -> str:
    """A client address of this test alone, so counters of other runs never meet it."""
    return ".".join(str(random.randint(1, 254)) for _ in range(4))


@pytest.fixture
def address():
    return random_address()


def test_limits_are_counted_in_redis(api, settings, address):
    settings.API_RATE_LIMIT_PER_CLIENT = "50/day"
    settings.API_RATE_LIMIT_PER_KEY = "20/hour"
    license = issue()
    moment = datetime(2031, 3, 4, 12, 30, tzinfo=UTC)  # mid-window
    with time_machine.travel(moment, tick=False):
        for _ in range(2):
            response = api.post(
                "licenses/validate", {"key": license.key}, REMOTE_ADDR=address
            )
            assert response.status_code == 200
    request = RequestFactory().post("/", REMOTE_ADDR=address)
    (_, client, _), (_, key, _) = limits_for(request, keys.normalise(license.key))
    server = redis.Redis.from_url(django_settings.REDIS_URL)  # the real server
    for scope, identity, period in (("client", client, 86400), ("key", key, 3600)):
        counter = f"rl:{scope}:{identity}:{int(moment.timestamp()) // period}"
        assert server.get(counter) == b"2", counter
        assert period - 60 < server.ttl(counter) <= period + 1


def test_the_key_limit_answers_429_with_retry_after(api, settings, address):
    settings.API_RATE_LIMIT_PER_KEY = "3/day"  # a day window: no rollover mid-test
    license, other = issue(), issue()
    for _ in range(3):
        response = api.post(
            "licenses/validate", {"key": license.key}, REMOTE_ADDR=address
        )
        assert response.status_code == 200
    limited = api.post("licenses/validate", {"key": license.key}, REMOTE_ADDR=address)
    assert limited.status_code == 429
    assert limited.body["code"] == "RATE_LIMITED"
    assert 1 <= int(limited["Retry-After"]) <= 86400
    # Another key is not affected, and the limit holds for the key in any spelling.
    assert (
        api.post(
            "licenses/validate", {"key": other.key}, REMOTE_ADDR=address
        ).status_code
        == 200
    )
    sloppy = license.display_key.lower()
    assert (
        api.post(
            "activations", {"key": sloppy, "fingerprint": "x"}, REMOTE_ADDR=address
        ).status_code
        == 429
    )


def test_the_client_limit_counts_malformed_keys(api, settings, address):
    settings.API_RATE_LIMIT_PER_CLIENT = "4/day"
    for _ in range(4):
        response = api.post(
            "licenses/validate", {"key": "nonsense"}, REMOTE_ADDR=address
        )
        assert response.status_code == 400
    response = api.post("licenses/validate", {"key": issue().key}, REMOTE_ADDR=address)
    assert response.status_code == 429
    assert "Retry-After" in response
    response = api.post(
        "licenses/register",
        {"key": keys.generate(), "email": "a@b.no"},
        REMOTE_ADDR=address,
    )
    assert (response.status_code, response.body["code"]) == (429, "RATE_LIMITED")
    other = random_address()
    assert (
        api.post(
            "licenses/validate", {"key": issue().key}, REMOTE_ADDR=other
        ).status_code
        == 200
    )


def test_ping_and_signing_keys_count_against_the_client(api, settings, address):
    settings.API_RATE_LIMIT_PER_CLIENT = "2/day"
    assert api.get("ping", REMOTE_ADDR=address).status_code == 200
    assert api.get("signing-keys", REMOTE_ADDR=address).status_code == 200
    assert api.get("ping", REMOTE_ADDR=address).status_code == 429
    assert api.get("signing-keys", REMOTE_ADDR=address).status_code == 429


def test_without_redis_requests_are_let_through(api, settings, address):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings.REDIS_URL = f"redis://127.0.0.1:{port}/0"
    settings.API_RATE_LIMIT_PER_KEY = "1/min"
    license = issue()
    for _ in range(3):
        response = api.post(
            "licenses/validate", {"key": license.key}, REMOTE_ADDR=address
        )
        assert response.status_code == 200


@pytest.mark.parametrize(
    ("rate", "parsed"),
    [
        ("120/min", (120, 60)),
        ("10/s", (10, 1)),
        ("1000/hour", (1000, 3600)),
        ("5/day", (5, 86400)),
        ("off", None),
    ],
)
def test_rates_use_drf_syntax(rate, parsed):
    assert ratelimit.parse_rate(rate) == parsed


def test_a_malformed_rate_is_a_configuration_error():
    with pytest.raises(ValueError):
        ratelimit.parse_rate("lots")


def test_behind_the_proxy_each_client_has_its_own_bucket(api, settings, address):
    """One proxy in front: clients share REMOTE_ADDR but not their limit."""
    settings.TRUSTED_PROXY_COUNT = 1
    settings.API_RATE_LIMIT_PER_CLIENT = "2/day"
    proxy = random_address()
    for _ in range(2):
        ok = api.get("ping", REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=address)
        assert ok.status_code == 200
    limited = api.get("ping", REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=address)
    assert limited.status_code == 429
    # Another client behind the same proxy is not limited.
    other = api.get("ping", REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=random_address())
    assert other.status_code == 200
    # A spoofed entry on the left changes nothing.
    spoofed = api.get(
        "ping", REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=f"9.9.9.9, {address}"
    )
    assert spoofed.status_code == 429


def test_an_ipv6_client_is_counted_per_64(api, settings):
    settings.API_RATE_LIMIT_PER_CLIENT = "2/day"
    prefix = ":".join(f"{random.randint(0, 0xFFFF):x}" for _ in range(4))
    for host in ("::1", "::2"):
        assert api.get("ping", REMOTE_ADDR=f"{prefix}:{host[2:]}::9").status_code == 200
    assert api.get("ping", REMOTE_ADDR=f"{prefix}::abcd").status_code == 429


def test_registration_emails_are_limited_per_license_and_per_address(api, settings):
    settings.API_REGISTER_LIMIT = "3/day"
    target = f"victim-{random.randint(0, 10**9)}@example.org"
    licenses = [issue() for _ in range(4)]

    def register(license, email):
        return api.post("licenses/register", {"key": license.key, "email": email})

    for license in licenses[:3]:
        assert register(license, target).status_code == 202
    limited = register(licenses[3], target)  # a fourth key, the same address
    assert limited.status_code == 429 and int(limited["Retry-After"]) >= 1
    assert OutboxEmail.objects.count() == 3  # refused before anything was sent
    # Per license too: one key cannot mail many addresses.
    one = issue()
    for n in range(3):
        assert (
            register(one, f"a{n}-{random.randint(0, 10**9)}@example.org").status_code
            == 202
        )
    assert register(one, f"z-{random.randint(0, 10**9)}@example.org").status_code == 429


@pytest.mark.parametrize(
    "variant",
    [
        "VICTIM@example.org",
        "victim+1@example.org",
        '"victim"@example.org',
    ],
)
def test_one_mailbox_however_spelled_shares_the_register_limit(api, settings, variant):
    settings.API_REGISTER_LIMIT = "1/day"
    domain = f"x{random.randint(0, 10**9)}.example.org"
    assert (
        api.post(
            "licenses/register", {"key": issue().key, "email": f"victim@{domain}"}
        ).status_code
        == 202
    )
    spelled = variant.replace("example.org", domain)
    again = api.post("licenses/register", {"key": issue().key, "email": spelled})
    assert again.status_code == 429
