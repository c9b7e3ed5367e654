"""Error reports to ADMINS carry no client-identifying data."""

import sys

import pytest
from django.test import RequestFactory
from django.views.debug import (
    get_default_exception_reporter_filter,
    get_exception_reporter_class,
)

from tests.factories import UserFactory

ADDRESS = "203.0.113.77"
FORWARDED = "198.51.100.23, 203.0.113.77"
AGENT = "Mozilla/5.0 (X11; Linux x86_64) UniqueBrowser/42.0"
SESSION = "s3ss10nv4lu3"


def failing_request(**extra):
    request = RequestFactory().post(
        "/register/?email=kari%40example.org",
        {"email": "kari@example.org", "name": "Kari Nordmann"},
        REMOTE_ADDR=ADDRESS,
        REMOTE_HOST="kari-laptop.example.net",
        HTTP_X_FORWARDED_FOR=FORWARDED,
        HTTP_X_REAL_IP=ADDRESS,
        HTTP_FORWARDED=f"for={ADDRESS}",
        HTTP_USER_AGENT=AGENT,
        HTTP_COOKIE=f"sessionid={SESSION}; language=nb",
        HTTP_REFERER="https://example.org/?who=kari",
        **extra,
    )
    return request


def report(request) -> tuple[str, str]:
    """(text, html) of the report ADMINS would get for an error in this request."""
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        reporter = get_exception_reporter_class(request)(
            request, *sys.exc_info(), is_email=True
        )
    return reporter.get_traceback_text(), reporter.get_traceback_html()


PERSONAL = [
    ADDRESS,
    "198.51.100.23",
    "kari-laptop",
    "UniqueBrowser",
    SESSION,
    "kari@example.org",
    "kari%40example.org",
    "Kari Nordmann",
    "who=kari",
]


@pytest.mark.parametrize("debug", [False, True])
def test_an_error_report_holds_no_client_address_agent_or_form_data(settings, debug):
    settings.DEBUG = debug
    text, html = report(failing_request())
    for value in PERSONAL:
        assert value not in text, value
        assert value not in html, value
    assert "RuntimeError" in text  # still a useful report
    assert "REMOTE_ADDR" in text and "HTTP_USER_AGENT" in text  # present, masked
    assert "/register/" in text


@pytest.mark.django_db
def test_an_error_report_names_the_user_by_id_not_by_email():
    request = failing_request()
    request.user = UserFactory(email="staff.person@example.com")
    text, html = report(request)
    assert "staff.person" not in text and "staff.person" not in html
    assert f"user {request.user.pk}" in text


def test_the_filter_masks_what_identifies_the_client():
    safe = get_default_exception_reporter_filter().get_safe_request_meta(
        failing_request()
    )
    for key in (
        "REMOTE_ADDR",
        "REMOTE_HOST",
        "HTTP_X_FORWARDED_FOR",
        "HTTP_X_REAL_IP",
        "HTTP_FORWARDED",
        "HTTP_USER_AGENT",
        "HTTP_COOKIE",
        "HTTP_REFERER",
        "QUERY_STRING",
    ):
        assert safe[key] == "********************", key
    assert safe["REQUEST_METHOD"] == "POST"
    assert safe["PATH_INFO"] == "/register/"
