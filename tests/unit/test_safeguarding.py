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


# --- failure classes of a fourth unseen writer (h4), each in sentences written for this test ---

H4_FLAG: list[tuple[str, Lang, str, str]] = [
    # care asked for again and again and not given: eyes, teeth, an appointment cancelled
    (
        "medical",
        "nl",
        "child_at_risk",
        "We hebben de ouders al vier keer gevraagd om naar de oogarts te gaan.",
    ),
    (
        "medical",
        "en",
        "child_at_risk",
        "We've sent four reminders about the optician and still no glasses.",
    ),
    (
        "medical",
        "en",
        "child_at_risk",
        "His back teeth are black and decayed and he holds his cheek all day.",
    ),
    (
        "medical",
        "en",
        "child_at_risk",
        "Her dad has cancelled the hospital appointment three times now.",
    ),
    # a child asking to live with the teacher or to stay at school in the holidays
    (
        "stay",
        "nl",
        "child_at_risk",
        "Ze vroeg of ze bij mij mocht komen wonen in plaats van thuis.",
    ),
    ("stay", "nl", "child_at_risk", "Ze wil in de zomervakantie liever op school blijven slapen."),
    ("stay", "en", "child_at_risk", "He asked if he could live with me instead of going home."),
    (
        "stay",
        "en",
        "child_at_risk",
        "She asked if she could stay at school over the summer holidays.",
    ),
    # a young child left alone for a weekend
    (
        "alone",
        "nl",
        "child_at_risk",
        "Hij was het hele weekend alleen, zijn moeder was weg met haar vriend.",
    ),
    ("alone", "en", "child_at_risk", "She was on her own all weekend while her dad was away."),
    # the teacher's passive death wish, told through a way to die and relief
    (
        "death wish",
        "nl",
        "teacher_distress",
        "Als ik onder een trein kom, is het ook goed, denk ik soms.",
    ),
    (
        "death wish",
        "en",
        "teacher_distress",
        "On the platform I think how easy it would be to step forward.",
    ),
    (
        "death wish",
        "en",
        "teacher_distress",
        "If a bus hit me on the way in, that would be a relief.",
    ),
    # a child's "I wish I was never born"
    ("never born", "en", "child_at_risk", "He wrote in his book 'I wish I was never born'."),
    # the teacher drinking a bottle a night to sleep
    (
        "drink",
        "nl",
        "teacher_distress",
        "Ik drink elke avond een halve fles whisky om te kunnen slapen.",
    ),
    (
        "drink",
        "en",
        "teacher_distress",
        "By now I finish the whole bottle most evenings just to get to sleep.",
    ),
    # a drunk parent taking the child away
    (
        "drunk carer",
        "nl",
        "child_at_risk",
        "Zijn moeder was dronken bij het ophalen en reed toch met hem weg.",
    ),
    (
        "drunk carer",
        "en",
        "child_at_risk",
        "His dad was slurring at pick-up and then drove off with him.",
    ),
    # sexualised play: with dolls, on another child, asking to be touched
    (
        "sexualised play",
        "en",
        "child_at_risk",
        "At free play he put the teddy on top of the doll and made it hump.",
    ),
    (
        "sexualised play",
        "nl",
        "child_at_risk",
        "Hij wil dat de andere kleuters zijn piemel vastpakken.",
    ),
    # an adult outside the home messaging late at night and asking for secrecy
    (
        "grooming",
        "nl",
        "child_at_risk",
        "Haar zwemleraar stuurt haar 's avonds berichtjes en zegt: niks tegen je moeder zeggen.",
    ),
    (
        "grooming",
        "en",
        "child_at_risk",
        "Her tutor messages her late at night and says 'don't tell your mum'.",
    ),
    # "ik vroeg" (I asked) is no "vroeger" (formerly), "of alles goed gaat" no resolution
    (
        "asked",
        "nl",
        "child_at_risk",
        "Toen ik vroeg of alles goed gaat, zei hij: dat mag ik niet zeggen van papa.",
    ),
    (
        "secret from a parent",
        "nl",
        "child_at_risk",
        "Ze zei zachtjes: niet tegen papa zeggen, hoor.",
    ),
    # a way to die at the wheel; "I wish I had never been there"
    ("wheel", "nl", "teacher_distress", "Op de snelweg denk ik soms: één ruk aan het stuur."),
    ("wheel", "en", "teacher_distress", "On the motorway I think: one jerk of the wheel."),
    ("never there", "nl", "child_at_risk", "Hij zei: 'ik wou dat ik er nooit was geweest'."),
    # alone, parents who do not answer, a child made to run errands, photos asked for
    ("alone", "en", "child_at_risk", "He was alone all weekend with his baby brother."),
    ("no answer", "en", "child_at_risk", "Dad hasn't replied for weeks about her hearing."),
    ("errands", "en", "child_at_risk", "His uncle makes him drop off parcels after school."),
    ("photos", "en", "child_at_risk", "A man in a game asked her to send pictures of herself."),
    (
        "sleep at school",
        "en",
        "child_at_risk",
        "He asked if he could sleep here at school tonight.",
    ),
    # an ordinary word next to a sign does not explain it away
    (
        "loud",
        "nl",
        "child_at_risk",
        "Hij hoort slecht sinds papa hem een klap op zijn oor gaf omdat hij te luid was.",
    ),
]

