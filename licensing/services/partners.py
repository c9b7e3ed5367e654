"""Partner users: invited by email to set their own password."""

from __future__ import annotations

from datetime import timedelta

from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from core import audit, outbox
from core.audit import Actor
from licensing.errors import Code, Refused
from licensing.models import Partner, PartnerMembership


@transaction.atomic
def partner_user_invite(
    *, partner: Partner, email: str, language: str, actor: Actor
) -> PartnerMembership:
    """A staff user of `partner`, without a password: the emailed invitation's
    link sets it (allauth's password reset from key, valid
    PASSWORD_RESET_TIMEOUT; a new invitation can always be sent). The address
    counts as verified: only its owner can use the link."""
    User = get_user_model()
    email = User.objects.normalize_email(email.strip())
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=None, is_staff=True)
    elif PartnerMembership.objects.filter(user=user).exclude(partner=partner).exists():
        raise Refused(Code.PARTNER_USER_ELSEWHERE)
    elif user.is_superuser or user.groups.exclude(name=roles.PARTNER_STAFF).exists():
        raise Refused(Code.PARTNER_USER_HAS_ROLE)  # scoped, but seeing more
    elif user.has_usable_password() and not user.is_staff:
        raise Refused(Code.PARTNER_USER_IS_CUSTOMER)
    else:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    address = EmailAddress.objects.filter(user=user, email__iexact=email).first()
    if address is None:
        address = EmailAddress(user=user, email=email)
    address.verified = True
    address.primary = (
        not EmailAddress.objects.filter(user=user, primary=True)
        .exclude(pk=address.pk)
        .exists()
    )
    address.save()
    membership, _created = PartnerMembership.objects.get_or_create(
        user=user, defaults={"partner": partner}
    )
    user.groups.add(Group.objects.get(name=roles.PARTNER_STAFF))
    audit.record(
        actor=actor,
        action="partner.user_invited",
        target=partner,
        data={"user": user.pk},
    )
    link = reverse(
        "account_reset_password_from_key",
        kwargs={
            "uidb36": user_pk_to_url_str(user),
            "key": default_token_generator.make_token(user),
        },
    )
    now = timezone.now()
    outbox.enqueue(
        key=f"partner-invited:{user.pk}:{now.timestamp()}",
        to=email,
        template="licensing/email/partner_invited",
        context={
            "partner": partner.name,
            "link": f"{settings.SITE_URL}{link}",
            "expires_at": now + timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT),
            "mfa_required": settings.ADMIN_REQUIRE_MFA,
        },
        language=language,
    )
    return membership
