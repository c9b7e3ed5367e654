"""A visitor's cookie consent as the request carries it, and writing it back.

Two necessary cookies hold it: django-cookie-consent's own (`cookie_consent`,
accepted or declined per group) and ours (`cookie_consent_id`), signed and
timestamped: "<consent id>:<policy version>". The consent is current only when
our cookie names the inventory's version and is younger than
COOKIE_CONSENT_RENEW_DAYS; otherwise the banner asks again.
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from cookie_consent.cache import get_cookie_group
from cookie_consent.util import (
    get_cookie_value_from_request,
    set_cookie_dict_to_response,
)
from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponseBase
from django.utils import timezone

from cookies import inventory
from cookies.services import inventory_sync

SALT = "cookies.consent-id"


def _signer() -> signing.TimestampSigner:
    # The signer Django's set_signed_cookie / get_signed_cookie use.
    return signing.get_cookie_signer(salt=settings.COOKIE_CONSENT_ID_NAME + SALT)


def renew_after() -> timedelta:
    return timedelta(days=settings.COOKIE_CONSENT_RENEW_DAYS)


@dataclass
class Consent:
    consent_id: str | None = None
    version: str = ""
    given_at: datetime | None = None
    lapsed: bool = False
    tampered: bool = False
    choices: dict[str, bool | None] = field(default_factory=dict)
    # The inventory's version, worked out once per request.
    policy: str = field(default_factory=lambda: inventory.policy_version())

    @property
    def current(self) -> bool:
        return (
            self.consent_id is not None
            and not self.lapsed
            and self.version == self.policy
        )

    @property
    def decided(self) -> bool:
        return self.current and all(
            choice is not None for choice in self.choices.values()
        )

    @property
    def needs_banner(self) -> bool:
        return not self.decided

    def accepts(self, varname: str) -> bool:
        return self.current and self.choices.get(varname) is True

    @property
    def reason(self) -> str:
        """Why the banner asks: "new" (never chosen here), "lapsed" or "changed"."""
        if self.consent_id is None:
            return "new"
        if self.lapsed or not self.version:
            return "lapsed"
        return "changed"

    @property
    def analytics(self) -> bool:
        return self.accepts(inventory.ANALYTICS)


def consent_from_request(request: HttpRequest) -> Consent:
    raw = request.COOKIES.get(settings.COOKIE_CONSENT_ID_NAME)
    consent = Consent()
    if raw:
        try:
            value = _signer().unsign(raw)
            signed = signing.b62_decode(raw.rsplit(_signer().sep, 2)[1])
        except (signing.BadSignature, ValueError, IndexError):
            consent.tampered = True
        else:
            consent.given_at = datetime.fromtimestamp(signed, tz=UTC)
            age = timezone.now() - consent.given_at
            if age > renew_after() + timedelta(days=inventory.CONSENT_ID_GRACE_DAYS):
                consent.tampered = True  # older than the cookie can live: dropped
            else:
                consent.lapsed = age > renew_after()
                consent_id, _sep, consent.version = value.partition(":")
                consent.consent_id = consent_id or None
    for group in inventory.optional_groups():
        # Accepted (True), declined (False) or not asked or out of date (None),
        # as django-cookie-consent compares an acceptance with the group's version.
        consent.choices[group.varname] = get_cookie_value_from_request(
            request, group.varname
        )
    return consent


def consent_write(
    response: HttpResponseBase, *, consent_id: str, choices: dict[str, bool]
) -> None:
    """Set both cookies for a choice just recorded; delete declined groups' cookies."""
    if any(get_cookie_group(g.varname) is None for g in inventory.offered_groups()):
        inventory_sync()  # the library's tables were emptied: publish them again
    values = {}
    for group in inventory.optional_groups():
        library_group = get_cookie_group(group.varname)
        if choices.get(group.varname) and library_group is not None:
            values[group.varname] = library_group.get_version() if library_group else ""
        else:
            values[group.varname] = settings.COOKIE_CONSENT_DECLINE
            _delete_group_cookies(response, group.varname)
    set_cookie_dict_to_response(response, values)
    _set_id(response, f"{consent_id}:{inventory.policy_version()}")


def consent_forget(response: HttpResponseBase, request: HttpRequest, consent: Consent):
    """The consent lapsed: drop the choices and the optional cookies, keep the id
    (so that the history goes on), undecided."""
    response.delete_cookie(
        settings.COOKIE_CONSENT_NAME, domain=settings.COOKIE_CONSENT_DOMAIN
    )
    optional_cookies_delete(response, request)
    if consent.consent_id:
        _set_id(response, f"{consent.consent_id}:")


def optional_cookies_delete(response: HttpResponseBase, request: HttpRequest) -> None:
    """Delete every optional group's cookies the browser sent."""
    for group in inventory.optional_groups():
        _delete_group_cookies(response, group.varname, only_in=request.COOKIES)


def optional_cookies_sent(request: HttpRequest) -> bool:
    return any(
        cookie.name in request.COOKIES
        for cookie in inventory.cookies()
        if cookie.group != inventory.NECESSARY
    )


def id_cookie_delete(response: HttpResponseBase) -> None:
    response.delete_cookie(
        settings.COOKIE_CONSENT_ID_NAME, domain=settings.COOKIE_CONSENT_DOMAIN
    )


def _set_id(response: HttpResponseBase, value: str) -> None:
    response.set_cookie(
        settings.COOKIE_CONSENT_ID_NAME,
        _signer().sign(value),
        max_age=int(
            (
                renew_after() + timedelta(days=inventory.CONSENT_ID_GRACE_DAYS)
            ).total_seconds()
        ),
        domain=settings.COOKIE_CONSENT_DOMAIN,
        secure=settings.COOKIE_CONSENT_SECURE,
        httponly=True,
        samesite="Lax",
    )


def _delete_group_cookies(response, varname: str, only_in=None) -> None:
    for cookie in inventory.cookies():
        if cookie.group == varname and (only_in is None or cookie.name in only_in):
            response.delete_cookie(cookie.name, path=cookie.path)
