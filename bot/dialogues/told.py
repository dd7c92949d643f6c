"""Which function applies an internal event (`bot.models.internal`) in its addressee's turn:
each handler registers itself beside its definition with `@handles(Kind)`, typed, so the
handler takes exactly that kind. `tests/unit/test_internal_events.py` checks every kind has
one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel

from bot.dialogues.conversation import Conversation
from bot.models.internal import InternalEvent

E = TypeVar("E", bound=BaseModel)
Handler = Callable[[Conversation, E], None]
HANDLERS: dict[type[BaseModel], Callable[[Conversation, Any], None]] = {}


def handles(kind: type[E]) -> Callable[[Handler[E]], Handler[E]]:
    """Register the decorated function as the one that applies events of `kind`."""

    def register(handler: Handler[E]) -> Handler[E]:
        HANDLERS[kind] = handler
        return handler

    return register


def apply_told(conv: Conversation, event: InternalEvent) -> None:
    """Apply an internal event with its handler."""
    HANDLERS[type(event)](conv, event)
