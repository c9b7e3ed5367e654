from celery import signals as task_signals
from django.apps import AppConfig, apps
from django.core import signals as request_signals
from django.db.models.signals import post_delete

from core import datakeys
from core.fields import DataKeyField


class CoreConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "core"

    def ready(self):
        # Unwrapped data keys live for one request or one task (core.datakeys):
        # a key destroyed by another process is not used from memory after it.
        for name, signal in (
            ("request_started", request_signals.request_started),
            ("request_finished", request_signals.request_finished),
            ("task_prerun", task_signals.task_prerun),
            ("task_postrun", task_signals.task_postrun),
        ):
            signal.connect(
                datakeys.forget, weak=False, dispatch_uid=f"datakeys.forget.{name}"
            )
        # A row with a data key, deleted, takes the key along once that commits.
        for model in apps.get_models():
            if any(isinstance(f, DataKeyField) for f in model._meta.concrete_fields):
                post_delete.connect(
                    datakeys.destroy_with_row,
                    sender=model,
                    dispatch_uid=f"datakeys.destroy.{model._meta.label}",
                )
