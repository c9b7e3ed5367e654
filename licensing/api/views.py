"""The client API's calls other than validate and ping (see `lean.py`)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.views import APIView

from licensing import rules, selectors, services, signing
from licensing.api import serializers as s
from licensing.api.lean import activation_info
from licensing.api.responses import ApiError, signed_response
from licensing.errors import Refused
from licensing.models import Activation

ERRORS = {
    400: OpenApiResponse(s.ErrorResponse, description="INVALID_REQUEST"),
    403: OpenApiResponse(
        s.ErrorResponse, description="The license is not usable: its code."
    ),
    404: OpenApiResponse(s.ErrorResponse, description="NOT_FOUND"),
    429: OpenApiResponse(s.ErrorResponse, description="RATE_LIMITED, with Retry-After"),
}


class ClientApiView(APIView):
    """Parses the body with `request_serializer` and turns refusals into signed errors."""

    request_serializer: type[s.serializers.Serializer] = s.KeyRequest

    def parsed(self, request) -> dict:
        serializer = self.request_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def handle_exception(self, exc):
        if isinstance(exc, Refused):
            exc = ApiError(exc.code, detail=exc.detail)
        return super().handle_exception(exc)


def _activation_json(activation: Activation) -> dict:
    deadline = rules.heartbeat_deadline(
        activation.last_heartbeat_at, activation.license.plan.heartbeat_interval
    )
    return activation_info(
        activation.pk, activation.activated_at, activation.last_heartbeat_at, deadline
    )


class ActivationCreateView(ClientApiView):
    request_serializer = s.ActivateRequest

    @extend_schema(
        operation_id="activate",
        request=s.ActivateRequest,
        responses={
            201: OpenApiResponse(
                s.ActivationResponse, description="A new machine took a seat."
            ),
            200: OpenApiResponse(
                s.ActivationResponse, description="This machine already held one."
            ),
            409: OpenApiResponse(s.ErrorResponse, description="TOO_MANY_MACHINES"),
            **ERRORS,
        },
    )
    def post(self, request):
        data = self.parsed(request)
        asked_major = (
            rules.version_major(data["version"]) if data.get("version") else None
        )
        activation, created = services.activation_create(
            canonical_key=data["key"],
            fingerprint=data["fingerprint"],
            label=data.get("label", ""),
            platform=data.get("platform", ""),
            asked_major=asked_major,
        )
        return signed_response(
            {
                "activation": _activation_json(activation),
                "license": selectors.license_snapshot(
                    key_index=activation.license.key_index
                ).license_info(),
            },
            status=201 if created else 200,
            nonce=data.get("nonce"),
        )


class HeartbeatView(ClientApiView):
    @extend_schema(
        operation_id="heartbeat",
        request=s.KeyRequest,
        responses={200: s.HeartbeatResponse, **ERRORS},
    )
    def post(self, request, activation_id):
        data = self.parsed(request)
        activation = services.activation_heartbeat(
            canonical_key=data["key"], activation_id=activation_id
        )
        return signed_response(
            {"activation": _activation_json(activation)}, nonce=data.get("nonce")
        )


class DeactivateView(ClientApiView):
    @extend_schema(
        operation_id="deactivate",
        request=s.KeyRequest,
        responses={200: s.OkResponse, **ERRORS},
    )
    def post(self, request, activation_id):
        data = self.parsed(request)
        services.activation_deactivate(
            canonical_key=data["key"], activation_id=activation_id
        )
        return signed_response(
            {"code": "DEACTIVATED", "detail": "The machine's seat is free."},
            nonce=data.get("nonce"),
        )


class CheckoutView(ClientApiView):
    request_serializer = s.CheckoutRequest

    @extend_schema(
        operation_id="checkout",
        request=s.CheckoutRequest,
        responses={200: s.CheckoutResponse, **ERRORS},
    )
    def post(self, request):
        data = self.parsed(request)
        file = services.offline_file_issue(
            canonical_key=data["key"], fingerprint=data["fingerprint"], ttl=data["ttl"]
        )
        return signed_response({"file": file}, nonce=data.get("nonce"))


class RegisterView(ClientApiView):
    request_serializer = s.RegisterRequest

    @extend_schema(
        operation_id="register",
        request=s.RegisterRequest,
        responses={
            202: OpenApiResponse(
                s.OkResponse, description="A confirmation email is on its way."
            ),
            409: OpenApiResponse(s.ErrorResponse, description="ALREADY_REGISTERED"),
            **ERRORS,
        },
    )
    def post(self, request):
        data = self.parsed(request)
        services.registration_request(
            canonical_key=data["key"],
            email=data["email"],
            name=data.get("name", ""),
            language=data.get("language", ""),
            updates_opt_in=data["updates_opt_in"],
        )
        return signed_response(
            {
                "code": "CONFIRMATION_SENT",
                "detail": "Confirm the registration from the email.",
            },
            status=202,
            nonce=data.get("nonce"),
        )


class SigningKeysView(APIView):
    @extend_schema(operation_id="signing_keys", responses={200: s.SigningKeysResponse})
    def get(self, request):
        return signed_response({"keys": signing.public_keys()})
