"""Pupils are named by a pseudonym or initial only: a gentle check against full names."""

from __future__ import annotations

from dataclasses import dataclass

MAX_PSEUDONYM_CHARS = 20
PARTICLES = frozenset(
    [
        "de",
        "der",
        "den",
        "van",
        "ter",
        "ten",
        "te",
        "'t",
        "het",
        "la",
        "le",
        "el",
        "da",
        "di",
        "dos",
        "du",
        "von",
        "vd",
        "v.d.",
        "d'",
        "mc",
        "mac",
    ]
)


@dataclass(frozen=True)
class PseudonymCheck:
    """The cleaned pseudonym when acceptable, else the problem and a suggestion."""

    pseudonym: str | None
    problem: str | None = None
    name: str = ""
    suggestion: str = ""


def check_pseudonym(text: str) -> PseudonymCheck:
    """Accept one word or an initial; a name that looks like a full name gets a suggestion."""
    cleaned = _without_full_stop(" ".join(text.split()).strip(" \"'«»“”!?,;:"))
    if not cleaned or not any(ch.isalpha() for ch in cleaned):
        return PseudonymCheck(None, "invalid")
    parts = cleaned.split(" ")
    first = parts[0]
    if len(parts) >= 2 and _looks_like_full_name(parts):
        return PseudonymCheck(None, "full_name", name=first, suggestion=f"{first[0].upper()}.")
    if len(cleaned) > MAX_PSEUDONYM_CHARS or len(parts) > 2:
        return PseudonymCheck(None, "invalid")
    return PseudonymCheck(cleaned)


def _without_full_stop(name: str) -> str:
    """«Sam.» is Sam, typed as a sentence; «N.» and «J.P.» are initials and keep their stops."""
    last = name.split(" ")[-1] if name else ""
    if last.endswith(".") and last.count(".") == 1 and len(last) > 2:
        return name[:-1]
    return name


def _looks_like_full_name(parts: list[str]) -> bool:
    rest = parts[1:]
    return any(p[:1].isupper() or p.lower() in PARTICLES for p in rest) or len(parts) > 2
