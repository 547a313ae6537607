"""argon2id hashing, always off the event loop, in a bounded and fair line (hash_queue)."""

from __future__ import annotations

import argon2
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from auth.hash_queue import HashQueue, Place

MIN_LENGTH = 8


class Passwords:
    def __init__(self, profile: str = "default", *, concurrency: int = 2, queue: int = 32) -> None:
        if profile == "fast":
            # Test suites only (refused in production by the settings).
            self._hasher = argon2.PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
        else:
            self._hasher = argon2.PasswordHasher.from_parameters(
                argon2.profiles.RFC_9106_LOW_MEMORY
            )
        # Verified against when the email is unknown, so both failures take as long.
        self._dummy = self._hasher.hash("servelo-dummy-password")
        # Each hash takes 64 MiB (default profile): bound how many run at once. A setting,
        # not the CPU count: in a container that counts the node's CPUs, not the pod's
        # memory limit. Past `queue` waiting, callers get 503 at once (hash_queue).
        self.line = HashQueue(concurrency, queue)

    def reserve(self, client: str | None) -> Place:
        """A place in line now (503 / 429 if there is none), before any other work."""
        return self.line.reserve(client)

    async def hash(self, password: str, *, client: str | None = None) -> str:
        with self.reserve(client) as place:
            return await place.run(self._hasher.hash, password)

    async def verify(
        self,
        stored: str | None,
        password: str,
        *,
        client: str | None = None,
        place: Place | None = None,
    ) -> bool:
        if place is not None:
            return await place.run(self._verify, stored, password)
        with self.reserve(client) as own:
            return await own.run(self._verify, stored, password)

    def _verify(self, stored: str | None, password: str) -> bool:
        try:
            return self._hasher.verify(stored or self._dummy, password) and stored is not None
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False
