from django.urls import path

from licensing import views

urlpatterns = [
    path(
        "register/confirm/<str:token>/",
        views.RegistrationConfirmView.as_view(),
        name="registration-confirm",
    ),
]

urlpatterns += [
    path(
        "transfer/accept/<str:token>/",
        views.TransferAcceptView.as_view(),
        name="transfer-accept",
    ),
]

# The customer portal's license pages (SPEC section 6).
LICENSE = "licenses/<uuid:license_id>/"
urlpatterns += [
    path("licenses/", views.DashboardView.as_view(), name="portal-dashboard"),
    path("licenses/claim/", views.ClaimView.as_view(), name="portal-claim"),
    path("licenses/recover/", views.RecoverView.as_view(), name="portal-recover"),
    path(LICENSE, views.LicenseView.as_view(), name="portal-license"),
    path(
        LICENSE + "machines/<uuid:activation_id>/release/",
        views.MachineReleaseView.as_view(),
        name="portal-machine-release",
    ),
    path(LICENSE + "offline/", views.OfflineFileView.as_view(), name="portal-offline"),
    path(
        LICENSE + "terminate/", views.TerminateView.as_view(), name="portal-terminate"
    ),
    path(
        LICENSE + "withdraw/",
        views.WithdrawCancelView.as_view(mode="withdraw"),
        name="portal-withdraw",
    ),
    path(
        LICENSE + "cancel/",
        views.WithdrawCancelView.as_view(mode="cancel"),
        name="portal-cancel",
    ),
    path(LICENSE + "transfer/", views.TransferView.as_view(), name="portal-transfer"),
    path(
        LICENSE + "transfer/withdraw/",
        views.TransferWithdrawView.as_view(),
        name="portal-transfer-withdraw",
    ),
    path(
        LICENSE + "invoices/<int:invoice_id>/",
        views.InvoiceView.as_view(),
        name="portal-invoice",
    ),
]
