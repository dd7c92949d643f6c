"""The word after an answer: it fits what was said and never comes twice in a row."""

from __future__ import annotations

import itertools

import pytest

from bot.dialogues.probes import ack_kind, tone
from bot.dialogues.script import Item, Script, load_script
from tests.support.engine_driver import EngineChat


def all_acks(script: Script) -> dict[str, str]:
    """Every acknowledgement of a script -> its kind."""
    kinds = {
        "plain": script.acknowledgements,
        "tough": script.acknowledgements_tough,
        "joy": script.acknowledgements_joy,
        "short": script.acknowledgements_short,
        "forward": script.acknowledgements_forward,
    }
    return {ack: kind for kind, acks in kinds.items() for ack in acks}


def ack_of(reply: str, script: Script) -> tuple[str, str]:
    """The acknowledgement a reply starts with, and its kind ('' when none)."""
    found = [(a, k) for a, k in all_acks(script).items() if reply.startswith(a)]
    return max(found, key=lambda f: len(f[0])) if found else ("", "")


@pytest.mark.parametrize("lang", ["nl", "en"])
@pytest.mark.parametrize("script_id", ["interview", "reflection", "checkin"])
def test_every_kind_has_several_warm_variants_in_both_languages(lang: str, script_id: str) -> None:
    script = load_script(script_id, lang)  # type: ignore[arg-type]
    for acks in (
        script.acknowledgements,
        script.acknowledgements_tough,
        script.acknowledgements_joy,
        script.acknowledgements_short,
        script.acknowledgements_forward,
    ):
        assert len(acks) >= 4 and len(set(acks)) == len(acks)
    grading = {"dat is duidelijk", "that is clear"}
    assert not any(g in a.lower() for a in all_acks(script) for g in grading)


def test_a_hard_moment_is_acknowledged_every_time_but_never_with_the_same_words() -> None:
    chat = EngineChat(lang="nl")
    chat.start_interview()
    chat.text("Strijd, moe, warm. Gisteren lachten we samen om een grap in de kring.")
    script = load_script("interview", "nl")
    said = [
        chat.text("Gisteren schreeuwde hij en gooide een stoel om. Ik was radeloos."),
        chat.text("Ik was boos en machteloos, ik stond met mijn mond vol tanden."),
        chat.text("Hij huilde en ik was bang dat het uit de hand liep."),
    ]
    acks = [ack_of(reply, script) for reply in said]
    assert [kind for _, kind in acks] == ["tough", "tough", "tough"]
    assert len({ack for ack, _ in acks}) == 3  # not three times «Dat klinkt zwaar.»


def test_joy_and_a_short_factual_answer_get_their_own_tone() -> None:
    chat = EngineChat(lang="en")
    chat.command("start")
    chat.press_nth(0)
    chat.text("Sam")
    script = load_script("interview", "en")
    assert ack_of(chat.text("Year 4"), script)[1] == "short"
    joyful = "I chose him because we laughed so much together last week and I was proud of him."
    assert ack_of(chat.text(joyful), script)[1] == "joy"
    personal = "Honestly I find it hard to reach him, and I keep wondering what he needs from me."
    assert ack_of(chat.text(personal), script)[1] in ("plain", "tough")


def test_a_disclosure_is_not_answered_like_a_grade() -> None:
    chat = EngineChat(lang="nl")
    chat.start_interview()
    reply = chat.text("Eerlijk gezegd twijfel ik vaak aan mezelf als ik met hem bezig ben.")
    ack, kind = ack_of(reply, load_script("interview", "nl"))
    assert kind in ("plain", "tough") and ack


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_no_acknowledgement_comes_twice_in_a_row_over_a_whole_interview(lang: str) -> None:
    chat = EngineChat(lang=lang)
    chat.start_interview()
    script = load_script("interview", lang)  # type: ignore[arg-type]
    answers = [
        "Ok.",
        "Nee.",
        "Goed.",
        "Prima.",
        "Ja.",
        "Weet ik niet.",
        "Soms.",
        "Nee.",
        "Ok.",
        "Geen idee.",
    ]
    acks = []
    for n in range(40):
        reply = chat.text(answers[n % len(answers)])
        ack = ack_of(reply, script)[0]
        if ack:
            acks.append(ack)
        if chat.state is not None and chat.state.sessions[0].status == "review":
            break
    assert len(acks) >= 10
    assert all(a != b for a, b in itertools.pairwise(acks))


