"""The public request form: a link to the address on file confirms the request;
the answer is the same whether or not the address is known."""

import re

import pytest
from django.test import Client

from core import jobs, ratelimit
from privacy.models import DataExport, ErasureRequest, PrivacyCase
from tests.links import link_path
from tests.privacy.conftest import EMAIL

pytestmark = pytest.mark.django_db

CONFIRM = r"/privacy/request/confirm/[^/]+/"


def without_tokens(response) -> str:
    return re.sub(
        r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode()
    )


def ask(kind, email, capture):
    with capture(execute=True):
        return Client().post("/privacy/request/", {"kind": kind, "email": email})


def test_known_and_unknown_addresses_get_the_same_page(
    person, mailoutbox, django_capture_on_commit_callbacks
):
    known = ask("access", EMAIL, django_capture_on_commit_callbacks)
    unknown = ask("access", "nobody@example.org", django_capture_on_commit_callbacks)
    assert known.status_code == unknown.status_code == 200
    assert without_tokens(known) == without_tokens(unknown)
    assert [m.to for m in mailoutbox if "/privacy/request/confirm/" in m.body] == [
        [EMAIL]
    ]
    assert not PrivacyCase.objects.exists()  # nothing until the link is followed


def test_an_access_request_confirmed_by_the_link_is_answered_with_the_export(
    person, mailoutbox, django_capture_on_commit_callbacks
):
    ask("access", EMAIL, django_capture_on_commit_callbacks)
    path = link_path(
        next(m for m in mailoutbox if "/privacy/request/confirm/" in m.body), CONFIRM
    )
    assert Client().get(path).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        done = Client().post(path)
    case = PrivacyCase.objects.get()
    assert case.source == "request_form" and case.kind == "access"
    assert case.reference in done.content.decode()
    export = DataExport.objects.get(case=case)
    assert export.status == "ready"
    download = link_path(
        next(m for m in mailoutbox if "/privacy/exports/" in m.body),
        r"/privacy/exports/[^/]+/",
    )
    # This person has an account: the link asks them to sign in first.
    assert Client().get(download)["Location"].startswith("/accounts/login/")
    signed_in = Client()
    signed_in.force_login(person.user)
    assert signed_in.get(download).status_code == 200
    assert Client().post(path).status_code == 404  # the link is spent


def test_an_erasure_request_starts_the_grace_period(
    person, mailoutbox, django_capture_on_commit_callbacks
):
    ask("erasure", EMAIL, django_capture_on_commit_callbacks)
    path = link_path(
        next(m for m in mailoutbox if "/privacy/request/confirm/" in m.body), CONFIRM
    )
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(path)
    erasure = ErasureRequest.objects.get()
    assert erasure.case.source == "request_form"
    assert not erasure.user.is_active


@pytest.mark.parametrize(
    "data", [{}, {"kind": "gossip", "email": EMAIL}, {"kind": "access", "email": "x"}]
)
def test_bad_input_is_refused_and_nothing_sent(db, data, mailoutbox):
    response = Client().post("/privacy/request/", data)
    assert response.status_code == 400
    assert mailoutbox == []


def test_the_form_is_rate_limited(db, settings):
    settings.PRIVACY_REQUESTS_PER_ADDRESS = "2/day"
    settings.REDIS_URL = ""
    ratelimit._memory.clear()
    answers = [
        Client()
        .post("/privacy/request/", {"kind": "access", "email": EMAIL})
        .status_code
        for _ in range(3)
    ]
    assert answers == [200, 200, 429]


def test_the_privacy_policy_is_public_and_in_both_languages(db, settings):
    page = Client().get("/privacy/policy/")
    assert page.status_code == 200
    text = page.content.decode()
    assert settings.VENDOR_DPO_EMAIL in text
    assert "invoicing and bookkeeping".capitalize() in text
    assert settings.PRIVACY_SUBPROCESSORS[0]["name"] in text
    norwegian = Client().get("/privacy/policy/", headers={"accept-language": "nb"})
    assert "Personvernerklæring" in norwegian.content.decode()


def test_what_the_person_writes_reaches_the_case_never_the_broker(
    person, mailoutbox, django_capture_on_commit_callbacks, monkeypatch
):
    queued = []
    real = jobs.task_send
    monkeypatch.setattr(
        jobs, "task_send", lambda name, *args: (queued.append(args), real(name, *args))
    )
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(
            "/privacy/request/",
            {
                "kind": "rectification",
                "email": EMAIL,
                "details": "My name is Vera Lind.",
            },
        )
    assert "Vera Lind" not in repr(queued)
    path = link_path(
        next(m for m in mailoutbox if "/privacy/request/confirm/" in m.body), CONFIRM
    )
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(path)
    assert PrivacyCase.objects.get().details == "My name is Vera Lind."
