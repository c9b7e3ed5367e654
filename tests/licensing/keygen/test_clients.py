"""Two Keygen client libraries no one here wrote, driven against a live server.

`keygen-sdk` (pure Python) and `keygen-py` (a wrapper of the Rust keygen-rs)
talk to `/keygen/v1/` with signature verification on, as a vendor's program
would after changing only its base URL and public key.
"""

import json

import keygen
import keygen_sh
import pytest
import requests
from django.test import Client
from keygen import errors as sdk_errors
from keygen_sh._errors import KeygenError as RsError
from keygen_sh.config import KeygenConfig, set_config
from keygen_sh.license_file import LicenseFile
from keygen_sh.machine_file import MachineFile

from licensing.models import Activation, License
from tests.concurrency import run_concurrently
from tests.factories import PlanFactory, issue
from tests.licensing.keygen.helpers import public_key_hex, run

pytestmark = pytest.mark.django_db(transaction=True)

SDK_SETTINGS = ("api_url", "account", "product", "license_key", "public_key")


@pytest.fixture
def sdk(live_server, signing_key):
    """keygen-sdk configured for this server; its module settings restored after."""
    saved = {name: getattr(keygen, name) for name in SDK_SETTINGS}
    keygen.api_url = f"{live_server.url}/keygen"
    keygen.account = "any-account"
    keygen.public_key = public_key_hex()

    def use(license: License, product: str = ""):
        keygen.license_key = license.display_key
        keygen.product = product or license.product.slug

    yield use
    for name, value in saved.items():
        setattr(keygen, name, value)


@pytest.fixture
def rs(live_server, signing_key):
    """keygen-py (keygen-rs) configured for this server, for one license."""

    def use(license: License, public_key: str | None = None):
        set_config(
            KeygenConfig(
                api_url=f"{live_server.url}/keygen",
                api_version="1.7",
                api_prefix="v1",
                account="any-account",
                product=license.product.slug,
                license_key=license.display_key,
                public_key=public_key or public_key_hex(),
            )
        )

    return use


# keygen-sdk (Python)


def test_sdk_validates_with_and_without_a_fingerprint(sdk):
    license = issue(plan=PlanFactory(seats=2))
    sdk(license)
    assert keygen.validate().id == str(license.pk)
    with pytest.raises(sdk_errors.LicenseNotActivatedError) as raised:
        keygen.validate("pc-1")
    assert raised.value.result.code == "NO_MACHINES"
    keygen.me().activate("pc-1")
    validated = keygen.validate("pc-1")
    assert validated.last_validation.code == "VALID"
    assert validated.key == license.display_key


def test_sdk_activates_up_to_the_seats_and_no_further(sdk):
    license = issue(plan=PlanFactory(seats=1))
    sdk(license)
    me = keygen.me()
    machine = me.activate("pc-1")
    assert machine.fingerprint == "pc-1"
    with pytest.raises(sdk_errors.MachineLimitExceededError):
        me.activate("pc-2")
    with pytest.raises(sdk_errors.MachineAlreadyActivatedError):
        me.activate("pc-1")
    assert Activation.objects.filter(license=license).count() == 1


def test_sdk_pings_and_deactivates(sdk):
    license = issue(plan=PlanFactory(seats=2, heartbeat_interval=600))
    sdk(license)
    machine = keygen.me().activate("pc-1")
    machine.ping()
    assert machine.heartbeat_status == "ALIVE"
    assert machine.require_heartbeat
    machine.deactivate()
    assert not Activation.objects.filter(license=license).exists()
    with pytest.raises(sdk_errors.LicenseNotActivatedError):
        keygen.validate("pc-1")


def test_sdk_checks_out_files_it_verifies_and_decrypts_offline(sdk):
    license = issue(plan=PlanFactory(seats=2))
    sdk(license)
    me = keygen.me()
    machine = me.activate("pc-1")

    license_file = me.checkout(ttl=3600)
    license_file.verify()
    dataset = license_file.decrypt(license.display_key)
    assert dataset.license.id == str(license.pk)
    assert dataset.ttl == 3600

    plain = me.checkout(encrypt=False)
    plain.verify()
    assert plain.decode().license.key == license.display_key

    machine_file = machine.checkout(ttl=7200)
    machine_file.verify()
    machine_dataset = machine_file.decrypt(license.display_key + "pc-1")
    assert machine_dataset.machine.fingerprint == "pc-1"
    assert machine_dataset.license.id == str(license.pk)
    assert Activation.objects.get(license=license).checked_out_until is not None
    # The machine keeps its seat until the file expires.
    with pytest.raises(sdk_errors.APIError) as raised:
        machine.deactivate()
    assert raised.value.code == "MACHINE_CHECKED_OUT"


def test_sdk_is_told_a_license_is_suspended(sdk):
    license = issue()
    License.objects.filter(pk=license.pk).update(status=License.Status.SUSPENDED)
    sdk(license)
    with pytest.raises(sdk_errors.LicenseSuspendedError):
        keygen.validate()


def test_sdk_is_told_an_unknown_key_is_invalid(sdk):
    license = issue()
    sdk(license)
    keygen.license_key = "AAAAA-AAAAA-AAAAA-AAAAA-AAAAA"
    with pytest.raises(sdk_errors.LicenseKeyError):
        keygen.me()


