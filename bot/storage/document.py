"""The user's document as parts, so that a turn writes only the parts it changed.

The document (`UserState`) is kept in one Redis hash per user (`UserKeys.doc`), one sealed
field per part; reading puts the parts back together. A turn seals and writes only the parts
whose JSON differs from what its `begin` read, and deletes the parts that are gone, so the
bytes a turn writes no longer grow with the interview (docs/performance.md):

| field | what it holds |
|---|---|
| `h:<key>` | one key of the top level that moves in most turns each (`HOT`: `last_seen` ...) |
| `u` | every other value of the top level (ids, language, stage, consent, empty lists ...) |
| `k:<key>` | one list or dict of the top level each, when not empty (`pupils`, `coaching` ...) |
| `p:<session>:<key>` | one key of where a session is each (`PLACE`: `position` ...) |
| `s:<session>` | the rest of a session (script, status, draft, profile) and its place |
| `a:<session>:<item>` | one answer, with its place among the session's answers |

Field names hold schema keys, session ids (`interview-1`) and item ids of the scripts only:
nothing a person wrote, no other user's id (a coach's teachers stay inside `k:coaching`).
Which keys are `HOT` or `PLACE` changes only how many bytes a turn writes, never what is read.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic_core import from_json, to_json

from bot.models.state import UserState

HOT = ("last_seen", "menu")
"""Top-level keys that change in many turns: each in a field of its own, so a turn that moves
one of them writes a few dozen bytes, not the whole record."""
PLACE = ("position", "awaiting", "updated_at", "recent_acks", "long_at", "more", "overflow")
"""Session keys that change in many turns of that session: each in a field of its own."""
ORDER = "n"  # a session's place in `sessions`, an answer's place in `answers`

Parts = dict[str, bytes]
"""Field name -> the JSON of that part (plaintext; the store seals each one)."""


def split(state: UserState) -> Parts:
    """The document's parts (see the module docstring)."""
    data = state.model_dump(mode="json")
    sessions = data.pop("sessions")
    parts: Parts = {f"h:{key}": to_json(data.pop(key)) for key in HOT}
    plain = {}
    for key, value in data.items():
        if value and isinstance(value, list | dict):
            parts[f"k:{key}"] = to_json(value)
        else:
            plain[key] = value
    parts["u"] = to_json(plain)
    for index, session in enumerate(sessions):
        sid = session["id"]
        if ":" in sid:
            raise ValueError(f"a session id may not hold ':' ({sid!r})")
        answers = session.pop("answers")
        for key in PLACE:
            parts[f"p:{sid}:{key}"] = to_json(session.pop(key))
        parts[f"s:{sid}"] = to_json({ORDER: index, **session})
        for number, (item_id, answer) in enumerate(answers.items()):
            parts[f"a:{sid}:{item_id}"] = to_json({ORDER: number, **answer})
    return parts


def assemble(parts: Mapping[str, bytes]) -> UserState:
    """The document from its parts (the inverse of `split`)."""
    data: dict[str, Any] = {}
    sessions: dict[str, dict[str, Any]] = {}
    answers: dict[str, list[tuple[int, str, Any]]] = {}
    for name, raw in parts.items():
        value = from_json(raw)
        kind, _, rest = name.partition(":")
        if kind == "u":
            data.update(value)
        elif kind in ("h", "k"):
            data[rest] = value
        elif kind == "s":
            sessions.setdefault(rest, {}).update(value)
        elif kind == "p":
            session_id, _, key = rest.partition(":")
            sessions.setdefault(session_id, {})[key] = value
        elif kind == "a":
            session_id, _, item_id = rest.partition(":")
            answers.setdefault(session_id, []).append((value.pop(ORDER), item_id, value))
    ordered = sorted(sessions.items(), key=lambda pair: pair[1].pop(ORDER))
    data["sessions"] = [
        {**meta, "answers": {item: answer for _, item, answer in sorted(answers.get(sid, []))}}
        for sid, meta in ordered
    ]
    return UserState.model_validate(data)


def changes(before: Mapping[str, bytes], after: Parts) -> tuple[Parts, list[str]]:
    """The parts to write (new or changed) and the field names to delete (gone)."""
    written = {name: raw for name, raw in after.items() if before.get(name) != raw}
    return written, [name for name in before if name not in after]
