from allauth.mfa.models import Authenticator
from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Customer, User
from core import audit, datakeys
from core.audit import Actor
from core.batches import keyset_batches
from core.fields import blind_index, data_key_of, decrypt, needs_rotation, rotate


def customer_get_or_create(
    *, email: str, name: str = "", language: str = ""
) -> tuple[Customer, bool]:
    """The customer with this email (found by its blind index), created when new.

    Two requests creating the same customer at once both get the one row: the
    unique blind index decides, and the loser reads the winner's row.
    """
    customer = Customer.objects.by_email(email).first()
    if customer is not None:
        if name and not customer.name:
            customer.name = name
            customer.save(update_fields=["name"])
        return customer, False
    customer = Customer(email=email.strip(), name=name)
    if language:
        customer.language = language
    try:
        with transaction.atomic():
            customer.save()
    except IntegrityError:
        return Customer.objects.by_email(email).get(), False
    return customer, True


UNSUBSCRIBE_SALT = "accounts.unsubscribe"
# The marketing emails a customer can opt in to, and the fields holding each consent.
MARKETING = {"updates": "updates_opt_in", "news": "news_opt_in"}


def unsubscribe_token(customer: Customer, kind: str = "updates") -> str:
    """A signed, non-expiring token that stops one kind of marketing email."""
    return signing.dumps(
        {"c": customer.pk, "k": kind}, salt=UNSUBSCRIBE_SALT, compress=True
    )


def unsubscribe_url(customer: Customer, kind: str = "updates") -> str:
    return f"{settings.SITE_URL}/unsubscribe/{unsubscribe_token(customer, kind)}/"


