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
from django.utils import timezone

from core import audit, outbox
from core.audit import Actor
from core.batches import keyset_batches
from licensing.models import AgreementNotice, AgreementVersion, License
from licensing.selectors.agreements import (
    agreement_notices_by,
    agreement_versions_binding_by,
)
from licensing.selectors.recipients import agreement_recipients
from licensing.services.announcements import announcement_done, announcement_queue
from licensing.services.common import license_lock

BATCH_SIZE = 500


@transaction.atomic
def agreement_publish(
    *, number: str, summary: str, material: bool, actor: Actor
) -> AgreementVersion:
    """Publish a version; a material change is announced to every affected customer
    (a durable announcement: a broker that is down delays it, nothing more)."""
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
        announcement_queue(kind="agreement", object_id=version.pk)
    return version


def agreement_announce(*, version_id: int, batch_size: int = BATCH_SIZE) -> int:
    """Tell each registrant with a live license of the change, once, a batch at a time.

    Each email is written with the notice that records who was told and when:
    the version binds at renewal only those customers, counted from then.
    """
    version = AgreementVersion.objects.get(pk=version_id)
    queued = 0
    for batch in keyset_batches(agreement_recipients(), batch_size):
        now = timezone.now()
        binds_from = (now + timedelta(days=settings.AGREEMENT_NOTICE_DAYS)).date()
        with transaction.atomic():
            queued += outbox.enqueue_many(
                [
                    {
                        "key": f"agreement-changed:{version.pk}:{customer.pk}",
                        "to": customer.email,
                        "template": "licensing/email/agreement_changed",
                        "context": {
                            "number": version.number,
                            "summary": version.summary,
                            "binds_from": binds_from,
                        },
                        "language": customer.language,
                    }
                    for customer in batch
                ]
            )
            AgreementNotice.objects.bulk_create(
                [
                    AgreementNotice(version=version, customer=customer, notified_at=now)
                    for customer in batch
                ],
                ignore_conflicts=True,  # told before: the first notice counts
            )
    announcement_done(kind="agreement", object_id=version.pk)
    return queued


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
    """At an automatic renewal, a license moves on to the newest version it is bound by.

    It moves through the versions published at least AGREEMENT_NOTICE_DAYS
    before the renewal, newer than its own, and stops before the first
    material change its owner was not told of that long before (a minor
    change binds without notice). Called by the sweep inside its transaction
    for the licenses it renewed; a fixed number of queries per batch.
    """
    versions = agreement_versions_binding_by(renewed_on)
    if not versions:
        return 0
    licenses = list(
        License.objects.filter(pk__in=license_ids, customer__isnull=False)
        .select_related("agreement_version")
        .only("pk", "customer_id", "agreement_version__published_at")
    )
    told = agreement_notices_by(
        customer_ids={lic.customer_id for lic in licenses}, day=renewed_on
    )
    moves: dict[AgreementVersion, list] = {}
    for lic in licenses:
        current = lic.agreement_version
        target = None
        for version in versions:
            if current is not None and version.published_at <= current.published_at:
                continue
            if version.material and (lic.customer_id, version.pk) not in told:
                break
            target = version
        if target is not None:
            moves.setdefault(target, []).append(lic.pk)
    for version, ids in moves.items():
        License.objects.filter(pk__in=ids).update(agreement_version=version)
        audit.record_bulk(
            actor=Actor.system(),
            action="agreement.deemed_accepted",
            model=License,
            items=[(pk, {"version": version.number}) for pk in ids],
        )
    return sum(len(ids) for ids in moves.values())
