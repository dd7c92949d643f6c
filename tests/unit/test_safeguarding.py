"""The safeguarding check: targets on the measured set, and each mechanism on its own."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from bot.errors import SafeguardingError
from bot.safety.safeguarding import Lang, Rules, Signal, check, compile_rules, load_rules
from bot.text import prompts as prompts_module
from bot.text.sentences import split_sentences
from tests.support.paths import SAFEGUARDING

PROMPTS = Path(str(prompts_module.root()))

CASES = SAFEGUARDING / "authored"
LANGS: tuple[Lang, ...] = ("nl", "en")
KINDS = {"child_at_risk", "teacher_distress"}


def _cases(lang: str, suffix: str = "") -> list[tuple[str, frozenset[str]]]:
    data = yaml.safe_load((CASES / f"{lang}{suffix}.yaml").read_text(encoding="utf-8"))
    assert data["language"] == lang
    cases = []
    for item in data["cases"]:
        expect = item["expect"]
        kinds = [] if expect == "none" else [expect] if isinstance(expect, str) else expect
        assert set(kinds) <= KINDS, item
        cases.append((item["text"], frozenset(kinds)))
    return cases


def _kinds(text: str, lang: Lang) -> set[str]:
    return {signal.kind for signal in check(text, lang)}


# --- the measured set ---------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_the_set_is_large_and_balanced(lang: Lang) -> None:
    cases = _cases(lang)
    flag = [c for c in cases if c[1]]
    assert len(cases) >= 40
    assert len(flag) * 2 == len(cases)
    assert {k for _, kinds in flag for k in kinds} == KINDS


@pytest.mark.parametrize("lang", LANGS)
def test_recall_is_complete_on_the_set(lang: Lang) -> None:
    missed = [text for text, expect in _cases(lang) if expect and not check(text, lang)]
    assert missed == []  # recall == 1.0


@pytest.mark.parametrize("lang", LANGS)
def test_false_positive_rate_is_under_ten_percent(lang: Lang) -> None:
    must_not = [text for text, expect in _cases(lang) if not expect]
    flagged = [text for text in must_not if check(text, lang)]
    assert len(flagged) / len(must_not) < 0.10, flagged


@pytest.mark.parametrize("lang", LANGS)
def test_kinds_are_right_on_the_set(lang: Lang) -> None:
    flag = [(text, expect) for text, expect in _cases(lang) if expect]
    wrong = [text for text, expect in flag if _kinds(text, lang) != expect]
    assert len(wrong) / len(flag) <= 0.1, wrong


@pytest.mark.parametrize("lang", LANGS)
def test_holdout_runs(lang: Lang) -> None:
    """The held-out cases are reported by the bench, not held to the targets; they must load."""
    cases = _cases(lang, "_holdout")
    assert len(cases) >= 16
    assert all(isinstance(check(text, lang), list) for text, _ in cases)


@pytest.mark.parametrize("lang", LANGS)
def test_quotes_are_whole_sentences_of_the_text(lang: Lang) -> None:
    for text, _ in _cases(lang):
        sentences = {text[a:b] for a, b in split_sentences(text)}
        for signal in check(text, lang):
            assert signal.quote in text
            assert signal.quote in sentences


# --- mechanisms -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "negated", "plain"),
    [
        ("nl", "Ik heb geen blauwe plekken gezien.", "Ik heb blauwe plekken gezien."),
        ("nl", "Blauwe plekken heb ik nooit gezien.", "Blauwe plekken heb ik gisteren gezien."),
        ("nl", "Zijn vader slaat hem niet.", "Zijn vader slaat hem."),
        ("en", "I haven't seen any bruises.", "I have seen bruises."),
        ("en", "There were no marks on his arms.", "There were marks on his arms."),
        ("en", "I don't think his dad hits him.", "I think his dad hits him."),
    ],
)
def test_negation(lang: Lang, negated: str, plain: str) -> None:
    assert check(negated, lang) == []
    assert _kinds(plain, lang) == {"child_at_risk"}


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("nl", "Ik weet niet zeker of zijn vader hem slaat."),
        ("nl", "Hij wil niet naar huis."),
        ("nl", "Hij krijgt thuis geen eten."),
        ("nl", "Ze wil niet meer leven."),
        ("nl", "Hij had blauwe plekken die hij niet kon verklaren."),
        ("en", "I'm not sure whether her dad hits her."),
        ("en", "He doesn't want to go home."),
        ("en", "There is no food at home."),
        ("en", "She doesn't want to live anymore."),
    ],
)
def test_negation_inside_a_phrase_or_beyond_doubt_still_flags(lang: Lang, text: str) -> None:
    assert _kinds(text, lang) == {"child_at_risk"}


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("nl", "Ik word hier gek van."),
        ("nl", "Dit kost me de kop."),
        ("nl", "Ik ga dood van het lachen."),
        ("nl", "Ik kon niet meer van het lachen."),
        ("nl", "Ik kan niet meer tellen hoe vaak hij zijn jas vergat."),
        ("nl", "Ik kom niet goed tot hem, en dat zit me dwars."),
        ("en", "This is killing me."),
        ("en", "I could kill him when he does that."),
        ("en", "I was dying of laughter."),
        ("en", "I can't go on with the lesson when he shouts."),
    ],
)
def test_figures_of_speech_are_not_signals(lang: Lang, text: str) -> None:
    assert check(text, lang) == []


@pytest.mark.parametrize(
    ("lang", "handled", "current"),
    [
        (
            "nl",
            "Vorig jaar gemeld bij Veilig Thuis en dat loopt.",
            "Vorig jaar gemeld bij Veilig Thuis en nu heeft hij weer blauwe plekken.",
        ),
        (
            "nl",
            "Vorig jaar had hij blauwe plekken. Dat is gemeld en opgelost.",
            "Dat is vorig jaar opgelost. Nu heeft hij weer blauwe plekken.",
        ),
        (
            "en",
            "That was reported and resolved last year.",
            "It was resolved last year, but now he has bruises again.",
        ),
    ],
)
def test_handled_in_the_past_is_not_a_signal_but_now_is(
    lang: Lang, handled: str, current: str
) -> None:
    assert check(handled, lang) == []
    assert _kinds(current, lang) == {"child_at_risk"}


def test_a_bare_report_without_resolution_still_flags() -> None:
    assert _kinds("Vorige week had hij blauwe plekken.", "nl") == {"child_at_risk"}
    assert _kinds("I'm thinking of calling the safeguarding lead.", "en") == {"child_at_risk"}


@pytest.mark.parametrize(
    ("lang", "text", "kind"),
    [
        ("nl", "Soms wil ik gewoon dood.", "teacher_distress"),
        ("nl", "Ze zei dat ze dood wil.", "child_at_risk"),
        ("nl", "Hij zei: ik kan niet meer.", "child_at_risk"),
        ("nl", "Ik zie het niet meer zitten.", "teacher_distress"),
        ("nl", "Ze zegt dat ze het niet meer ziet zitten.", "child_at_risk"),
        ("en", "Sometimes I think about ending it all.", "teacher_distress"),
        ("en", "He told me he wants to kill himself.", "child_at_risk"),
        ("en", "She said: I can't cope anymore.", "child_at_risk"),
        ("en", "I think she cuts herself.", "child_at_risk"),
        ("nl", "S. vertelde: ik kan niet meer.", "child_at_risk"),
        ("en", "Yesterday Sam told me: I want to die.", "child_at_risk"),
    ],
)
def test_who_says_it_decides_the_kind(lang: Lang, text: str, kind: str) -> None:
    assert _kinds(text, lang) == {kind}


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("nl", "Zijn moeder heeft een burn-out."),
        ("nl", "Na drie uur rekenen kan hij niet meer."),
        ("nl", "S. kan niet meer."),
        ("en", "His mum is depressed."),
    ],
)
def test_distress_of_others_is_not_teacher_distress(lang: Lang, text: str) -> None:
    assert "teacher_distress" not in _kinds(text, lang)


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("nl", "Hij vertelde dat papa hem slaat. Ik kan niet meer, ik slaap er niet van."),
        ("en", "She told me her dad hits her. I can't cope anymore."),
    ],
)
def test_both_kinds_in_one_answer_each_with_its_own_sentence(lang: Lang, text: str) -> None:
    signals = check(text, lang)
    assert [s.kind for s in signals] == ["child_at_risk", "teacher_distress"]
    first, second = (text[a:b] for a, b in split_sentences(text))
    assert [s.quote for s in signals] == [first, second]


def test_one_signal_per_sentence_and_kind() -> None:
    text = "Hij heeft blauwe plekken, striemen en een blauw oog."
    (signal,) = check(text, "nl")
    assert (signal.kind, signal.quote) == ("child_at_risk", text)
    assert signal.reason.startswith("rule child_at_risk/injuries")


@pytest.mark.parametrize("lang", LANGS)
def test_empty_and_plain_answers(lang: Lang) -> None:
    assert check("", lang) == []
    assert check("   \n ", lang) == []
    assert check("Ok.", lang) == []


@pytest.mark.parametrize("lang", LANGS)
def test_deterministic_and_pure(lang: Lang) -> None:
    texts = [text for text, _ in _cases(lang)]
    first = [check(text, lang) for text in texts]
    again = [check(text, lang) for text in reversed(texts)][::-1]
    assert first == again
    joined = " ".join(texts)
    assert check(joined, lang) == check(joined, lang)


def test_signal_is_frozen() -> None:
    signal = Signal(kind="child_at_risk", quote="x")
    with pytest.raises(ValidationError):
        signal.kind = "teacher_distress"  # type: ignore[misc]
    assert hash(signal) == hash(Signal(kind="child_at_risk", quote="x"))


# --- the rule files ---------------------------------------------------------------------------


def _raw(lang: str) -> dict[str, Any]:
    data = yaml.safe_load((PROMPTS / lang / "safeguarding.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_both_languages_load_with_the_same_shape() -> None:
    nl, en = load_rules("nl"), load_rules("en")
    assert set(nl.words) == set(en.words)
    for section in ("child_at_risk", "teacher_distress", "self_harm"):
        assert set(getattr(nl.signals, section)) == set(getattr(en.signals, section))
    compile_rules(nl)
    compile_rules(en)


def test_unknown_keys_are_refused() -> None:
    data = _raw("nl")
    data["extra"] = 1
    with pytest.raises(ValidationError):
        Rules.model_validate(data)


@pytest.mark.parametrize("bad", ["@nosuchlist hem", "blauw |", "a*"])
def test_malformed_patterns_are_refused(bad: str) -> None:
    data = _raw("nl")
    data["signals"]["child_at_risk"]["injuries"]["patterns"].append(bad)
    with pytest.raises(SafeguardingError):
        compile_rules(Rules.model_validate(data))
