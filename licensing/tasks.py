"""Celery tasks of the licensing domain: thin, they take ids and call a service.

Services queue these by name (`core.jobs`), so this module imports services
and never the other way round. The names are part of the beat schedule and
of queued messages: they do not change.
"""

from celery import shared_task

from licensing import services
from licensing.sweep import sweep


@shared_task
def release_dead_machines() -> int:
    return services.activations_release_dead()


@shared_task
def purge_retired_signing_keys() -> int:
    return services.signing_keys_purge()


@shared_task
def purge_expired_registrations() -> int:
    return services.registrations_purge_expired()


@shared_task
def lifecycle_sweep() -> int:
    """The daily sweep (catching up any missed days)."""
    return len(sweep())


@shared_task
def requeue_announcements() -> int:
    """Start again the fan-outs a broker outage left undone."""
    return services.announcements_requeue()


@shared_task
def notify_release(release_id: int) -> int:
    return services.release_notify(release_id=release_id)


@shared_task
def announce_agreement(version_id: int) -> int:
    return services.agreement_announce(version_id=version_id)


@shared_task
def send_news(news_id: int) -> int:
    return services.news_send(news_id=news_id)


@shared_task
def send_recovery(email_index: str, request_id: str) -> bool:
    """Email the keys registered to the address with this blind index, if any."""
    return services.license_recovery_send(
        email_index=email_index, request_id=request_id
    )
