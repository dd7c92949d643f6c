"""How texts are sealed before they reach Redis: one seam for every stored text.

Every user document, queued update and queued reply passes through a `Codec` keyed by the user
it belongs to. `PlainCodec` stores them as they are (the current default); authenticated
encryption with a data key per teacher replaces it without touching the store's callers.
"""

from __future__ import annotations

from typing import Protocol


class Codec(Protocol):
    """Seal and open the bytes that belong to one user."""

    def seal(self, user_id: int, plaintext: bytes) -> bytes: ...

    def open(self, user_id: int, blob: bytes) -> bytes: ...


class CodecError(ValueError):
    """A stored value could not be opened (wrong format or key)."""


class PlainCodec:
    """No encryption: a version prefix only, so sealed formats can be told apart later."""

    PREFIX = b"p1:"

    def seal(self, user_id: int, plaintext: bytes) -> bytes:
        """The plaintext with the format prefix."""
        return self.PREFIX + plaintext

    def open(self, user_id: int, blob: bytes) -> bytes:
        """The plaintext of a sealed value."""
        if not blob.startswith(self.PREFIX):
            raise CodecError("unknown stored format")
        return blob[len(self.PREFIX) :]
