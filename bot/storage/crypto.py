"""How texts are sealed before they reach Redis: one seam for every stored text.

Every user document, queued update, queued reply and job passes through the `EnvelopeCodec`,
keyed by the user it belongs to: each user has a random 256-bit data key, stored in Redis
wrapped (AES-GCM) by a master key from the settings, next to the user's data; every value is
sealed with AES-GCM under the owner's data key, with the user id as associated data (a value
copied to another user's key does not open). Deleting a user's data
key (`/forget` does, in the same atomic step as the data) makes every copy unreadable, also
in AOF files and backups: crypto-shredding.

Master keys: `LLINC_MASTER_KEY` = `id:base64,id:base64,...` (32 random bytes each); the first
wraps new data keys, all of them unwrap, so a new key can be added before `llinc keys rotate`
re-wraps every data key under it.
"""

from __future__ import annotations

import base64
import os
import secrets
from collections import OrderedDict
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from bot.errors import CodecError
from bot.storage.connection import AnyRedis
from bot.storage.keys import UserKeys

NONCE_BYTES = 12
KEY_BYTES = 32
SEALED = b"e1:"
CACHE_SIZE = 100_000
SYSTEM_USER = 0  # owner of values no user's key may protect (e.g. the goodbye after /forget)


class Keyring:
    """The master keys: the first wraps, all unwrap."""

    def __init__(self, spec: str) -> None:
        self.keys: dict[str, AESGCM] = {}
        for part in filter(None, (p.strip() for p in spec.split(","))):
            key_id, sep, encoded = part.partition(":")
            try:
                raw = base64.b64decode(encoded, validate=True)
            except ValueError:
                raw = b""
            if not sep or not key_id.isalnum() or len(raw) != KEY_BYTES:
                raise CodecError("LLINC_MASTER_KEY must be id:base64 of 32 bytes, comma-separated")
            self.keys[key_id] = AESGCM(raw)
        if not self.keys:
            raise CodecError("LLINC_MASTER_KEY is empty")
        self.current = next(iter(self.keys))

    def wrap(self, user_id: int, data_key: bytes) -> bytes:
        """`<key id>:<nonce><ciphertext>` of a data key, bound to its user."""
        nonce = os.urandom(NONCE_BYTES)
        sealed = self.keys[self.current].encrypt(nonce, data_key, _aad(user_id))
        return self.current.encode() + b":" + nonce + sealed

    def unwrap(self, user_id: int, wrapped: bytes) -> bytes:
        """The data key; CodecError when no master key opens it."""
        key_id, _, body = wrapped.partition(b":")
        master = self.keys.get(key_id.decode(errors="replace"))
        if master is None:
            raise CodecError(f"data key wrapped by unknown master key {key_id!r}")
        try:
            return master.decrypt(body[:NONCE_BYTES], body[NONCE_BYTES:], _aad(user_id))
        except InvalidTag:
            raise CodecError("the master key does not open this data key") from None


def new_master_key_spec(key_id: str = "k1") -> str:
    """A fresh `id:base64` master key."""
    return f"{key_id}:{base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode()}"


def embedded_master_key(data_dir: Path) -> str:
    """The master key of a local trial: made on first run in the data dir, mode 0600."""
    path = data_dir / "master.key"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(new_master_key_spec() + "\n")
    return path.read_text().strip()


class EnvelopeCodec:
    """AES-GCM under a per-user data key that a master key wraps (see the module docstring)."""

    def __init__(self, redis: AnyRedis, keyring: Keyring, partitions: int) -> None:
        self.redis = redis
        self.keyring = keyring
        self.partitions = partitions
        # Raw data keys, not AESGCM objects: each of those holds an OpenSSL context of about
        # 2.7 KB (24 MB for 9,000 teachers), and making one takes under 3 µs.
        self._keys: OrderedDict[int, bytes] = OrderedDict()

    async def ensure(self, user_id: int, create: bool = True) -> None:
        """Load the user's data key into the memory cache; with `create`, make one if the
        user has none (only writes create keys: a read never brings a deleted user back)."""
        if user_id in self._keys:
            self._keys.move_to_end(user_id)
            return
        name = UserKeys(user_id, self.partitions).data_key
        stored: bytes | None = await self.redis.get(name)  # type: ignore[assignment]
        if stored is None and create:
            wrapped = self.keyring.wrap(user_id, secrets.token_bytes(KEY_BYTES))
            await self.redis.set(name, wrapped, nx=True)
            stored = await self.redis.get(name)  # type: ignore[assignment]
        if stored is None:
            return
        self._keys[user_id] = self.keyring.unwrap(user_id, stored)
        if len(self._keys) > CACHE_SIZE:
            self._keys.popitem(last=False)

    def _key(self, user_id: int) -> AESGCM:
        try:
            return AESGCM(self._keys[user_id])
        except KeyError:
            raise CodecError(f"data key of user {user_id} not loaded") from None

    def seal(self, user_id: int, plaintext: bytes, part: str = "") -> bytes:
        """`e1:` + nonce + AES-GCM ciphertext, bound to the user (and to `part`, the name of
        a document's field: a value moved to another field does not open)."""
        return self.seal_many(user_id, {part: plaintext})[part]

    def seal_many(self, user_id: int, parts: dict[str, bytes]) -> dict[str, bytes]:
        """`seal` of each part (name -> plaintext), with one cipher object for all."""
        if not parts:
            return {}
        key, aad = self._key(user_id), _aad(user_id)
        sealed = {}
        for part, plaintext in parts.items():
            nonce = os.urandom(NONCE_BYTES)
            sealed[part] = SEALED + nonce + key.encrypt(nonce, plaintext, _bound(aad, part))
        return sealed

    def open(self, user_id: int, blob: bytes, part: str = "") -> bytes:
        """The plaintext; CodecError for another format, another user's value or a lost key."""
        return self.open_many(user_id, {part: blob})[part]

    def open_many(self, user_id: int, parts: dict[str, bytes]) -> dict[str, bytes]:
        """`open` of each part (name -> sealed value), with one cipher object for all."""
        if not parts:
            return {}
        key, aad = self._key(user_id), _aad(user_id)
        opened = {}
        for part, blob in parts.items():
            if not blob.startswith(SEALED):
                raise CodecError("not an encrypted value")
            body = blob[len(SEALED) :]
            try:
                opened[part] = key.decrypt(
                    body[:NONCE_BYTES], body[NONCE_BYTES:], _bound(aad, part)
                )
            except InvalidTag:
                raise CodecError("value does not open with this user's key") from None
        return opened

    def forget(self, user_id: int) -> None:
        """Drop the user's key from memory."""
        self._keys.pop(user_id, None)

    def has_key(self, user_id: int) -> bool:
        """Whether the user's key is loaded."""
        return user_id in self._keys


def _aad(user_id: int) -> bytes:
    return f"llinc-user:{user_id}".encode()


def _bound(aad: bytes, part: str) -> bytes:
    """The associated data of one field of a document ("" for a whole value, as before)."""
    return aad + b"|" + part.encode() if part else aad
