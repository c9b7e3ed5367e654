"""The registry of personal data: every field of every model, in every app,
declared once as personal (with its category, purpose, legal basis, retention
and erasure strategy) or as not personal.

A system check (`privacy.checks`) fails on a field declared neither way, so a
new field never slips past export, erasure or the records of processing, which
are all driven from here. Each model also says how its rows lead to a person:
the ORM path to the customer record and/or to the user account.
"""

from dataclasses import dataclass, field
from enum import StrEnum

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class Basis(StrEnum):
    """The legal basis of processing (GDPR Art. 6(1))."""

    CONTRACT = "contract"  # (b)
    LEGAL_OBLIGATION = "legal obligation"  # (c): bookkeeping
    CONSENT = "consent"  # (a)
    LEGITIMATE_INTEREST = "legitimate interest"  # (f): security, proof


BASIS_LABELS = {
    Basis.CONTRACT: _("contract (Art. 6(1)(b))"),
    Basis.LEGAL_OBLIGATION: _("legal obligation (Art. 6(1)(c))"),
    Basis.CONSENT: _("consent (Art. 6(1)(a))"),
    Basis.LEGITIMATE_INTEREST: _("legitimate interest (Art. 6(1)(f))"),
}


class Strategy(StrEnum):
    """What erasure does to the field."""

    DELETE = "delete"  # the row goes (with the person's other rows)
    ANONYMISE = "anonymise"  # the value is blanked or replaced; the row stays
    KEEP = "keep"  # kept under a legal hold until its purge date, then deleted


@dataclass(frozen=True)
class Personal:
    category: Promise
    purpose: Promise
    basis: Basis
    retention: Promise
    strategy: Strategy
    # Secrets (a password hash, a TOTP seed, a link's key) and copies of other
    # exports are the person's but not handed out in an export.
    exported: bool = True


@dataclass(frozen=True)
class NotPersonal:
    """Declared not personal: catalog data, ids, codes, counters, timestamps of
    things rather than of people's acts."""

    why: str = ""


@dataclass(frozen=True)
class Entry:
    """A model: the path from a row to the customer and/or to the user account
    ("" for the customer or user row itself; None when there is none), and its
    fields."""

    fields: dict
    customer: str | None = None
    user: str | None = None
    notes: str = ""
    extra: dict = field(default_factory=dict)


NO = NotPersonal()

# Categories, purposes and retention, named once.
CONTACT = _("contact details")
IDENTITY = _("name and company")
ACCOUNT = _("login account")
TECHNICAL = _("technical data about a person's machines")
BILLING = _("billing data")
CONSENTS = _("consents and their proof")
COMMUNICATION = _("emails sent to the person")
ACTIVITY = _("records of what was done, by and to whom")

WHILE_REGISTERED = _("while a license is registered to the person, then 90 days")
WHILE_ACCOUNT = _("while the account exists")
BOOKKEEPING = _("5 years after the end of the accounting year (bookkeeping law)")
OUTBOX_DAYS = _("until sent, then a record of it (without its content) for 90 days")
LINK_DAYS = _("until the link is used or expires")
SESSION = _("until signing out or the session expires")
AUDIT = _("as long as the records they prove, at most 5 years")

LICENSE_SERVICE = _(
    "providing the licensed software: registering, validating, recovering keys"
)
NOTICES = _("sending the license, invoices and the notices the agreement requires")
SIGN_IN = _("signing in to the portal and keeping the account safe")
INVOICING = _("invoicing and bookkeeping")
PROOF = _("proving consents, agreements and who did what (accountability)")
MARKETING = _("product news and update notifications the person asked for")


def personal(category, purpose, basis, retention, strategy, exported=True) -> Personal:
    return Personal(category, purpose, basis, retention, strategy, exported)


