"""The closed-class words of each language: subjects and objects, negators and their strength,
hedges, intensifiers, conjunctions, contractions, abbreviations, the words that end a
negation's reach, question words, prepositions of aim. Data, not code: `analysis`, `scope` and
`roles` read them; no scale or signal is named.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Who = Literal["teacher", "pupil", "unknown"]


def _words(spec: str) -> frozenset[str]:
    return frozenset(spec.split())


def _weights(spec: str) -> dict[str, float]:
    return {w: float(v) for w, v in (item.split(":") for item in spec.split())}


def _phrases(spec: str) -> dict[tuple[str, ...], float]:
    return {tuple(p.split("_")): float(v) for p, v in (item.split(":") for item in spec.split())}


def _longest_first(spec: str) -> tuple[str, ...]:
    return tuple(sorted(spec.split(), key=lambda word: (-len(word), word)))


@dataclass(frozen=True)
class Lexicon:
    """The closed-class words of one language that the analysis needs."""

    negation_key: str
    verb_second: bool
    negation_after: int
    teacher_subjects: frozenset[str]
    pupil_subjects: frozenset[str]
    teacher_objects: frozenset[str]
    pupil_objects: frozenset[str]
    causatives: frozenset[str]
    complementisers: frozenset[str]
    negators: dict[str, float]
    hedges: frozenset[str]
    # «nog nooit zo'n band», "never been so happy": «never» before «such» says «more than ever»
    superlatives: frozenset[str]
    intensity: dict[str, float]
    phrases: dict[tuple[str, ...], float]
    conjunctions: frozenset[str]
    contractions: dict[str, str]
    abbreviations: frozenset[str]
    scope_breakers: frozenset[str]
    particles: tuple[str, ...]
    links: frozenset[str]
    subordinators: frozenset[str]
    impersonal: frozenset[str]
    question_words: frozenset[str]
    aim: frozenset[str]
    pupil_possessives: frozenset[str]
    retractions: frozenset[str]
    ironic_openers: frozenset[str]


LEXICONS: dict[str, Lexicon] = {
    "nl": Lexicon(
        negation_key="niet",
        verb_second=True,
        negation_after=6,
        teacher_subjects=_words("ik we wij 'k"),
        pupil_subjects=_words("hij zij ze"),
        teacher_objects=_words("me mij mijn m'n mezelf ons"),
        pupil_objects=_words("hem haar"),
        causatives=_words("maken krijgen drijven"),
        complementisers=_words("dat die wat of omdat als"),
        negators=_weights(
            "niet:0.8 geen:0.8 nooit:0.9 niets:0.85 niks:0.85 nergens:0.8 niemand:0.8 "
            "zelden:0.6 nauwelijks:0.6 amper:0.6 weinig:0.55"
        ),
        hedges=_words("echt zo heel erg helemaal zozeer altijd veel vaak meteen"),
        superlatives=_words("zo zo'n zulk zulke zoveel zoiets"),
        intensity=_weights(
            "heel:1.3 erg:1.3 zeer:1.3 echt:1.25 enorm:1.4 ontzettend:1.4 vreselijk:1.4 "
            "verschrikkelijk:1.4 super:1.3 hartstikke:1.3 mega:1.3 extreem:1.4 totaal:1.3 "
            "compleet:1.3 helemaal:1.3 zo:1.15 zoveel:1.2 altijd:1.3 steeds:1.25 constant:1.35 "
            "voortdurend:1.35 telkens:1.25 continu:1.35 vaak:1.2 dagelijks:1.25 beetje:0.5 "
            "soms:0.75 misschien:0.75 enigszins:0.6 redelijk:0.8 lichtjes:0.6 tikkeltje:0.6"
        ),
        phrases=_phrases(
            "elke_dag:1.3 iedere_dag:1.3 hele_dag:1.3 hele_tijd:1.3 keer_op_keer:1.3 "
            "af_en_toe:0.7 wel_eens:0.75 een_keer:0.85"
        ),
        conjunctions=_words(
            "maar want omdat doordat als toen terwijl dus en zodat hoewel nadat voordat sinds "
            "tenzij wanneer"
        ),
        contractions={"m'n": "mijn", "z'n": "zijn", "d'r": "haar", "'t": "het", "'k": "ik"},
        abbreviations=_words("bv bijv ca o.a dhr mevr nr vs m.a.w d.w.z"),
        # "ik weet niet zeker of zijn vader hem slaat": the doubt does not deny what follows.
        scope_breakers=_words("of omdat die wie waar welke zeker bewijzen hoe waarom"),
        # separable verb particles, longest first: "aangesproken" is "aan" + "gesproken"
        particles=_longest_first(
            "aan af achter bij binnen door heen in langs los mee na neer om onder op over rond "
            "samen tegen terug toe uit vast voor weg"
        ),
        links=_words("toen daarna dan ook meteen direct gelijk vervolgens eerst nog snel even"),
        # a subordinate clause starts here, its own subject next: "ik vroeg hoe HET ging"
        subordinators=_words("dat die wat of omdat als hoe waarom wie wanneer waar"),
        impersonal=_words("het er men je jij"),
        # question words opening a complement a negated "know" reaches into: "ik weet niet
        # (goed) hoe ik hem moet troosten"
        question_words=_words("hoe wat waarom wanneer"),
        # prepositions aiming a feeling at someone or something: "boos op", "razend over"
        aim=_words("op tegen over"),
        pupil_possessives=_words("zijn z'n haar"),
        # a short sentence that takes back the one before: "Een feestje. Grapje."
        retractions=_words("grapje geintje grap gekheid ironie sarcasme sarcastisch"),
        # an opener of mock enthusiasm: "Oh, heerlijk."
        ironic_openers=_words("oh o ach"),
    ),
    "en": Lexicon(
        negation_key="not",
        verb_second=False,
        negation_after=0,
        teacher_subjects=_words("i we"),
        pupil_subjects=_words("he she"),
        teacher_objects=_words("me my myself us"),
        pupil_objects=_words("him her"),
        causatives=_words("make makes made drive drives drove get gets got"),
        complementisers=_words("that who what whether because if"),
        negators=_weights(
            "not:0.8 n't:0.8 never:0.9 no:0.8 nothing:0.85 nobody:0.8 none:0.8 neither:0.8 "
            "nor:0.8 without:0.6 hardly:0.6 barely:0.6 rarely:0.6 seldom:0.6 cannot:0.8 "
            "dont:0.8 doesnt:0.8 didnt:0.8 cant:0.8 wont:0.8 wouldnt:0.8 couldnt:0.8 "
            "shouldnt:0.8 isnt:0.8 wasnt:0.8 arent:0.8 werent:0.8 havent:0.8 hasnt:0.8 "
            "hadnt:0.8 aint:0.8"
        ),
        hedges=_words(
            "really very that so too entirely always much often quite exactly particularly"
        ),
        superlatives=_words("so such"),
        intensity=_weights(
            "very:1.3 really:1.25 so:1.2 extremely:1.4 incredibly:1.4 totally:1.3 "
            "completely:1.3 absolutely:1.3 utterly:1.4 super:1.3 terribly:1.4 awfully:1.3 "
            "deeply:1.3 hugely:1.3 genuinely:1.15 always:1.3 constantly:1.35 continually:1.35 "
            "repeatedly:1.3 often:1.2 frequently:1.2 daily:1.25 sometimes:0.75 occasionally:0.7 "
            "maybe:0.75 perhaps:0.75 slightly:0.6 somewhat:0.7 fairly:0.85 bit:0.5 kinda:0.7"
        ),
        phrases=_phrases(
            "every_day:1.3 every_single_day:1.1 all_the_time:1.3 over_and_over:1.3 "
            "again_and_again:1.3 kind_of:0.7 sort_of:0.7 now_and_then:0.7 a_little:0.7 "
            "from_time_to_time:0.7"
        ),
        conjunctions=_words(
            "but because when while and although though whereas since unless cause cos if"
        ),
        contractions={
            "can't": "can",
            "won't": "will",
            "don't": "do",
            "doesn't": "do",
            "didn't": "do",
            "isn't": "be",
            "wasn't": "be",
            "aren't": "be",
            "weren't": "be",
            "haven't": "have",
            "hasn't": "have",
            "hadn't": "have",
            "couldn't": "could",
            "wouldn't": "would",
            "shouldn't": "should",
        },
        abbreviations=_words("mr mrs ms dr e.g i.e etc vs st"),
        scope_breakers=_words("whether if because who which where sure prove how why"),
        particles=(),
        # words that may stand between a conjunction and a verb whose subject is the one before
        links=_words("then also immediately straight so just quickly first"),
        # a subordinate clause starts here, its own subject next: "I asked how IT went"
        subordinators=_words("that who what whether because if how why when where which"),
        impersonal=_words("it there you one"),
        question_words=_words("how what why"),
        aim=_words("at with about"),
        pupil_possessives=_words("his her"),
        retractions=_words("kidding joking joke jk sarcasm sarcastic irony"),
        ironic_openers=_words("oh ah"),
    ),
}
