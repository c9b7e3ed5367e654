"""The change lists ask the database the same number of times for 1 row or 20."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from licensing import services
from tests.factories import CustomerFactory, issue

pytestmark = pytest.mark.django_db

PAGES = [
    "/admin/licensing/license/",
    "/admin/licensing/activation/",
    "/admin/licensing/invoice/",
    "/admin/accounts/customer/",
]


def add_licenses(side, plan, count):
    for n in range(count):
        license = issue(
            plan=plan,
            customer=CustomerFactory(),
            partner=side.partner,
        )
        services.activation_create(
            canonical_key=license.key, fingerprint=f"m{n}", label="PC", platform="linux"
        )


def queries(client, path) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("who", ["partner", "vendor"])
def test_a_change_list_does_not_ask_more_for_more_rows(north, plan, vendor, path, who):
    client = north.client if who == "partner" else vendor
    queries(client, path)  # warm: sessions, permissions, caches
    one = queries(client, path)
    add_licenses(north, plan, 19)
    assert queries(client, path) == one
