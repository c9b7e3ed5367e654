from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from accounts.models import Customer, User
from core.models import OutboxEmail
from licensing import keys
from licensing.management.commands.seed_demo import demo_key
from licensing.models import License, PartnerMembership, Plan, SigningKey
from tests.factories import PartnerFactory

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def outbox_ids() -> set[int]:
    return set(OutboxEmail.objects.values_list("pk", flat=True))


def test_seed_demo_is_idempotent_and_prints_logins_and_keys():
    first = run("seed_demo", "--force")
    counts = (
        License.objects.count(),
        Plan.objects.count(),
        User.objects.count(),
        SigningKey.objects.count(),
    )
    second = run("seed_demo", "--force")
    assert counts == (
        License.objects.count(),
        Plan.objects.count(),
        User.objects.count(),
        SigningKey.objects.count(),
    )
    assert first == second
    assert "admin@example.com" in first
    assert keys.display(demo_key(1)) in first
    plans = {p.slug: p for p in Plan.objects.all()}
    assert set(plans) == {
        "desktop-single",
        "desktop-team",
        "desktop-floating",
        "backup-annual",
    }
    assert (
        plans["desktop-team"].seats,
        plans["desktop-floating"].heartbeat_interval,
    ) == (5, 600)
    assert (plans["backup-annual"].renewal, plans["backup-annual"].billing) == (
        "fixed",
        "prepaid",
    )
    assert plans["backup-annual"].minimum_age == 18
    assert {lic.status for lic in License.objects.all()} >= {
        "active",
        "suspended",
        "expired",
        "terminated",
        "cancelled",
    }
    assert License.objects.by_key(demo_key(1)).get().partner.slug == "northwind"


def test_seed_demo_refuses_without_debug_unless_forced(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        run("seed_demo")


def test_issue_license_prints_the_key_alone_on_the_last_line_and_sends_nothing():
    run("seed_demo", "--force")
    queued = outbox_ids()
    output = run(
        "issue_license",
        "--product",
        "desktop",
        "--plan",
        "desktop-team",
        "--seats",
        "3",
        "--email",
        "buyer@example.org",
        "--name",
        "Buyer",
        "--partner",
        "northwind",
        "--major",
        "6",
        "--purchased",
        "2026-01-31",
    )
    key = output.strip().splitlines()[-1]
    license = License.objects.by_key(keys.normalise(key)).get()
    assert (license.seats, license.major_version, license.partner.slug) == (
        3,
        6,
        "northwind",
    )
    assert (str(license.period_start), str(license.period_end)) == (
        "2026-01-31",
        "2027-01-31",
    )
    assert license.customer == Customer.objects.by_email("buyer@example.org").get()
    assert license.customer.name == "Buyer"
    # The outbox, not mail.outbox: emails leave only after commit, which never
    # comes in this test's transaction.
    assert outbox_ids() == queued


def test_issue_license_with_notify_emails_the_key(django_capture_on_commit_callbacks):
    run("seed_demo", "--force")
    queued = outbox_ids()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        output = run(
            "issue_license",
            "--product",
            "backup",
            "--plan",
            "backup-annual",
            "--email",
            "buyer@example.org",
            "--notify",
        )
    key = output.strip().splitlines()[-1]
    # The row the test without --notify looks for.
    new = OutboxEmail.objects.exclude(pk__in=queued)
    assert [email.to for email in new] == ["buyer@example.org"]
    assert len(mail.outbox) == 1
    assert key in mail.outbox[0].body


@pytest.mark.parametrize(
    "args",
    [
        ["--product", "desktop", "--plan", "nope"],
        ["--product", "backup", "--plan", "desktop-team"],
        ["--product", "desktop", "--plan", "desktop-team", "--partner", "nope"],
        ["--product", "desktop", "--plan", "desktop-team", "--email", "not-an-email"],
        ["--product", "desktop", "--plan", "desktop-team", "--seats", "0"],
        ["--product", "desktop", "--plan", "desktop-team", "--notify"],
    ],
)
def test_issue_license_refuses_bad_input_clearly(args):
    run("seed_demo", "--force")
    with pytest.raises(CommandError):
        run("issue_license", *args)


def test_rotate_signing_key_command():
    output = run("rotate_signing_key")
    assert SigningKey.objects.get().keyid in output


def test_issue_license_is_paid_unless_unpaid():
    run("seed_demo", "--force")
    paid = run("issue_license", "--product", "desktop", "--plan", "desktop-single")
    unpaid = run(
        "issue_license", "--product", "desktop", "--plan", "desktop-single", "--unpaid"
    )
    first = License.objects.by_key(keys.normalise(paid.strip().splitlines()[-1])).get()
    second = License.objects.by_key(
        keys.normalise(unpaid.strip().splitlines()[-1])
    ).get()
    assert list(first.invoices.values_list("status", flat=True)) == ["paid"]
    assert list(second.invoices.values_list("status", flat=True)) == ["open"]
    with pytest.raises(CommandError, match="prepaid"):
        run(
            "issue_license",
            "--product",
            "backup",
            "--plan",
            "backup-annual",
            "--unpaid",
        )


def test_lifecycle_sweep_command_runs_a_given_day_again():
    run("seed_demo", "--force")
    output = run("lifecycle_sweep", "--date", "2026-12-01")
    assert output.startswith("2026-12-01: reminders")
    assert run("lifecycle_sweep", "--date", "2026-12-01").startswith(
        "2026-12-01: reminders 0"
    )


def test_create_partner_user_invites_by_email(
    mailoutbox, django_capture_on_commit_callbacks
):
    partner = PartnerFactory(slug="north", name="North")
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command(
            "create_partner_user",
            partner="north",
            email="eva@north.example",
            stdout=out,
        )
    assert "Invitation sent" in out.getvalue()
    assert "eva@north.example" not in out.getvalue()
    assert PartnerMembership.objects.get().partner == partner
    assert any("eva@north.example" in m.to for m in mailoutbox)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"partner": "nobody", "email": "eva@north.example"}, "No partner 'nobody'"),
        ({"partner": "north", "email": "not-an-address"}, "Not an email address"),
    ],
)
def test_create_partner_user_explains_bad_input(arguments, message):
    PartnerFactory(slug="north", name="North")
    with pytest.raises(CommandError, match=message):
        call_command("create_partner_user", **arguments)
    assert not PartnerMembership.objects.exists()
