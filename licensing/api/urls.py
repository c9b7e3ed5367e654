from django.urls import path

from licensing.api import lean, views

urlpatterns = [
    path("licenses/validate", lean.validate, name="api-validate"),
    path("activations", views.ActivationCreateView.as_view(), name="api-activate"),
    path(
        "activations/<uuid:activation_id>/heartbeat",
        views.HeartbeatView.as_view(),
        name="api-heartbeat",
    ),
    path(
        "activations/<uuid:activation_id>/deactivate",
        views.DeactivateView.as_view(),
        name="api-deactivate",
    ),
    path("licenses/checkout", views.CheckoutView.as_view(), name="api-checkout"),
    path("licenses/register", views.RegisterView.as_view(), name="api-register"),
    path("signing-keys", views.SigningKeysView.as_view(), name="api-signing-keys"),
    path("ping", lean.ping, name="api-ping"),
]
