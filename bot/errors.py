"""Every exception the bot defines, in one tree. Expected user mistakes (a sticker, an old
button, a text that is too long) are replies, never exceptions; these are for the bot itself.

    LlincError
    ├── ConfigError                  the bot cannot start as configured (one readable line)
    │   ├── KeyMissing               no master key, or one that does not open the stored keys
    │   └── RedisUnavailable         Redis unreachable or a malformed REDIS_URL
    ├── DataError                    data files the bot reads are malformed
    │   ├── PromptFileError          a prompt file is missing or not a YAML mapping
    │   ├── ScriptError              a script or UI text file is malformed, or languages differ
    │   ├── SafeguardingError        the safeguarding rules are malformed
    │   ├── ModelError               a trained model's JSON file is missing or malformed
    │   └── TranscriptError          a transcript file for `llinc score` cannot be used
    ├── StorageError                 a turn could not be stored; retry the whole event
    │   ├── TurnLost                 another turn of the user came first; nothing was written
    │   ├── CodecError               a stored value or key could not be opened
    │   └── NotReplicated            written, but not yet on REDIS_MIN_REPLICAS replicas (WAIT)
    ├── ChannelError                 talking to Telegram
    │   ├── NotAnUpdate              JSON that is not a Telegram update
    │   └── SendFailed               Telegram unreachable after several attempts (stays queued)
    ├── InvalidOutputError           an LLM reply that cannot become a draft (sent back once)
    └── CallbackTooLong              a button whose data Telegram would refuse (a bug, not input)

Each one also subclasses the built-in it always was (ValueError or RuntimeError), so callers
that catch those keep working.
"""

from __future__ import annotations


class LlincError(Exception):
    """The root of every exception the bot defines."""


class ConfigError(LlincError):
    """The bot cannot start as configured; the message is one readable line."""


class KeyMissing(ConfigError, RuntimeError):
    """Encryption at rest is required and no master key is configured (one-line message)."""


class RedisUnavailable(ConfigError, RuntimeError):
    """Redis could not be reached or the URL is malformed; the message is one readable line."""


class DataError(LlincError, ValueError):
    """A data file the bot reads is malformed."""


class PromptFileError(DataError):
    """A prompt file is missing or not a YAML mapping (the message names the file)."""


class ScriptError(DataError):
    """A script or text file is malformed or the languages disagree."""


class SafeguardingError(DataError):
    """The safeguarding rules are malformed or the languages disagree."""


class ModelError(DataError):
    """A trained model's file is missing or malformed."""


class TranscriptError(DataError):
    """A transcript file that cannot be used; the message is one human-readable line."""


class StorageError(LlincError):
    """A turn could not be stored; nothing was half written, so the event can be retried."""


class TurnLost(StorageError, RuntimeError):
    """Another turn of the same user committed while this one ran (the document's version
    changed since it was read); nothing was written, retry the event."""


class NotReplicated(StorageError, ConnectionError):
    """A write reached the primary but not, within REDIS_WAIT_MS, REDIS_MIN_REPLICAS of its
    replicas: it may be lost if the primary dies now. Nothing depending on it goes out (no
    reply, no confirmation to Telegram); the event stays to be retried, and its seen mark makes
    a repeat harmless. A `ConnectionError` (an `OSError`): Redis is handled as away."""


class CodecError(StorageError, ValueError):
    """A stored value or key could not be opened (wrong format, or wrong or missing key)."""


class ChannelError(LlincError):
    """Talking to Telegram failed."""


class NotAnUpdate(ChannelError, ValueError):
    """The JSON is not shaped like a Telegram update."""


class SendFailed(ChannelError, RuntimeError):
    """Telegram could not be reached after several attempts; the message stays queued."""


class InvalidOutputError(LlincError, ValueError):
    """The model's reply cannot become a draft; the message is sent back to the model once."""


class CallbackTooLong(LlincError, ValueError):
    """Button data over Telegram's 64 bytes: a programming error, caught by the tests."""
