"""Signed-in test clients as allauth sees them."""

import time

from allauth.account.internal.flows import login as allauth_login


def recently_reauthenticated(client, user):
    """`client` signed in as `user`, who confirmed their password just now
    (what allauth's `reauthentication_required` asks for)."""
    client.force_login(user)
    session = client.session
    session[allauth_login._AUTHENTICATION_METHODS_USER_SESSION_KEY] = str(user.pk)
    session[allauth_login.AUTHENTICATION_METHODS_SESSION_KEY] = [
        {"method": "password", "at": time.time(), "reauthenticated": True}
    ]
    session.save()
    return client
