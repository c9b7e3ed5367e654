"""Every read of the privacy app: the rows about a person, across all apps,
found through the registry's paths; the records of processing."""

from collections import defaultdict

from allauth.account.models import EmailAddress
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet

from accounts.models import Customer
from core.fields import BlindIndexField, blind_index
from core.models import OutboxEmail
from privacy.models import DataExport, ErasureRequest, PrivacyCase
from privacy.registry import BASIS_LABELS, NO, REGISTRY


def person_of(*, customer=None, user=None):
    """The customer and user account of one person, each found from the other."""
    if customer is None and user is not None:
        customer = Customer.objects.filter(user=user).first()
    if user is None and customer is not None:
        user = customer.user
    return customer, user


def rows_about(
    label: str, *, customer=None, user=None, erasing: bool = False
) -> QuerySet | None:
    """The rows of model `label` about this person (None: the model holds none).

    For erasure, the models in ERASED_BY_SPECIAL_ONLY are reached only through
    what names the person as their object (a staff member's or the person's
    own acts on other things keep their record)."""
    model = apps.get_model(label)
    entry = REGISTRY[label]
    match = Q(pk__in=[])
    found = False
    paths = (
        ()
        if erasing and label in ERASED_BY_SPECIAL_ONLY
        else (
            (customer, entry.customer),
            (user, entry.user),
        )
    )
    for person, path in paths:
        if person is None or path is None:
            continue
        found = True
        match |= Q(pk=person.pk) if path == "" else Q(**{path: person})
    special = SPECIAL.get(label)
    if special is not None:
        extra = special(customer=customer, user=user)
        if extra is not None:
            match |= extra
            found = True
    if not found:
        return None
    return model.objects.filter(match)


def person_addresses(customer, user) -> set[str]:
    """Every address the person has used: the customer's, the login and every
    address the account ever added."""
    addresses = {a for a in (customer and customer.email, user and user.email) if a}
    if user is not None:
        addresses |= set(
            EmailAddress.objects.filter(user=user).values_list("email", flat=True)
        )
    return addresses


def _outbox(*, customer, user):
    addresses = person_addresses(customer, user)
    if not addresses:
        return None
    indexes = [blind_index("outbox.to", address) for address in addresses]
    return Q(to_index__in=indexes)


def _links_to(*, customer, user):
    addresses = person_addresses(customer, user)
    if not addresses:
        return None
    return Q(email_index__in=[blind_index("link.email", a) for a in addresses])


def _audit(*, customer, user):
    if customer is None:
        return None
    return Q(target_type="accounts.customer", target_id=str(customer.pk))


def _admin_log(*, customer, user):
    about = Q(pk__in=[])
    for person in (customer, user):
        if person is not None:
            about |= Q(
                content_type=ContentType.objects.get_for_model(type(person)),
                object_id=str(person.pk),
            )
    return about


# Rows about a person that no ORM path leads to.
SPECIAL = {
    "core.OutboxEmail": _outbox,
    "core.AuditEvent": _audit,
    "admin.LogEntry": _admin_log,
    "licensing.TransferOffer": _links_to,
    "licensing.RegistrationRequest": _links_to,
}
ERASED_BY_SPECIAL_ONLY = {"core.AuditEvent", "admin.LogEntry"}


def table_names(labels) -> dict[str, str]:
    """What each table is called in the reader's language."""
    return {
        label: str(apps.get_model(label)._meta.verbose_name_plural).capitalize()
        for label in labels
    }


def personal_data(*, customer=None, user=None) -> dict[str, list[dict]]:
    """Every field of every row about the person, by model, as JSON values."""
    data = {}
    for label in sorted(REGISTRY):
        rows = rows_about(label, customer=customer, user=user)
        if rows is None:
            continue
        declared = REGISTRY[label].fields
        fields = [
            f
            for f in apps.get_model(label)._meta.get_fields()
            if f.concrete
            and f.name in declared
            and getattr(declared[f.name], "exported", True)
            and not _lookup_hash(f)
        ]
        named = [
            f.name
            for f in fields
            if f.many_to_one and f.related_model._meta.label in NAMED
        ]
        exported = [_row(fields, row) for row in rows.select_related(*named)]
        if exported:
            data[label] = exported
    return data


# Catalog rows a person reads by name, not by id.
NAMED = {
    "licensing.Product",
    "licensing.Plan",
    "licensing.Partner",
    "licensing.AgreementVersion",
}


def _lookup_hash(field) -> bool:
    """Keyed hashes kept for lookups (blind indexes, token hashes): meaningless to anyone."""
    return isinstance(field, BlindIndexField) or field.name.endswith(
        ("_hash", "_index")
    )


def _row(fields, row) -> dict:
    values = {}
    for f in fields:
        values[f.name] = _json_value(f, row)
        if f.many_to_one and f.related_model._meta.label in NAMED:
            related = getattr(row, f.name)
            values[f"{f.name}_name"] = str(related) if related else None
    return values


def _json_value(field, row):
    if field.many_to_many:
        return [obj.pk for obj in getattr(row, field.name).all()]
    value = field.value_from_object(row)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | float | str | list | dict):
        return value
    return str(value)


def schema() -> dict[str, dict]:
    """What each exported field is: its category, purpose, basis and retention."""
    described = {}
    for label, entry in sorted(REGISTRY.items()):
        described[label] = {
            name: (
                {"personal": False}
                if declared is NO or not hasattr(declared, "category")
                else {
                    "personal": True,
                    "category": str(declared.category),
                    "purpose": str(declared.purpose),
                    "legal_basis": str(BASIS_LABELS[declared.basis]),
                    "retention": str(declared.retention),
                    "on_erasure": str(declared.strategy),
                }
            )
            for name, declared in entry.fields.items()
        }
    return described


def records_of_processing() -> list[dict]:
    """Art. 30: per purpose, its categories, legal bases, retention and where
    the data lives, generated from the registry."""
    by_purpose = defaultdict(
        lambda: {
            "categories": set(),
            "bases": set(),
            "retention": set(),
            "models": set(),
        }
    )
    for label, entry in REGISTRY.items():
        for declared in entry.fields.values():
            if declared is NO or not hasattr(declared, "category"):
                continue
            record = by_purpose[str(declared.purpose)]
            record["categories"].add(str(declared.category))
            record["bases"].add(str(BASIS_LABELS[declared.basis]))
            record["retention"].add(str(declared.retention))
            record["models"].add(label)
    return [
        {"purpose": purpose, **{k: sorted(v) for k, v in record.items()}}
        for purpose, record in sorted(by_purpose.items())
    ]


def export_latest(user) -> DataExport | None:
    return DataExport.objects.filter(user=user).order_by("-created_at").first()


def cases_of(*, customer=None, user=None) -> QuerySet[PrivacyCase]:
    match = Q(pk__in=[])
    if customer is not None:
        match |= Q(customer=customer)
    if user is not None:
        match |= Q(user=user)
    return PrivacyCase.objects.filter(match).order_by("-received_on", "-pk")


def case_emails(case: PrivacyCase):
    """The emails sent about a case (without their content, dropped once sent)."""
    keys = Q(idempotency_key__startswith=f"privacy-case:{case.pk}:")
    for export_id in case.exports.values_list("pk", flat=True):
        keys |= Q(idempotency_key=f"privacy-export-ready:{export_id}")
    erasure = ErasureRequest.objects.filter(case=case).first()
    if erasure is not None:
        keys |= Q(idempotency_key__regex=rf"^privacy-erasure-[a-z]+:{erasure.pk}(:|$)")
    return OutboxEmail.objects.filter(keys).order_by("created_at")
