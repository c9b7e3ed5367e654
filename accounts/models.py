from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.datakeys import PersonalQuerySet
from core.fields import BlindIndexField, DataKeyField, EncryptedTextField, blind_index


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """A login. The email address is the identifier.

    It is the one personal value kept in plain text (SPEC section 7): the
    authentication library must look it up as it is. Names live, encrypted, on
    the customer record instead of here.
    """

    username = None
    first_name = None
    last_name = None
    email = models.EmailField(_("email address"), unique=True)
    # The account's own data key (core.datakeys): its TOTP secret and recovery
    # seed are sealed with it (accounts.services.mfa_secrets_seal).
    data_key = DataKeyField(_("data key"))

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        return self.email


class CustomerQuerySet(PersonalQuerySet):
    def by_email(self, email: str):
        return self.filter(email_index=blind_index(Customer.EMAIL_INDEX, email))


class Customer(models.Model):
    """The registrant of licenses. Every personal value is encrypted at rest,
    under the customer's own data key (`core.datakeys`), which erasure destroys."""

    EMAIL_INDEX = "customer.email"

    class Kind(models.TextChoices):
        CONSUMER = "consumer", _("Consumer (a private person)")
        BUSINESS = "business", _("Business")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="customer",
    )
    # The id of this customer's data key, in the keys database (no foreign key
    # across databases); created with the first personal value.
    data_key = DataKeyField(_("data key"))
    email = EncryptedTextField(_("email address"), max_length=254, data_key="self")
    email_index = BlindIndexField(source="email", purpose=EMAIL_INDEX, unique=True)
    name = EncryptedTextField(_("name"), max_length=200, blank=True, data_key="self")
    company = EncryptedTextField(
        _("company"), max_length=200, blank=True, data_key="self"
    )
    billing_address = EncryptedTextField(
        _("billing address"), blank=True, data_key="self"
    )
    phone = EncryptedTextField(_("phone"), max_length=50, blank=True, data_key="self")
    language = models.CharField(
        _("preferred language"),
        max_length=8,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
    )
    kind = models.CharField(
        _("customer type"), max_length=16, choices=Kind, default=Kind.CONSUMER
    )
    updates_opt_in = models.BooleanField(_("update notifications"), default=False)
    updates_opt_in_at = models.DateTimeField(
        _("update notifications accepted at"), null=True, blank=True
    )
    updates_opt_in_source = models.CharField(
        _("update notifications accepted where"), max_length=64, blank=True
    )
    # Product news is another purpose than update notifications: a consent of its own.
    news_opt_in = models.BooleanField(_("product news"), default=False)
    # Art. 18: while restricted, no marketing, and the data changes only by the DPO.
    restricted = models.BooleanField(_("processing restricted"), default=False)
    news_opt_in_at = models.DateTimeField(
        _("product news accepted at"), null=True, blank=True
    )
    news_opt_in_source = models.CharField(
        _("product news accepted where"), max_length=64, blank=True
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = CustomerQuerySet.as_manager()

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")

    def __str__(self):
        return _("Customer %(id)s") % {"id": self.pk}
