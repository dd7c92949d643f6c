"""Where an event comes from and where a message goes."""

from __future__ import annotations

from typing import Literal

Channel = Literal["telegram", "terminal"]
"""A channel people use: each has its own outbox and sender."""

Route = Literal["telegram", "terminal", "internal"]
"""Where a queued message goes: a channel, or (`internal`) another user's turn."""

EventKind = Literal["text", "command", "button", "media", "edited", "job", "internal", "web"]
"""What an `Inbound` is."""
