"""What the client-library tests share."""

import asyncio
import base64

from licensing import signing


def public_key_hex() -> str:
    """The current signing key as Keygen clients take it (`manage.py keygen_public_key`)."""
    signing.forget()
    return base64.b64decode(signing.keyring().signer().public_key).hex()


def run(call):
    """Await `call()` on a fresh event loop (keygen-py's Rust futures need a running one)."""

    async def main():
        return await call()

    return asyncio.run(main())
