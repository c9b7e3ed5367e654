import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.fields import BlindIndexField, EncryptedTextField, blind_index
from licensing import keys


class Product(models.Model):
    slug = models.SlugField(_("slug"), unique=True)
    name = models.CharField(_("name"), max_length=100)
    current_major = models.PositiveIntegerField(_("current major version"), default=1)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Plan(models.Model):
    class Renewal(models.TextChoices):
        ROLLING = "rolling", _("Rolling (renews for 12 months until terminated)")
        FIXED = "fixed", _("Fixed (ends at the end of the term)")

    class Billing(models.TextChoices):
        INVOICE = "invoice", _("Invoice (due 15 days after the invoice date)")
        PREPAID = "prepaid", _("Prepaid (paid before issue or renewal)")

    product = models.ForeignKey(
        Product,
        verbose_name=_("product"),
        on_delete=models.PROTECT,
        related_name="plans",
    )
    slug = models.SlugField(_("slug"), unique=True)
    name = models.CharField(_("name"), max_length=100)
    seats = models.PositiveIntegerField(
        _("seats"), default=1, validators=[MinValueValidator(1)]
    )
    initial_term_months = models.PositiveIntegerField(
        _("initial term (months)"),
        default=12,
        validators=[MinValueValidator(12), MaxValueValidator(36)],
    )
    renewal = models.CharField(
        _("renewal"), max_length=16, choices=Renewal, default=Renewal.ROLLING
    )
    billing = models.CharField(
        _("billing"), max_length=16, choices=Billing, default=Billing.INVOICE
    )
    price = models.DecimalField(_("price"), max_digits=10, decimal_places=2, default=0)
    currency = models.CharField(_("currency"), max_length=3, default="NOK")
    minimum_age = models.PositiveIntegerField(
        _("minimum customer age"), null=True, blank=True
    )
    heartbeat_interval = models.PositiveIntegerField(
        _("heartbeat interval (seconds)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(60)],
        help_text=_(
            "Empty: machines are node-locked. Set: a silent machine is released."
        ),
    )

    class Meta:
        verbose_name = _("plan")
        verbose_name_plural = _("plans")
        ordering = ["product__name", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    initial_term_months__gte=12, initial_term_months__lte=36
                ),
                name="plan_initial_term_12_to_36",
            ),
            models.CheckConstraint(
                condition=models.Q(seats__gte=1), name="plan_seats_positive"
            ),
        ]

    def __str__(self):
        return self.name


class Partner(models.Model):
    slug = models.SlugField(_("slug"), unique=True)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        ordering = ["name"]

    def __str__(self):
        return self.name


