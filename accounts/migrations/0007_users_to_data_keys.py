"""Existing accounts get their data key, and their TOTP secrets and recovery
seeds move under it (`accounts.services.mfa_secrets_seal`), in committed
batches resumed by running `migrate` again; until then they read as before.
"""

from django.db import migrations, transaction

from accounts.services import mfa_secrets_seal
from core import datakeys, fields


def forwards(apps, schema_editor):
    using = schema_editor.connection.alias
    User = apps.get_model("accounts", "User")
    if User.objects.filter(data_key__isnull=True).exists():
        datakeys.adopt(User, batch_size=500, using=using)
    Authenticator = apps.get_model("mfa", "Authenticator")
    ids = list(Authenticator.objects.using(using).values_list("pk", flat=True))
    for start in range(0, len(ids), 500):
        with transaction.atomic(using=using):
            for authenticator in Authenticator.objects.using(using).filter(
                pk__in=ids[start : start + 500]
            ):
                mfa_secrets_seal(Authenticator, authenticator)
                authenticator.save(using=using, update_fields=["data"])


def backwards(apps, schema_editor):
    """Back under the field keys only, as the version before reads them."""
    using = schema_editor.connection.alias
    Authenticator = apps.get_model("mfa", "Authenticator")
    for authenticator in Authenticator.objects.using(using).iterator():
        data = dict(authenticator.data or {})
        for name, value in data.items():
            if isinstance(value, str) and value.startswith(datakeys.PREFIX):
                data[name] = fields.encrypt(datakeys.unseal(value))
        if data != authenticator.data:
            Authenticator.objects.using(using).filter(pk=authenticator.pk).update(
                data=data
            )
    datakeys.release(apps.get_model("accounts", "User"), using=using)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("accounts", "0006_user_data_key"),
        ("core", "0005_data_keys"),
        ("mfa", "0003_authenticator_type_uniq"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
