"""argon2id hashing in the bounded line: a hash verifies, anything else is refused."""

from __future__ import annotations

from auth.passwords import Passwords


async def test_passwords_verify_and_refuse() -> None:
    pw = Passwords("fast")
    stored = await pw.hash("correct horse")
    assert await pw.verify(stored, "correct horse")
    assert not await pw.verify(stored, "wrong")
    assert not await pw.verify(None, "anything")
    assert not await pw.verify("not-a-hash", "x")
