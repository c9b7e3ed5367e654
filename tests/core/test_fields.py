import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.core.management import call_command
from django.db import connection

from accounts.models import Customer
from core.fields import EncryptionKeyError, blind_index, normalise_for_index
from tests.factories import CustomerFactory

OLD_KEY = Fernet.generate_key().decode()
NEW_KEY = Fernet.generate_key().decode()


def stored(table, column, pk):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_encrypted_values_are_not_stored_in_plain_text():
    customer = CustomerFactory(email="kari@example.org", name="Kari Nordmann")
    assert "kari" not in stored("accounts_customer", "email", customer.pk)
    assert "Nordmann" not in stored("accounts_customer", "name", customer.pk)
    fresh = Customer.objects.get(pk=customer.pk)
    assert (fresh.email, fresh.name) == ("kari@example.org", "Kari Nordmann")


@pytest.mark.django_db
def test_the_same_value_encrypts_differently_each_time():
    a = CustomerFactory(email="same@example.org", name="Same")
    b = CustomerFactory(email="other@example.org", name="Same")
    assert stored("accounts_customer", "name", a.pk) != stored(
        "accounts_customer", "name", b.pk
    )


@pytest.mark.django_db
def test_a_wrong_key_raises_instead_of_returning_ciphertext(settings):
    customer = CustomerFactory()
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(EncryptionKeyError):
        Customer.objects.get(pk=customer.pk)


@pytest.mark.django_db
def test_missing_keys_are_a_configuration_error(settings):
    settings.FIELD_ENCRYPTION_KEYS = []
    with pytest.raises(ImproperlyConfigured):
        CustomerFactory()


@pytest.mark.django_db
def test_encrypted_columns_cannot_be_searched():
    with pytest.raises(FieldError):
        list(Customer.objects.filter(email="kari@example.org"))


@pytest.mark.django_db
def test_blind_index_finds_a_customer_by_email_whatever_the_spelling():
    customer = CustomerFactory(email="Kari.Nordmann@Example.org")
    assert Customer.objects.by_email("  kari.nordmann@EXAMPLE.ORG ").get() == customer
    assert not Customer.objects.by_email("kari@example.org").exists()
    assert "kari" not in customer.email_index.lower()


def test_normalisation_is_nfkc_casefolded_and_trimmed():
    assert normalise_for_index(" ＫＡＲＩ@Example.ORG\n") == "kari@example.org"
    assert normalise_for_index("STRASSE") == normalise_for_index("straße")


def test_blind_indexes_differ_by_purpose(settings):
    settings.BLIND_INDEX_KEY = "one"
    a = blind_index("customer.email", "x@example.org")
    assert a != blind_index("other.purpose", "x@example.org")
    settings.BLIND_INDEX_KEY = "two"
    assert a != blind_index("customer.email", "x@example.org")


@pytest.mark.django_db
def test_rotation_re_encrypts_everything_so_the_old_key_can_go(settings):
    settings.FIELD_ENCRYPTION_KEYS = [OLD_KEY]
    customers = [CustomerFactory(name=f"Name {i}") for i in range(7)]
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]
    from io import StringIO

    out = StringIO()
    call_command("rotate_encryption_keys", batch_size=3, stdout=out)
    assert "accounts.Customer: 7/7 rows" in out.getvalue()
    assert "Done:" in out.getvalue()

    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY]
    names = sorted(
        Customer.objects.filter(pk__in=[c.pk for c in customers]).values_list(
            "name", flat=True
        )
    )
    assert names == sorted(f"Name {i}" for i in range(7))


@pytest.mark.django_db
def test_rotation_refuses_values_that_no_key_opens(settings):
    settings.FIELD_ENCRYPTION_KEYS = [OLD_KEY]
    CustomerFactory()
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY]
    with pytest.raises(EncryptionKeyError):
        call_command("rotate_encryption_keys", stdout=None)


def test_form_fields_follow_blank_and_max_length():
    form_name = Customer._meta.get_field("name").formfield()
    form_email = Customer._meta.get_field("email").formfield()
    assert (form_name.required, form_name.max_length) == (False, 200)
    assert (form_email.required, form_email.max_length) == (True, 254)
    assert form_name.widget.input_type == "text"  # one line, not a text area
