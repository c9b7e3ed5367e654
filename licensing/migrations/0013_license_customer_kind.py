from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def copy_registrants_kind(apps, schema_editor):
    """A registered license was registered as its registrant is now (until this
    migration the customer's kind decided for all of their licenses)."""
    License = apps.get_model("licensing", "License")
    Customer = apps.get_model("accounts", "Customer")
    License.objects.filter(customer__isnull=False).update(
        customer_kind=Subquery(
            Customer.objects.filter(pk=OuterRef("customer_id")).values("kind")[:1]
        )
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_news_opt_in"),
        ("licensing", "0012_signing_key_private_half_purged"),
    ]

    operations = [
        migrations.AddField(
            model_name="license",
            name="customer_kind",
            field=models.CharField(
                blank=True,
                choices=[
                    ("consumer", "Consumer (a private person)"),
                    ("business", "Business"),
                ],
                max_length=16,
                verbose_name="consumer or business",
            ),
        ),
        migrations.RunPython(copy_registrants_kind, migrations.RunPython.noop),
    ]
