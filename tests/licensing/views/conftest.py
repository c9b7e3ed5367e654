import time
from datetime import timedelta

import pytest
from allauth.account.internal.flows import login as allauth_login
from django.core.cache import cache
from django.utils import timezone

from core import ratelimit
from licensing.models import AgreementVersion
from tests.factories import CustomerFactory, UserFactory


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
    client.force_login(owner.user)
    session = client.session
    session[allauth_login._AUTHENTICATION_METHODS_USER_SESSION_KEY] = str(owner.user.pk)
    session[allauth_login.AUTHENTICATION_METHODS_SESSION_KEY] = [
        {"method": "password", "at": time.time(), "reauthenticated": True}
    ]
    session.save()
    return client