EMAIL = personal(CONTACT, NOTICES, Basis.CONTRACT, WHILE_REGISTERED, Strategy.DELETE)
NAME = personal(IDENTITY, NOTICES, Basis.CONTRACT, WHILE_REGISTERED, Strategy.DELETE)
LOGIN = personal(ACCOUNT, SIGN_IN, Basis.CONTRACT, WHILE_ACCOUNT, Strategy.DELETE)
SECRET = personal(
    ACCOUNT, SIGN_IN, Basis.CONTRACT, WHILE_ACCOUNT, Strategy.DELETE, exported=False
)
LINK = personal(CONTACT, LICENSE_SERVICE, Basis.CONTRACT, LINK_DAYS, Strategy.DELETE)
# A machine's label is blanked: the license goes on working on it.
# The address an offer went to: the person's own or a third party's; not exported.
OFFERED_TO = personal(
    CONTACT, LICENSE_SERVICE, Basis.CONTRACT, LINK_DAYS, Strategy.DELETE, exported=False
)
MACHINE = personal(
    TECHNICAL, LICENSE_SERVICE, Basis.CONTRACT, WHILE_REGISTERED, Strategy.ANONYMISE
)
CONSENT = personal(CONSENTS, PROOF, Basis.LEGITIMATE_INTEREST, AUDIT, Strategy.DELETE)
NEWS = personal(CONSENTS, MARKETING, Basis.CONSENT, WHILE_REGISTERED, Strategy.DELETE)
MAIL = personal(COMMUNICATION, NOTICES, Basis.CONTRACT, OUTBOX_DAYS, Strategy.DELETE)
ACTED = personal(ACTIVITY, PROOF, Basis.LEGITIMATE_INTEREST, AUDIT, Strategy.ANONYMISE)
# Who did it: kept as accountability (the link empties itself when the account goes).
ACTOR = personal(ACTIVITY, PROOF, Basis.LEGITIMATE_INTEREST, AUDIT, Strategy.KEEP)
LINKED = personal(
    ACTIVITY, LICENSE_SERVICE, Basis.CONTRACT, WHILE_REGISTERED, Strategy.ANONYMISE
)
CASE = personal(
    ACTIVITY,
    _("answering requests about personal data, and proving it"),
    Basis.LEGAL_OBLIGATION,
    _("5 years after the request is closed"),
    Strategy.ANONYMISE,
)
EXPORT = personal(
    ACTIVITY,
    _("giving the person a copy of their data"),
    Basis.LEGAL_OBLIGATION,
    _("7 days"),
    Strategy.DELETE,
)
ARCHIVE = personal(
    ACTIVITY,
    _("giving the person a copy of their data"),
    Basis.LEGAL_OBLIGATION,
    _("7 days"),
    Strategy.DELETE,
    exported=False,
)
BILLED = personal(
    BILLING, INVOICING, Basis.LEGAL_OBLIGATION, BOOKKEEPING, Strategy.KEEP
)


