"""Every email of SPEC section 4 renders, in English and in Norwegian Bokmål, with nothing missing."""

import copy
from datetime import UTC, date, datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.test import override_settings

from core.outbox import render_email

INVOICE = SimpleNamespace(
    number="2027-000042",
    amount=Decimal("990.00"),
    currency="NOK",
    due_on=date(2027, 1, 30),
)
REFUND = SimpleNamespace(
    amount=Decimal("990.00"), currency="NOK", due_on=date(2026, 6, 29)
)
LICENSE = SimpleNamespace(
    product=SimpleNamespace(name="Desktop"),
    major_version=7,
    seats=3,
    period_end=date(2027, 11, 22),
)
BASE = {"product": "Desktop", "key_hint": "•••••-•••••-•••••-•••••-ABCDE"}

EMAILS = {
    # transactional
    "licensing/email/registration_confirm": {
        "confirm_url": "https://x/confirm/t/",
        "expires_at": datetime(2026, 12, 1, tzinfo=UTC),
    },
    "accounts/email/license_recovery": {
        "licenses": [{"product": "Desktop", "key": "AAAAA-BBBBB-CCCCC-DDDDD-EEEEE"}]
    },
    "licensing/email/license_issued": {
        "license": LICENSE,
        "key": "AAAAA-BBBBB-CCCCC-DDDDD-EEEEE",
    },
    "licensing/email/machine_released": {
        "label": "Office",
        "platform": "linux",
        "released_at": datetime(2026, 11, 22, tzinfo=UTC),
        "seats": 3,
        "machines": 0,
    },
    "licensing/email/machine_activated": {
        "label": "Office",
        "platform": "linux",
        "activated_at": datetime(2026, 11, 22, tzinfo=UTC),
        "seats": 3,
        "machines": 1,
    },
    "licensing/email/renewal_reminder": {
        "renews_on": date(2027, 1, 15),
        "notice_deadline": date(2026, 12, 15),
        "price": Decimal("990.00"),
        "currency": "NOK",
        "invoice": INVOICE,
    },
    "licensing/email/renewed": {
        "period_start": date(2027, 1, 15),
        "period_end": date(2028, 1, 15),
        "invoice": INVOICE,
    },
    "licensing/email/payment_overdue": {
        "invoice": INVOICE,
        "block_on": date(2027, 2, 7),
    },
    "licensing/email/access_blocked": {"invoice": INVOICE},
    "licensing/email/access_blocked (vendor)": {"invoice": None},
    "licensing/email/access_restored": {"invoice": INVOICE},
    "licensing/email/termination_received": {
        "received_on": date(2026, 12, 10),
        "effective_on": date(2027, 1, 15),
    },
    "licensing/email/terminated": {
        "reason": "breach",
        "invoice": INVOICE,
        "ended_on": date(2027, 3, 3),
    },
    "licensing/email/expired": {"ended_on": date(2027, 5, 31)},
    "licensing/email/withdrawal_confirmed": {
        "reason": "withdrawal",
        "refund": REFUND,
        "ended_on": date(2026, 6, 15),
    },
    "licensing/email/transfer_offered": {
        "accept_url": "https://x/transfer/t/",
        "expires_at": datetime(2026, 12, 6, tzinfo=UTC),
    },
    "licensing/email/transfer_offer_notice": {
        "expires_at": datetime(2026, 12, 6, tzinfo=UTC),
    },
    "licensing/email/transfer_completed": {
        "new_owner": True,
        "key": "AAAAA-BBBBB-CCCCC-DDDDD-EEEEE",
    },
    "licensing/email/agreement_changed": {
        "number": "2.0",
        "summary": "New terms.",
        "binds_from": date(2027, 1, 1),
    },
    "privacy/email/export_ready": {
        "download_url": "https://x/export/t/",
        "expires_on": date(2026, 11, 29),
    },
    "privacy/email/erasure_scheduled": {
        "erase_on": date(2026, 11, 29),
        "cancel_url": "https://x/cancel/t/",
    },
    "privacy/email/erasure_done": {"reference": "PR-ABCD-EFGH"},
    "privacy/email/request_confirm": {
        "kind": "Access (Art. 15)",
        "confirm_url": "https://x/privacy/request/confirm/t/",
        "expires_on": date(2026, 11, 29),
    },
    "privacy/email/erasure_partner_notice": {
        "reference": "PR-ABCD-EFGH",
        "partner": "Northwind Resellers",
    },
    "privacy/email/request_acknowledged": {
        "reference": "DPO-7",
        "kind": "access",
        "received_on": date(2026, 11, 22),
        "due_on": date(2026, 12, 22),
    },
    "privacy/email/request_extended": {
        "reference": "DPO-7",
        "reason": "Many records.",
        "due_on": date(2027, 2, 22),
    },
    "privacy/email/request_completed": {"reference": "DPO-7", "kind": "access"},
    "privacy/email/request_refused": {
        "reference": "DPO-7",
        "kind": "objection",
        "reason": "Required by law.",
    },
    # marketing
    "licensing/email/update_available": {
        "version": "7.3",
        "notes": "Faster.",
        "unsubscribe_url": "https://x/unsubscribe/t/",
    },
    "licensing/email/product_news": {
        "title": "Spring",
        "body": "News.",
        "unsubscribe_url": "https://x/unsubscribe/t/",
    },
}

STRICT_TEMPLATES = copy.deepcopy(settings.TEMPLATES)
STRICT_TEMPLATES[0]["OPTIONS"]["string_if_invalid"] = "MISSING[%s]"


@pytest.mark.parametrize("template", EMAILS)
def test_every_email_renders_in_both_languages_with_nothing_missing(template):
    context = {**BASE, **EMAILS[template]}
    template = template.split(" ")[0]  # "name (variant)": a variant of its context
    with override_settings(TEMPLATES=STRICT_TEMPLATES):
        english = render_email(template=template, context=context, language="en")
        norwegian = render_email(template=template, context=context, language="nb")
    for subject, text, html in (english, norwegian):
        assert subject and "\n" not in subject
        for part in (subject, text, html):
            assert "MISSING[" not in part and "{{" not in part and "%(" not in part
        assert settings.VENDOR_NAME in html
    assert english[1] != norwegian[1]  # translated
