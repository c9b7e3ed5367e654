from django.urls import path

from privacy import views

app_name = "privacy"

urlpatterns = [
    path("privacy/", views.PrivacyCenterView.as_view(), name="center"),
    path(
        "privacy/exports/<str:token>/",
        views.ExportDownloadView.as_view(),
        name="export-download",
    ),
    path("privacy/erase/", views.EraseView.as_view(), name="erase"),
    path(
        "privacy/erase/cancel/<str:token>/",
        views.EraseCancelView.as_view(),
        name="erase-cancel",
    ),
    path("privacy/policy/", views.PolicyView.as_view(), name="policy"),
    path("privacy/request/", views.PublicRequestView.as_view(), name="request"),
    path(
        "privacy/request/confirm/<str:token>/",
        views.RequestConfirmView.as_view(),
        name="request-confirm",
    ),
]
