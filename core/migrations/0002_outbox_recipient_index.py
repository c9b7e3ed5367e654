from django.db import migrations

import core.fields


def index_existing(apps, schema_editor):
    """Rows written before the index existed: save each so its index is computed."""
    OutboxEmail = apps.get_model("core", "OutboxEmail")
    for email in OutboxEmail.objects.only("pk", "to").iterator(chunk_size=500):
        email.save(update_fields=["to_index"])


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="outboxemail",
            name="to_index",
            field=core.fields.BlindIndexField(
                db_index=True,
                default="",
                editable=False,
                max_length=64,
                purpose="outbox.to",
                source="to",
            ),
            preserve_default=False,
        ),
        migrations.RunPython(index_existing, migrations.RunPython.noop),
    ]
