"""The licensing models, by domain; import them from here."""

from licensing.models.billing import Invoice, InvoiceCounter, Refund
from licensing.models.catalog import (
    AgreementNotice,
    AgreementVersion,
    Partner,
    PartnerMembership,
    Plan,
    Product,
    ProductNews,
    ProductRelease,
)
from licensing.models.licenses import (
    LIVE_STATUSES,
    Activation,
    License,
    RegistrationRequest,
    TransferOffer,
)
from licensing.models.operations import Announcement, SigningKey, SweepRun

__all__ = [
    "LIVE_STATUSES",
    "Activation",
    "AgreementNotice",
    "AgreementVersion",
    "Announcement",
    "Invoice",
    "InvoiceCounter",
    "License",
    "Partner",
    "PartnerMembership",
    "Plan",
    "Product",
    "ProductNews",
    "ProductRelease",
    "Refund",
    "RegistrationRequest",
    "SigningKey",
    "SweepRun",
    "TransferOffer",
]
