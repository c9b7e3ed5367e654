"""Licenses, the machines holding their seats, and pending registrations and transfers."""

import uuid

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import Customer
from core.datakeys import PersonalQuerySet
from core.fields import BlindIndexField, DataKeyField, EncryptedTextField, blind_index
from licensing import keys
from licensing.models.catalog import AgreementVersion, Partner, Plan, Product


class LicenseQuerySet(PersonalQuerySet):  # its customer comes along on lists
    def by_key(self, canonical_key: str):
        return self.filter(
            key_index=blind_index(keys.BLIND_INDEX_PURPOSE, canonical_key)
        )


class License(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")
        EXPIRED = "expired", _("Expired")
        TERMINATED = "terminated", _("Terminated")
        CANCELLED = "cancelled", _("Cancelled")
        TRANSFERRED = "transferred", _("Transferred (old key)")

    class SuspendedFor(models.TextChoices):
        """Why a suspended license is suspended: each reason is lifted its own way."""

        PAYMENT = "payment", _("Suspended (unpaid invoice)")  # lifted by payment
        VENDOR = "vendor", _("Suspended by the vendor")  # lifted by staff only

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # The key is the client's credential: encrypted, found by its blind index.
    key = EncryptedTextField(_("license key"), max_length=keys.LENGTH)
    key_index = BlindIndexField(
        source="key", purpose=keys.BLIND_INDEX_PURPOSE, unique=True
    )
    product = models.ForeignKey(
        Product,
        verbose_name=_("product"),
        on_delete=models.PROTECT,
        related_name="licenses",
    )
    plan = models.ForeignKey(
        Plan, verbose_name=_("plan"), on_delete=models.PROTECT, related_name="licenses"
    )
    major_version = models.PositiveIntegerField(_("entitled major version"))
    seats = models.PositiveIntegerField(_("seats"), validators=[MinValueValidator(1)])
    customer = models.ForeignKey(
        "accounts.Customer",
        verbose_name=_("registrant"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="licenses",
    )
    # Consumer or business is said per license, as it was registered: it
    # decides this license's withdrawal right (blank while unregistered).
    customer_kind = models.CharField(
        _("consumer or business"), max_length=16, choices=Customer.Kind, blank=True
    )
    partner = models.ForeignKey(
        Partner,
        verbose_name=_("partner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="licenses",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status, default=Status.ACTIVE, db_index=True
    )
    # Meaningful while the status is SUSPENDED.
    suspended_for = models.CharField(
        _("suspended for"), max_length=8, choices=SuspendedFor, blank=True
    )
    purchased_on = models.DateField(_("purchase date"))
    period_start = models.DateField(_("current period start"))
    period_end = models.DateField(_("current period end"), db_index=True)
    agreement_version = models.ForeignKey(
        AgreementVersion,
        verbose_name=_("accepted agreement version"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    termination_received_on = models.DateField(
        _("termination notice received"), null=True, blank=True
    )
    termination_effective_on = models.DateField(
        _("termination takes effect"), null=True, blank=True
    )
    first_activated_at = models.DateTimeField(
        _("first activation"), null=True, blank=True
    )
    # The period end whose renewal reminder went out (one reminder per period).
    reminded_for = models.DateField(
        _("renewal reminder sent for"), null=True, blank=True
    )
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    replaced_by = models.OneToOneField(
        "self",
        verbose_name=_("replaced by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="replaces",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = LicenseQuerySet.as_manager()

    class Meta:
        verbose_name = _("license")
        verbose_name_plural = _("licenses")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(seats__gte=1), name="license_seats_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(period_end__gt=models.F("period_start")),
                name="license_period_not_empty",
            ),
        ]

    def __str__(self):
        return f"{self.product} {keys.masked(self.key)}" if self.key else str(self.pk)

    @property
    def display_key(self) -> str:
        return keys.display(self.key)

    @property
    def status_label(self) -> str:
        """The status as people read it; a suspension says why."""
        if self.status == self.Status.SUSPENDED and self.suspended_for:
            return self.get_suspended_for_display()
        return self.get_status_display()

    @property
    def blocked_for_payment(self) -> bool:
        """Suspended for an unpaid invoice: recording its payment restores access."""
        return (
            self.status == self.Status.SUSPENDED
            and self.suspended_for == self.SuspendedFor.PAYMENT
        )


# The statuses in which the agreement runs (a suspended license is still live).
LIVE_STATUSES = (License.Status.ACTIVE, License.Status.SUSPENDED)


class Activation(models.Model):
    """A machine holding a seat. Deactivation or release deletes the row."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    license = models.ForeignKey(
        License,
        verbose_name=_("license"),
        on_delete=models.CASCADE,
        related_name="activations",
    )
    # Keyed per license: the same computer cannot be linked across licenses.
    fingerprint_hash = models.CharField(
        _("fingerprint hash"), max_length=64, editable=False
    )
    # This machine's own data key (core.datakeys), destroyed when its
    # registrant is erased.
    data_key = DataKeyField(_("data key"))
    # A Keygen client's fingerprint as sent, encrypted: its machine file is
    # encrypted with the license key and this (see `licensing.keygen`). Blank for
    # machines activated through our own API. Lookups use the hash.
    fingerprint = EncryptedTextField(
        _("fingerprint"), max_length=256, blank=True, editable=False, data_key="self"
    )
    label = EncryptedTextField(_("label"), max_length=100, blank=True, data_key="self")
    platform = models.CharField(_("platform"), max_length=40, blank=True)
    activated_at = models.DateTimeField(_("activated"))
    last_heartbeat_at = models.DateTimeField(_("last heartbeat"))
    # The expiry of the latest offline file issued for this machine: until then
    # the machine keeps its seat, whatever its heartbeat or a deactivation says.
    checked_out_until = models.DateTimeField(
        _("offline file valid until"), null=True, blank=True
    )

    objects = PersonalQuerySet.as_manager()

    class Meta:
        verbose_name = _("activation")
        verbose_name_plural = _("activations")
        ordering = ["activated_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["license", "fingerprint_hash"],
                name="activation_unique_fingerprint",
            )
        ]

    def __str__(self):
        return str(self.pk)


class EmailedLink(models.Model):
    """What waits for someone to open the link emailed to them (see `licensing.tokens`).

    Only a keyed hash of the link's token is stored, and the link expires.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    token_hash = models.CharField(
        _("token hash"), max_length=64, unique=True, editable=False
    )
    # This row's own data key (core.datakeys): erasure of the person it is
    # about destroys it, so copies of the row in backups no longer open.
    data_key = DataKeyField(_("data key"))
    email = EncryptedTextField(_("email address"), max_length=254, data_key="self")
    # Found by the address (a person's export and erasure reach links sent to them).
    email_index = BlindIndexField(source="email", purpose="link.email", db_index=True)
    language = models.CharField(
        _("language"), max_length=8, default=settings.LANGUAGE_CODE
    )
    created_at = models.DateTimeField(_("created"))
    expires_at = models.DateTimeField(_("expires"))

    objects = PersonalQuerySet.as_manager()

    class Meta:
        abstract = True

    def __str__(self):
        return str(self.pk)


class RegistrationRequest(EmailedLink):
    """A client program's request to register a license, waiting for the email's confirmation.

    One per license: a new request replaces the pending one.
    """

    TOKEN_PURPOSE = "registration.token"  # noqa: S105 (a hash purpose, not a secret)

    license = models.OneToOneField(
        License,
        verbose_name=_("license"),
        on_delete=models.CASCADE,
        related_name="registration_request",
    )
    name = EncryptedTextField(_("name"), max_length=200, blank=True, data_key="self")
    updates_opt_in = models.BooleanField(_("update notifications"), default=False)

    class Meta:
        verbose_name = _("registration request")
        verbose_name_plural = _("registration requests")


class TransferOffer(EmailedLink):
    """A license offered to a new owner (the email), waiting for their acceptance; one per license."""

    TOKEN_PURPOSE = "transfer.token"  # noqa: S105 (a hash purpose, not a secret)

    license = models.OneToOneField(
        License,
        verbose_name=_("license"),
        on_delete=models.CASCADE,
        related_name="transfer_offer",
    )

    class Meta:
        verbose_name = _("transfer offer")
        verbose_name_plural = _("transfer offers")