def unsubscribe_headers(url: str) -> dict:
    """RFC 2369 and RFC 8058 headers: mail clients offer (one-click) unsubscribe."""
    return {
        "List-Unsubscribe": f"<{url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def customer_from_unsubscribe_token(token: str) -> tuple[Customer | None, str]:
    """(the customer, the kind of email) a token stops; (None, "") for a forged one."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None, ""
    kind = data.get("k", "updates")
    if kind not in MARKETING:
        return None, ""
    return Customer.objects.filter(pk=data.get("c")).first(), kind


@transaction.atomic
def customer_consent_record(
    *, customer: Customer, kind: str, source: str, actor: Actor
) -> bool:
    """Record the consent to one kind of marketing email (when and where it was
    given); True if it is new. A consent already given keeps its first record.
    """
    field = MARKETING[kind]
    updated = Customer.objects.filter(pk=customer.pk, **{field: False}).update(
        **{field: True, f"{field}_at": timezone.now(), f"{field}_source": source}
    )
    if updated:
        customer.refresh_from_db(fields=[field, f"{field}_at", f"{field}_source"])
        audit.record(
            actor=actor,
            action="customer.consented",
            target=customer,
            data={"kind": kind, "source": source},
        )
    return bool(updated)


@transaction.atomic
def customer_unsubscribe(
    *, customer: Customer, kind: str, actor: Actor | None = None
) -> bool:
    """Withdraw the consent to one kind of marketing email; True if it was given."""
    field = MARKETING[kind]
    updated = Customer.objects.filter(pk=customer.pk, **{field: True}).update(
        **{field: False, f"{field}_at": None, f"{field}_source": ""}
    )
    if updated:
        setattr(customer, field, False)
        setattr(customer, f"{field}_at", None)
        setattr(customer, f"{field}_source", "")
        audit.record(
            actor=actor or Actor.system(),
            action="customer.unsubscribed",
            target=customer,
            data={"kind": kind},
        )
    return bool(updated)


def _same_address(a: str, b: str) -> bool:
    return blind_index(Customer.EMAIL_INDEX, a) == blind_index(Customer.EMAIL_INDEX, b)


@transaction.atomic
def customer_attach_to_user(
    *, user: User, email: str, language: str = ""
) -> Customer | None:
    """Give `user`, whose address `email` has just been verified, the customer
    record of that address (found by its blind index; created when there is
    none). A user who has a customer record keeps it (a changed address is
    `customer_email_change`'s), and a record that belongs to another login is
    left alone: then None.
    """
    user = User.objects.select_for_update().get(pk=user.pk)
    current = Customer.objects.filter(user=user).first()
    if current is not None:
        return current
    customer, created = customer_get_or_create(email=email, language=language)
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    # The blind index folds more spellings together (NFKC, casefold) than mail
    # routing does: attach only the address verified, letter for letter.
    same_address = customer.email.strip().lower() == email.strip().lower()
    if customer.user_id is not None or not same_address:
        audit.record(
            actor=Actor.user(user),
            action="customer.attach_refused",
            target=customer,
            data={"user": user.pk},
        )
        return None
    customer.user = user
    customer.save(update_fields=["user"])
    audit.record(
        actor=Actor.user(user),
        action="customer.attached",
        target=customer,
        data={"user": user.pk, "created": created},
    )
    return customer


@transaction.atomic
def customer_email_change(*, user: User, email: str) -> Customer | None:
    """The login's verified address changed to `email`: its customer record moves
    to the new address (licenses, consents and emails follow it). A login without
    a record gets the one of the new address. When another record already holds
    the new address, both stay as they are (audited, for staff to merge).
    """
    customer = Customer.objects.select_for_update().filter(user=user).first()
    if customer is None:
        return customer_attach_to_user(user=user, email=email)
    if _same_address(customer.email, email):
        return customer
    other = Customer.objects.select_for_update().by_email(email).first()
    if other is not None:
        audit.record(
            actor=Actor.user(user),
            action="customer.email_conflict",
            target=customer,
            data={"user": user.pk, "other": other.pk},
        )
        return customer
    customer.email = email.strip()
    customer.save(update_fields=["email", "email_index"])
    audit.record(
        actor=Actor.user(user),
        action="customer.email_changed",
        target=customer,
        data={"user": user.pk},
    )
    return customer


# What the profile form may change, besides the two consents.
PROFILE_FIELDS = ("name", "company", "billing_address", "phone", "language")


@transaction.atomic
def customer_profile_update(
    *,
    customer: Customer,
    actor: Actor,
    name: str,
    company: str,
    billing_address: str,
    phone: str,
    language: str,
    updates_opt_in: bool,
    news_opt_in: bool,
    source: str = "profile",
) -> list[str]:
    """Save the customer's own details and consents; the names of what changed.

    The audit event names the changed fields, never their values. A consent
    given here records when and where; one withdrawn forgets both.
    """
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    if customer.restricted:
        raise Restricted
    values = {
        "name": name.strip(),
        "company": company.strip(),
        "billing_address": billing_address.strip(),
        "phone": phone.strip(),
        "language": language,
    }
    changed = [f for f in PROFILE_FIELDS if getattr(customer, f) != values[f]]
    if changed:
        for field in changed:
            setattr(customer, field, values[field])
        customer.save(update_fields=changed)
        audit.record(
            actor=actor,
            action="customer.profile_updated",
            target=customer,
            data={"fields": changed},
        )
    for kind, wanted in (("updates", updates_opt_in), ("news", news_opt_in)):
        if wanted:
            moved = customer_consent_record(
                customer=customer, kind=kind, source=source, actor=actor
            )
        else:
            moved = customer_unsubscribe(customer=customer, kind=kind, actor=actor)
        if moved:
            changed.append(MARKETING[kind])
    return changed


# The values allauth's MFA keeps encrypted (accounts.adapter.MfaAdapter) in
# Authenticator.data: a TOTP secret, a recovery-code seed, migrated codes.
MFA_ENCRYPTED_KEYS = ("secret", "seed")


def _rotated_mfa_data(data: dict) -> tuple[dict, int]:
    data = dict(data)
    rotated = 0
    for key in MFA_ENCRYPTED_KEYS:
        value = data.get(key)
        if isinstance(value, str) and needs_rotation(value):
            data[key] = rotate(value)
            rotated += 1
    codes = data.get("migrated_codes")
    if isinstance(codes, list):
        data["migrated_codes"] = [
            rotate(c) if isinstance(c, str) and needs_rotation(c) else c for c in codes
        ]
        rotated += sum(
            a != b for a, b in zip(codes, data["migrated_codes"], strict=True)
        )
    return data, rotated


def mfa_secrets_seal(sender, instance, **kwargs) -> None:
    """`pre_save` of allauth's Authenticator: the secrets allauth encrypted with
    the field keys (its adapter knows no user) go under the account's data key,
    which erasure destroys; reading them needs only the value (`dk1:` names its key)."""
    key_id = data_key_of(instance, "user")
    if key_id is None:
        return
    data = dict(instance.data or {})
    for name in MFA_ENCRYPTED_KEYS:
        value = data.get(name)
        if isinstance(value, str) and value and not value.startswith(datakeys.PREFIX):
            data[name] = datakeys.seal(decrypt(value), key_id)
    codes = data.get("migrated_codes")
    if isinstance(codes, list):
        data["migrated_codes"] = [
            datakeys.seal(decrypt(c), key_id)
            if isinstance(c, str) and not c.startswith(datakeys.PREFIX)
            else c
            for c in codes
        ]
    instance.data = data


def mfa_secrets_rotate(*, batch_size: int = 500) -> int:
    """Re-encrypt the MFA secrets with the first of FIELD_ENCRYPTION_KEYS, one
    transaction a batch; the number of values re-encrypted.
    (`rotate_encryption_keys` calls it through core's rotation hooks.)
    """
    rotated = 0
    ids = Authenticator.objects.values_list("pk", flat=True)
    for batch in keyset_batches(ids, batch_size):
        with transaction.atomic():
            for authenticator in Authenticator.objects.select_for_update().filter(
                pk__in=batch
            ):
                data, count = _rotated_mfa_data(authenticator.data)
                if count:
                    authenticator.data = data
                    authenticator.save(update_fields=["data"])
                    rotated += count
    return rotated


@transaction.atomic
def customer_language_set(*, customer: Customer, language: str, actor: Actor) -> bool:
    """The language the customer chose in the header becomes their profile's
    (emails follow it); True if it changed."""
    if language not in dict(settings.LANGUAGES) or customer.language == language:
        return False
    Customer.objects.filter(pk=customer.pk).update(language=language)
    audit.record(
        actor=actor,
        action="customer.updated",
        target=customer,
        data={"fields": ["language"], "source": "language switch"},
    )
    return True


class Restricted(Exception):
    """The customer's processing is restricted (Art. 18): only the DPO changes it."""


@transaction.atomic
def customer_restriction_set(
    *, customer: Customer, restricted: bool, actor: Actor
) -> None:
    """Restrict (or lift the restriction of) the processing of a customer's data."""
    Customer.objects.filter(pk=customer.pk).update(restricted=restricted)
    customer.restricted = restricted
    audit.record(
        actor=actor,
        action="customer.restricted" if restricted else "customer.unrestricted",
        target=customer,
    )
