import pytest

from tests.licensing.api_client import Api


@pytest.fixture
def api(client, signing_key):
    return Api(client)
