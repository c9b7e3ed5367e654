import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from licensing import keys

canonical_keys = st.text(alphabet=keys.ALPHABET, min_size=24, max_size=24).map(
    lambda body: body + keys.check_character(body)
)


def test_a_generated_key_is_25_crockford_characters_in_five_groups():
    key = keys.generate()
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{25}", key)
    assert re.fullmatch(r"([0-9A-Z]{5}-){4}[0-9A-Z]{5}", keys.display(key))
    assert keys.normalise(key) == key


def test_keys_are_not_repeated():
    assert len({keys.generate() for _ in range(2000)}) == 2000


@given(canonical_keys)
def test_typing_variants_normalise_to_the_same_key(key):
    spelled = keys.display(key).lower().replace("1", "l").replace("0", "o")
    assert keys.normalise(f"  {spelled[:7]} {spelled[7:]}\t") == key
    assert keys.normalise(spelled.upper().replace("L", "I")) == key


@given(canonical_keys, st.integers(0, 24), st.sampled_from(keys.ALPHABET))
def test_any_single_mistyped_character_is_rejected(key, position, replacement):
    if key[position] == replacement:
        return
    typo = key[:position] + replacement + key[position + 1 :]
    with pytest.raises(keys.InvalidKey):
        keys.normalise(typo)


def test_most_swaps_of_neighbours_are_rejected():
    caught = total = 0
    for _ in range(300):
        key = keys.generate()
        for i in range(24):
            if key[i] == key[i + 1]:
                continue
            swapped = key[:i] + key[i + 1] + key[i] + key[i + 2 :]
            total += 1
            try:
                keys.normalise(swapped)
            except keys.InvalidKey:
                caught += 1
    assert caught / total > 0.9


@given(st.text(max_size=60))
def test_any_text_is_a_key_or_invalid_key(text):
    try:
        key = keys.normalise(text)
    except keys.InvalidKey:
        return
    assert len(key) == 25 and keys.check_character(key[:24]) == key[24]


@pytest.mark.parametrize("value", [None, 12345, b"bytes", ["list"]])
def test_non_strings_are_invalid(value):
    with pytest.raises(keys.InvalidKey):
        keys.normalise(value)


def test_the_letter_u_is_not_part_of_a_key():
    key = keys.generate()
    with pytest.raises(keys.InvalidKey):
        keys.normalise("U" + key[1:])
