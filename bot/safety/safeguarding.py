"""Safeguarding check: does an answer hold a sign that a child is at risk or the teacher is not ok?

`check(text, lang)` is offline, pure and deterministic. It returns one `Signal` per sentence and
kind, quoting the sentence verbatim: `child_at_risk` (signs of abuse or neglect, secrets and
night visits, fear of an adult, a child hurting itself or not wanting to live) or
`teacher_distress` (the teacher not able to go on, breaking down in body or daily life, hurting
themself, not wanting to live).

Two readers, either of which can raise a signal (recall first; docs/safeguarding.md):
- the disclosure rules (`bot.safety.disclosure` over `prompts/<lang>/safeguarding.yaml`): who
  does what to whom, unless negated, figurative, handled in the past, dismissed or hypothetical;
- the trained model (`bot.safety.model`): calibrated probabilities per kind, for paraphrases no
  rule holds; its flag is kept unless the sentence is plainly handled, dismissed, hypothetical,
  a figure of speech or a surprise.
Each signal says why (`reason`: the rule, or "model p=0.83"). An optional LLM check may ADD
signals to these, never remove one: these are the floor, they need no network and can be audited.
"""

from __future__ import annotations

from pydantic import BaseModel

from bot.errors import SafeguardingError
from bot.models.language import LANGUAGES as LANGS
from bot.models.language import Language as Lang
from bot.safety import disclosure, model
from bot.safety.disclosure import Finding
from bot.safety.rules import Kind, Rules, compile_rules, compiled, load_rules
from bot.text.analysis import analyse
from bot.text.cues import Search

KINDS: tuple[Kind, ...] = ("child_at_risk", "teacher_distress")
__all__ = [
    "Kind",
    "Lang",
    "Rules",
    "SafeguardingError",
    "Signal",
    "check",
    "compile_rules",
    "load_rules",
    "warm_up",
]


CLEAR = 0.85  # the model's probability from which its signal alone is as clear as a rule's


class Signal(BaseModel, frozen=True):
    """One reason to bring a person in: its kind, the sentence it rests on (verbatim), why it
    was raised (the rule, or the model's probability), and whether it is `clear` (a rule, or
    the model at `CLEAR` or more) or only possible (the model alone, below that): a possible
    signal still reaches the coach, in words that ask them to read it, and the teacher gets a
    gentler word than the crisis numbers."""

    kind: Kind
    quote: str
    reason: str = ""
    clear: bool = True


def check(text: str, lang: Lang) -> list[Signal]:
    """The safeguarding signals in one answer, in text order, at most one per sentence and kind
    (for one sentence `child_at_risk` before `teacher_distress`).

    Pure and deterministic; no network. An optional LLM check may add signals to this list but
    must never remove one.
    """
    searches = [Search(sentence) for sentence in analyse(text, lang)]
    found: dict[tuple[int, Kind], Finding] = {}
    for finding in disclosure.find(searches, lang) + model_findings(text, searches, lang):
        found.setdefault((finding.at, finding.kind), finding)
    signals = []
    for (at, kind), finding in sorted(found.items(), key=lambda item: (item[0][0], item[0][1])):
        sentence = searches[at].sentence
        quote = text[sentence.start : sentence.end]
        clear = finding.certainty >= CLEAR
        signals.append(Signal(kind=kind, quote=quote, reason=finding.reason, clear=clear))
    return signals


def model_findings(text: str, searches: list[Search], lang: Lang) -> list[Finding]:
    """The model's flags: a sentence on its own, or with the sentence before it when neither
    alone is enough (a disclosure told in two sentences is quoted at the second). A flag is
    dropped when its sentence (or, for a pair, either sentence) is plainly benign."""
    shipped = model.load()
    spans = [(s.sentence.start, s.sentence.end) for s in searches]
    readings = [shipped.reading(text[a:b], lang) for a, b in spans]
    alone = [shipped.probabilities_of(reading) for reading in readings]
    findings = []
    for at in range(len(searches)):
        pair: dict[str, float] = {}
        for kind in KINDS:
            threshold = shipped.thresholds[kind]
            p, used = alone[at][kind], [at]
            if p < threshold and at and alone[at - 1][kind] < threshold:
                if not pair:
                    joined = text[spans[at - 1][0] : spans[at][1]]
                    both = shipped.joined(readings[at - 1], readings[at], joined, lang)
                    pair = shipped.probabilities_of(both)
                p, used = max(p, pair[kind]), [at - 1, at]
            if p < threshold or any(disclosure.benign(searches, i, lang) for i in used):
                continue
            said = _as_said(kind, disclosure.speaker(searches, at, lang))
            if said:
                findings.append(Finding(at, said, f"model p={p:.2f}", certainty=p))
    return findings


def _as_said(kind: Kind, who: str) -> Kind | None:
    """The model does not know who speaks: its teacher distress in a pupil's reported words is
    the child's; of the pupil or another adult it is no signal (as for the rules)."""
    if kind == "child_at_risk" or who in ("teacher", "unknown"):
        return kind
    return "child_at_risk" if who == "pupil_said" else None


def warm_up() -> None:
    """Load and compile the rules of every language and the model (about a second: simplemma's
    dictionaries), so the first answer is checked as fast as the rest. Call it at start-up."""
    model.load()
    for lang in LANGS:
        compiled(lang)
        check("Ok.", lang)