H4_BENIGN: list[tuple[str, Lang, str]] = [
    ("pub", "en", "Dad was at the pub watching the match, so her nan picked her up."),
    # a checked ordinary cause in the next sentence: an accident form, a broken machine
    (
        "accident form",
        "en",
        "He has a bruise on his cheek. The pool staff filled in an accident form and rang his dad.",
    ),
    (
        "machine",
        "nl",
        "Hij droeg een week dezelfde trui. Ik vroeg ernaar: hun wasmachine was stuk.",
    ),
    (
        "lunch brought",
        "nl",
        "Ze had geen boterhammen mee, maar haar moeder heeft de brooddoos om elf uur nog gebracht.",
    ),
    (
        "back to life",
        "en",
        "In the sandpit they play that the dinosaurs die and come back to life.",
    ),
    # a sign with its innocent cause told by a parent beforehand, witnessed, or on record
    (
        "told before",
        "nl",
        "Ze heeft een blauw oog; haar moeder had vanochtend al gemaild dat ze bij "
        "handbal een bal in haar gezicht kreeg.",
    ),
    (
        "told before",
        "en",
        "He came in with a black eye, but his mum had already emailed that he took a "
        "cricket ball to the face.",
    ),
    (
        "witnessed",
        "en",
        "There's a bruise on his forehead, but I watched him slip on the wet floor at break.",
    ),
    (
        "on record",
        "nl",
        "Ze heeft een blauwe plek onderaan haar rug, maar dat is een mongolenvlek, dat "
        "staat in haar medisch dossier.",
    ),
    (
        "on record",
        "en",
        "I noticed a dark mark on his back, but it's a birthmark that's noted in his "
        "health record.",
    ),
    # a harmless reason for not wanting to go home
    ("unfinished", "nl", "Hij wilde niet naar huis omdat zijn lego-toren nog niet af was."),
    ("unfinished", "en", "She didn't want to go home because her den wasn't finished yet."),
    # sex education, a child's question what a word means
    (
        "sex education",
        "nl",
        "Tijdens de les seksuele opvoeding vroeg een jongen hoe baby's gemaakt worden.",
    ),
    ("sex education", "en", "In our RSE lesson a girl asked what sex means."),
    # the teacher's own crisis long past and recovered
    (
        "recovered",
        "nl",
        "Jaren geleden had ik paniekaanvallen, ik heb toen therapie gevolgd en heb er al "
        "jaren geen last meer van.",
    ),
    (
        "recovered",
        "en",
        "Years ago I had panic attacks, had counselling, and haven't had one since.",
    ),
    # an ordinary cause: a long walk to school, a ball in PE, happy news kept for now
    (
        "hungry walker",
        "nl",
        "Hij heeft altijd honger om tien uur, hij loopt elke dag 5 km naar school.",
    ),
    ("reflex", "nl", "Hij dook weg toen de bal naar zijn hoofd vloog, gewoon een reflex."),
    ("reflex", "en", "He ducked when the ball flew at his head in PE, just a reflex."),
    (
        "happy news",
        "nl",
        "Hij had een geheimpje: zijn tante gaat trouwen, maar hij mocht het nog aan "
        "niemand vertellen.",
    ),
    (
        "happy news",
        "en",
        "She whispered a secret: her mum is pregnant, she's not allowed to tell anyone yet.",
    ),
    ("a train ride", "nl", "We gingen met de trein naar het museum en dat ging prima."),
]


@pytest.mark.parametrize(("what", "lang", "kind", "text"), H4_FLAG)
def test_h4_classes_are_flagged_by_the_rules(what: str, lang: Lang, kind: str, text: str) -> None:
    signals = check(text, lang)
    assert kind in {s.kind for s in signals}, what
    assert any(s.kind == kind and s.reason.startswith("rule ") for s in signals), what


@pytest.mark.parametrize(("what", "lang", "text"), H4_BENIGN)
def test_h4_benign_classes_are_no_signal(what: str, lang: Lang, text: str) -> None:
    assert check(text, lang) == [], what
