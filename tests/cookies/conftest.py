import pytest
from cookie_consent.cache import delete_cache


@pytest.fixture(autouse=True)
def _fresh_consent_cache():
    """django-cookie-consent caches its groups (locmem in tests): a test that
    changes the inventory must not leave its version to the next one."""
    delete_cache()
    yield
    delete_cache()
