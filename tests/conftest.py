import pytest

from core import datakeys
from licensing import signing

DATABASE_FIXTURES = {"db", "transactional_db", "live_server"}


def pytest_collection_modifyitems(items):
    """Every database test may use both databases: personal values need their
    data keys, which live in the `keys` database (`core.datakeys`)."""
    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker is None and not DATABASE_FIXTURES & set(item.fixturenames):
            continue
        args, kwargs = (marker.args, marker.kwargs) if marker else ((), {})
        if "databases" not in kwargs:
            item.add_marker(
                pytest.mark.django_db(*args, **kwargs, databases="__all__"),
                append=False,
            )


@pytest.fixture(autouse=True)
def _fresh_keyring():
    """Each test starts without signing keys or data keys cached in memory."""
    signing.forget()
    datakeys.forget()
    yield
    signing.forget()
    datakeys.forget()


@pytest.fixture
def signing_key(db):
    from core.audit import Actor
    from licensing import services

    return services.signing_key_rotate(actor=Actor.system())
