"""Products, plans, partners, agreement versions, releases and news."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from licensing import rules


def validate_version(value: str) -> None:
    try:
        rules.version_major(value)
    except ValueError:
        raise ValidationError(
            _("A version is MAJOR[.MINOR[.PATCH]] in digits, such as 7.2.1.")
        ) from None


class Product(models.Model):
    slug = models.SlugField(_("slug"), unique=True)
    name = models.CharField(_("name"), max_length=100)
    current_major = models.PositiveIntegerField(_("current major version"), default=1)
    # Programs built with a Keygen client send their Keygen product's id as the
    # validation's product scope; it matches this product (see `licensing.keygen`).
    keygen_product_id = models.CharField(
        _("Keygen product id"),
        max_length=64,
        blank=True,
        help_text=_(
            "Only for programs built with a Keygen client library: the product "
            "id they send when they validate (their `product` setting, the id of "
            "your Keygen product). Matched exactly; no other product may use it. "
            "This product's slug matches too."
        ),
    )

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["keygen_product_id"],
                condition=~models.Q(keygen_product_id=""),
                name="product_unique_keygen_id",
                violation_error_message=_(
                    "Another product has this Keygen product id already."
                ),
            )
        ]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        taken = Product.objects.exclude(pk=self.pk)
        if (
            self.keygen_product_id
            and taken.filter(slug=self.keygen_product_id).exists()
        ):
            raise ValidationError(
                {
                    "keygen_product_id": _(
                        "This is another product's slug: its programs would "
                        "validate against this product."
                    )
                }
            )
        if self.slug and taken.filter(keygen_product_id=self.slug).exists():
            raise ValidationError(
                {"slug": _("Another product uses this slug as its Keygen product id.")}
            )


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


class AgreementVersion(models.Model):
    number = models.CharField(_("version"), max_length=20, unique=True)
    published_at = models.DateTimeField(_("published"))
    material = models.BooleanField(_("material change"), default=False)
    summary = models.TextField(_("summary of changes"), blank=True)

    class Meta:
        verbose_name = _("agreement version")
        verbose_name_plural = _("agreement versions")
        ordering = ["-published_at"]
        get_latest_by = "published_at"

    def __str__(self):
        return self.number


class AgreementNotice(models.Model):
    """That a registrant was told of a material agreement change, and when.

    Written with the email in the outbox (which delivers it); a version binds
    at renewal only the customers it was announced to, long enough before.
    """

    version = models.ForeignKey(
        AgreementVersion,
        verbose_name=_("agreement version"),
        on_delete=models.CASCADE,
        related_name="notices",
    )
    customer = models.ForeignKey(
        "accounts.Customer",
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="agreement_notices",
    )
    notified_at = models.DateTimeField(_("notified"))

    class Meta:
        verbose_name = _("agreement notice")
        verbose_name_plural = _("agreement notices")
        constraints = [
            models.UniqueConstraint(
                fields=["version", "customer"], name="agreement_notice_once"
            )
        ]

    def __str__(self):
        return f"{self.version} → {self.customer_id}"


class ProductRelease(models.Model):
    """A new version of a product; registrants of its major version who opted in are told."""

    product = models.ForeignKey(
        Product,
        verbose_name=_("product"),
        on_delete=models.CASCADE,
        related_name="releases",
    )
    version = models.CharField(
        _("version"), max_length=64, validators=[validate_version]
    )
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
        return rules.version_major(self.version)


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
