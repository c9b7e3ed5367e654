"""The admin's roles: groups made by a data migration (licensing 0014) with
exactly the permissions each needs. Code asks `has_role`, never a group name."""

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import Group, Permission
from django.db.models import Q

VENDOR_STAFF = "Vendor staff"
PARTNER_STAFF = "Partner staff"
DPO = "Data protection officers"

# app_label.model -> actions, per role. The DPO's privacy cases join with their issue.
PERMISSIONS = {
    VENDOR_STAFF: {
        "licensing.product": ("view", "add", "change"),
        "licensing.plan": ("view", "add", "change"),
        "licensing.partner": ("view", "add", "change"),
        "licensing.partnermembership": ("view", "add", "change", "delete"),
        "licensing.agreementversion": ("view", "add"),
        "licensing.productrelease": ("view", "add"),
        "licensing.productnews": ("view", "add"),
        "licensing.license": ("view", "add", "change"),
        "licensing.activation": ("view", "change"),
        "licensing.invoice": ("view", "change"),
        "licensing.refund": ("view",),
        "licensing.signingkey": ("view",),
        "accounts.customer": ("view", "change"),
        "core.auditevent": ("view",),
        "core.outboxemail": ("view",),
        "cookies.consentrecord": ("view",),
        "cookies.policyversion": ("view",),
        "cookies.pageviewcount": ("view",),
        "cookie_consent.cookie": ("view",),
        "cookie_consent.cookiegroup": ("view",),
    },
    PARTNER_STAFF: {
        "licensing.product": ("view",),
        "licensing.plan": ("view",),
        "licensing.license": ("view", "add"),
        "licensing.activation": ("view", "change"),
        "licensing.invoice": ("view",),
        "accounts.customer": ("view",),
    },
    DPO: {
        "accounts.customer": ("view",),
        "accounts.user": ("view",),
        "licensing.license": ("view",),
        "licensing.activation": ("view",),
        "licensing.invoice": ("view",),
        "licensing.refund": ("view",),
        "core.auditevent": ("view",),
        "core.outboxemail": ("view",),
        "cookies.consentrecord": ("view",),
        "cookies.policyversion": ("view",),
    },
}


# The DPO's own: privacy requests, exports and erasures (privacy 0002). Only the DPO.
PRIVACY_PERMISSIONS = {
    DPO: {
        "privacy.privacycase": ("view", "add", "change"),
        "privacy.dataexport": ("view",),
        "privacy.erasurerequest": ("view",),
        "privacy.erasurereceipt": ("view",),
    },
}


def has_role(user: AbstractBaseUser, role: str) -> bool:
    """Whether `user` is in the role's group (looked up once per user object)."""
    if not user.is_authenticated:
        return False
    cached = getattr(user, "_role_names", None)
    if cached is None:
        cached = user._role_names = frozenset(
            user.groups.values_list("name", flat=True)
        )
    return role in cached


def roles_sync() -> None:
    """Each role's group with exactly its permissions (idempotent)."""
    for role in PERMISSIONS:
        models = {**PERMISSIONS[role], **PRIVACY_PERMISSIONS.get(role, {})}
        group, _created = Group.objects.get_or_create(name=role)
        wanted = Q(pk__in=[])
        for label, actions in models.items():
            app_label, model = label.split(".")
            wanted |= Q(
                content_type__app_label=app_label,
                codename__in=[f"{action}_{model}" for action in actions],
            )
        group.permissions.set(Permission.objects.filter(wanted))
