"""Match-key analysis on words taken from the putin-beijing article."""

from hypothesis import given
from hypothesis import strategies as st

from rag.text.arabic import light_stem, normalize, tokenize


def test_normalize_removes_tanween() -> None:
    assert normalize("حدثًا") == "حدثا"


def test_normalize_removes_harakat_and_shadda() -> None:
    assert normalize("تُعدّ") == "تعد"


def test_normalize_removes_tatweel() -> None:
    assert normalize("الـ75") == "ال75"


def test_normalize_unifies_alef_forms() -> None:
    assert normalize("أإآٱ") == "اااا"


def test_normalize_maps_taa_marbuta_and_alef_maqsura() -> None:
    assert normalize("شراكة على") == "شراكه علي"


def test_normalize_maps_hamza_carriers() -> None:
    assert normalize("مسؤول رئيس") == "مسوول رييس"


def test_normalize_folds_letters_for_foreign_sounds() -> None:
    # The archive spells one drug both ways: الپاراسیتامول and باراسيتامول.
    assert normalize("الپاراسیتامول") == normalize("الباراسيتامول")
    assert normalize("ڤيينا گاز چای ژان") == "فيينا كاز جاي زان"


def test_folded_foreign_letters_give_one_match_key() -> None:
    assert tokenize("الپاراسیتامول") == tokenize("باراسيتامول")


def test_normalize_converts_arabic_indic_and_persian_digits() -> None:
    assert normalize("٧٥ و۴۰") == "75 و40"


def test_normalize_casefolds_latin() -> None:
    assert normalize("Putin BEIJING") == "putin beijing"


def test_normalize_removes_invisible_characters() -> None:
    assert normalize("بك\u200bين\u200f \ufeffروسيا") == "بكين روسيا"


def test_normalize_turns_arabic_punctuation_into_spaces() -> None:
    assert normalize("الصين،روسيا؟") == "الصين روسيا"


def test_normalize_unfolds_presentation_forms() -> None:
    assert normalize("\ufefb") == "لا"


def test_definite_and_prepositional_forms_share_a_stem() -> None:
    assert light_stem("الصين") == light_stem("للصين") == light_stem("بالصين")


def test_one_letter_preposition_is_stripped() -> None:
    assert light_stem("كثقل") == "ثقل"


def test_preposition_before_a_name_is_stripped() -> None:
    assert light_stem("لروسيا") == light_stem("روسيا") == light_stem("بروسيا")


def test_preposition_is_stripped_after_suffixes() -> None:
    assert light_stem("لبوتين") == light_stem("بوتين")


def test_root_initial_preposition_letter_survives_inflection() -> None:
    assert light_stem("البلدين") == light_stem("البلدان") == light_stem("بلد") == "بلد"


def test_repeated_proclitics_are_all_stripped() -> None:
    assert light_stem("وبالصين") == light_stem("الصين")


def test_conjunction_is_stripped_consistently() -> None:
    assert light_stem("وبكين") == light_stem("بكين")


def test_article_with_hamza_alef_matches_bare_form() -> None:
    assert light_stem("الإقليمية") == light_stem("إقليمية")


def test_accusative_tanween_is_stripped() -> None:
    assert light_stem("حدثًا") == light_stem("حدث")


def test_taa_marbuta_and_plural_share_a_stem() -> None:
    assert light_stem("علاقة") == light_stem("العلاقات") == light_stem("علاقاتها")


def test_taa_marbuta_before_pronoun_matches() -> None:
    assert light_stem("شراكتها") == light_stem("شراكة")


def test_short_words_keep_their_root() -> None:
    assert light_stem("بحث") == "بحث"


def test_english_plural_is_stripped() -> None:
    assert light_stem("countries") == light_stem("country")


def test_english_verb_forms_share_a_stem() -> None:
    assert light_stem("visited") == light_stem("visiting") == light_stem("visits")


def test_tokenize_drops_arabic_question_words() -> None:
    assert tokenize("لماذا ماذا متى كم هل من ما") == []


def test_tokenize_drops_english_question_words() -> None:
    assert tokenize("What why who how does the") == []


def test_tokenize_drops_what_is_written_as_one_word() -> None:
    # "ماهي" / "ماهو" (ما هي, ما هو) are how many readers type "what is".
    assert tokenize("ماهي ماهو وماهي ماهى عاصمة") == [light_stem("عاصمة")]


def test_tokenize_drops_how_many_and_how_much() -> None:
    assert tokenize("How many people, how much money") == [light_stem("people"), "money"]


def test_tokenize_drops_stopword_with_glued_conjunction() -> None:
    assert tokenize("ومن بأن وهذا") == []


def test_tokenize_drops_preposition_with_pronoun_suffix() -> None:
    assert tokenize("يتحكم فيهم") == [light_stem("يتحكم")]
    assert tokenize("لديها وبينهم إليهم") == []


def test_tokenize_splits_number_from_tatweel_article() -> None:
    assert tokenize("الذكرى الـ75") == [light_stem("الذكرى"), "75"]


def test_tokenize_ignores_quotation_marks() -> None:
    assert tokenize("مدينة “خاربين”") == tokenize("مدينة خاربين")


def test_tokenize_matches_arabic_indic_digits() -> None:
    assert tokenize("الذكرى ٧٥") == tokenize("الذكرى 75")


def test_tokenize_keeps_order_and_repetitions() -> None:
    assert tokenize("الصين وروسيا والصين") == ["صين", "روس", "صين"]


def test_tokenize_question_shares_keys_with_article_sentence() -> None:
    question = tokenize("لماذا يحتاج الرئيس الصيني إلى روسيا؟")
    sentence = tokenize("يحتاج الرئيس الصيني إلى روسيا كثقل موازن")
    assert set(question) <= set(sentence)


PIECES = st.sampled_from(
    ["الصين", "وبالـ", "75", "٧٥", "ً", "ـ", "\u200b", "“", "،", "؟", " ", "\n", "\u00a0", "Beijing"]
)


@given(st.lists(PIECES).map("".join), st.lists(PIECES).map("".join))
def test_tokenize_concatenates_over_whitespace(left: str, right: str) -> None:
    assert tokenize(left + " " + right) == tokenize(left) + tokenize(right)


def test_tokenize_equals_tokens_of_normalized_text() -> None:
    text = "تُعد زيارة الرئيس الروسي إلى الصين، حدثًا دبلوماسيًا مهمًا."
    assert tokenize(text) == tokenize(normalize(text))


def test_imperfect_verb_prefixes_share_a_key():
    # "تحتاج الصين" (question) and "يحتاج الرئيس" (article) are one verb.
    assert light_stem("تحتاج") == light_stem("يحتاج")


def test_four_letter_words_keep_their_first_letter():
    assert light_stem("تجار") != light_stem("جار")


def test_content_words_keep_surface_spelling_and_drop_stopwords():
    from rag.text.arabic import content_words

    words = content_words("لماذا تحتاج الصين إلى روسيا؟ حدثًا")
    assert [w for w, _ in words] == ["تحتاج", "الصين", "روسيا", "حدثا"]
