"""Existing rows move under data keys of their own (core.datakeys), as
`accounts/0005_customers_to_data_keys` does for customers: in committed
batches, resumed by running `migrate` again; until then they read as before.
"""

from django.db import migrations

from core import datakeys


class Migration(migrations.Migration):
    atomic = False  # each batch commits: an interrupted `migrate` resumes

    dependencies = [("core", "0006_outbox_data_keys")]

    operations = [datakeys.adoption("core", "OutboxEmail")]