@pytest.mark.parametrize(
    ("lang", "text", "kind"),
    [
        ("nl", "Gisteren schreeuwde hij en ik was radeloos.", "tough"),
        ("nl", "We hebben zo gelachen in de kring, ik was trots op hem.", "joy"),
        ("nl", "Strijd, moe, warm. Gisteren lachten we samen.", "plain"),
        (
            "nl",
            "Wisselvallig, warm, vermoeiend. Soms komt hij stralend binnen, na een dag vol "
            "conflicten ben ik leeg.",
            "plain",
        ),
        ("en", "Warm, tiring, unpredictable: some mornings he beams at me.", "plain"),
        ("nl", "Ik was niet blij met hoe het ging, eerlijk gezegd niet.", "plain"),
        ("nl", "Groep 6", "short"),
        ("nl", "Ik voel me vaak onzeker bij hem.", "plain"),
        (
            "nl",
            "Het pijnlijkste vind ik dat hij zegt dat ik hem niet leuk vind. Dat raakt me.",
            "tough",
        ),
        ("nl", "Het maakt me onzeker. Soms lig ik er wakker van.", "tough"),
        ("en", "The most painful thing is when he says I don't like him.", "tough"),
        ("en", "He hugged me and I was so proud of him.", "joy"),
        ("en", "It went well, but I was tired afterwards and it was hard.", "plain"),
        ("en", "Year 4", "short"),
    ],
)
def test_the_tone_of_an_answer(lang: str, text: str, kind: str) -> None:
    cues = load_script("interview", lang).probe_cues  # type: ignore[arg-type]
    assert cues is not None
    assert tone(text, cues, "Noah") == kind


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_a_plain_factual_answer_is_not_praised_for_openness(lang: str) -> None:
    """«Groep 5 … waarom Noah» got «Fijn dat je er zo open over vertelt.» in the walk."""
    script = load_script("interview", lang)
    assert not any(w in a.lower() for a in script.acknowledgements for w in ("open", "eerlijk"))


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_a_plan_that_names_a_hard_moment_is_not_called_heavy(lang: str) -> None:
    """In session 2 a plan like «als hij boos wordt, ga ik naast hem staan» sounds 'tough'; the
    word after it must fit a plan too, not «Dat weegt zwaar.»"""
    script = load_script("reflection", lang)
    heavy = ("zwaar", "veel van je", "weighs", "a lot of you")
    assert not any(w in a.lower() for a in script.acknowledgements_tough for w in heavy)


HEAVY = ("zwaar", "veel van je", "niet makkelijk", "pittig", "niet niks", "eerlijk")
HEAVY_EN = ("hard", "a lot", "tough", "not easy", "honest")


def is_heavy(ack: str) -> bool:
    return any(w in ack.lower() for w in (*HEAVY, *HEAVY_EN))


def item(script: Script, item_id: str) -> Item:
    return next(i for i in script.items if i.id == item_id)


def kind_for(script_id: str, lang: str, item_id: str, text: str, **how: bool) -> str:
    script = load_script(script_id, lang)  # type: ignore[arg-type]
    cues = load_script("interview", lang).probe_cues  # type: ignore[arg-type]
    assert cues is not None
    said = tone(text, cues, "Noah") if text else "plain"
    return ack_kind(said, item(script, item_id), **how)


@pytest.mark.parametrize("script_id", ["interview", "reflection", "checkin"])
@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_encouraging_words_never_sound_heavy(script_id: str, lang: str) -> None:
    script = load_script(script_id, lang)  # type: ignore[arg-type]
    assert not any(is_heavy(a) for a in script.acknowledgements_forward)


@pytest.mark.parametrize(
    ("lang", "goal"),
    [
        ("nl", "Dat ik rustiger blijf als hij boos wordt."),
        ("en", "That I stay calmer when he gets angry."),
    ],
)
def test_a_goal_that_names_anger_gets_an_encouraging_word_not_a_heavy_one(
    lang: str, goal: str
) -> None:
    """Walk: question 12 «Dat ik rustiger blijf als hij boos wordt» got «Dat klinkt zwaar.»"""
    chat = EngineChat(lang=lang)
    chat.start_interview()
    for _ in range(11):
        chat.command("skip")
    script = load_script("interview", lang)  # type: ignore[arg-type]
    assert item(script, "q12_goals").text in chat.said[-1].text.replace("Noah", "{pupil}")
    ack, kind = ack_of(chat.text(goal), script)
    assert kind == "forward" and not is_heavy(ack)


