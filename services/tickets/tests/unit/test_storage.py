"""LocalStorage: atomic writes, size limit, prefix deletes, key validation."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from servelo_common.storage import LocalStorage, TooLarge, storage_from_url


async def chunks(*parts: bytes) -> AsyncIterator[bytes]:
    for p in parts:
        yield p


async def read(storage: LocalStorage, key: str) -> bytes:
    return b"".join([c async for c in storage.open(key)])


async def test_put_then_open_round_trips(tmp_path: Path) -> None:
    s = LocalStorage(tmp_path)
    assert await s.put("org/a/b", chunks(b"he", b"llo")) == 5
    assert await read(s, "org/a/b") == b"hello"


async def test_too_large_leaves_nothing(tmp_path: Path) -> None:
    s = LocalStorage(tmp_path)
    with pytest.raises(TooLarge):
        await s.put("org/x", chunks(b"12345", b"678"), max_bytes=6)
    assert list(tmp_path.rglob("*")) == [tmp_path / "org"]


async def test_delete_prefix_removes_an_org(tmp_path: Path) -> None:
    s = LocalStorage(tmp_path)
    await s.put("org1/a", chunks(b"1"))
    await s.put("org2/a", chunks(b"2"))
    await s.delete_prefix("org1/")
    with pytest.raises(FileNotFoundError):
        await read(s, "org1/a")
    assert await read(s, "org2/a") == b"2"


@pytest.mark.parametrize("key", ["../etc/passwd", "/abs", "a//b", "a/../b", ""])
async def test_bad_keys_are_refused(tmp_path: Path, key: str) -> None:
    with pytest.raises(ValueError, match="invalid storage key"):
        await LocalStorage(tmp_path).put(key, chunks(b"x"))


def test_s3_without_credentials_fails_fast(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SERVELO_S3_ACCESS_KEY_ID", raising=False)
    monkeypatch.delenv("SERVELO_S3_SECRET_ACCESS_KEY", raising=False)
    with pytest.raises(ValueError, match="SERVELO_S3_ACCESS_KEY_ID"):
        storage_from_url("s3://bucket/prefix", tmp_path)
