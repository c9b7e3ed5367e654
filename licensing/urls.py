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
