"""Every field of every model is declared in the registry of personal data; a
system check error says which one is not."""

import pytest
from django.core import checks
from django.db import models
from django.test.utils import isolate_apps

from licensing.models import Activation, License
from privacy.checks import registry_problems
from privacy.registry import NO, REGISTRY, Entry


def test_the_project_passes_the_check():
    errors = [e for e in checks.run_checks() if e.id.startswith("privacy.")]
    assert errors == []


@isolate_apps("privacy")
def test_an_undeclared_field_is_an_error():
    class Nickname(models.Model):
        nickname = models.CharField(max_length=50)

        class Meta:
            app_label = "privacy"

        def __str__(self):
            return str(self.pk)

    registry = {"privacy.Nickname": Entry(fields={"id": NO})}
    errors = registry_problems([Nickname], registry)
    assert [(e.id, e.level) for e in errors] == [("privacy.E002", checks.ERROR)]
    assert "privacy.Nickname.nickname" in errors[0].msg


@isolate_apps("privacy")
def test_an_undeclared_model_and_a_stale_declaration_are_errors():
    class Note(models.Model):
        class Meta:
            app_label = "privacy"

        def __str__(self):
            return str(self.pk)

    assert [e.id for e in registry_problems([Note], {})] == ["privacy.E001"]
    stale = {"privacy.Note": Entry(fields={"id": NO, "gone": NO})}
    assert [e.id for e in registry_problems([Note], stale)] == ["privacy.E003"]


def test_a_foreign_key_to_a_person_must_be_declared_too(monkeypatch):
    entry = REGISTRY["licensing.License"]
    fields = {k: v for k, v in entry.fields.items() if k != "customer"}
    registry = {
        **REGISTRY,
        "licensing.License": Entry(fields=fields, customer="customer"),
    }

    errors = registry_problems([License], registry)
    assert [e.id for e in errors] == ["privacy.E002"]
    assert "licensing.License.customer" in errors[0].msg


def test_a_path_to_the_person_must_lead_there():

    entry = REGISTRY["licensing.Activation"]
    wrong = {"licensing.Activation": Entry(fields=entry.fields, customer="license")}
    assert [e.id for e in registry_problems([Activation], wrong)] == ["privacy.E005"]


@pytest.mark.parametrize("label", sorted(REGISTRY))
def test_every_personal_declaration_says_everything(label):
    for name, declared in REGISTRY[label].fields.items():
        if declared is NO:
            continue
        assert declared.category and declared.purpose and declared.retention, name
        assert declared.basis and declared.strategy, name


def test_a_link_to_a_person_declared_not_personal_is_an_error():
    entry = REGISTRY["licensing.License"]
    fields = {**entry.fields, "customer": NO}
    registry = {"licensing.License": Entry(fields=fields, customer="customer")}
    errors = registry_problems([License], registry)
    assert [e.id for e in errors] == ["privacy.E006"]
