import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.models import AuditEvent
from licensing.models import Activation, License
from tests.factories import PlanFactory, ProductFactory, issue

pytestmark = pytest.mark.django_db


def set_status(license, status):
    License.objects.filter(pk=license.pk).update(status=status)


def test_a_valid_license_without_fingerprint(api):
    license = issue()
    response = api.validate(license.display_key, nonce="n-1")
    assert response.status_code == 200
    body = response.body
    assert body["valid"] is True and body["code"] == "VALID"
    assert body["license"]["id"] == str(license.pk)
    assert body["license"]["product"] == "desktop" and body["license"]["machines"] == 0
    assert body["meta"]["nonce"] == "n-1" and body["meta"]["ts"].endswith("Z")
    assert "activation" not in body


def test_an_unknown_key_is_not_found(api):
    from licensing import keys

    response = api.validate(keys.generate())
    assert response.status_code == 200
    assert response.body["code"] == "NOT_FOUND" and response.body["license"] is None


@pytest.mark.parametrize(
    "status", ["transferred", "cancelled", "terminated", "expired", "suspended"]
)
def test_an_unusable_license_answers_its_status_code(api, status):
    license = issue()
    set_status(license, status)
    body = api.validate(license.key).body
    assert (body["valid"], body["code"]) == (False, status.upper())


def test_status_codes_win_in_the_specified_order(api):
    """TRANSFERRED before CANCELLED ... before SUSPENDED before scope and seat checks."""
    license = issue()
    set_status(license, "suspended")
    body = api.validate(
        license.key, product="other", version="99", fingerprint="x"
    ).body
    assert body["code"] == "SUSPENDED"


def test_product_scope_is_checked_before_version_scope(api):
    license = issue()
    assert (
        api.validate(license.key, product="backup", version="9.1").body["code"]
        == "PRODUCT_SCOPE_MISMATCH"
    )
    assert (
        api.validate(license.key, product="desktop", version="9.1").body["code"]
        == "VERSION_SCOPE_MISMATCH"
    )
    assert (
        api.validate(license.key, product="desktop", version="7.4.1-rc1").body["code"]
        == "VALID"
    )


def test_too_many_machines_after_the_seats_were_lowered(api):
    license = issue(plan=PlanFactory(seats=2))
    api.activate(license.key, "a")
    api.activate(license.key, "b")
    License.objects.filter(pk=license.pk).update(seats=1)
    assert api.validate(license.key).body["code"] == "TOO_MANY_MACHINES"
    assert (
        api.validate(license.key, fingerprint="a").body["code"] == "TOO_MANY_MACHINES"
    )


def test_machine_codes_with_a_fingerprint(api):
    license = issue(plan=PlanFactory(seats=2))
    assert api.validate(license.key, fingerprint="pc-1").body["code"] == "NO_MACHINE"
    api.activate(license.key, "pc-1")
    assert (
        api.validate(license.key, fingerprint="pc-2").body["code"]
        == "FINGERPRINT_SCOPE_MISMATCH"
    )
    body = api.validate(license.key, fingerprint="pc-1").body
    assert body["code"] == "VALID"
    assert body["activation"]["id"] == str(Activation.objects.get().pk)
    assert body["activation"]["heartbeat_deadline"] is None  # node-locked


def test_validate_uses_one_query_and_writes_nothing(api):
    license = issue(plan=PlanFactory(seats=3))
    api.activate(license.key, "pc-1")
    events = AuditEvent.objects.count()
    heartbeat = Activation.objects.get().last_heartbeat_at
    api.validate(license.key, fingerprint="pc-1")  # keys loaded into memory
    with CaptureQueriesContext(connection) as queries:
        body = api.client.post(
            "/api/v1/licenses/validate",
            data={"key": license.key, "fingerprint": "pc-1"},
            content_type="application/json",
        )
    assert body.status_code == 200
    assert len(queries) == 1, [q["sql"] for q in queries]
    assert queries[0]["sql"].lstrip().upper().startswith("SELECT")
    assert AuditEvent.objects.count() == events
    assert (
        Activation.objects.get().last_heartbeat_at == heartbeat
    )  # validate is not a heartbeat


@pytest.mark.parametrize(
    ("raw", "detail"),
    [
        ("{not json", "JSON"),
        ("[1, 2]", "JSON object"),
        ('{"key": 12345}', "key"),
        ('{"key": "AAAAA-AAAAA-AAAAA-AAAAA-AAAAB"}', "check character"),
        ('{"key": "%s", "fingerprint": 7}', "fingerprint"),
        ('{"key": "%s", "fingerprint": ""}', "fingerprint"),
        ('{"key": "%s", "version": "7.x"}', "version"),
        ('{"key": "%s", "product": null}', "product"),
        ('{"key": "%s", "nonce": ["x"]}', "nonce"),
    ],
)
def test_malformed_requests_get_invalid_request(api, raw, detail):
    license = issue()
    response = api.post("licenses/validate", raw=raw.replace("%s", license.key))
    assert response.status_code == 400
    assert response.body["code"] == "INVALID_REQUEST"
    assert detail in response.body["detail"]


def test_only_post_is_allowed(api):
    response = api.get("licenses/validate")
    assert response.status_code == 405
    assert response.body["code"] == "INVALID_REQUEST"


def test_the_key_is_matched_in_any_common_spelling(api):
    license = issue()
    sloppy = license.display_key.lower().replace("0", "o").replace("-", " ")
    assert api.validate(sloppy).body["code"] == "VALID"


def test_products_are_told_apart(api):
    ProductFactory(slug="backup", name="Backup")
    license = issue(
        plan=PlanFactory(product=ProductFactory(slug="backup"), slug="backup-plan")
    )
    assert api.validate(license.key, product="backup").body["code"] == "VALID"
    assert (
        api.validate(license.key, product="desktop").body["code"]
        == "PRODUCT_SCOPE_MISMATCH"
    )


def test_postgresql_prepares_the_validate_query(api):
    license = issue()
    for _ in range(6):
        assert api.validate(license.key, fingerprint="pc-1").status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        statements = [row[0] for row in cursor.fetchall()]
    assert any("licensing_activation" in s and "key_index" in s for s in statements)


def test_times_read_back_from_sqlite_are_taken_as_utc():
    from datetime import UTC, datetime

    from licensing.selectors.validation import _as_datetime

    expected = datetime(2026, 11, 22, 3, 5, 43, tzinfo=UTC)
    assert _as_datetime("2026-11-22 03:05:43") == expected
    assert _as_datetime(datetime(2026, 11, 22, 3, 5, 43)) == expected
    assert _as_datetime(expected) == expected
