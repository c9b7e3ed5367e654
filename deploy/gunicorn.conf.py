"""gunicorn's settings for the web app (Dockerfile, docker-compose.yml, bench/run.py).

One change to gunicorn itself: it drops a `Date` header the app sets and
writes its own, taken when it sends the headers. The Keygen-compatible calls
sign their `Date` (`licensing.keygen.signatures`) and Keygen's Rust client
verifies against the `Date` it receives: gunicorn's, a moment later, may name
the next second, and the answer would fail verification now and then. So the
app's `Date` is kept, and gunicorn's written only when the app sets none.
`tests/licensing/keygen/test_gunicorn.py` checks both, and starts gunicorn
with this file.
"""

from gunicorn import util
from gunicorn.http import wsgi

wsgi_app = "config.wsgi"
util.hop_headers.discard("date")  # gunicorn's list of headers it drops
_default_headers = wsgi.Response.default_headers


def _headers_without_a_second_date(self):
    headers = _default_headers(self)
    if any(name.lower() == "date" for name, _value in self.headers):
        headers = [line for line in headers if not line.startswith("Date: ")]
    return headers


wsgi.Response.default_headers = _headers_without_a_second_date
