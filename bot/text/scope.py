"""The one negation and hedge scope: does a negator govern a match, and how strongly?

A match is a set of token positions (a cue found in a sentence or clause). A negator outside it
governs it when it stands within `before` tokens before the match or `after` tokens after it
(Dutch puts "niet" late: "blauwe plekken heb ik niet gezien"; English does not), or between its
words; in the same clause; with no `breakers` word between ("ik weet niet zeker OF hij ...",
"I'm not sure WHETHER ..."); optionally not across a change of subject ("als hij niet luistert
word ik boos"). A hedged negator ("niet echt", "not really") is weaker (`analysis` softens it).
Each user picks its reach with a `Scope`; the rule is the same for all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.text.analysis import Token


@dataclass(frozen=True)
class Scope:
    """How far a negator reaches.

    before, after: tokens before the first and after the last word of the match;
    min_strength: weaker negators (e.g. "weinig" 0.55, a hedged "niet echt" 0.44) are ignored;
    own_negation: a negator inside the match makes it a negated cue of its own ("geen eten"),
      so nothing outside negates it (False: negators inside are simply part of the match);
    same_clause: the negator and the nearest match word share a clause;
    subject_change: a negator before the match stops where another subject comes between;
    breakers: folded words that stop the reach when they stand between;
    complements: question words that open a complement a negated verb of knowing reaches
      into: a negator followed within three tokens by one of them governs everything after it
      in the clause, whatever the distance or subject ("ik weet niet goed hoe ik hem moet
      troosten", "I don't know how to calm her").
    inversion: (Dutch) a negator before the match does not reach a main-clause verb that its
      subject follows ("als iets niet lukt, BONKT HIJ ..."), unless it stands right before it
      ("nooit slaat hij").
    after_breakers: words that open a subordinate clause: a negator after the match and after
      one of them belongs to that clause («ik heb UITGELEGD waarom dat niet kan»).
    """

    before: int
    after: int
    min_strength: float = 0.0
    own_negation: bool = True
    same_clause: bool = True
    subject_change: bool = False
    breakers: frozenset[str] = frozenset()
    complements: frozenset[str] = frozenset()
    inversion: bool = False
    after_breakers: frozenset[str] = frozenset()


def negation(tokens: Sequence[Token], where: Sequence[int], scope: Scope) -> float:
    """The strongest negator governing the match at positions `where` (0.0 when none)."""
    if not where:
        return 0.0
    if scope.own_negation and any(tokens[i].negation for i in where):
        return 0.0
    low, high = min(where), max(where)
    strength = 0.0
    for i, token in enumerate(tokens):
        if token.negation <= strength or i in where or token.negation < scope.min_strength:
            continue
        if _reaches(tokens, i, low, high, scope):
            strength = token.negation
    return strength


def negated(tokens: Sequence[Token], where: Sequence[int], scope: Scope) -> bool:
    """Whether any negator (of at least `scope.min_strength`) governs the match."""
    return negation(tokens, where, scope) > 0.0


def _reaches(tokens: Sequence[Token], i: int, low: int, high: int, scope: Scope) -> bool:
    if i < low:
        anchor, reach = low, low - i <= scope.before or _opens(tokens, i, low, scope)
    elif i > high:
        anchor, reach = high, i - high <= scope.after
    else:
        anchor, reach = i, True
    if not reach or (scope.same_clause and tokens[i].clause != tokens[anchor].clause):
        return False
    between = tokens[min(i, anchor) + 1 : max(i, anchor)]
    if any(token.word in scope.breakers for token in between):
        return False
    if i > high and any(token.word in scope.after_breakers for token in between):
        return False
    if scope.inversion and i < low - 1 and low + 1 < len(tokens) and tokens[low + 1].subject:
        return False
    if scope.subject_change and i < low and not _opens(tokens, i, low, scope):
        own = next((t.subject for t in reversed(tokens[:i]) if t.subject), None)
        others = {t.subject for t in between if t.subject}
        return not (own and others - {own})
    return True


def _opens(tokens: Sequence[Token], i: int, low: int, scope: Scope) -> bool:
    """Whether the negator at `i` is followed, before the match, by a question word."""
    return any(t.word in scope.complements for t in tokens[i + 1 : min(low, i + 4)])
