"""What the client-library tests share."""

import asyncio
import base64
from concurrent.futures import ThreadPoolExecutor

from licensing import signing


def public_key_hex() -> str:
    """The current signing key as Keygen clients take it (`manage.py keygen_public_key`)."""
    signing.forget()
    return base64.b64decode(signing.keyring().signer().public_key).hex()


def run(call):
    """Await `call()` on a fresh event loop in a thread of its own: keygen-py's
    Rust futures need a running loop, and Playwright's sync API (the browser
    tests) leaves one set on the main thread."""

    async def main():
        return await call()

    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(asyncio.run, main()).result()