class PartnerMembership(models.Model):
    """A staff user of a partner; a user belongs to at most one partner."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="partner_membership",
    )
    partner = models.ForeignKey(
        Partner,
        verbose_name=_("partner"),
        on_delete=models.CASCADE,
        related_name="members",
    )

    class Meta:
        verbose_name = _("partner membership")
        verbose_name_plural = _("partner memberships")

    def __str__(self):
        return f"{self.partner}: {self.user_id}"


class AgreementVersionQuerySet(models.QuerySet):
    def current(self):
        """The version in force now (the newest published), or None."""
        return (
            self.filter(published_at__lte=timezone.now())
            .order_by("-published_at")
            .first()
        )


class AgreementVersion(models.Model):
    number = models.CharField(_("version"), max_length=20, unique=True)
    published_at = models.DateTimeField(_("published"))
    material = models.BooleanField(_("material change"), default=False)
    summary = models.TextField(_("summary of changes"), blank=True)

    objects = AgreementVersionQuerySet.as_manager()

    class Meta:
        verbose_name = _("agreement version")
        verbose_name_plural = _("agreement versions")
        ordering = ["-published_at"]
        get_latest_by = "published_at"

    def __str__(self):
        return self.number


class LicenseQuerySet(models.QuerySet):
    def by_key(self, canonical_key: str):
        return self.filter(
            key_index=blind_index(keys.BLIND_INDEX_PURPOSE, canonical_key)
        )


class License(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended (unpaid invoice)")
        EXPIRED = "expired", _("Expired")
        TERMINATED = "terminated", _("Terminated")
        CANCELLED = "cancelled", _("Cancelled")
        TRANSFERRED = "transferred", _("Transferred (old key)")

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
    label = EncryptedTextField(_("label"), max_length=100, blank=True)
    platform = models.CharField(_("platform"), max_length=40, blank=True)
    activated_at = models.DateTimeField(_("activated"))
    last_heartbeat_at = models.DateTimeField(_("last heartbeat"))

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


class Invoice(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        PAID = "paid", _("Paid")
        VOID = "void", _("Void")

    license = models.ForeignKey(
        License,
        verbose_name=_("license"),
        on_delete=models.PROTECT,
        related_name="invoices",
    )
    number = models.CharField(_("number"), max_length=32, unique=True)
    # The period this invoice bills: one invoice per license and period.
    period_start = models.DateField(_("period start"))
    issued_on = models.DateField(_("invoice date"))
    due_on = models.DateField(_("due date"))
    amount = models.DecimalField(_("amount"), max_digits=10, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    status = models.CharField(
        _("status"), max_length=8, choices=Status, default=Status.OPEN
    )
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    default_notice_sent_on = models.DateField(
        _("payment-default notice sent"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        ordering = ["-issued_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["license", "period_start"], name="invoice_one_per_period"
            )
        ]
        indexes = [
            models.Index(
                fields=["due_on"],
                name="invoice_open_due_idx",
                condition=models.Q(status="open"),
            )
        ]

    def __str__(self):
        return self.number


class RegistrationRequest(models.Model):
    """A client program's request to register a license, waiting for the email's confirmation.

    One per license: a new request replaces the pending one. The token is kept
    as a keyed hash only.
    """

    TOKEN_PURPOSE = "registration.token"  # noqa: S105 (a hash purpose, not a secret)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    license = models.OneToOneField(
        License,
        verbose_name=_("license"),
        on_delete=models.CASCADE,
        related_name="registration_request",
    )
    token_hash = models.CharField(
        _("token hash"), max_length=64, unique=True, editable=False
    )
    email = EncryptedTextField(_("email address"), max_length=254)
    name = EncryptedTextField(_("name"), max_length=200, blank=True)
    language = models.CharField(
        _("language"), max_length=8, default=settings.LANGUAGE_CODE
    )
    updates_opt_in = models.BooleanField(_("update notifications"), default=False)
    created_at = models.DateTimeField(_("created"))
    expires_at = models.DateTimeField(_("expires"))

    class Meta:
        verbose_name = _("registration request")
        verbose_name_plural = _("registration requests")

    def __str__(self):
        return str(self.pk)


class SigningKey(models.Model):
    """An Ed25519 key that signs API responses and offline files.

    The signer is the newest key whose `activates_at` has passed; a replaced key
    keeps verifying (it stays listed with `retired`) until it is purged.
    """

    keyid = models.CharField(_("key id"), max_length=32, unique=True)
    public_key = models.CharField(_("public key (base64)"), max_length=64)
    private_key = EncryptedTextField(_("private key (base64)"))
    created_at = models.DateTimeField(_("created"))
    activates_at = models.DateTimeField(_("signs from"))
    retired_at = models.DateTimeField(_("retired"), null=True, blank=True)

    class Meta:
        verbose_name = _("signing key")
        verbose_name_plural = _("signing keys")
        ordering = ["created_at"]

    def __str__(self):
        return self.keyid


class InvoiceCounter(models.Model):
    """The last invoice number used in a year: numbers run without gaps per year."""

    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("invoice counter")
        verbose_name_plural = _("invoice counters")

    def __str__(self):
        return f"{self.year}: {self.last}"


class Refund(models.Model):
    """Money owed back after a withdrawal or cancellation."""

    license = models.ForeignKey(
        License,
        verbose_name=_("license"),
        on_delete=models.PROTECT,
        related_name="refunds",
    )
    amount = models.DecimalField(_("amount"), max_digits=10, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    due_on = models.DateField(_("due date"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.amount} {self.currency}"


class SweepRun(models.Model):
    """A day the lifecycle sweep has completed, and what it did."""

    day = models.DateField(_("day"), unique=True)
    finished_at = models.DateTimeField(_("finished"))
    counts = models.JSONField(_("counts"), default=dict)

    class Meta:
        verbose_name = _("sweep run")
        verbose_name_plural = _("sweep runs")
        ordering = ["-day"]

    def __str__(self):
        return str(self.day)


class ProductRelease(models.Model):
    """A new version of a product; registrants of its major version who opted in are told."""

    product = models.ForeignKey(
        Product,
        verbose_name=_("product"),
        on_delete=models.CASCADE,
        related_name="releases",
    )
    version = models.CharField(_("version"), max_length=64)
    notes = models.TextField(_("release notes"), blank=True)
    published_at = models.DateTimeField(_("published"))

    class Meta:
        verbose_name = _("product release")
        verbose_name_plural = _("product releases")
        ordering = ["-published_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["product", "version"], name="release_unique_version"
            )
        ]

    def __str__(self):
        return f"{self.product} {self.version}"

    @property
    def major(self) -> int:
        return int(self.version.split(".", 1)[0].split("-", 1)[0].split("+", 1)[0])


class TransferOffer(models.Model):
    """A license offered to a new owner, waiting for their acceptance (one per license)."""

    TOKEN_PURPOSE = "transfer.token"  # noqa: S105 (a hash purpose, not a secret)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    license = models.OneToOneField(
        License,
        verbose_name=_("license"),
        on_delete=models.CASCADE,
        related_name="transfer_offer",
    )
    token_hash = models.CharField(
        _("token hash"), max_length=64, unique=True, editable=False
    )
    email = EncryptedTextField(_("new owner's email address"), max_length=254)
    language = models.CharField(
        _("language"), max_length=8, default=settings.LANGUAGE_CODE
    )
    created_at = models.DateTimeField(_("created"))
    expires_at = models.DateTimeField(_("expires"))

    class Meta:
        verbose_name = _("transfer offer")
        verbose_name_plural = _("transfer offers")

    def __str__(self):
        return str(self.pk)


class ProductNews(models.Model):
    """News about a product, emailed to its registrants who asked for product news."""

    product = models.ForeignKey(
        Product,
        verbose_name=_("product"),
        on_delete=models.CASCADE,
        related_name="news",
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    published_at = models.DateTimeField(_("published"))

    class Meta:
        verbose_name = _("product news")
        verbose_name_plural = _("product news")
        ordering = ["-published_at"]

    def __str__(self):
        return self.title
