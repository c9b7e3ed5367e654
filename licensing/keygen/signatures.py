"""`Keygen-Signature`: responses signed as Keygen clients verify them.

The signed text is Keygen's (draft-cavage HTTP signatures):

    (request-target): <method> <path?query as sent>
    host: <Host header as sent, port included>
    date: <Date>
    digest: sha-256=<base64 SHA-256 of the body>

signed with the current signing key (`licensing.signing`), on every answer,
errors and empty 204s included. Both header pairs are sent: the Rust client
reads `Date` and `Digest`, the Python one prefers `Keygen-Date` and
`Keygen-Digest`. gunicorn must pass the app's `Date` through
(`deploy/gunicorn.conf.py`).
"""

from __future__ import annotations

import base64
import hashlib

from django.utils.http import http_date

from licensing import signing

SIGNED_HEADERS = "(request-target) host date digest"


def digest(body: bytes) -> str:
    return "sha-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode()


def request_target(request) -> str:
    """The path and query as the client sent them.

    gunicorn passes the raw target (`RAW_URI`), uWSGI `REQUEST_URI`; otherwise
    it is rebuilt from the decoded path, escaped again as clients escape it.
    """
    raw = request.META.get("RAW_URI") or request.META.get("REQUEST_URI")
    if raw and raw.startswith("/"):
        return raw
    return request.get_full_path()


def signing_text(request, date: str, body_digest: str) -> bytes:
    return (
        f"(request-target): {request.method.lower()} {request_target(request)}\n"
        f"host: {request.META.get('HTTP_HOST', '')}\n"
        f"date: {date}\n"
        f"digest: {body_digest}"
    ).encode()


def signature_headers(request, body: bytes) -> dict[str, str]:
    """The headers that sign `body` as the answer to `request` (NoSigningKey if none)."""
    date = http_date()
    body_digest = digest(body)
    keyid, signature = signing.sign(signing_text(request, date, body_digest))
    return {
        "Date": date,
        "Keygen-Date": date,
        "Digest": body_digest,
        "Keygen-Digest": body_digest,
        "Keygen-Signature": (
            f'keyid="{keyid}", algorithm="{signing.ALGORITHM}", '
            f'signature="{signature}", headers="{SIGNED_HEADERS}"'
        ),
    }
