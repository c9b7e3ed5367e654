from django.urls import path

from accounts import views

urlpatterns = [
    path(
        "unsubscribe/<str:token>/", views.UnsubscribeView.as_view(), name="unsubscribe"
    ),
]
