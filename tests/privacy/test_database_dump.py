"""A dump of the database holds no registrant's email, name or license key in plain text."""

import re
import subprocess
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test import Client

from licensing import keys
from tests.factories import PlanFactory
from tests.licensing.api_client import Api


def dump_database() -> str:
    db = connection.settings_dict
    result = subprocess.run(
        [
            "pg_dump",
            "--data-only",
            "--no-owner",
            "-h",
            db["HOST"] or "127.0.0.1",
            "-p",
            str(db["PORT"] or 5432),
            "-U",
            db["USER"] or "postgres",
            db["NAME"],
        ],
        capture_output=True,
        text=True,
        check=True,
        env={"PGPASSWORD": db["PASSWORD"] or ""},
    )
    return result.stdout


@pytest.mark.django_db(transaction=True)
def test_a_dump_after_registering_a_customer_contains_no_plain_personal_data(
    signing_key,
):
    PlanFactory(slug="desktop-single")
    # A license sold to a named customer, as vendor staff issue it.
    out = StringIO()
    call_command(
        "issue_license",
        "--product",
        "desktop",
        "--plan",
        "desktop-single",
        "--email",
        "ingrid.dumptest@example.org",
        "--name",
        "Ingrid Dumptest",
        "--notify",
        stdout=out,
    )
    sold_key = out.getvalue().strip().splitlines()[-1]
    # A second license registered by its client program, then confirmed by email.
    out = StringIO()
    call_command(
        "issue_license", "--product", "desktop", "--plan", "desktop-single", stdout=out
    )
    registered_key = out.getvalue().strip().splitlines()[-1]
    api = Api(Client())
    response = api.post(
        "licenses/register",
        {
            "key": registered_key,
            "email": "olav.registrant@example.org",
            "name": "Olav Registrant",
        },
    )
    assert response.status_code == 202
    link = re.search(r"/register/confirm/[^\s/]+/", mail.outbox[-1].body).group(0)
    assert Client().post(link).status_code == 200
    api.activate(registered_key, "OLAVS-LAPTOP-SERIAL", label="Olav's laptop")

    dump = dump_database()
    assert "licensing_license" in dump  # the dump did include the data
    for secret in [
        "ingrid.dumptest",
        "Ingrid",
        "Dumptest",
        "olav.registrant",
        "Olav",
        "Registrant",
        "OLAVS-LAPTOP",
        sold_key,
        keys.normalise(sold_key),
        registered_key,
        keys.normalise(registered_key),
    ]:
        assert secret.lower() not in dump.lower(), secret
