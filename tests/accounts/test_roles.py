"""The roles are groups with exactly the permissions accounts.roles lists."""

import importlib

import pytest
from django.contrib.auth.models import Group

from accounts import roles
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_migration_made_each_group_with_exactly_its_permissions():
    for role, models in roles.PERMISSIONS.items():
        models = {**models, **roles.PRIVACY_PERMISSIONS.get(role, {})}
        wanted = {
            f"{label.split('.')[0]}.{action}_{label.split('.')[1]}"
            for label, actions in models.items()
            for action in actions
        }
        granted = {
            f"{p.content_type.app_label}.{p.codename}"
            for p in Group.objects.get(name=role).permissions.all()
        }
        assert granted == wanted, role


def test_the_migration_froze_the_roles_as_the_code_lists_them():
    migration = importlib.import_module("licensing.migrations.0014_roles")
    assert migration.PERMISSIONS == roles.PERMISSIONS
    privacy = importlib.import_module("privacy.migrations.0002_dpo_permissions")
    assert privacy.PERMISSIONS == roles.PRIVACY_PERMISSIONS


def test_has_role():
    user = UserFactory()
    assert not roles.has_role(user, roles.DPO)
    user.groups.add(Group.objects.get(name=roles.DPO))
    fresh = type(user).objects.get(pk=user.pk)
    assert roles.has_role(fresh, roles.DPO)
    assert not roles.has_role(fresh, roles.PARTNER_STAFF)
