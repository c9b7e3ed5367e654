from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from core import ratelimit
from licensing.models import AgreementVersion
from tests.factories import CustomerFactory, UserFactory
from tests.sessions import recently_reauthenticated


@pytest.fixture(autouse=True)
def _fresh_limits(settings):
    """Rate limits counted in memory, from zero, in every test."""
    settings.REDIS_URL = ""
    ratelimit._memory.clear()
    cache.clear()
    yield
    ratelimit._memory.clear()


@pytest.fixture
def agreement(db):
    return AgreementVersion.objects.create(
        number="2.0", published_at=timezone.now() - timedelta(days=1), summary="New."
    )


@pytest.fixture
def owner(db):
    """A signed-in person's customer record (its user is `owner.user`)."""
    return CustomerFactory(user=UserFactory())


@pytest.fixture
def portal(client, owner):
    """A client signed in as `owner`, recently (re)authenticated."""
    return recently_reauthenticated(client, owner.user)
