"""The check-in recalls the teacher's three words of the interview as she wrote them."""

from __future__ import annotations

import pytest

from bot.dialogues.flows import earlier_words


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (
            "Careful: I watch my words with her. Tender: she lets me help sometimes. "
            "Uncertain: I never know which Lena comes in.",
            "Careful, Tender, Uncertain",
        ),
        ("Warm, druk, grappig. Hij maakt me aan het lachen.", "Warm, druk, grappig"),
        (
            "Uitdagend (hij test me steeds), afstandelijk, zorgzaam",
            "Uitdagend, afstandelijk, zorgzaam",
        ),
        (
            "1. Warm - hij lacht veel\n2. Druk - altijd bezig\n3. Moe: ik ben vaak moe",
            "Warm, Druk, Moe",
        ),
        ("Ik denk: moeilijk, druk, lief.", "moeilijk, druk, lief"),
        ("- afstand\n- onrust\n- zorg", "afstand, onrust, zorg"),
        ("Spannend: ik weet nooit wat er komt.", "Spannend"),
        ("", ""),
    ],
)
def test_the_three_words_are_found_in_the_ways_teachers_write_them(answer: str, words: str) -> None:
    assert earlier_words(answer) == words


def test_a_long_first_sentence_is_cut_short() -> None:
    said = earlier_words("Hij is " + "heel " * 40 + "lief.")
    assert said.endswith("…") and len(said) <= 121
