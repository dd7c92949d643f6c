"""What encryption at rest costs per turn: prints numbers, asserts nothing.

A turn seals the user's document and its replies and opens the document once; this measures
that on a document the size of a finished interview (about 12 kB of JSON) with AES-GCM.
Run: .venv/bin/python bench/crypto.py
"""

from __future__ import annotations

import os
import statistics
import time

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from bot.storage.crypto import NONCE_BYTES, SEALED, EnvelopeCodec, Keyring, new_master_key_spec

ROUNDS = 2000
DOCUMENT = os.urandom(6000).hex().encode()  # 12 kB, like a finished interview's JSON
REPLY = b"x" * 600


def main() -> None:
    codec = EnvelopeCodec(None, Keyring(new_master_key_spec()), 16)  # type: ignore[arg-type]
    codec._keys[1] = AESGCM(os.urandom(32))
    timings = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        sealed = codec.seal(1, DOCUMENT)
        codec.seal(1, REPLY)
        codec.open(1, sealed)
        timings.append((time.perf_counter() - started) * 1e6)
    timings.sort()
    print(f"encryption per turn (seal 12 kB state + 1 reply, open state), {ROUNDS} rounds:")
    print(f"  mean {statistics.mean(timings):.1f} us, p95 {timings[int(0.95 * ROUNDS)]:.1f} us")
    print(f"  overhead per value: {len(SEALED) + NONCE_BYTES + 16} bytes; target < 200 us/turn")


if __name__ == "__main__":
    main()
