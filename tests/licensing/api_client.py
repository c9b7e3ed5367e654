"""A client of the client API that checks every answer is signed."""

import base64
import json
import re

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from licensing import signing

SIGNATURE = re.compile(r'keyid="([^"]+)", algorithm="ed25519", signature="([^"]+)"')


def verify_signed(response) -> dict:
    """The body of a response whose X-License-Signature verifies with a published key."""
    match = SIGNATURE.fullmatch(response["X-License-Signature"])
    assert match, response["X-License-Signature"]
    keyid, signature = match.groups()
    published = {k["keyid"]: k["public_key"] for k in signing.public_keys()}
    public = Ed25519PublicKey.from_public_bytes(base64.b64decode(published[keyid]))
    public.verify(base64.b64decode(signature), response.content)  # raises if forged
    return json.loads(response.content)


class Api:
    """POSTs JSON to the client API and checks every answer is signed."""

    def __init__(self, client):
        self.client = client

    def post(self, path, body=None, *, raw=None, **extra):
        data = raw if raw is not None else json.dumps(body or {})
        response = self.client.post(
            f"/api/v1/{path}", data=data, content_type="application/json", **extra
        )
        response.body = verify_signed(response)
        return response

    def get(self, path, **extra):
        response = self.client.get(f"/api/v1/{path}", **extra)
        response.body = verify_signed(response)
        return response

    def validate(self, key, **fields):
        return self.post("licenses/validate", {"key": key, **fields})

    def activate(self, key, fingerprint, **fields):
        return self.post(
            "activations", {"key": key, "fingerprint": fingerprint, **fields}
        )
