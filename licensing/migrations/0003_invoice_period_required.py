from django.db import migrations, models


def period_from_invoice_date(apps, schema_editor):
    """Invoices written before periods were recorded bill the period starting on their date."""
    Invoice = apps.get_model("licensing", "Invoice")
    Invoice.objects.filter(period_start__isnull=True).update(
        period_start=models.F("issued_on")
    )


class Migration(migrations.Migration):
    dependencies = [("licensing", "0002_lifecycle")]

    operations = [
        migrations.RunPython(period_from_invoice_date, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="invoice",
            name="period_start",
            field=models.DateField(verbose_name="period start"),
        ),
    ]
