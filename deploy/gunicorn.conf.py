"""gunicorn's settings for the web app (Dockerfile, docker-compose.yml, bench/run.py).

One change to gunicorn itself: it writes its own `Date` header before the
app's, so an answer that sets `Date` would carry two. The Keygen-compatible
calls sign their `Date` (`licensing.keygen.signatures`), and Keygen's Rust
client verifies the first one it finds; gunicorn's, written a moment later,
may name the next second. So when the app sets `Date`, gunicorn's is left
out. `tests/licensing/keygen/test_gunicorn.py` starts gunicorn with this file
and checks it.
"""

from gunicorn.http import wsgi

wsgi_app = "config.wsgi"
_default_headers = wsgi.Response.default_headers


def _headers_without_a_second_date(self):
    headers = _default_headers(self)
    if any(name.lower() == "date" for name, _value in self.headers):
        headers = [line for line in headers if not line.startswith("Date: ")]
    return headers


wsgi.Response.default_headers = _headers_without_a_second_date
