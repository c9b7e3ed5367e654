"""The licensing models, by domain; import them from here."""

from licensing.models.billing import Invoice, InvoiceCounter, Refund
from licensing.models.catalog import (
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
from licensing.models.operations import SigningKey, SweepRun

__all__ = [
    "LIVE_STATUSES",
    "Activation",
    "AgreementVersion",
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
