"""The rule-based probe detector on typical typed answers, in Dutch and English."""

from __future__ import annotations

import pytest

from bot.dialogues.probes import detect, is_generalisation
from bot.dialogues.script import load_script


def cues(lang: str):  # type: ignore[no-untyped-def]
    cues = load_script("interview", lang).probe_cues  # type: ignore[arg-type]
    assert cues is not None
    return cues


@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [
        (
            "nl",
            "Gisteren kwam Noah huilend binnen. Ik ging naast hem zitten en vroeg wat er was. "
            "Ik voelde me machteloos. Volgens mij was hij bang. Uiteindelijk werd hij rustig.",
            {"happened", "did", "felt", "pupil_felt", "ending"},
        ),
        ("nl", "Hij gooide een stoel om.", set()),
        ("nl", "Toen voelde ik me echt boos worden.", {"felt"}),
        ("nl", "Ik denk dat Noah zich schaamde.", {"pupil_felt"}),
        (
            "en",
            "Yesterday Noah came in crying. I sat down next to him and asked what was wrong. "
            "I felt helpless. I think he was scared. In the end he calmed down.",
            {"happened", "did", "felt", "pupil_felt", "ending"},
        ),
        ("en", "He threw a chair.", set()),
        ("en", "He showed me his drawing.", set()),
        ("en", "That made me so angry.", {"felt"}),
        ("en", "Noah was furious with the other boy.", {"pupil_felt"}),
    ],
)
def test_detect_elements(lang: str, text: str, expected: set[str]) -> None:
    assert detect(text, cues(lang), "Noah") == expected


@pytest.mark.parametrize(
    ("lang", "text", "general"),
    [
        ("nl", "Hij liegt altijd tegen me.", True),
        ("nl", "Hij liegt altijd, maar gisteren gaf hij het toe.", False),
        ("en", "He never listens.", True),
        ("en", "He never listens, but yesterday he did.", False),
        ("en", "Yesterday he helped me.", False),
    ],
)
def test_generalisation(lang: str, text: str, general: bool) -> None:
    assert is_generalisation(text, cues(lang), "Noah") is general


def test_curly_apostrophes_are_read_like_straight_ones() -> None:
    assert detect("I’m so proud of him, he’s glad.", cues("en"), "Sam") >= {"felt", "pupil_felt"}
