"""What the privacy services share: refusals, keyed hashes, the person's address and language, opening and closing cases, telling the person."""

from __future__ import annotations

from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone

from accounts.models import Customer
from core import audit, outbox
from core.audit import Actor
from core.fields import blind_index, keyed_hash
from privacy import selectors
from privacy.models import (
    PrivacyCase,
)


class PrivacyRefused(Exception):
    """A request that cannot be done now; `message` says why, for people."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def token_hash(token: str) -> str:
    """How an emailed link's token is stored: keyed, as licensing's links are."""
    return keyed_hash("privacy.link", token)


def pseudonym(email: str) -> str:
    """The keyed pseudonym an erasure is recorded under: the blind index of the
    customer's address, so that a restored backup finds whom to erase again."""
    return blind_index(Customer.EMAIL_INDEX, email)


def person_language(customer, user) -> str:
    if customer is not None and customer.language:
        return customer.language
    return settings.LANGUAGE_CODE


def person_address(customer, user) -> str:
    return (user and user.email) or (customer and customer.email) or ""


def case_open(
    *,
    kind: str,
    source: str,
    customer=None,
    user=None,
    identity_method: str = "",
    awaiting_identity: bool = False,
) -> PrivacyCase:
    customer, user = selectors.person_of(customer=customer, user=user)
    case = PrivacyCase.objects.create(
        kind=kind,
        source=source,
        customer=customer,
        user=user,
        identity_method=identity_method,
        status=(
            PrivacyCase.Status.AWAITING_IDENTITY
            if awaiting_identity
            else PrivacyCase.Status.OPEN
        ),
    )
    audit.record(
        actor=Actor.system(),
        action="privacy.case_opened",
        target=case,
        data={"kind": kind},
    )
    return case


def case_close(case: PrivacyCase, *, status=PrivacyCase.Status.DONE) -> None:
    case.status = status
    case.closed_at = timezone.now()
    case.save(update_fields=["status", "closed_at"])


def sessions_end(user) -> int:
    """Sign the user out everywhere: their sessions deleted (found by decoding,
    as a session holds the user id only inside its signed data)."""
    ended = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.get_decoded().get("_auth_user_id") == str(user.pk):
            session.delete()
            ended += 1
    return ended


def _tell(case: PrivacyCase, template: str, context: dict, key: str) -> bool:
    """Email the person about their case; False when there is no address to use."""
    customer, user = case.customer, case.user
    address = person_address(customer, user) or case.contact
    if not address:
        return False
    outbox.enqueue(
        key=f"privacy-case:{case.pk}:{key}",
        to=address,
        template=f"privacy/email/{template}",
        context={"reference": case.reference, **context},
        language=person_language(customer, user),
    )
    return True


def case_acknowledge(case: PrivacyCase) -> bool:
    return _tell(
        case,
        "request_acknowledged",
        {
            "kind": case.plain_kind,
            "received_on": case.received_on,
            "due_on": case.due_on,
        },
        key="acknowledged",
    )
