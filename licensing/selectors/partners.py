"""Who a partner user serves."""

from django.contrib.auth.base_user import AbstractBaseUser

from licensing.models import Partner


def partner_for_user(user: AbstractBaseUser) -> Partner | None:
    """The partner whose staff `user` is (None for anyone else, superusers included)."""
    if not user.is_authenticated or user.is_superuser:
        return None
    return Partner.objects.filter(members__user=user).first()
