"""Pages of the licensing domain: those behind emailed links (`links`) and the
customer portal's license pages (`portal`, `actions`)."""

from licensing.views.actions import (
    InvoiceView,
    MachineReleaseView,
    OfflineFileView,
    TerminateView,
    TransferView,
    TransferWithdrawView,
    WithdrawCancelView,
)
from licensing.views.links import RegistrationConfirmView, TransferAcceptView
from licensing.views.portal import (
    ClaimView,
    DashboardView,
    LicenseView,
    RecoverView,
)

__all__ = [
    "ClaimView",
    "DashboardView",
    "InvoiceView",
    "LicenseView",
    "MachineReleaseView",
    "OfflineFileView",
    "RecoverView",
    "RegistrationConfirmView",
    "TerminateView",
    "TransferAcceptView",
    "TransferView",
    "TransferWithdrawView",
    "WithdrawCancelView",
]
