"""The one cue syntax: a few words that must occur together in a sentence, parsed once.

A cue is one string of space-separated slots; a match gives one token position per slot.

    word        the word and its inflections, by lemma: "slaan" ~ "slaat" ~ "sloeg" ~ "geslagen"
    a|b         either alternative (any alternative below may be combined with `|`)
    =word       this exact (folded) form only: "=geslagen" but not "slaat"
    ~word       the verb, also inside a Dutch separable compound: "~spreken" ~ "aangesproken"
    word*       any word starting with it (three letters at least): "brandwond*" ~ "brandwonden"
    @list       any word of a named word list (`lists` given to `parse_cue`)
    #name       a name or an initial: a capitalised word after the first of its sentence, "S."
    slot$       the word must end its clause: "ik kan niet meer." but not "ik kan niet meer tellen"
    > a b c     (a leading ">") the slots in this order; otherwise the default of the caller
                (`ordered=`), e.g. free order for Dutch (verb-second and verb-final)

Words are compared folded (lower case, no accents) and by lemma (`bot.text.tokens`); a
negator in the text also carries its language's negation key, so the slot "niet" (or "not")
matches "nooit", "geen", "never", "doesn't". A contraction may fill two slots ("can't" is "can"
and "not"); any other token fills one.

A match lies in one sentence. `Search.matches` (the window rule): its first and last word at
most `width` = slots - 1 + `gap` tokens apart, and in order at most `gap` tokens between two
neighbours. `nearest` (the scorer's rule): for each position of the first slot, every other slot
at its nearest free position, all within `span` tokens.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from bot.text.analysis import NAME, Sentence, Token
from bot.text.tokens import fold, lemma

MIN_PREFIX = 3


class CueError(ValueError):
    """A cue is malformed (empty, an unknown @list, a prefix shorter than three letters)."""


@dataclass(frozen=True, eq=False)
class Slot:
    """One position of a cue: the keys it accepts, the prefixes, whether it ends a clause."""

    text: str
    keys: frozenset[str]
    prefixes: tuple[str, ...]
    last: bool

    def hits(self, token: Token) -> bool:
        """Whether a token fills this slot."""
        if self.last and not token.last:
            return False
        if token.keys & self.keys or token.lemma in self.keys or "=" + token.word in self.keys:
            return True
        if token.stem and "~" + token.stem in self.keys:
            return True
        if token.name and NAME in self.keys:
            return True
        return any(key.startswith(self.prefixes) for key in token.keys) if self.prefixes else False

    @property
    def rarity(self) -> int:
        """Longer words are rarer: the length of this slot's shortest word or prefix."""
        words = [k for k in self.keys if not k.startswith(("=", "#", "~"))] + list(self.prefixes)
        return min(map(len, words)) if words else 0


@dataclass(frozen=True, eq=False)
class Cue:
    """A parsed cue: its slots, whether they must come in order, and the gap allowed."""

    text: str
    slots: tuple[Slot, ...]
    ordered: bool
    gap: int

    @property
    def width(self) -> int:
        """The largest distance between the first and the last word of a match."""
        return len(self.slots) - 1 + self.gap

    @property
    def trigger(self) -> Slot:
        """The rarest slot: a sentence without one of its words cannot match."""
        return max(self.slots, key=lambda slot: slot.rarity)


def word_keys(word: str, lang: str) -> frozenset[str]:
    """The keys a plain cue word matches: its folded form and its lemma."""
    folded = fold(word)
    return frozenset({folded, lemma(folded, lang)})


def parse_slot(spec: str, lang: str, lists: Mapping[str, Sequence[str]] | None = None) -> Slot:
    """One slot of the syntax above; CueError when malformed."""
    keys: set[str] = set()
    prefixes: list[str] = []
    for alt in spec.removesuffix("$").split("|"):
        if alt.endswith("*") and len(alt) > MIN_PREFIX and alt[0].isalnum():
            prefixes.append(fold(alt[:-1]))
        else:
            keys.update(_alternative(alt, spec, lang, lists))
    return Slot(spec, frozenset(keys), tuple(prefixes), spec.endswith("$"))


def _alternative(
    alt: str, spec: str, lang: str, lists: Mapping[str, Sequence[str]] | None
) -> frozenset[str]:
    """The keys of one alternative that is not a prefix."""
    head, rest = alt[:1], alt[1:]
    if head == "@" and lists is not None and rest in lists:
        return frozenset(k for word in lists[rest] for k in word_keys(word, lang))
    if alt == NAME:
        return frozenset({NAME})
    if head == "=" and rest:
        return frozenset({"=" + fold(rest)})
    if head == "~" and rest and "*" not in rest:
        return word_keys(rest, lang) | {"~" + lemma(fold(rest), lang)}
    if alt and (head.isalnum() or head == "'") and "*" not in alt:
        return word_keys(alt, lang)
    if head == "@":
        raise CueError(f"{lang}: unknown word list {alt} in {spec!r}")
    raise CueError(f"{lang}: bad word {alt!r} in {spec!r}")


def parse_cue(
    spec: str,
    lang: str,
    lists: Mapping[str, Sequence[str]] | None = None,
    *,
    ordered: bool = False,
    gap: int = 3,
) -> Cue:
    """Parse one cue; a leading ">" orders it whatever `ordered` says. CueError if malformed."""
    body = spec.strip()
    slots = tuple(parse_slot(part, lang, lists) for part in body.lstrip(">").split())
    if not slots:
        raise CueError(f"{lang}: empty cue {spec!r}")
    return Cue(spec, slots, ordered or body.startswith(">"), gap)