REGISTRY: dict[str, Entry] = {
    # --- Django ---------------------------------------------------------
    "admin.LogEntry": Entry(
        user="user",
        notes="Staff's own actions, kept; entries about a person's account or "
        "customer record lose their description at erasure.",
        fields={
            "id": NO,
            "action_time": NO,
            "user": ACTOR,
            "content_type": NO,
            "object_id": NO,
            "object_repr": ACTED,
            "action_flag": NO,
            "change_message": ACTED,
        },
    ),
    "auth.Permission": Entry(
        fields={"id": NO, "name": NO, "content_type": NO, "codename": NO}
    ),
    "auth.Group_permissions": Entry(fields={"id": NO, "group": NO, "permission": NO}),
    "auth.Group": Entry(fields={"id": NO, "name": NO, "permissions": NO}),
    "contenttypes.ContentType": Entry(fields={"id": NO, "app_label": NO, "model": NO}),
    "sessions.Session": Entry(
        notes="Signed session data holds the user id; erasure signs the user out everywhere.",
        fields={
            "session_key": NO,
            "session_data": personal(
                ACCOUNT, SIGN_IN, Basis.CONTRACT, SESSION, Strategy.DELETE
            ),
            "expire_date": NO,
        },
    ),
    # --- allauth --------------------------------------------------------
    "account.EmailAddress": Entry(
        user="user",
        fields={
            "id": NO,
            "user": LOGIN,
            "email": LOGIN,
            "verified": NO,
            "primary": NO,
        },
    ),
    "account.EmailConfirmation": Entry(
        user="email_address__user",
        fields={
            "id": NO,
            "email_address": LOGIN,
            "created": NO,
            "sent": NO,
            "key": SECRET,
        },
    ),
    "mfa.Authenticator": Entry(
        user="user",
        fields={
            "id": NO,
            "user": LOGIN,
            "type": NO,
            "data": SECRET,  # encrypted with our field keys (accounts.adapter)
            "created_at": NO,
            "last_used_at": LOGIN,
        },
    ),
    # --- django-cookie-consent (its log is off) -------------------------
    "cookie_consent.CookieGroup": Entry(
        fields={
            "id": NO,
            "varname": NO,
            "name": NO,
            "description": NO,
            "is_required": NO,
            "is_deletable": NO,
            "ordering": NO,
            "created": NO,
        }
    ),
    "cookie_consent.Cookie": Entry(
        fields={
            "id": NO,
            "cookiegroup": NO,
            "name": NO,
            "description": NO,
            "path": NO,
            "domain": NO,
            "created": NO,
        }
    ),
    "cookie_consent.LogItem": Entry(
        notes="Turned off (COOKIE_CONSENT_LOG_ENABLED = False); holds no person anyway.",
        fields={
            "id": NO,
            "action": NO,
            "cookiegroup": NO,
            "version": NO,
            "created": NO,
        },
    ),
    # --- core -----------------------------------------------------------
    "core.AuditEvent": Entry(
        user="actor_user",
        notes="Ids and codes only; events about a customer name them by id (target).",
        fields={
            "id": NO,
            "actor_type": NO,
            "actor_user": ACTOR,
            "action": NO,
            "target_type": NO,
            "target_id": ACTED,
            "data": NO,
            "created_at": NO,
        },
    ),
    "core.DataKey": Entry(
        notes=(
            "A person's data key, wrapped by the field keys, in the keys database: "
            "key material, no data about the person. Erasure destroys it (the row "
            "stays, without the key, as the time of destruction)."
        ),
        fields={"id": NO, "wrapped": NO, "created_at": NO, "destroyed_at": NO},
    ),
    "core.OutboxEmail": Entry(
        notes="Found by the recipient's blind index; bodies are dropped once sent.",
        fields={
            "id": NO,
            "data_key": NO,
            "idempotency_key": NO,
            "template": NO,
            "language": NO,
            "to": MAIL,
            "to_index": MAIL,
            "subject": MAIL,
            "body_text": MAIL,
            "body_html": MAIL,
            "headers": MAIL,
            "forget_recipient": NO,
            "status": NO,
            "attempts": NO,
            "last_error": NO,
            "created_at": NO,
            "sent_at": NO,
        },
    ),
    # --- accounts -------------------------------------------------------
    "accounts.User_groups": Entry(
        user="user", fields={"id": NO, "user": LOGIN, "group": NO}
    ),
    "accounts.User_user_permissions": Entry(
        user="user", fields={"id": NO, "user": LOGIN, "permission": NO}
    ),
    "accounts.User": Entry(
        user="",
        notes="The login address is the one value stored as it is (SPEC section 7).",
        fields={
            "id": NO,
            "data_key": NO,
            "password": SECRET,
            "last_login": LOGIN,
            "is_superuser": NO,
            "is_staff": NO,
            "is_active": NO,
            "date_joined": LOGIN,
            "email": LOGIN,
            "groups": NO,
            "user_permissions": NO,
        },
    ),
    "accounts.Customer": Entry(
        customer="",
        user="user",
        fields={
            "id": NO,
            "user": LOGIN,
            "data_key": NO,
            "email": EMAIL,
            "email_index": EMAIL,
            "name": NAME,
            "company": NAME,
            "billing_address": personal(
                BILLING, INVOICING, Basis.CONTRACT, WHILE_REGISTERED, Strategy.DELETE
            ),
            "phone": EMAIL,
            "language": NO,
            "kind": NAME,
            "updates_opt_in": NEWS,
            "updates_opt_in_at": NEWS,
            "updates_opt_in_source": NEWS,
            "news_opt_in": NEWS,
            "news_opt_in_at": NEWS,
            "news_opt_in_source": NEWS,
            "restricted": CONSENT,
            "created_at": NO,
        },
    ),
    # --- licensing ------------------------------------------------------
    "licensing.Product": Entry(
        fields={
            "id": NO,
            "slug": NO,
            "name": NO,
            "current_major": NO,
            "keygen_product_id": NO,
        }
    ),
    "licensing.Plan": Entry(
        fields={
            name: NO
            for name in (
                "id",
                "product",
                "slug",
                "name",
                "seats",
                "initial_term_months",
                "renewal",
                "billing",
                "price",
                "currency",
                "minimum_age",
                "heartbeat_interval",
            )
        }
    ),
    "licensing.Partner": Entry(fields={"id": NO, "slug": NO, "name": NO}),
    "licensing.PartnerMembership": Entry(
        user="user", fields={"id": NO, "user": LOGIN, "partner": NO}
    ),
    "licensing.AgreementVersion": Entry(
        fields={
            "id": NO,
            "number": NO,
            "published_at": NO,
            "material": NO,
            "summary": NO,
        }
    ),
    "licensing.AgreementNotice": Entry(
        customer="customer",
        fields={"id": NO, "version": NO, "customer": CONSENT, "notified_at": CONSENT},
    ),
    "licensing.ProductRelease": Entry(
        fields={"id": NO, "product": NO, "version": NO, "notes": NO, "published_at": NO}
    ),
    "licensing.ProductNews": Entry(
        fields={"id": NO, "product": NO, "title": NO, "body": NO, "published_at": NO}
    ),
    "licensing.License": Entry(
        customer="customer",
        notes="A license outlives its registrant: erasure unregisters it, it keeps working.",
        fields={
            "id": NO,
            "key": NO,
            "key_index": NO,
            "product": NO,
            "plan": NO,
            "major_version": NO,
            "seats": NO,
            "customer": LINKED,
            "customer_kind": LINKED,
            "partner": NO,
            "status": NO,
            "suspended_for": NO,
            "purchased_on": NO,
            "period_start": NO,
            "period_end": NO,
            "agreement_version": NO,
            "termination_received_on": NO,
            "termination_effective_on": NO,
            "first_activated_at": NO,
            "reminded_for": NO,
            "ended_on": NO,
            "replaced_by": NO,
            "created_at": NO,
        },
    ),
    "licensing.Activation": Entry(
        customer="license__customer",
        notes=(
            "The fingerprint hash is keyed and salted per license: it identifies no "
            "computer. The fingerprint itself is kept, encrypted, only for machines "
            "activated by a Keygen client (their machine file is encrypted with it), "
            "and is blanked with the label."
        ),
        fields={
            "id": NO,
            "data_key": NO,
            "license": NO,
            "fingerprint_hash": NO,
            "fingerprint": MACHINE,
            "label": MACHINE,
            "platform": NO,
            "activated_at": NO,
            "last_heartbeat_at": NO,
            "checked_out_until": NO,
        },
    ),
    "licensing.RegistrationRequest": Entry(
        customer="license__customer",
        fields={
            "id": NO,
            "data_key": NO,
            "token_hash": NO,
            "email": LINK,
            "email_index": LINK,
            "language": NO,
            "created_at": NO,
            "expires_at": NO,
            "license": NO,
            "name": LINK,
            "updates_opt_in": LINK,
        },
    ),
    "licensing.TransferOffer": Entry(
        customer="license__customer",
        notes="Offers made by the person and offers sent to them (by address).",
        fields={
            "id": NO,
            "data_key": NO,
            "token_hash": NO,
            "email": OFFERED_TO,
            "email_index": LINK,
            "language": NO,
            "created_at": NO,
            "expires_at": NO,
            "license": NO,
        },
    ),
    "licensing.Invoice": Entry(
        customer="license__customer",
        notes="Kept for bookkeeping; prints the registrant's details while they exist.",
        fields={
            "id": NO,
            "license": BILLED,
            "number": BILLED,
            "period_start": BILLED,
            "issued_on": BILLED,
            "due_on": BILLED,
            "amount": BILLED,
            "currency": BILLED,
            "status": BILLED,
            "paid_at": BILLED,
            "default_notice_sent_on": NO,
            "billed_to": BILLED,
            "purge_on": NO,
        },
    ),
    "licensing.InvoiceCounter": Entry(fields={"year": NO, "last": NO}),
    "licensing.Refund": Entry(
        customer="license__customer",
        fields={
            "id": NO,
            "license": BILLED,
            "amount": BILLED,
            "currency": BILLED,
            "due_on": BILLED,
            "created_at": BILLED,
            "paid_at": BILLED,
        },
    ),
    "licensing.SigningKey": Entry(
        fields={
            "id": NO,
            "keyid": NO,
            "public_key": NO,
            "private_key": NO,
            "created_at": NO,
            "activates_at": NO,
            "retired_at": NO,
            "endorsement": NO,
        }
    ),
    "licensing.SweepRun": Entry(
        fields={"id": NO, "day": NO, "finished_at": NO, "counts": NO}
    ),
    "licensing.Announcement": Entry(
        fields={
            "id": NO,
            "kind": NO,
            "object_id": NO,
            "created_at": NO,
            "attempts": NO,
            "done_at": NO,
        }
    ),
    # --- cookies --------------------------------------------------------
    "cookies.CookieDetail": Entry(
        fields={
            "cookie": NO,
            "provider": NO,
            "purpose": NO,
            "expiry": NO,
            "set_by": NO,
        }
    ),
    "cookies.PolicyVersion": Entry(
        fields={"id": NO, "version": NO, "published_at": NO, "inventory": NO}
    ),
    "cookies.ConsentRecord": Entry(
        user="user",
        notes="The consent id is stored only as a keyed hash; the browser holds the id.",
        fields={
            "id": NO,
            "consent_index": CONSENT,
            "user": CONSENT,
            "policy": NO,
            "choices": CONSENT,
            "method": CONSENT,
            "created_at": CONSENT,
        },
    ),
    "cookies.PageViewCount": Entry(
        fields={
            "id": NO,
            "path": NO,
            "day": NO,
            "views": NO,
            "new_visitors": NO,
        }
    ),
}

