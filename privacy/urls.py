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
]
