"""The rule half of the safeguarding check: find disclosures in analysed sentences.

A pattern match (`bot.safety.rules`) is a disclosure unless its status says otherwise:
- negated: a strong negator governs it ("geen blauwe plekken gezien", "I haven't seen bruises");
- a figure of speech covers it ("dood van het lachen", "this is killing me");
- a benign cue of its group is in the sentence (a fall the teacher saw; a surprise for mum);
- handled in the past: a resolution and a past cue in this sentence or a neighbour, and
  nothing in its own clause that says now ("weer", "nog steeds", "again", "still");
- dismissed: the teacher checked and found an ordinary cause ("maar het bleek van de
  trampoline", "it turned out to be from football"), in this sentence or the next;
- hypothetical: "stel dat ...", "if she ever ...", "nothing like that has happened";
- policy talk: training, a procedure or the protocol in general, with no person and no
  reported words in the sentence ("de vorming over grooming", "staff training on grooming").
Who says it decides the kind (see `_kind`). `benign` gives the same status for a whole
sentence, so the trained model's flags can be held to it too.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.models.language import Language as Lang
from bot.safety.rules import Compiled, Kind, Pattern, Who, compiled
from bot.text.cues import Cue, Search
from bot.text.scope import negated

Match = tuple[int, ...]


@dataclass(frozen=True)
class Finding:
    """A disclosure in sentence `at`: its kind and why (which rule, or the model's p), and how
    sure the reader is (a rule: 1.0; the model: its calibrated probability)."""

    at: int
    kind: Kind
    reason: str
    certainty: float = 1.0


def find(searches: list[Search], lang: Lang) -> list[Finding]:
    """Every sentence's rule findings, at most one per sentence and kind, in text order."""
    c = compiled(lang)
    findings: list[Finding] = []
    for at, s in enumerate(searches):
        kinds: set[Kind] = set()
        for n in c.index.candidates(s.sentence):
            pattern = c.patterns[n]
            for match in s.matches(pattern.cue):
                kind = _judge(pattern, match, at, searches, c)
                if kind and kind not in kinds:
                    kinds.add(kind)
                    reason = f"rule {pattern.section}/{pattern.group}: {pattern.cue.text}"
                    findings.append(Finding(at, kind, reason))
    return findings


def benign(searches: list[Search], at: int, lang: Lang) -> str | None:
    """Why a whole sentence is no disclosure (a figure of speech, handled, dismissed,
    hypothetical, an ordinary cause, a surprise), or None: the model's flags are held to it.
    In a sentence that tells the resolution itself, "now" is the good state ("ik heb mijn draai
    nu gevonden", "I know my warning signs now")."""
    c = compiled(lang)
    s = searches[at]
    if not s.tokens:
        return None
    whole = () if _any(c.resolved, s, c) else tuple(range(len(s.tokens)))
    if _any(c.figures, s, c):
        return "figure of speech"
    if _only_negated(s, c):
        return "negated"
    if _handled(whole, at, searches, c):
        return "handled"
    if _dismissed(whole, at, searches, c):
        return "dismissed"
    if _any(c.hypothetical, s, c):
        return "hypothetical"
    if _policy(s, c):
        return "policy talk"
    if _any(c.ordinary, s, c):
        return "ordinary cause"
    if _any(c.surprise, s, c) and _any((c.secret, *c.secrets), s, c):
        return "surprise"
    return None


def _only_negated(s: Search, c: Compiled) -> bool:
    """The sentence tells an act the rules know, and every one of them is negated ("zijn vader
    slaat hem niet"): the model, which reads words and not their scope, is held to that."""
    matches = [m for n in c.index.candidates(s.sentence) for m in s.matches(c.patterns[n].cue)]
    return bool(matches) and all(negated(s.tokens, m, c.scope) for m in matches)


def speaker(searches: list[Search], at: int, lang: Lang) -> Who:
    """Whose state a whole sentence tells: the pupil's reported words (`pupil_said`), the
    teacher's (a teacher word: "ik", "I", "myself"), someone else's (only pupil or other person
    words), or `unknown` (no person word at all)."""
    c = compiled(lang)
    s = searches[at]
    if s.positions(c.reporting) and _who((len(s.tokens) - 1,), s, c) == "pupil_said":
        return "pupil_said"
    roles = {who for who, slot in c.roles if s.positions(slot)}
    if "teacher" in roles:
        return "teacher"
    return "pupil" if roles else "unknown"


def _judge(
    pattern: Pattern, match: Match, at: int, searches: list[Search], c: Compiled
) -> Kind | None:
    """The kind of a match, or None when its status makes it no disclosure."""
    s = searches[at]
    if negated(s.tokens, match, c.scope) or _covered(match, s, c) or _any(pattern.unless, s, c):
        return None
    kind = _kind(pattern.section, _who(match, s, c))
    if kind is None or _any(c.hypothetical, s, c):
        return None
    if pattern.section == "child_at_risk" and _policy(s, c):
        return None
    if _handled(match, at, searches, c):
        return None
    if kind == "child_at_risk" and _dismissed(match, at, searches, c):
        return None  # a checked ordinary cause explains a sign on a child, not a teacher's state
    return kind


def _any(cues: tuple[Cue, ...], s: Search, c: Compiled) -> bool:
    return any(not negated(s.tokens, m, c.scope) for cue in cues for m in s.matches(cue))


def _policy(s: Search, c: Compiled) -> bool:
    """Training, a procedure or the protocol talked about in general: a frame, no reported
    words, and no person in the sentence (a name counts unless it is an institution's)."""
    if not _any(c.policy, s, c) or s.positions(c.reporting):
        return False
    return all(s.tokens[i].word in c.institutions for i in s.positions(c.persons))


def _covered(match: Match, s: Search, c: Compiled) -> bool:
    """A figure of speech lies within one clause of the match."""
    clauses = {s.tokens[i].clause for i in match}
    return any(
        s.tokens[min(m)].clause == s.tokens[max(m)].clause in clauses
        for cue in c.figures
        for m in s.matches(cue)
    )


def _now(match: Match, s: Search, c: Compiled) -> bool:
    """A cue of now ("weer", "nog steeds", "again") in the match's clause(s), not negated."""
    if not match:
        return False
    clauses = {s.tokens[i].clause for i in match}
    return any(
        s.tokens[min(m)].clause in clauses and not negated(s.tokens, m, c.scope)
        for cue in c.current
        for m in s.matches(cue)
    )


def _handled(match: Match, at: int, searches: list[Search], c: Compiled) -> bool:
    """Resolved and in the past (this sentence or a neighbour), and nothing says "now"."""
    if _now(match, searches[at], c):
        return False
    near = searches[max(0, at - 1) : at + 2]
    # a time in the past is not denied by a negator near it ("tien jaar geleden niet meer")
    past = any(next(s.matches(cue), None) is not None for s in near for cue in c.past)
    return past and any(_any(c.resolved, s, c) for s in near)


def _dismissed(match: Match, at: int, searches: list[Search], c: Compiled) -> bool:
    """The teacher checked and found an ordinary cause (this sentence or the next)."""
    if _now(match, searches[at], c):
        return False
    return any(_any(c.dismissed, other, c) for other in searches[at : at + 2])


def _who(match: Match, s: Search, c: Compiled) -> Who:
    """Whose words or state the match is. A reporting verb before it ("ze zei dat ...") makes it
    the pupil's words (`pupil_said`) unless its subject is the teacher or another adult; else a
    person word in the match, then the nearest subject in its clause, then in the clauses
    before."""

    def role(i: int) -> Who | None:
        return next((who for who, slot in c.roles if i in s.positions(slot)), None)

    def subject(clause: int, anchor: int) -> Who:
        span = [i for i, token in enumerate(s.tokens) if token.clause == clause]
        before = [role(i) for i in reversed(span) if i <= anchor]
        return next((r for r in before + [role(i) for i in span if i > anchor] if r), "unknown")

    said = [i for i in s.positions(c.reporting) if i < min(match)]
    speaker = subject(s.tokens[said[-1]].clause, said[-1]) if said else "teacher"
    if speaker in ("pupil", "unknown"):  # an unplaced speaker ("Sanne zegt: ...") is the pupil
        return "pupil_said"
    inside = [r for i in match if (r := role(i))]
    if inside:
        return inside[0]
    found = subject(s.tokens[max(match)].clause, max(match))
    for clause in range(s.tokens[min(match)].clause - 1, -1, -1):
        if found != "unknown":
            break
        found = subject(clause, len(s.tokens))
    return found


def _kind(section: str, who: Who) -> Kind | None:
    """child_at_risk patterns are always about a child; the teacher's own state is teacher
    distress unless it is the pupil's reported words (then the child's) or about someone
    else (then nothing); self-harm is the teacher's when the teacher says it of themself."""
    if section == "child_at_risk" or (section == "teacher_distress" and who == "pupil_said"):
        return "child_at_risk"
    if section == "teacher_distress":
        return "teacher_distress" if who in ("teacher", "unknown") else None
    return "teacher_distress" if who == "teacher" else "child_at_risk"