def test_sdk_rejects_an_answer_signed_by_another_key(sdk):
    license = issue()
    sdk(license)
    keygen.public_key = "00" * 31 + "01"  # not our key: every answer fails verification
    with pytest.raises(sdk_errors.KeygenError):
        keygen.validate()


def test_sdk_rejects_a_tampered_answer(sdk, live_server):
    """The body changed in transit, headers kept: the signature no longer holds."""
    license = issue()
    sdk(license)

    class Tampering(requests.Session):
        def request(self, *args, **kwargs):
            response = super().request(*args, **kwargs)
            document = json.loads(response.content)
            document["data"]["attributes"]["status"] = "ACTIVE"
            document["data"]["attributes"]["expiry"] = "2099-01-01T00:00:00Z"
            response._content = json.dumps(document).encode()
            return response

    keygen.http_client = Tampering()
    try:
        with pytest.raises(sdk_errors.ResponseDigestInvalidError):
            keygen.me()
    finally:
        keygen.http_client = None


# keygen-py (Rust keygen-rs)


def test_rs_validates_with_and_without_a_fingerprint(rs):
    license = issue(plan=PlanFactory(seats=2))
    rs(license)
    validated = run(lambda: keygen_sh.validate())
    assert validated.id == str(license.pk)
    assert validated.status == "ACTIVE"
    with pytest.raises(RsError, match="NO_MACHINES"):
        run(lambda: keygen_sh.validate(["pc-1"]))
    run(lambda: validated.activate("pc-1", []))
    assert run(lambda: keygen_sh.validate(["pc-1"])).id == str(license.pk)


def test_rs_activates_up_to_the_seats_and_no_further(rs):
    license = issue(plan=PlanFactory(seats=1))
    rs(license)
    me = run(lambda: keygen_sh.validate())
    machine = run(lambda: me.activate("pc-1", []))
    assert machine.fingerprint == "pc-1"
    with pytest.raises(RsError, match="MachineLimitExceeded"):
        run(lambda: me.activate("pc-2", []))
    with pytest.raises(RsError, match="MachineAlreadyActivated"):
        run(lambda: me.activate("pc-1", []))


def test_rs_pings_and_deactivates(rs):
    license = issue(plan=PlanFactory(seats=2, heartbeat_interval=600))
    rs(license)
    me = run(lambda: keygen_sh.validate())
    machine = run(lambda: me.activate("pc-1", []))
    assert run(lambda: machine.ping()).heartbeat_status == "ALIVE"
    assert [m.id for m in run(lambda: me.machines())] == [machine.id]
    run(lambda: machine.deactivate())
    assert not Activation.objects.filter(license=license).exists()


def test_rs_checks_out_files_it_verifies_and_decrypts_offline(rs):
    license = issue(plan=PlanFactory(seats=2))
    rs(license)
    me = run(lambda: keygen_sh.validate())
    machine = run(lambda: me.activate("pc-1", []))

    license_file = run(lambda: me.checkout(ttl=3600))
    license_file.verify()
    dataset = license_file.decrypt(license.display_key)
    assert dataset.license.id == str(license.pk)
    assert dataset.ttl == 3600
    # As a program would: the certificate saved to disk and read back offline.
    again = LicenseFile.build_from_cert(license.display_key, license_file.certificate)
    again.verify()

    machine_file = run(lambda: machine.checkout(ttl=7200))
    machine_file.verify()
    machine_dataset = machine_file.decrypt(license.display_key + "pc-1")
    assert machine_dataset.machine.fingerprint == "pc-1"
    assert machine_dataset.license.id == str(license.pk)
    offline = MachineFile.from_cert(
        license.display_key + "pc-1", machine_file.certificate
    )
    offline.verify()


def test_rs_is_told_a_license_is_suspended(rs):
    license = issue()
    License.objects.filter(pk=license.pk).update(status=License.Status.SUSPENDED)
    rs(license)
    with pytest.raises(RsError, match="LicenseSuspended"):
        run(lambda: keygen_sh.validate())


def test_rs_is_told_an_unknown_key_is_invalid(rs):
    license = issue()
    license.key = (
        "AAAAAAAAAAAAAAAAAAAAAAAAA"  # never saved: a key the server does not know
    )
    rs(license)
    with pytest.raises(RsError, match="LicenseKeyInvalid"):
        run(lambda: keygen_sh.validate())


def test_rs_rejects_an_answer_signed_by_another_key(rs):
    license = issue()
    rs(license, public_key="00" * 31 + "01")
    with pytest.raises(RsError):
        run(lambda: keygen_sh.validate())


# Seats under concurrency, through these endpoints as through our own.


def test_twenty_concurrent_keygen_activations_on_three_seats(signing_key):
    license = issue(plan=PlanFactory(seats=3))

    def activate(n):
        return Client().post(
            "/keygen/v1/machines",
            {
                "data": {
                    "type": "machines",
                    "attributes": {"fingerprint": f"machine-{n}"},
                    "relationships": {
                        "license": {"data": {"type": "licenses", "id": str(license.pk)}}
                    },
                }
            },
            content_type="application/vnd.api+json",
            HTTP_AUTHORIZATION=f"License {license.display_key}",
        )

    responses = run_concurrently(activate, 20)
    statuses = sorted(r.status_code for r in responses)
    codes = [r.json()["errors"][0]["code"] for r in responses if r.status_code == 422]
    assert statuses == [201] * 3 + [422] * 17
    assert codes == ["MACHINE_LIMIT_EXCEEDED"] * 17
    assert Activation.objects.filter(license=license).count() == 3
