"""`SERVELO_JWT_KEYS` as a value to rotate: the first key signs, every key verifies
(servelo_common.jwt). No I/O here: the rules of docs/deploy.md's "Signing keys".

- `rotated`: a new key first, every current key kept behind it for verification (one step).
- `staged` then `promoted`: the new key second (published, not yet signing), later moved
  first; the two steps of the rotation without a 401 during auth's rolling update.
- `without`: drop a retired key once the tokens it signed have expired (15 minutes).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from servelo_common.jwt import SigningKey, parse_signing_keys


class KeySetError(ValueError):
    """A key set that cannot become what was asked (the message says why)."""


@dataclass(frozen=True)
class KeySet:
    keys: tuple[SigningKey, ...]

    @classmethod
    def parse(cls, value: str) -> KeySet:
        try:
            keys = parse_signing_keys(value)
        except (ValueError, KeyError, TypeError) as exc:
            raise KeySetError(f"not a SERVELO_JWT_KEYS value: {exc}") from exc
        kids = [k.kid for k in keys]
        if len(set(kids)) != len(kids):
            raise KeySetError("two keys have the same kid")
        return cls(tuple(keys))

    @classmethod
    def generate(cls) -> KeySet:
        return cls((SigningKey.generate(),))

    def value(self) -> str:
        """The JSON list `SERVELO_JWT_KEYS` takes."""
        return json.dumps([{"kid": k.kid, "pem": k.to_pem()} for k in self.keys])

    @property
    def signing(self) -> SigningKey:
        return self.keys[0]

    def rotated(self, new: SigningKey) -> KeySet:
        return KeySet((new, *self.keys))

    def staged(self, new: SigningKey) -> KeySet:
        return KeySet((self.keys[0], new, *self.keys[1:]))

    def promoted(self) -> KeySet:
        if len(self.keys) < 2:
            raise KeySetError("there is no second key to promote: stage one first")
        return KeySet((self.keys[1], self.keys[0], *self.keys[2:]))

    def without(self, kid: str) -> KeySet:
        if kid not in {k.kid for k in self.keys}:
            raise KeySetError(f"no key with kid {kid!r}")
        if kid == self.signing.kid:
            raise KeySetError(f"{kid} is the signing key: promote another key first")
        return KeySet(tuple(k for k in self.keys if k.kid != kid))

    def summary(self) -> list[dict[str, str]]:
        return [
            {"kid": k.kid, "use": "signs and verifies" if i == 0 else "verifies"}
            for i, k in enumerate(self.keys)
        ]
