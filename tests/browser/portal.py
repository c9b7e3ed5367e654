"""Shared steps of the portal's browser tests: customers who can sign in, and
signing them in (through the form, or with a session made by the test client)."""

import re

from allauth.account.models import EmailAddress
from django.conf import settings
from django.test import Client

from tests.factories import CustomerFactory, UserFactory

PASSWORD = "correct horse battery staple"
# allauth labels its fields "Email:", "Password:", "Password (again):".
EMAIL = re.compile(r"^Email:?$")
PASSWORD_FIELD = re.compile(r"^Password:?$")


def customer_with_login(email="owner@example.org", *, language="en"):
    """A customer whose login has its address verified (as after sign-up)."""
    user = UserFactory(email=email, password=PASSWORD)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return CustomerFactory(user=user, email=email, language=language)


def sign_in_with_session(context, live_server, user) -> None:
    """Give the browser context a signed-in session made by Django's test client
    (quick; not a recent sign-in for allauth's reauthentication)."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": cookie.value,
                "url": live_server.url,
            }
        ]
    )


def sign_in(page, live_server, email, password=PASSWORD, *, go=True) -> None:
    """Sign in through the form (opened first unless `go` is false); ends on
    the dashboard."""
    if go:
        page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label(EMAIL).fill(email)
    page.get_by_label(PASSWORD_FIELD).fill(password)
    page.locator("main button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/licenses/")


def confirm_access(page, password=PASSWORD) -> None:
    """Answer allauth's reauthentication ("Confirm Access"). A sensitive action
    asks it even right after signing in: allauth 65 counts only a password
    entered on that page as recent (`reauthenticated` records), not the login.
    allauth then resumes the request that asked for it."""
    page.wait_for_url(re.compile(r"/accounts/reauthenticate/"))
    page.get_by_label(PASSWORD_FIELD).fill(password)
    page.get_by_role("button", name="Confirm").click()
