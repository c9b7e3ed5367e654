"""Every cookie the site can set, as code: the one place a vendor adds a cookie.

The texts are translatable here (the cookie policy page shows them in the
reader's language) and stored in English in the companion table (`CookieDetail`)
and with each policy version, as proof of what a visitor was told. `inventory_sync` (run after every
`migrate`, and by `manage.py sync_cookies`) copies this into django-cookie-consent's
tables; `policy_version()` is derived from the content, so any change to a
name, purpose, expiry or group asks every visitor again.
"""

import hashlib
import json
from dataclasses import dataclass

from allauth.mfa import app_settings as mfa_settings
from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, override

NECESSARY = "necessary"
ANALYTICS = "analytics"
MARKETING = "marketing"

SERVER = "server"
SCRIPT = "script"

# The analytics cookie, set by static/js/analytics.js only when its group is accepted.
VISITOR_COOKIE = "site_visitor"
VISITOR_COOKIE_DAYS = 365


@dataclass(frozen=True)
class Group:
    varname: str
    name: Promise
    description: Promise
    required: bool = False


@dataclass(frozen=True)
class Cookie:
    name: str
    group: str
    provider: str
    purpose: Promise
    expiry: Promise
    set_by: str = SERVER
    path: str = "/"


GROUPS = (
    Group(
        NECESSARY,
        _("Necessary"),
        _(
            "Needed for the site to work: signing in, keeping forms safe, "
            "your language and your cookie choices. They cannot be turned off."
        ),
        required=True,
    ),
    Group(
        ANALYTICS,
        _("Analytics"),
        _(
            "Count visits to each page and returning visitors, on this site's own "
            "server. Nothing is sent to anyone else."
        ),
    ),
    Group(
        MARKETING,
        _("Marketing"),
        _(
            "Measure campaigns and show offers. We set no marketing cookies at "
            "present; if we ever do, they are listed here and we ask you first."
        ),
    ),
)


DAY = 24 * 3600


def days(count: int) -> str:
    return ngettext("%(count)d day", "%(count)d days", count) % {"count": count}


def cookies() -> tuple[Cookie, ...]:
    """The inventory under the current settings (cookie names come from them)."""
    site = settings.VENDOR_NAME  # first-party: every cookie is this site's own
    listed = [
        Cookie(
            settings.SESSION_COOKIE_NAME,
            NECESSARY,
            site,
            _("Keeps you signed in, and carries a form's progress from page to page."),
            _("Until the browser closes, or %(count)d days with “Remember me”")
            % {"count": settings.SESSION_COOKIE_AGE // DAY},
        ),
        Cookie(
            settings.CSRF_COOKIE_NAME,
            NECESSARY,
            site,
            _("Protects forms against requests forged by other sites."),
            days(settings.CSRF_COOKIE_AGE // DAY),
        ),
        Cookie(
            settings.LANGUAGE_COOKIE_NAME,
            NECESSARY,
            site,
            _("Remembers the language you chose."),
            days(settings.LANGUAGE_COOKIE_AGE // DAY),
        ),
        Cookie(
            "messages",
            NECESSARY,
            site,
            _("Carries a confirmation message to the next page, then is removed."),
            _("Until the next page"),
        ),
        Cookie(
            settings.COOKIE_CONSENT_NAME,
            NECESSARY,
            site,
            _("Remembers which cookie groups you accepted or rejected."),
            days(settings.COOKIE_CONSENT_RENEW_DAYS),
        ),
        Cookie(
            settings.COOKIE_CONSENT_ID_NAME,
            NECESSARY,
            site,
            _(
                "A random number that links your cookie choices to their record, "
                "so that we can show you their history and ask again when they lapse."
            ),
            days(settings.COOKIE_CONSENT_RENEW_DAYS + CONSENT_ID_GRACE_DAYS),
        ),
        Cookie(
            VISITOR_COOKIE,
            ANALYTICS,
            site,
            _(
                "A random number that tells a returning visitor from a new one in "
                "our own visit counts."
            ),
            days(VISITOR_COOKIE_DAYS),
            set_by=SCRIPT,
        ),
    ]
    if mfa_settings.TRUST_ENABLED:  # off today; listed the day it is turned on
        listed.append(
            Cookie(
                mfa_settings.TRUST_COOKIE_NAME,
                NECESSARY,
                site,
                _("Lets this browser skip the two-factor code for a while."),
                days(mfa_settings.TRUST_COOKIE_AGE.days),
            )
        )
    return tuple(listed)


# The consent id cookie outlives the consent by this much, so that a visitor who
# comes back after their consent lapsed is recorded as such (method "expiry").
CONSENT_ID_GRACE_DAYS = 30


def optional_groups() -> tuple[Group, ...]:
    return tuple(group for group in GROUPS if not group.required)


def offered_groups() -> tuple[Group, ...]:
    """The optional groups a visitor can accept: those with a cookie. A group
    without one (marketing, today) is shown, recorded as not accepted, and
    asked for once it has one (which is a new policy version)."""
    used = {cookie.group for cookie in cookies()}
    return tuple(group for group in optional_groups() if group.varname in used)


def english_text(text: Promise | str) -> str:
    with override("en"):
        return str(text)


def snapshot() -> dict:
    """The inventory in English, as stored with each policy version."""
    with override("en"):
        return {
            "groups": [
                {
                    "varname": group.varname,
                    "name": str(group.name),
                    "description": str(group.description),
                    "required": group.required,
                }
                for group in GROUPS
            ],
            "cookies": [
                {
                    "name": cookie.name,
                    "group": cookie.group,
                    "provider": cookie.provider,
                    "purpose": str(cookie.purpose),
                    "expiry": str(cookie.expiry),
                    "set_by": cookie.set_by,
                    "path": cookie.path,
                }
                for cookie in cookies()
            ],
        }


def policy_version() -> str:
    """A short digest of the inventory's content: it changes with any change."""
    canonical = json.dumps(snapshot(), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()[:12]
