import random
import socket

import pytest
import redis
from django.conf import settings as django_settings

from core import ratelimit
from licensing import keys
from tests.factories import issue

pytestmark = pytest.mark.django_db


def random_address() -> str:
    """A client address of this test alone, so counters of other runs never meet it."""
    return ".".join(str(random.randint(1, 254)) for _ in range(4))


@pytest.fixture
def address():
    return random_address()


def test_limits_are_counted_in_redis():
    redis.Redis.from_url(
        django_settings.REDIS_URL
    ).ping()  # the real server, not memory
    assert django_settings.REDIS_URL


def test_the_key_limit_answers_429_with_retry_after(api, settings, address):
    settings.API_RATE_LIMIT_PER_KEY = "3/day"  # a day window: no rollover mid-test
    license, other = issue(), issue()
    for _ in range(3):
        assert api.validate(license.key, REMOTE_ADDR=address).status_code == 200
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
        assert api.validate(license.key, REMOTE_ADDR=address).status_code == 200


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
