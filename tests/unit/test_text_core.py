"""The one text core (bot/text/): words, sentences, clauses and roles, negation scope, cues."""

from __future__ import annotations

import pytest

from bot.text.analysis import NAME, analyse
from bot.text.cues import CueError, CueSet, Search, nearest, parse_cue
from bot.text.lexicon import LEXICONS
from bot.text.scope import Scope, negated, negation
from bot.text.sentences import split_sentences
from bot.text.tokens import fold, lemma, lemma_keys, word_count, words

# --- tokens and sentences ---------------------------------------------------------------------


def test_fold_and_words() -> None:
    assert fold("Geïrriteerd’") == "geirriteerd'"
    assert words("Ik ben naast hem gaan zitten, m’n time-out!") == [
        "ik",
        "ben",
        "naast",
        "hem",
        "gaan",
        "zitten",
        "m'n",
        "time-out",
    ]
    assert word_count("🙂 ... !") == 0


def test_lemmas_long_and_short() -> None:
    assert "slaan" in lemma_keys("sloeg", "nl")
    assert lemma_keys("wil", "nl") == frozenset({"wil"})  # keys leave short words alone
    assert lemma("wil", "nl") == "willen"  # the token's lemma does not
    assert {"burn-out", "burn", "out"} <= lemma_keys("burn-out", "nl")


def test_sentences_keep_initials_and_abbreviations() -> None:
    text = "S. kwam binnen, bijv. om 9 uur. Hij huilde!  Daarna\nrustig"
    assert [text[a:b] for a, b in split_sentences(text)] == [
        "S. kwam binnen, bijv. om 9 uur.",
        "Hij huilde!",
        "Daarna",
        "rustig",
    ]


# --- analysis: clauses, roles, offsets ----------------------------------------------------------


def test_clauses_subjects_offsets_and_index() -> None:
    text = "Ik zag dat Noah huilde, maar hij zei niets."
    (sentence,) = analyse(text, "nl", "Noah")
    assert [len(c.tokens) for c in sentence.clauses] == [5, 4]
    tokens = sentence.tokens
    assert [t.subject for t in tokens[:5]] == ["teacher", None, None, "pupil", None]
    assert all(text[t.start : t.end].lower() == t.word for t in tokens)
    assert [t.clause for t in tokens] == [0, 0, 0, 0, 0, 1, 1, 1, 1]
    assert [t.last for t in tokens].count(True) == 2
    assert sentence.clauses[1].inherited == "pupil"
    assert tokens[3].name and NAME in sentence.index
    assert sentence.index["niet"] == (8,)  # "niets" carries the negation key
    assert sentence.index["=niets"] == (8,)


def test_separable_verbs_have_their_stem() -> None:
    (sentence,) = analyse("Toen heb ik hem aangesproken.", "nl")
    assert sentence.tokens[-1].stem == "spreken"
    assert "~spreken" in sentence.index


def test_hedged_negation_is_weaker() -> None:
    (plain,) = analyse("Ik was niet boos.", "nl")
    (hedged,) = analyse("Ik was niet echt boos.", "nl")
    assert hedged.tokens[2].negation < plain.tokens[2].negation


def test_the_lexicons_share_their_shape() -> None:
    assert LEXICONS["nl"].__dataclass_fields__ == LEXICONS["en"].__dataclass_fields__


# --- scope --------------------------------------------------------------------------------------


def _where(text: str, lang: str, cue: str) -> tuple[tuple[int, ...], object]:
    (sentence,) = analyse(text, lang)
    match = next(Search(sentence).matches(parse_cue(cue, lang)))
    return match, sentence.tokens


def test_negation_reach_before_after_and_breakers() -> None:
    nl = Scope(4, 3, breakers=LEXICONS["nl"].scope_breakers)
    en = Scope(4, 0, breakers=LEXICONS["en"].scope_breakers)
    cases = [
        ("Blauwe plekken heb ik niet gezien.", "nl", nl, "blauw plek", True),
        ("Ik weet niet zeker of hij blauwe plekken heeft.", "nl", nl, "blauw plek", False),
        ("I am not sure whether he has bruises.", "en", en, "bruises", False),
        ("There were no bruises.", "en", en, "bruises", True),
        ("Bruises, not on his arms.", "en", en, "bruises", False),  # after, in English
    ]
    for text, lang, scope, cue, expected in cases:
        where, tokens = _where(text, lang, cue)
        assert negated(tokens, where, scope) is expected, text  # type: ignore[arg-type]


