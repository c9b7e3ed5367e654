"""License keys: 24 random Crockford base32 characters and a Luhn mod 32 check character.

Shown as `XXXXX-XXXXX-XXXXX-XXXXX-XXXXX`. Any single mistyped character and
most swaps of two neighbours fail the check, so they are refused before any
database lookup.
"""

from __future__ import annotations

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
N = len(ALPHABET)
_VALUE = {c: i for i, c in enumerate(ALPHABET)}
# Crockford's reading of the letters people mistake for digits.
_READ_AS = str.maketrans({"I": "1", "L": "1", "O": "0"})
BODY_LENGTH = 24
LENGTH = BODY_LENGTH + 1
GROUP = 5
BLIND_INDEX_PURPOSE = "license.key"


class InvalidKey(ValueError):
    """The text cannot be a license key (form or check character)."""


def check_character(body: str) -> str:
    """The Luhn mod N check character of `body` (characters of ALPHABET)."""
    factor = 2
    total = 0
    for char in reversed(body):
        addend = factor * _VALUE[char]
        factor = 1 if factor == 2 else 2
        total += addend // N + addend % N
    return ALPHABET[(N - total % N) % N]


def generate() -> str:
    """A new key in canonical form (25 characters, no dashes): 120 random bits."""
    body = "".join(secrets.choice(ALPHABET) for _ in range(BODY_LENGTH))
    return body + check_character(body)


def normalise(text: str) -> str:
    """The canonical form of a typed key, or InvalidKey.

    Case, spaces and dashes are ignored; I and L read as 1, O as 0.
    """
    if not isinstance(text, str):
        raise InvalidKey("A license key is a string.")
    if len(text) > 64:
        raise InvalidKey(f"A license key has {LENGTH} characters.")
    compact = "".join(text.split()).replace("-", "").upper().translate(_READ_AS)
    if len(compact) != LENGTH:
        raise InvalidKey(f"A license key has {LENGTH} characters.")
    if any(c not in _VALUE for c in compact):
        raise InvalidKey(
            "A license key uses only the characters 0-9 and A-Z without I, L, O, U."
        )
    if check_character(compact[:BODY_LENGTH]) != compact[BODY_LENGTH]:
        raise InvalidKey("This is not a valid license key (check character).")
    return compact


def display(canonical: str) -> str:
    """`XXXXX-XXXXX-XXXXX-XXXXX-XXXXX`."""
    return "-".join(canonical[i : i + GROUP] for i in range(0, len(canonical), GROUP))


def masked(canonical: str) -> str:
    """The last group only, for lists where the whole key must not show."""
    return f"•••••-•••••-•••••-•••••-{canonical[-GROUP:]}"
