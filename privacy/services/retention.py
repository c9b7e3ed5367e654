"""The daily retention job."""

from __future__ import annotations

from datetime import timedelta

from django.apps import apps
from django.db import models, transaction
from django.utils import timezone

from accounts.models import Customer
from privacy.models import (
    ErasureReceipt,
)
from privacy.services.common import pseudonym
from privacy.services.erasure import erase_person
from privacy.services.export import exports_purge
from privacy.services.requests import request_links_purge

REGISTRANT_DAYS = 90
PROOF_YEARS = 5


def retention_run(*, today=None) -> dict[str, int]:
    """The daily retention job: expired exports and links deleted; customers
    without an account whose last license ended more than 90 days ago erased;
    invoices past their bookkeeping hold purged; consent records and audit
    events past their retention pruned. Counts only (logged by the task)."""
    today = today or timezone.localdate()
    counts = {
        "exports": exports_purge(),
        "request_links": request_links_purge(),
        "customers_erased": 0,
    }
    cutoff = today - timedelta(days=REGISTRANT_DAYS)
    gone = (
        Customer.objects.filter(user=None)
        .annotate(
            last_end=models.Max("licenses__ended_on"),
            live=models.Count("licenses", filter=models.Q(licenses__ended_on=None)),
        )
        .filter(live=0)
        .filter(
            models.Q(last_end__lt=cutoff)
            | models.Q(last_end=None, created_at__date__lt=cutoff)
        )
        .values_list("pk", flat=True)
    )
    for customer_id in list(gone):
        with transaction.atomic():
            customer = Customer.objects.select_for_update().get(pk=customer_id)
            email = customer.email
            counts_for = erase_person(customer=customer)
            ErasureReceipt.objects.create(
                pseudonym=pseudonym(email), counts=counts_for, actor="retention"
            )
        counts["customers_erased"] += 1
    invoices = apps.get_model("licensing.Invoice").objects.filter(purge_on__lt=today)
    counts["invoices_purged"], _by_model = invoices.delete()
    old = timezone.now() - timedelta(days=365 * PROOF_YEARS + 1)
    counts["consent_records_pruned"], _by_model = (
        apps.get_model("cookies.ConsentRecord")
        .objects.filter(created_at__lt=old)
        .delete()
    )
    counts["audit_events_pruned"], _by_model = (
        apps.get_model("core.AuditEvent").objects.filter(created_at__lt=old).delete()
    )
    return counts
