"""Export (Art. 15 and 20): the ZIP of everything held about a person."""

from __future__ import annotations

import base64
import io
import json
import secrets
import zipfile
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from core import audit, outbox
from core.audit import Actor
from core.jobs import task_send_on_commit
from licensing.models import Partner
from privacy import selectors
from privacy.models import (
    DataExport,
    PrivacyCase,
)
from privacy.services.common import (
    PrivacyRefused,
    case_close,
    case_open,
    person_address,
    person_language,
    token_hash,
)

EXPORT_DAYS = 7


@transaction.atomic
def export_request(*, user, source=PrivacyCase.Source.PRIVACY_CENTER) -> DataExport:
    """An export for the signed-in person: at most one a calendar day."""
    latest = selectors.export_latest(user)
    if (
        latest is not None
        and timezone.localdate(latest.created_at) == timezone.localdate()
    ):
        raise PrivacyRefused(
            translation.gettext("You can ask for one copy of your data a day.")
        )
    case = case_open(
        kind=PrivacyCase.Kind.ACCESS,
        source=source,
        user=user,
        identity_method="signed in",
    )
    export = DataExport.objects.create(
        case=case,
        user=user,
        token_hash=token_hash(secrets.token_urlsafe(32)),  # replaced when built
        expires_at=timezone.now() + timedelta(days=EXPORT_DAYS),
    )
    task_send_on_commit("privacy.tasks.export_build", export.pk)
    return export


def export_archive_bytes(*, customer=None, user=None) -> bytes:
    """The ZIP: data.json (every field of every row about the person, with the
    schema and the Art. 15(1) facts) and a summary in the person's language."""
    customer, user = selectors.person_of(customer=customer, user=user)
    data = selectors.personal_data(customer=customer, user=user)
    language = person_language(customer, user)
    with translation.override(language):
        facts = art15_facts(customer)
        document = {
            "about": translation.gettext(
                "Everything this service holds about you, by table; under schema, "
                "what each field is, why we keep it and for how long."
            ),
            "generated_at": timezone.now().isoformat(),
            "facts": facts,
            "schema": {
                label: described
                for label, described in selectors.schema().items()
                if label in data
            },
            "data": data,
        }
        summary = render_to_string(
            "privacy/export_summary.txt",
            {
                "tables": [
                    (name, len(data[label]))
                    for label, name in selectors.table_names(data).items()
                ],
                "facts": facts,
                "generated_at": timezone.now(),
            },
        )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "data.json", json.dumps(document, indent=2, ensure_ascii=False, default=str)
        )
        archive.writestr("summary.txt", summary)
    return buffer.getvalue()


def art15_facts(customer) -> dict:
    """What Art. 15(1) asks besides the data: purposes, recipients, retention,
    sources and transfers."""
    partners = (
        Partner.objects.filter(licenses__customer=customer).distinct()
        if customer is not None
        else Partner.objects.none()
    )
    records = selectors.records_of_processing()
    return {
        "purposes": [record["purpose"] for record in records],
        "retention": {record["purpose"]: record["retention"] for record in records},
        "recipients": [
            *[
                translation.gettext("%(partner)s, the reseller who sold your license")
                % {"partner": partner.name}
                for partner in partners
            ],
            *settings.PRIVACY_SUBPROCESSORS_SUMMARY,
        ],
        "sources": [
            translation.gettext("you, when you registered, claimed or edited"),
            translation.gettext(
                "the reseller or the vendor, when they issued your license"
            ),
            translation.gettext(
                "your programs, when they activated or validated a license"
            ),
        ],
        "transfers": translation.gettext(
            "None outside the EEA: all data is stored in the EEA."
        ),
        "controller": settings.VENDOR_NAME,
        "data_protection_officer": settings.VENDOR_DPO_EMAIL,
    }


@transaction.atomic
def export_build(export_id) -> DataExport | None:
    export = DataExport.objects.select_for_update().filter(pk=export_id).first()
    if export is None or export.status != DataExport.Status.PENDING:
        return export  # built already (a retried task), or deleted
    archive = export_archive_bytes(user=export.user, customer=export.case.customer)
    token = secrets.token_urlsafe(32)
    export.archive = base64.b64encode(archive).decode()
    export.token_hash = token_hash(token)
    export.status = DataExport.Status.READY
    export.ready_at = timezone.now()
    export.save()
    case_close(export.case)
    customer, user = selectors.person_of(
        user=export.user, customer=export.case.customer
    )
    outbox.enqueue(
        key=f"privacy-export-ready:{export.pk}",
        to=person_address(customer, user),
        template="privacy/email/export_ready",
        context={
            "download_url": f"{settings.SITE_URL}/privacy/exports/{token}/",
            "expires_on": timezone.localdate(export.expires_at),
        },
        language=person_language(customer, user),
    )
    return export


def exports_purge() -> int:
    """Delete exports past their 7 days (the retention job)."""
    deleted, _by_model = DataExport.objects.filter(
        expires_at__lte=timezone.now()
    ).delete()
    return deleted


@transaction.atomic
def case_export(*, case_id, actor: Actor) -> DataExport:
    """The DPO answers an access or portability case with the export (the
    person gets the link, as from the privacy center)."""
    case = PrivacyCase.objects.select_for_update().get(pk=case_id)
    if case.kind not in (PrivacyCase.Kind.ACCESS, PrivacyCase.Kind.PORTABILITY):
        raise PrivacyRefused(
            translation.gettext(
                "Only an access or portability request is answered with an export."
            )
        )
    if case.status != PrivacyCase.Status.OPEN or (
        case.customer is None and case.user is None
    ):
        raise PrivacyRefused(
            translation.gettext(
                "Only an open request about a known person can be answered."
            )
        )
    export = DataExport.objects.create(
        case=case,
        user=case.user,
        token_hash=token_hash(secrets.token_urlsafe(32)),
        expires_at=timezone.now() + timedelta(days=EXPORT_DAYS),
    )
    audit.record(actor=actor, action="privacy.export_prepared", target=case)
    task_send_on_commit("privacy.tasks.export_build", export.pk)
    return export
