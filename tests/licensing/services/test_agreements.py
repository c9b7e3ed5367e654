"""Agreement changes: announced to affected customers, bound by acceptance or by a notified renewal."""

from datetime import date, timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from core.audit import Actor
from licensing import services
from licensing.models import AgreementVersion, License
from licensing.sweep import sweep_day
from tests.factories import CustomerFactory, PlanFactory, issue

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def first_version():
    return AgreementVersion.objects.create(
        number="1.0", published_at=timezone.now() - timedelta(days=900)
    )


def test_a_material_change_is_announced_to_customers_with_live_licenses(first_version):
    plan = PlanFactory()
    live = [CustomerFactory() for _ in range(3)]
    for customer in live:
        issue(plan=plan, customer=customer)
    ended = CustomerFactory()
    License.objects.filter(pk=issue(plan=plan, customer=ended).pk).update(
        status="expired"
    )
    version = services.agreement_publish(
        number="2.0",
        summary="New liability clause.",
        material=True,
        actor=Actor.system(),
    )
    assert sorted(m.to[0] for m in mail.outbox) == sorted(c.email for c in live)
    assert "New liability clause." in mail.outbox[0].body
    assert (
        services.agreement_announce(version_id=version.pk, batch_size=2) == 0
    )  # once each


def test_a_minor_change_is_not_announced(first_version):
    issue(plan=PlanFactory(), customer=CustomerFactory())
    services.agreement_publish(
        number="1.1", summary="Typos.", material=False, actor=Actor.system()
    )
    assert mail.outbox == []


def test_a_renewal_binds_only_a_change_announced_long_enough_before(
    first_version, settings
):
    plan = PlanFactory(slug="desktop-single")
    customer = CustomerFactory()
    early = issue(plan=plan, customer=customer, purchased_on=date(2026, 1, 15))
    late = issue(plan=plan, customer=customer, purchased_on=date(2026, 2, 1))
    with time_machine.travel(
        date(2026, 12, 1), tick=False
    ):  # 45 and 62 days before the renewals
        version = services.agreement_publish(
            number="2.0", summary="Changed.", material=True, actor=Actor.system()
        )
    assert early.agreement_version == first_version
    with time_machine.travel(date(2027, 1, 15), tick=False):
        sweep_day(date(2027, 1, 15))
    with time_machine.travel(date(2027, 2, 1), tick=False):
        sweep_day(date(2027, 2, 1))
    early.refresh_from_db()
    late.refresh_from_db()
    # Renewed 45 days after the notice: bound. Renewed 62 days after: bound too.
    assert early.agreement_version == version and late.agreement_version == version
    settings.AGREEMENT_NOTICE_DAYS = 60
    third = issue(plan=plan, customer=customer, purchased_on=date(2026, 1, 20))
    third.agreement_version = first_version
    third.save(update_fields=["agreement_version"])
    assert third.period_end == date(2027, 1, 20)
    with time_machine.travel(date(2027, 1, 20), tick=False):
        sweep_day(date(2027, 1, 20))  # only 50 days after the notice: not bound
    third.refresh_from_db()
    # Renewed all the same, under the version it had.
    assert (third.status, third.period_start, third.period_end) == (
        "active",
        date(2027, 1, 20),
        date(2028, 1, 20),
    )
    assert third.agreement_version == first_version


def test_acceptance_is_recorded(first_version):
    license = issue(plan=PlanFactory(), customer=CustomerFactory())
    version = services.agreement_publish(
        number="2.0", summary="x", material=True, actor=Actor.system()
    )
    services.agreement_accept(
        license_id=license.pk, version_id=version.pk, actor=Actor.system()
    )
    license.refresh_from_db()
    assert license.agreement_version == version


def test_a_version_binds_only_customers_it_was_announced_to(first_version):
    """B registered after the announcement and was never told of it: B's renewal
    keeps B's version; A, told, is bound. A minor change binds without notice."""
    plan = PlanFactory(slug="desktop-single")
    told, untold = CustomerFactory(), CustomerFactory()
    a = issue(plan=plan, customer=told, purchased_on=date(2026, 1, 15))
    with time_machine.travel(date(2026, 11, 1), tick=False):
        version = services.agreement_publish(
            number="2.0", summary="Changed.", material=True, actor=Actor.system()
        )
    b = issue(plan=plan, purchased_on=date(2026, 1, 15))
    License.objects.filter(pk=b.pk).update(
        customer=untold, agreement_version=first_version
    )
    with time_machine.travel(date(2027, 1, 15), tick=False):
        sweep_day(date(2027, 1, 15))
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.agreement_version == version
    assert (b.period_start, b.agreement_version) == (date(2027, 1, 15), first_version)
    # A later minor version, published long enough before the next renewal,
    # binds A (told of everything material) but not B (a material gap).
    with time_machine.travel(date(2027, 6, 1), tick=False):
        minor = services.agreement_publish(
            number="2.1", summary="Typos.", material=False, actor=Actor.system()
        )
    with time_machine.travel(date(2028, 1, 15), tick=False):
        sweep_day(date(2028, 1, 15))
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.agreement_version == minor
    assert b.agreement_version == first_version
