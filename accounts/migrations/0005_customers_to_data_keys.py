"""Existing customers' values move under a data key of their own (core.datakeys).

In committed batches (the migration is not atomic), so an interrupted run
resumes where it stopped when `migrate` runs again. Until it has run, values
encrypted with the field keys read as before. The keys database must be
migrated first: `manage.py migrate --database keys`.
"""

from django.db import migrations

from core import datakeys


class Migration(migrations.Migration):
    atomic = False  # each batch commits: an interrupted `migrate` resumes

    dependencies = [("accounts", "0004_data_keys"), ("core", "0005_data_keys")]

    operations = [datakeys.adoption("accounts", "Customer")]
