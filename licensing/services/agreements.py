"""Versions of the license agreement, and how customers come to be bound by them (1.14).

A material change binds a customer when they accept it, or when their license
renews automatically at least AGREEMENT_NOTICE_DAYS after they were told of it
(the notice goes to every registrant with a live license when the version is
published) without their having given notice.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core import audit, outbox
from core.audit import Actor
from core.jobs import task_send_on_commit
from licensing.models import AgreementVersion, License
from licensing.selectors.agreements import agreement_binding_at_renewal
from licensing.selectors.recipients import agreement_recipients
from licensing.services.common import license_lock

BATCH_SIZE = 500


@transaction.atomic
def agreement_publish(
    *, number: str, summary: str, material: bool, actor: Actor
) -> AgreementVersion:
    """Publish a version; a material change is announced to every affected customer."""
    version = AgreementVersion.objects.create(
        number=number, summary=summary, material=material, published_at=timezone.now()
    )
    audit.record(
        actor=actor,
        action="agreement.published",
        target=version,
        data={"material": material},
    )
    if material:
        task_send_on_commit("licensing.tasks.announce_agreement", version.pk)
    return version


def agreement_announce(*, version_id: int, batch_size: int = BATCH_SIZE) -> int:
    """Tell each registrant with a live license of the change, once, a batch at a time."""
    version = AgreementVersion.objects.get(pk=version_id)
    binds_from = (
        version.published_at + timedelta(days=settings.AGREEMENT_NOTICE_DAYS)
    ).date()
    return outbox.enqueue_for_each(
        agreement_recipients(),
        lambda customer: {
            "key": f"agreement-changed:{version.pk}:{customer.pk}",
            "to": customer.email,
            "template": "licensing/email/agreement_changed",
            "context": {
                "number": version.number,
                "summary": version.summary,
                "binds_from": binds_from,
            },
            "language": customer.language,
        },
        batch_size=batch_size,
    )


@transaction.atomic
def agreement_accept(*, license_id, version_id: int, actor: Actor) -> License:
    """Record that the license's owner accepted this version."""
    license = license_lock(pk=license_id)
    version = AgreementVersion.objects.get(pk=version_id)
    license.agreement_version = version
    license.save(update_fields=["agreement_version"])
    audit.record(
        actor=actor,
        action="agreement.accepted",
        target=license,
        data={"version": version.number},
    )
    return license


def deemed_accepted_at_renewal(*, license_ids: list, renewed_on: date) -> int:
    """At an automatic renewal, the newest version announced long enough ago binds.

    Called by the sweep inside its transaction for the licenses it renewed.
    """
    version = agreement_binding_at_renewal(renewed_on)
    if version is None:
        return 0
    behind = License.objects.filter(pk__in=license_ids, customer__isnull=False).filter(
        Q(agreement_version__isnull=True)
        | Q(agreement_version__published_at__lt=version.published_at)
    )
    ids = list(behind.values_list("pk", flat=True))
    License.objects.filter(pk__in=ids).update(agreement_version=version)
    audit.record_bulk(
        actor=Actor.system(),
        action="agreement.deemed_accepted",
        model=License,
        items=[(pk, {"version": version.number}) for pk in ids],
    )
    return len(ids)
