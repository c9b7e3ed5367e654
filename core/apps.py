from celery import signals as task_signals
from django.apps import AppConfig
from django.core import signals as request_signals

from core import datakeys


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