class Search:
    """The matches of cues in one analysed sentence (slot positions are computed once)."""

    def __init__(self, sentence: Sentence) -> None:
        self.sentence = sentence
        self.tokens = sentence.tokens
        self._cache: dict[int, list[int]] = {}

    def positions(self, slot: Slot) -> list[int]:
        """The positions a slot fills, in order."""
        found = self._cache.get(id(slot))
        if found is None:
            index, keys = self.sentence.index, slot.keys
            # Walk the smaller side, in C: `index.keys() & keys` walks the frozenset,
            # `keys.intersection(index)` the index; a slot with a word list has hundreds of
            # keys where a sentence has a few dozen, most slots a few.
            common = index.keys() & keys if len(keys) <= len(index) else keys.intersection(index)
            if not slot.prefixes and len(common) <= 1:  # most slots: nothing, or one key
                # An index entry holds its positions in order (a word whose lemma is one of
                # its keys twice).
                at = dict.fromkeys(index[next(iter(common))]) if common else {}
                found = [i for i in at if self.tokens[i].last] if slot.last else list(at)
            else:
                hits = {i for key in common for i in index[key]}
                if slot.prefixes:
                    hits.update(
                        i for k, at in index.items() if k.startswith(slot.prefixes) for i in at
                    )
                found = sorted(i for i in hits if self.tokens[i].last or not slot.last)
            self._cache[id(slot)] = found
        return found

    def matches(self, cue: Cue) -> Iterator[tuple[int, ...]]:
        """Token positions, one per slot, of each place the cue matches (the window rule)."""
        lists = []
        for slot in cue.slots:
            found = self.positions(slot)
            if not found:
                return
            lists.append(found)
        if cue.ordered:
            yield from self._ordered(lists, cue, ())
        else:
            yield from self._free(lists, cue)

    def found(self, cue: Cue) -> bool:
        """Whether the cue matches anywhere in the sentence."""
        return next(self.matches(cue), None) is not None

    def _shared(self, i: int) -> bool:
        return "'" in self.tokens[i].word  # a contraction may fill two slots

    def _free(self, lists: list[list[int]], cue: Cue) -> Iterator[tuple[int, ...]]:
        for start in sorted({p for found in lists for p in found}):
            picks: list[int] = []
            for found in lists:
                i = bisect.bisect_left(found, start)
                while i < len(found) and found[i] in picks and not self._shared(found[i]):
                    i += 1
                if i == len(found) or found[i] > start + cue.width:
                    break
                picks.append(found[i])
            else:
                yield tuple(picks)

    def _ordered(
        self, lists: list[list[int]], cue: Cue, done: tuple[int, ...]
    ) -> Iterator[tuple[int, ...]]:
        if len(done) == len(lists):
            yield done
            return
        for p in lists[len(done)]:
            if done and (p < done[-1] or (p == done[-1] and not self._shared(p))):
                continue
            if not done or p <= min(done[-1] + cue.gap + 1, done[0] + cue.width):
                yield from self._ordered(lists, cue, (*done, p))


def nearest(cue: Cue, tokens: Sequence[Token], span: int = 10) -> tuple[int, ...] | None:
    """The scorer's rule: for each position of the first slot, every other slot at its nearest
    free position (ties: the earlier); the first such match within `span` tokens, or None."""
    positions = [[j for j, token in enumerate(tokens) if slot.hits(token)] for slot in cue.slots]
    if not all(positions):
        return None
    for i in positions[0]:
        used = [i]
        for options in positions[1:]:
            free = [j for j in options if j not in used]
            if not free:
                break
            used.append(min(free, key=lambda j: (abs(j - i), j)))
        else:
            if max(used) - min(used) <= span:
                return tuple(used)
    return None


class CueSet:
    """Many cues, indexed by the words of their rarest slot, so a sentence is tried only on the
    cues it could match (a sentence without any word of a cue's rarest slot cannot match it)."""

    def __init__(self, cues: Sequence[Cue]) -> None:
        self.cues = tuple(cues)
        triggers: dict[str, set[int]] = {}
        prefixes: dict[str, list[tuple[str, int]]] = {}
        for n, cue in enumerate(self.cues):
            slot = cue.trigger
            for key in slot.keys:
                triggers.setdefault(key, set()).add(n)
            for prefix in slot.prefixes:
                prefixes.setdefault(prefix[:MIN_PREFIX], []).append((prefix, n))
        self._triggers = {key: frozenset(found) for key, found in triggers.items()}
        self._prefixes = {key: tuple(found) for key, found in prefixes.items()}

    def candidates(self, sentence: Sentence) -> list[int]:
        """Positions in `cues` of the cues worth trying on a sentence, in order."""
        found: set[int] = set()
        for key in sentence.index.keys() & self._triggers.keys():
            found |= self._triggers[key]
        if self._prefixes:
            for key in sentence.index:
                for prefix, n in self._prefixes.get(key[:MIN_PREFIX], ()):
                    if key.startswith(prefix):
                        found.add(n)
        return sorted(found)

    def matches(self, search: Search) -> Iterator[tuple[Cue, tuple[int, ...]]]:
        """Every match of every cue in the sentence, cue by cue in order."""
        for n in self.candidates(search.sentence):
            cue = self.cues[n]
            for match in search.matches(cue):
                yield cue, match

    def found(self, search: Search) -> bool:
        """Whether any cue of the set matches the sentence."""
        return next(self.matches(search), None) is not None
