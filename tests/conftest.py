import pytest

from licensing import signing


@pytest.fixture(autouse=True)
def _fresh_keyring():
    """Each test starts without signing keys cached in memory."""
    signing.forget()
    yield
    signing.forget()


@pytest.fixture
def signing_key(db):
    from core.audit import Actor
    from licensing import services

    return services.signing_key_rotate(actor=Actor.system())
