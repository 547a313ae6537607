"""argon2id hashing, always off the event loop (a hash costs tens of milliseconds)."""

from __future__ import annotations

import asyncio

import argon2
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_LENGTH = 8


class Passwords:
    def __init__(self, profile: str = "default", *, concurrency: int = 2) -> None:
        if profile == "fast":
            # Test suites only (refused in production by the settings).
            self._hasher = argon2.PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
        else:
            self._hasher = argon2.PasswordHasher.from_parameters(
                argon2.profiles.RFC_9106_LOW_MEMORY
            )
        # Verified against when the email is unknown, so both failures take as long.
        self._dummy = self._hasher.hash("servelo-dummy-password")
        # Each hash takes 64 MiB (default profile): bound how many run at once, so a login
        # burst queues instead of exhausting memory and threads. A setting, not the CPU
        # count: in a container that counts the node's CPUs, not the pod's memory limit.
        self._slots = asyncio.Semaphore(max(1, concurrency))

    async def hash(self, password: str) -> str:
        async with self._slots:
            return await asyncio.to_thread(self._hasher.hash, password)

    async def verify(self, stored: str | None, password: str) -> bool:
        async with self._slots:
            return await asyncio.to_thread(self._verify, stored, password)

    def _verify(self, stored: str | None, password: str) -> bool:
        try:
            return self._hasher.verify(stored or self._dummy, password) and stored is not None
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False