def test_a_negator_inside_the_match_is_its_own() -> None:
    where, tokens = _where("Hij krijgt geen eten, niet echt.", "nl", "geen eten")
    own = Scope(4, 3)
    assert negation(tokens, where, own) == 0.0  # type: ignore[arg-type]


def test_subject_change_stops_the_reach() -> None:
    (sentence,) = analyse("Als hij niet luistert word ik boos", "nl")
    clause = sentence.clauses[0].tokens
    at = next(i for i, t in enumerate(clause) if t.word == "boos")
    assert negation(clause, (at,), Scope(5, 6, subject_change=True)) == 0.0
    assert negation(clause, (at,), Scope(5, 6)) > 0.0


def test_weak_negators_are_ignored_with_a_minimum_strength() -> None:
    where, tokens = _where("Hij krijgt weinig eten.", "nl", "eten")
    assert negated(tokens, where, Scope(4, 3))  # type: ignore[arg-type]
    assert not negated(tokens, where, Scope(4, 3, min_strength=0.8))  # type: ignore[arg-type]


# --- cues ---------------------------------------------------------------------------------------


def _found(cue: str, text: str, lang: str = "nl", **options: object) -> bool:
    lists = {"adult": ["vader", "moeder", "dad"]}
    parsed = parse_cue(cue, lang, lists, **options)  # type: ignore[arg-type]
    return any(Search(s).found(parsed) for s in analyse(text, lang))


@pytest.mark.parametrize(
    ("cue", "text", "expected"),
    [
        ("slaan", "Papa sloeg hem.", True),  # lemma
        ("=geslagen", "Papa sloeg hem.", False),  # exact form
        ("=geslagen", "Hij is geslagen.", True),
        ("brandwond*", "Ze had brandwonden.", True),  # prefix
        ("@adult slaan", "Zijn moeder slaat hem.", True),  # list, free order
        ("@adult slaan", "Dat hij door zijn moeder geslagen werd.", True),
        ("kunnen niet meer$", "Ik kan niet meer.", True),  # clause end
        ("kunnen niet meer$", "Ik kan niet meer tellen.", False),
        ("niet naar huis willen", "Hij wil nooit naar huis.", True),  # any negator
        ("#name zeggen", "Toen zei Sanne het.", True),  # a name
        ("~spreken", "Ik heb hem aangesproken.", True),  # the verb in a compound
        ("wil dood", "Hij wil dood.", True),  # a short word's lemma
        ("blauw plek", "Blauwe plekken, een oog en een arm die pijn deed.", True),
        ("blauw arm", "Blauwe plekken, een oog en een arm die pijn deed.", False),  # too far
    ],
)
def test_cue_syntax(cue: str, text: str, expected: bool) -> None:
    assert _found(cue, text) is expected


def test_order_and_contractions_in_english() -> None:
    assert _found("> can not cope", "I can't cope.", "en")
    assert not _found("> dad hit", "He hit his dad.", "en")
    assert _found("dad hit", "He hit his dad.", "en")  # unordered unless asked
    assert _found("dad hit", "He hit his dad.", "en", ordered=False)
    assert not _found("dad hit", "He hit his dad.", "en", ordered=True)


@pytest.mark.parametrize("bad", ["", "@nolist hem", "blauw |", "ab*", "=", "~"])
def test_malformed_cues_are_refused(bad: str) -> None:
    with pytest.raises(CueError):
        parse_cue(bad, "nl", {"adult": ["vader"]})


def test_a_cue_set_tries_only_cues_whose_rarest_word_is_there() -> None:
    cues = CueSet([parse_cue("blauw plek", "nl"), parse_cue("honger*", "nl")])
    (sentence,) = analyse("Hij heeft blauwe plekken.", "nl")
    assert cues.candidates(sentence) == [0]
    assert [cue.text for cue, _ in cues.matches(Search(sentence))] == ["blauw plek"]


def test_nearest_is_the_scorers_rule() -> None:
    (sentence,) = analyse("Ik ben boos en ook heel erg boos op hem", "nl")
    cue = parse_cue("ik boos", "nl")
    assert nearest(cue, sentence.tokens) == (0, 2)
    assert nearest(cue, sentence.tokens, span=1) is None
