"""Erasure reaches the backups: a dump of the database taken before a person
was erased, restored afterwards, no longer reveals them, while everyone else's
data in it reads as ever (their data key is destroyed; core.datakeys)."""

import subprocess
import uuid
from io import StringIO

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection

from core import datakeys, outbox
from core.fields import EncryptionKeyError, decrypt
from privacy.models import ErasureReceipt
from tests.factories import CustomerFactory, issue

VERA, OLA = "vera.backup@example.org", "ola.backup@example.org"


def server_args() -> list[str]:
    db = connection.settings_dict
    return [
        "-h",
        db["HOST"] or "127.0.0.1",
        "-p",
        str(db["PORT"] or 5432),
        "-U",
        db["USER"] or "postgres",
    ]


@pytest.fixture
def scratch():
    """An empty database on the same server, dropped afterwards."""
    name = f"restore_{uuid.uuid4().hex[:12]}"
    admin = connection.settings_dict | {"NAME": "postgres"}
    url = f"postgresql://{admin['USER']}@{admin['HOST']}:{admin['PORT']}"
    with psycopg.connect(f"{url}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield f"{url}/{name}", name
    with psycopg.connect(f"{url}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def read_with_the_applications_keys(token: str) -> str:
    """What the application makes of a stored value (no key cached)."""
    datakeys.forget()
    return (
        datakeys.unseal(token) if token.startswith(datakeys.PREFIX) else decrypt(token)
    )


@pytest.mark.django_db(transaction=True)
def test_a_dump_restored_after_an_erasure_reveals_nothing_of_the_person(
    tmp_path, scratch, signing_key
):
    vera = CustomerFactory(email=VERA, name="Vera Lind", phone="+47 400 00 000")
    issue(customer=vera)
    ola = CustomerFactory(email=OLA, name="Ola Nordmann", phone="+47 900 00 000")
    for address in (VERA, OLA):  # an email to each: rows with keys of their own
        outbox.enqueue(
            key=f"backup-test:{address}",
            to=address,
            template="licensing/email/product_news",
            context={"subject": "News", "body": "Hello", "unsubscribe_url": "x"},
            language="en",
        )

    dump = tmp_path / "before-erasure.dump"
    subprocess.run(
        [
            "pg_dump",
            "-Fc",
            *server_args(),
            "-f",
            str(dump),
            connection.settings_dict["NAME"],
        ],
        check=True,
    )
    call_command("privacy_erase", email=VERA, now=True, stdout=StringIO())
    receipt = ErasureReceipt.objects.get()
    assert receipt.key_destroyed_at is not None

    url, name = scratch
    subprocess.run(
        ["pg_restore", "--no-owner", *server_args(), "-d", name, str(dump)], check=True
    )
    with psycopg.connect(url) as restored:
        rows = {
            row[0]: row[1:]
            for row in restored.execute(
                "SELECT id, email, name, phone FROM accounts_customer"
            )
        }
        emails = [
            row[0]
            for row in restored.execute(
                'SELECT "to" FROM core_outboxemail WHERE idempotency_key LIKE %s',
                ["backup-test:%"],
            )
        ]
    # The restored copy holds both people, as the backup did ...
    assert set(rows) == {vera.pk, ola.pk}
    # ... but with the application's keys only Ola's values open.
    assert [read_with_the_applications_keys(v) for v in rows[ola.pk]] == [
        OLA,
        "Ola Nordmann",
        "+47 900 00 000",
    ]
    assert [read_with_the_applications_keys(v) for v in rows[vera.pk]] == [
        datakeys.ERASED
    ] * 3
    # The email to Vera went with her; Ola's still reads.
    assert sorted(read_with_the_applications_keys(to) for to in emails) == sorted(
        [OLA, datakeys.ERASED]
    )
    # Nor do the field keys open them: they were never under those.
    for token in rows[vera.pk]:
        assert "Vera" not in token and "vera" not in token
        with pytest.raises(EncryptionKeyError):
            decrypt(token)