REGISTRY.update(
    {
        # --- privacy --------------------------------------------------------
        "privacy.PrivacyCase": Entry(
            customer="customer",
            user="user",
            notes="Kept as proof that the request was answered; the person's link "
            "is cut at erasure (the receipt keeps a keyed pseudonym).",
            fields={
                "id": NO,
                "data_key": NO,
                "reference": NO,
                "kind": NO,
                "status": NO,
                "source": NO,
                "customer": CASE,
                "user": CASE,
                "received_on": NO,
                "clock_started_on": NO,
                "identity_method": NO,
                "contact": CASE,
                "details": CASE,
                "extension_months": NO,
                "extension_reason": CASE,
                "extension_notified_at": NO,
                "refusal_reason": CASE,
                "closed_at": NO,
                "created_at": NO,
            },
        ),
        "privacy.DataExport": Entry(
            customer="case__customer",
            user="user",
            fields={
                "id": NO,
                "data_key": NO,
                "case": NO,
                "user": EXPORT,
                "token_hash": NO,
                "status": NO,
                "archive": ARCHIVE,
                "created_at": NO,
                "ready_at": NO,
                "expires_at": NO,
            },
        ),
        "privacy.ErasureRequest": Entry(
            customer="customer",
            user="user",
            fields={
                "id": NO,
                "case": NO,
                "customer": CASE,
                "user": CASE,
                "token_hash": NO,
                "requested_at": NO,
                "erase_after": NO,
                "started_at": NO,
                "cancelled_at": NO,
                "done_at": NO,
            },
        ),
        "privacy.RequestLink": Entry(
            customer="customer",
            fields={
                "id": NO,
                "data_key": NO,
                "customer": LINK,
                "kind": NO,
                "details": LINK,
                "token_hash": NO,
                "created_at": NO,
                "expires_at": NO,
            },
        ),
        "privacy.RequestNote": Entry(
            notes="Deleted when the link is sent (or by retention with its link).",
            fields={"id": NO, "data_key": NO, "details": LINK, "created_at": NO},
        ),
        "privacy.ErasureReceipt": Entry(
            notes="No personal data: a keyed pseudonym, counts, who and when.",
            fields={
                "id": NO,
                "case": NO,
                "pseudonym": NO,
                "counts": NO,
                "actor": NO,
                "key_destroyed_at": NO,
                "done_at": NO,
            },
        ),
    }
)
