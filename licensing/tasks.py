from celery import shared_task

from licensing import services


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
    from licensing.sweep import sweep

    return len(sweep())


@shared_task
def notify_release(release_id: int) -> int:
    from licensing.releases import release_notify

    return release_notify(release_id=release_id)


@shared_task
def announce_agreement(version_id: int) -> int:
    from licensing.agreements import agreement_announce

    return agreement_announce(version_id=version_id)


@shared_task
def send_news(news_id: int) -> int:
    from licensing.releases import news_send

    return news_send(news_id=news_id)