@pytest.mark.parametrize(
    ("lang", "moment"),
    [
        ("en", 'In maths he shouted "oh, it is just seven piles!" and we both laughed.'),
        ("nl", "Bij rekenen riep hij boos «het zijn maar zeven stapels!» en we lachten allebei."),
        ("nl", 'Hij riep "ik ben zo boos!" en toen moesten we allebei lachen.'),
    ],
)
def test_a_shared_laugh_wins_over_one_hard_word_and_quoted_speech(lang: str, moment: str) -> None:
    """Walk: the happy moment got «That's a lot. Thank you for being so honest about it.»"""
    cues = load_script("interview", lang).probe_cues  # type: ignore[arg-type]
    assert cues is not None
    assert tone(moment, cues, "Noah") == "joy"


def test_a_shared_laugh_is_acknowledged_with_joy_in_the_interview() -> None:
    chat = EngineChat(lang="en")
    chat.start_interview()
    script = load_script("interview", "en")
    chat.text("Lively, funny, stubborn.")
    moment = 'Yesterday in maths he shouted "oh, it is just seven piles!" and we both laughed.'
    assert ack_of(chat.text(moment), script)[1] == "joy"


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("en", "We laughed at first, then he shouted and kicked the door."),
        ("en", 'He said "I hate you" and I was furious.'),
        ("nl", "Hij schreeuwde en schopte, en later lachte hij erom."),
    ],
)
def test_a_hard_moment_stays_hard_when_joy_does_not_end_it_or_anger_is_the_teachers(
    lang: str, text: str
) -> None:
    cues = load_script("interview", lang).probe_cues  # type: ignore[arg-type]
    assert cues is not None
    assert tone(text, cues, "Noah") == "tough"


@pytest.mark.parametrize(
    ("lang", "report"),
    [
        ("nl", "Twee keer gelukt, één keer niet."),
        ("nl", "Het lukte niet, ik was moe en hij werd boos."),
        ("en", "Twice it worked, once it didn't."),
        ("en", "It didn't work, I was exhausted and he got angry."),
    ],
)
def test_a_progress_report_gets_an_encouraging_word(lang: str, report: str) -> None:
    """Walk: «Twee keer gelukt, één keer niet» got «Dat vraagt veel van je.»"""
    assert kind_for("checkin", lang, "c01_actions", report) == "forward"


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_a_joyful_progress_report_may_get_a_joyful_word(lang: str) -> None:
    report = {"nl": "Het ging goed, hij straalde.", "en": "It went well, he was so happy."}[lang]
    assert kind_for("checkin", lang, "c01_actions", report) == "joy"


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_done_under_the_actions_gets_a_calm_closing_word(lang: str) -> None:
    """Walk: «Done» after actions with «angry» got "Honest, and not easy." The press reads no
    single entry: it closes the list with an encouraging word."""
    kind = kind_for("reflection", lang, "p02_actions", "")
    assert kind == "forward"
    assert kind_for("reflection", lang, "p01_goal", "Dat hij minder boos wordt.") == "forward"


@pytest.mark.parametrize(
    ("lang", "thin"), [("nl", "Lief, onrustig, verdrietig."), ("en", "Sweet, restless, sad.")]
)
def test_a_thin_answer_before_a_follow_up_gets_a_light_word(lang: str, thin: str) -> None:
    """Walk: a thin answer got «Dank je, zo krijg ik er een goed beeld van.» right before the
    follow-up asked for more."""
    chat = EngineChat(lang=lang)
    chat.start_interview()
    script = load_script("interview", lang)  # type: ignore[arg-type]
    reply = chat.text(thin)
    assert script.probes["more"] in reply
    assert ack_of(reply, script)[1] == "short"
    assert kind_for("interview", lang, "q01_three_words", thin) == "plain"
    assert kind_for("interview", lang, "q01_three_words", thin, follow_up=True) == "short"


@pytest.mark.parametrize(
    ("lang", "text", "kind"),
    [
        ("nl", "Ik werd niet boos, ik bleef rustig en we lachten erom.", "joy"),
        ("nl", "Boos was ik niet, wel moe.", "plain"),
        ("nl", "Ik was boos omdat hij niet luisterde.", "tough"),
        ("nl", "Ik kan niet meer.", "tough"),
        ("en", "I didn't get angry, I stayed calm and we both laughed.", "joy"),
        ("en", "I was angry that he did not listen.", "tough"),
    ],
)
def test_a_negated_hard_word_is_not_a_hard_moment(lang: str, text: str, kind: str) -> None:
    """The one negation scope of the text core: «niet boos» is no hard moment, «ik kan niet
    meer» (a negation inside the cue) is one."""
    cues = load_script("interview", lang).probe_cues  # type: ignore[arg-type]
    assert cues is not None
    assert tone(text, cues, "Noah") == kind
