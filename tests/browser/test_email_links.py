"""The pages that emailed links open, used in a real browser without an account."""

import pytest
from django.core import mail

from accounts.models import Customer
from core.audit import Actor
from licensing import services
from licensing.models import License
from tests.factories import CustomerFactory, PlanFactory, issue
from tests.links import link_path

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_new_owner_accepts_a_transfer_in_the_browser(live_server, page):
    license = issue(
        plan=PlanFactory(), customer=CustomerFactory(email="old@example.org")
    )
    services.transfer_offer(
        license_id=license.pk, to_email="new@example.org", actor=Actor.system()
    )
    offer = next(m for m in mail.outbox if m.to == ["new@example.org"])
    page.goto(live_server.url + link_path(offer, r"/transfer/accept/[^/]+/"))
    page.get_by_label("Your name (optional)").fill("New Owner")
    page.get_by_label("Business").check()
    page.get_by_label("I accept the license agreement.").check()
    page.get_by_role("button", name="Accept the transfer").click()
    page.get_by_role("heading", name="The license is yours").wait_for()
    old = License.objects.get(pk=license.pk)
    assert old.status == "transferred"
    assert old.replaced_by.customer.kind == "business"


def test_unsubscribing_from_the_link_in_an_email(live_server, page):
    customer = CustomerFactory(updates_opt_in=True)
    license = issue(plan=PlanFactory(), customer=customer)
    services.release_publish(
        product=license.product, version="7.2", notes="", actor=Actor.system()
    )
    page.goto(live_server.url + link_path(mail.outbox[-1], r"/unsubscribe/[^/]+/"))
    page.get_by_role("button", name="Stop update notifications").click()
    page.get_by_role("heading", name="You are unsubscribed").wait_for()
    assert not Customer.objects.get(pk=customer.pk).updates_opt_in
