"""Behind gunicorn, as in production: one `Date`, the signed one (`deploy/gunicorn.conf.py`)."""

import http.client
import os
import runpy
import subprocess
import sys
import time
from pathlib import Path

import keygen_sh
import pytest
from gunicorn.http import wsgi
from keygen_sh.config import KeygenConfig, set_config

from tests.celery_harness import database_urls, free_port
from tests.factories import issue
from tests.licensing.keygen.helpers import public_key_hex, run

ROOT = Path(__file__).resolve().parents[3]
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def gunicorn():
    """gunicorn with the deployment's config file, on the test database."""
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        **database_urls(),
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--config",
            "deploy/gunicorn.conf.py",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
        ],
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            http.client.HTTPConnection("127.0.0.1", port, timeout=1).connect()
            break
        except OSError:
            time.sleep(0.1)
    yield f"127.0.0.1:{port}"
    server.terminate()
    server.wait(timeout=30)


def get(address: str, path: str, headers=None) -> http.client.HTTPResponse:
    client = http.client.HTTPConnection(address, timeout=10)
    client.request("GET", path, headers=headers or {})
    response = client.getresponse()
    response.read()
    return response


class Request:
    version, method = (1, 1), "GET"

    def should_close(self):
        return False


def date_lines(headers: list) -> list:
    response = wsgi.Response(Request(), None, None)
    response.start_response("200 OK", [*headers, ("Content-Length", "0")])
    lines = [*response.default_headers(), *(f"{k}: {v}" for k, v in response.headers)]
    return [line.strip() for line in lines if line.lower().startswith("date:")]


def test_gunicorn_keeps_the_apps_date_and_adds_none():
    runpy.run_path(str(ROOT / "deploy" / "gunicorn.conf.py"))
    signed = "Mon, 01 Jan 2001 00:00:00 GMT"
    assert date_lines([("Date", signed)]) == [f"Date: {signed}"]
    assert len(date_lines([])) == 1  # an answer without one gets gunicorn's


def test_a_keygen_answer_carries_only_its_signed_date(gunicorn, signing_key):
    license = issue()
    response = get(
        gunicorn, "/keygen/v1/me", {"Authorization": f"License {license.display_key}"}
    )
    assert response.status == 200
    dates = response.msg.get_all("Date")
    assert dates == [response.getheader("Keygen-Date")]


def test_other_answers_keep_gunicorns_date(gunicorn):
    assert len(get(gunicorn, "/api/v1/ping").msg.get_all("Date")) == 1


def test_the_rust_client_verifies_answers_through_gunicorn(gunicorn, signing_key):
    """keygen-rs verifies the first `Date` it finds: with gunicorn's second one,
    written a moment after the signature, it would fail now and then."""
    license = issue()
    set_config(
        KeygenConfig(
            api_url=f"http://{gunicorn}/keygen",
            api_version="1.7",
            api_prefix="v1",
            account="any",
            product=license.product.slug,
            license_key=license.display_key,
            public_key=public_key_hex(),
        )
    )
    for _ in range(30):
        assert run(lambda: keygen_sh.validate()).id == str(license.pk)
