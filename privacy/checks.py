"""A system check: every field of every model is declared in the registry."""

from django.apps import apps
from django.core import checks
from django.core.exceptions import FieldDoesNotExist

from privacy.registry import REGISTRY, Entry, NotPersonal, Personal

# The models that are people: a link to one is personal data.
PEOPLE = {"accounts.Customer", "accounts.User"}


def registry_problems(models, registry: dict[str, Entry] = REGISTRY) -> list:
    """The errors for `models` against `registry`: undeclared models and fields,
    declarations of fields that no longer exist, and paths to a person that do
    not resolve."""
    errors = []
    for model in models:
        label = model._meta.label
        entry = registry.get(label)
        fields_by_name = {f.name: f for f in model._meta.get_fields() if f.concrete}
        fields = set(fields_by_name)
        if entry is None:
            errors.append(
                checks.Error(
                    f"{label} is not in the registry of personal data.",
                    hint="Declare each of its fields in privacy/registry.py, "
                    "personal or not personal.",
                    obj=model,
                    id="privacy.E001",
                )
            )
            continue
        for name in sorted(fields - set(entry.fields)):
            errors.append(
                checks.Error(
                    f"{label}.{name} is declared neither personal nor not personal.",
                    hint="Declare it in privacy/registry.py, so that export, "
                    "erasure and the records of processing cover it.",
                    obj=model,
                    id="privacy.E002",
                )
            )
        for name in sorted(set(entry.fields) - fields):
            errors.append(
                checks.Error(
                    f"{label}.{name} is declared but is not a field of the model.",
                    obj=model,
                    id="privacy.E003",
                )
            )
        for name, declaration in entry.fields.items():
            if not isinstance(declaration, Personal | NotPersonal):
                errors.append(
                    checks.Error(
                        f"{label}.{name} is declared as {declaration!r}.",
                        obj=model,
                        id="privacy.E004",
                    )
                )
        for name, declaration in entry.fields.items():
            field = fields_by_name.get(name)
            if (
                field is not None
                and field.is_relation
                and field.related_model is not None
                and field.related_model._meta.label in PEOPLE
                and isinstance(declaration, NotPersonal)
            ):
                errors.append(
                    checks.Error(
                        f"{label}.{name} links to a person but is declared not personal.",
                        hint="A link to a customer or an account is personal data: "
                        "declare it so, so that export and erasure follow it.",
                        obj=model,
                        id="privacy.E006",
                    )
                )
        for target, path in (
            ("accounts.Customer", entry.customer),
            ("accounts.User", entry.user),
        ):
            if path and path_target(model, path) != target:
                errors.append(
                    checks.Error(
                        f"{label}: the path {path!r} does not lead to {target}.",
                        obj=model,
                        id="privacy.E005",
                    )
                )
    return errors


def path_target(model, path: str) -> str | None:
    """The label of the model at the end of an ORM path of relations."""
    for name in path.split("__"):
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            return None
        if not field.is_relation:
            return None
        model = field.related_model
    return model._meta.label


@checks.register(checks.Tags.models)
def registry_complete(app_configs=None, **kwargs):
    models = apps.get_models(include_auto_created=True)
    if app_configs is not None:
        labels = {config.label for config in app_configs}
        models = [m for m in models if m._meta.app_label in labels]
    return registry_problems(models)
