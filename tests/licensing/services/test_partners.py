"""Inviting a partner's staff user: the emailed link sets the password, once,
and expires."""

from datetime import timedelta

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone

from accounts import roles
from core.audit import Actor
from core.models import OutboxEmail
from licensing import services
from licensing.errors import Code, Refused
from licensing.models import PartnerMembership
from tests.factories import CustomerFactory, PartnerFactory, UserFactory
from tests.links import link_path

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a long new partner password 42"
KEY_PATH = r"/accounts/password/reset/key/[^/]+/"


def invite(partner, email="anna@reseller.example", language="en"):
    return services.partner_user_invite(
        partner=partner, email=email, language=language, actor=Actor.system()
    )


def invitation(mailoutbox, address):
    return [m for m in mailoutbox if address in m.to][-1]


def set_password(client, path):
    page = client.get(path, follow=True)
    assert page.status_code == 200
    final = page.redirect_chain[-1][0] if page.redirect_chain else path
    return client.post(
        final, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}, follow=True
    )


def test_an_invited_user_sets_a_password_and_sees_their_partners_admin(
    mailoutbox, django_capture_on_commit_callbacks
):
    partner = PartnerFactory()
    with django_capture_on_commit_callbacks(execute=True):
        membership = invite(partner)
    user = membership.user
    assert membership.partner == partner
    assert user.is_staff and not user.has_usable_password()
    assert roles.has_role(user, roles.PARTNER_STAFF)
    assert EmailAddress.objects.get(user=user).verified
    email = invitation(mailoutbox, "anna@reseller.example")
    assert "Northwind Resellers" in email.subject
    client = Client()
    set_password(client, link_path(email, KEY_PATH))
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert client.login(email="anna@reseller.example", password=NEW_PASSWORD)
    assert client.get("/admin/licensing/license/").status_code == 200
    # The link is spent.
    again = Client().get(link_path(email, KEY_PATH), follow=True)
    assert b"password1" not in again.content


def test_the_invitation_expires(
    mailoutbox, django_capture_on_commit_callbacks, settings
):
    with django_capture_on_commit_callbacks(execute=True):
        invite(PartnerFactory())
    path = link_path(invitation(mailoutbox, "anna@reseller.example"), KEY_PATH)
    later = timezone.now() + timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT, days=1)
    with time_machine.travel(later, tick=False):
        page = Client().get(path, follow=True)
    assert b"password1" not in page.content


def test_the_invitation_is_in_the_users_language(
    mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invite(PartnerFactory(), language="nb")
    assert "invitert" in invitation(mailoutbox, "anna@reseller.example").subject


def test_another_partners_user_or_a_customers_login_is_refused():
    north = PartnerFactory(slug="north", name="North")
    south = PartnerFactory(slug="south", name="South")
    invite(north)
    with pytest.raises(Refused) as refused:
        invite(south, email="ANNA@reseller.example")
    assert refused.value.code == Code.PARTNER_USER_ELSEWHERE
    customer = CustomerFactory(email="bob@home.example")
    UserFactory(email="bob@home.example")
    with pytest.raises(Refused) as refused:
        invite(north, email=customer.email)
    assert refused.value.code == Code.PARTNER_USER_IS_CUSTOMER
    assert PartnerMembership.objects.count() == 1


def test_inviting_again_sends_a_new_link_and_keeps_one_membership(
    mailoutbox, django_capture_on_commit_callbacks
):
    partner = PartnerFactory()
    with django_capture_on_commit_callbacks(execute=True):
        invite(partner)
    with django_capture_on_commit_callbacks(execute=True):
        invite(partner)
    assert PartnerMembership.objects.count() == 1
    assert (
        OutboxEmail.objects.filter(template="licensing/email/partner_invited").count()
        == 2
    )


@pytest.mark.parametrize("role", [roles.VENDOR_STAFF, roles.DPO, "superuser"])
def test_staff_with_another_role_are_never_made_partner_staff(role):
    user = UserFactory(email="staff@vendor.example", is_staff=True)
    if role == "superuser":
        user.is_superuser = True
        user.save()
    else:
        user.groups.add(Group.objects.get(name=role))
    with pytest.raises(Refused) as refused:
        invite(PartnerFactory(), email="staff@vendor.example")
    assert refused.value.code == Code.PARTNER_USER_HAS_ROLE
    assert not PartnerMembership.objects.exists()


def test_inviting_again_with_other_capitals_keeps_one_address():
    partner = PartnerFactory()
    invite(partner, email="new1@north.example")
    invite(partner, email="NEW1@north.example")
    assert EmailAddress.objects.filter(email__iexact="new1@north.example").count() == 1
