"""License and machine files in Keygen's format.

A file is `-----BEGIN LICENSE FILE-----`, base64 of `{"enc", "sig", "alg"}`
wrapped at 76 characters, `-----END LICENSE FILE-----` (MACHINE for a
machine). `enc` is the dataset (a JSON:API document with `meta.issued`,
`meta.expiry`, `meta.ttl`): base64 of it (`base64+ed25519`), or AES-256-GCM
of it as `<ciphertext>.<iv>.<tag>`, each base64 (`aes-256-gcm+ed25519`), under
the SHA-256 of the license key as the client holds it (a license file) or of
the license key followed by the machine's fingerprint (a machine file). `sig`
is the Ed25519 signature of `license/<enc>` or `machine/<enc>`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import textwrap

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from licensing import signing

ENCODINGS = ("aes-256-gcm", "base64")
LABELS = {"license": "LICENSE FILE", "machine": "MACHINE FILE"}


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def certificate(kind: str, dataset: dict, *, secret: str | None) -> str:
    """The file for `dataset`; encrypted under `secret` when one is given."""
    plain = json.dumps(dataset, separators=(",", ":"), ensure_ascii=False).encode()
    if secret is None:
        enc, encoding = _b64(plain), "base64"
    else:
        key = hashlib.sha256(secret.encode()).digest()
        iv = os.urandom(12)
        sealed = AESGCM(key).encrypt(iv, plain, None)  # ciphertext + 16-byte tag
        enc = ".".join(_b64(part) for part in (sealed[:-16], iv, sealed[-16:]))
        encoding = "aes-256-gcm"
    _keyid, sig = signing.sign(f"{kind}/{enc}".encode())
    alg = f"{encoding}+{signing.ALGORITHM}"
    wrapped = textwrap.fill(
        _b64(json.dumps({"enc": enc, "sig": sig, "alg": alg}).encode()), 76
    )
    label = LABELS[kind]
    return f"-----BEGIN {label}-----\n{wrapped}\n-----END {label}-----\n"
