"""The client API's calls other than validate and ping (see `lean.py`)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.views import APIView

from licensing import rules, selectors, services, signing
from licensing.api import serializers as s
from licensing.api.lean import activation_info
from licensing.api.responses import (
    ApiError,
    binding_of,
    nonce_of,
    signed_response,
)
from licensing.errors import Refused
from licensing.models import Activation

ERRORS = {
    400: OpenApiResponse(s.ErrorResponse, description="INVALID_REQUEST"),
    403: OpenApiResponse(
        s.ErrorResponse, description="The license is not usable: its code."
    ),
    404: OpenApiResponse(s.ErrorResponse, description="NOT_FOUND"),
    413: OpenApiResponse(
        s.ErrorResponse, description="INVALID_REQUEST (body too large)"
    ),
    415: OpenApiResponse(s.ErrorResponse, description="INVALID_REQUEST (not JSON)"),
    429: OpenApiResponse(s.ErrorResponse, description="RATE_LIMITED, with Retry-After"),
    503: OpenApiResponse(s.ErrorResponse, description="UNAVAILABLE; retry later"),
}


class ClientApiView(APIView):
    """Parses the body with `request_serializer` and turns refusals into signed errors.

    Every call carries a key, so every answer carries `meta.binding`.
    """

    request_serializer: type[s.serializers.Serializer] = s.KeyRequest
    carries_key = True
    binds_fingerprint = False  # the calls whose body has a fingerprint say True

    def parsed(self, request) -> dict:
        serializer = self.request_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def answer(self, body: dict, *, status: int = 200):
        """A signed answer echoing the nonce and binding the question as sent."""
        data = self.request.data
        binding = binding_of(data, with_fingerprint=self.binds_fingerprint)
        return signed_response(
            body, status=status, nonce=nonce_of(data), binding=binding
        )

    def handle_exception(self, exc):
        if isinstance(exc, Refused):
            headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after else {}
            exc = ApiError(
                exc.code, detail=exc.detail, extra=exc.extra, headers=headers
            )
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
    binds_fingerprint = True

    @extend_schema(
        operation_id="activate",
        description=(
            "Take a seat for this machine (201), or get its seat back if it holds "
            "one already (200). Refused 409 TOO_MANY_MACHINES when the seats are "
            "taken, 403 with the license's code when it cannot be used."
        ),
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
        return self.answer(
            {
                "activation": _activation_json(activation),
                "license": selectors.license_snapshot(
                    key_index=activation.license.key_index
                ).license_info(),
            },
            status=201 if created else 200,
        )


class HeartbeatView(ClientApiView):
    @extend_schema(
        operation_id="heartbeat",
        description=(
            "Tell the server this machine is alive (heartbeat plans): its seat is "
            "kept while heartbeats arrive within the plan's interval plus grace."
        ),
        request=s.KeyRequest,
        responses={200: s.HeartbeatResponse, **ERRORS},
    )
    def post(self, request, activation_id):
        data = self.parsed(request)
        activation = services.activation_heartbeat(
            canonical_key=data["key"], activation_id=activation_id
        )
        return self.answer({"activation": _activation_json(activation)})


class DeactivateView(ClientApiView):
    @extend_schema(
        operation_id="deactivate",
        description=(
            "Free this machine's seat at once, unless it holds an unexpired offline "
            "file (409 MACHINE_CHECKED_OUT with seat_frees_at)."
        ),
        request=s.KeyRequest,
        responses={
            200: s.OkResponse,
            409: OpenApiResponse(
                s.ErrorResponse,
                description=(
                    "MACHINE_CHECKED_OUT: the machine holds an unexpired offline file "
                    "and keeps its seat until seat_frees_at."
                ),
            ),
            **ERRORS,
        },
    )
    def post(self, request, activation_id):
        data = self.parsed(request)
        services.activation_deactivate(
            canonical_key=data["key"], activation_id=activation_id
        )
        return self.answer(
            {"code": "DEACTIVATED", "detail": "The machine's seat is free."}
        )


class CheckoutView(ClientApiView):
    request_serializer = s.CheckoutRequest
    binds_fingerprint = True

    @extend_schema(
        operation_id="checkout",
        description=(
            "A signed offline license file for a machine that validates VALID; the "
            "machine keeps its seat until the file expires, and the file never "
            "outlives the license's known end."
        ),
        request=s.CheckoutRequest,
        responses={200: s.CheckoutResponse, **ERRORS},
    )
    def post(self, request):
        data = self.parsed(request)
        file = services.offline_file_issue(
            canonical_key=data["key"], fingerprint=data["fingerprint"], ttl=data["ttl"]
        )
        return self.answer({"file": file})


class RegisterView(ClientApiView):
    request_serializer = s.RegisterRequest

    @extend_schema(
        operation_id="register",
        description=(
            "Ask an address to confirm the registration of this license (202); "
            "nothing changes until the emailed link is confirmed. At most "
            "API_REGISTER_LIMIT emails per license and per address (429)."
        ),
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
        return self.answer(
            {
                "code": "CONFIRMATION_SENT",
                "detail": "Confirm the registration from the email.",
            },
            status=202,
        )


class SigningKeysView(APIView):
    @extend_schema(
        operation_id="signing_keys",
        responses={200: s.SigningKeysResponse},
        description=(
            "The public Ed25519 keys that sign answers and offline files. Pin one "
            "in your client and trust the others only through their endorsements."
        ),
    )
    def get(self, request):
        return signed_response({"keys": signing.public_keys()})
