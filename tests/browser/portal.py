"""Shared steps of the portal's browser tests: customers who can sign in, and
signing them in (through the form, or with a session made by the test client)."""

from allauth.account.models import EmailAddress
from django.conf import settings
from django.test import Client

from tests.factories import CustomerFactory, UserFactory

PASSWORD = "correct horse battery staple"


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


def sign_in(page, live_server, email, password=PASSWORD) -> None:
    """Sign in through the form (a fresh sign-in: sensitive actions need no
    reauthentication); ends on the dashboard."""
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.locator("main button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/licenses/")
