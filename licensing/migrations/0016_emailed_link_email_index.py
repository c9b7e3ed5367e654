"""Links emailed to an address can be found by it (a person's export and
erasure reach the offers and registration requests sent to them)."""

import core.fields
from django.db import migrations


def fill(apps, schema_editor):
    # Saving recomputes each row's blind index from its (decrypted) address.
    for name in ("RegistrationRequest", "TransferOffer"):
        for link in apps.get_model("licensing", name).objects.iterator():
            link.save(update_fields=["email_index"])


class Migration(migrations.Migration):
    dependencies = [("licensing", "0015_invoice_billed_to_invoice_purge_on")]

    operations = [
        migrations.AddField(
            model_name=model,
            name="email_index",
            field=core.fields.BlindIndexField(
                db_index=True,
                default="",
                editable=False,
                max_length=64,
                purpose="link.email",
                source="email",
            ),
            preserve_default=False,
        )
        for model in ("registrationrequest", "transferoffer")
    ] + [migrations.RunPython(fill, migrations.RunPython.noop)]
