"""Consonant skeletons: a name in Latin letters meets its Arabic spelling, exactly."""

from __future__ import annotations

import pytest

from rag.text.transliterate import lookup_keys, near_skeletons, skeleton, skeleton_variants


@pytest.mark.parametrize(
    ("latin", "arabic"),
    [("Panthers", "بانثرز"), ("Denver", "دنفر"), ("Broncos", "البرونكوس"), ("Putin", "بوتين")],
)
def test_a_name_and_its_arabic_spelling_share_a_skeleton(latin, arabic):
    assert skeleton_variants(latin) & skeleton_variants(arabic)


def test_an_english_plural_also_matches_without_its_s():
    assert skeleton("النورمان") in skeleton_variants("Normans")


def test_one_added_class_still_matches_a_long_skeleton():
    assert near_skeletons(skeleton("Harbin"), skeleton("خاربين"))  # RBN / KRBN


def test_short_skeletons_must_be_equal():
    assert not near_skeletons("RBN", "RBT")
    assert near_skeletons("BNTRS", "BNTRD")


def test_unrelated_words_do_not_match():
    assert not any(
        near_skeletons(a, b)
        for a in skeleton_variants("Denver")
        for b in skeleton_variants("البرونكوس")
    )


def test_two_consonant_words_have_no_usable_skeleton():
    assert skeleton_variants("Iran") == set()


def test_near_skeletons_share_a_lookup_key():
    for a, b in [("KRBN", "RBN"), ("BNTRS", "BNTRD"), ("BNTRS", "BNTR")]:
        assert lookup_keys(a) & lookup_keys(b)
