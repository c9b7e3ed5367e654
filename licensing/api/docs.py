"""Schema-only views for the calls served by plain Django views (`lean.py`).

drf-spectacular documents DRF views only; these stand in for validate and ping
in the URLconf the schema is generated from, and are never routed for real.
"""

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.views import APIView

from licensing.api import serializers as s


class ValidateDoc(APIView):
    @extend_schema(
        operation_id="validate",
        request=s.ValidateRequest,
        responses={
            200: OpenApiResponse(
                s.ValidateResponse,
                description=(
                    "Every well-formed request is answered 200 with its code. Codes are "
                    "checked in this order, the first that applies wins: NOT_FOUND, "
                    "TRANSFERRED, CANCELLED, TERMINATED, EXPIRED, SUSPENDED, "
                    "PRODUCT_SCOPE_MISMATCH, VERSION_SCOPE_MISMATCH, TOO_MANY_MACHINES; "
                    "then, with a fingerprint: NO_MACHINE, FINGERPRINT_SCOPE_MISMATCH, "
                    "HEARTBEAT_DEAD; else VALID."
                ),
            ),
            400: OpenApiResponse(s.ErrorResponse, description="INVALID_REQUEST"),
            405: OpenApiResponse(
                s.ErrorResponse, description="INVALID_REQUEST (method)"
            ),
            413: OpenApiResponse(
                s.ErrorResponse, description="INVALID_REQUEST (body too large)"
            ),
            415: OpenApiResponse(
                s.ErrorResponse, description="INVALID_REQUEST (not application/json)"
            ),
            429: OpenApiResponse(
                s.ErrorResponse, description="RATE_LIMITED, with Retry-After"
            ),
            503: OpenApiResponse(s.ErrorResponse, description="UNAVAILABLE"),
        },
        description="Validate a license and, with a fingerprint, the machine. Writes nothing.",
    )
    def post(self, request):
        raise NotImplementedError  # documentation only


class PingDoc(APIView):
    @extend_schema(
        operation_id="ping",
        parameters=[
            OpenApiParameter(
                "nonce", str, required=False, description="Echoed in meta.nonce."
            )
        ],
        responses={
            200: s.PingResponse,
            400: OpenApiResponse(s.ErrorResponse, description="INVALID_REQUEST"),
            405: OpenApiResponse(
                s.ErrorResponse, description="INVALID_REQUEST (method)"
            ),
            429: OpenApiResponse(
                s.ErrorResponse, description="RATE_LIMITED, with Retry-After"
            ),
            503: OpenApiResponse(s.ErrorResponse, description="UNAVAILABLE"),
        },
        description="A signed liveness document; touches no database.",
    )
    def get(self, request):
        raise NotImplementedError  # documentation only
