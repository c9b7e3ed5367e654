from django.db import migrations, models


class Migration(migrations.Migration):
    """Indexes for the daily purge of sent and failed emails (core.outbox.outbox_purge)."""

    dependencies = [("core", "0002_outbox_recipient_index")]

    operations = [
        migrations.AddIndex(
            model_name="outboxemail",
            index=models.Index(
                condition=models.Q(("status", "sent")),
                fields=["sent_at"],
                name="outbox_sent_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="outboxemail",
            index=models.Index(
                condition=models.Q(("status", "failed")),
                fields=["created_at"],
                name="outbox_failed_idx",
            ),
        ),
    ]
