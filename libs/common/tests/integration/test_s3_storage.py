"""S3Storage against a real S3-compatible server: moto's, in a thread, with signature checks on.

moto verifies every request's SigV4 signature (recomputed by botocore) once its "no auth"
budget is spent: the IAM user and key below use that budget, everything after is checked.
boto3 is the independent observer of what is really in the bucket.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from servelo_common.storage import S3Settings, StorageError, TooLarge, storage_from_url
from servelo_common.storage.s3 import S3Storage
from servelo_dev.devstack.embedded import free_port

boto3 = pytest.importorskip("boto3")
moto_server = pytest.importorskip("moto.server")

BUCKET = "photos"
MIB = 1024 * 1024


@dataclass
class Moto:
    endpoint: str
    key_id: str
    secret: str
    s3: Any  # a boto3 S3 client

    def settings(self, secret: str | None = None) -> S3Settings:
        return S3Settings(
            endpoint=self.endpoint,
            access_key_id=self.key_id,
            secret_access_key=SecretStr(secret or self.secret),
        )

    def objects(self) -> list[str]:
        listed = self.s3.list_objects_v2(Bucket=BUCKET)
        return sorted(o["Key"] for o in listed.get("Contents", []))


def _reset_auth(port: int, budget: str) -> None:
    """How many requests moto lets through unauthenticated before checking signatures."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(
            "POST",
            "/moto-api/reset-auth",
            body=budget.encode(),
            headers={"Content-Type": "text/plain"},
        )
        assert conn.getresponse().status == 200
    finally:
        conn.close()


@pytest.fixture(scope="module")
def moto() -> Iterator[Moto]:
    port = free_port()
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    try:
        _reset_auth(port, "3")  # the three IAM calls below; then every request is checked
        iam = boto3.client(
            "iam",
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id="setup",
            aws_secret_access_key="setup",
        )
        iam.create_user(UserName="servelo")
        iam.put_user_policy(
            UserName="servelo",
            PolicyName="s3",
            PolicyDocument=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
                }
            ),
        )
        key = iam.create_access_key(UserName="servelo")["AccessKey"]
        s3 = boto3.client(
            "s3",
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id=key["AccessKeyId"],
            aws_secret_access_key=key["SecretAccessKey"],
        )
        s3.create_bucket(Bucket=BUCKET)
        yield Moto(endpoint, key["AccessKeyId"], key["SecretAccessKey"], s3)
    finally:
        _reset_auth(port, "inf")
        server.stop()


@pytest.fixture(autouse=True)
def empty_bucket(moto: Moto) -> None:
    for key in moto.objects():
        moto.s3.delete_object(Bucket=BUCKET, Key=key)


@pytest.fixture
async def storage(moto: Moto, tmp_path: Path) -> AsyncIterator[S3Storage]:
    s = storage_from_url(f"s3://{BUCKET}/files", tmp_path, s3=moto.settings())
    assert isinstance(s, S3Storage)
    yield s
    await s.aclose()


async def chunks(*parts: bytes) -> AsyncIterator[bytes]:
    for p in parts:
        yield p


async def read(storage: S3Storage, key: str) -> bytes:
    return b"".join([c async for c in storage.open(key)])


async def test_put_then_open_round_trips(storage: S3Storage, moto: Moto) -> None:
    assert await storage.put("org/tickets/t/p", chunks(b"he", b"llo")) == 5
    assert await read(storage, "org/tickets/t/p") == b"hello"
    assert moto.objects() == ["files/org/tickets/t/p"]  # under the URL's prefix


async def test_put_replaces_an_object(storage: S3Storage) -> None:
    await storage.put("org/a", chunks(b"first version"))
    await storage.put("org/a", chunks(b"second"))
    assert await read(storage, "org/a") == b"second"


async def test_empty_object(storage: S3Storage) -> None:
    assert await storage.put("org/empty", chunks()) == 0
    assert await read(storage, "org/empty") == b""


async def test_a_large_body_streams_both_ways(storage: S3Storage, moto: Moto) -> None:
    block = os.urandom(64 * 1024)

    async def twelve_mib() -> AsyncIterator[bytes]:
        for i in range(192):
            yield bytes([i]) + block[1:]

    digest = hashlib.sha256()
    async for c in twelve_mib():
        digest.update(c)
    assert await storage.put("org/big", twelve_mib(), max_bytes=12 * MIB) == 12 * MIB
    head = moto.s3.head_object(Bucket=BUCKET, Key="files/org/big")
    assert head["ContentLength"] == 12 * MIB
    got, sizes = hashlib.sha256(), set()
    async for c in storage.open("org/big"):
        got.update(c)
        sizes.add(len(c))
    assert got.hexdigest() == digest.hexdigest()
    assert max(sizes) <= 64 * 1024


async def test_too_large_stores_nothing(storage: S3Storage, moto: Moto, tmp_path: Path) -> None:
    await storage.put("org/x", chunks(b"old"))
    with pytest.raises(TooLarge):
        await storage.put("org/x", chunks(b"12345", b"678"), max_bytes=6)
    with pytest.raises(TooLarge):
        await storage.put("org/y", chunks(b"1234567"), max_bytes=6)
    assert moto.objects() == ["files/org/x"]
    assert await read(storage, "org/x") == b"old"  # the old object is untouched
    assert list((tmp_path / "tmp").iterdir()) == []  # no spool file left


async def test_missing_object_is_file_not_found_on_first_read(storage: S3Storage) -> None:
    stream = storage.open("org/missing")
    with pytest.raises(FileNotFoundError):
        await anext(stream)


async def test_delete_is_idempotent(storage: S3Storage, moto: Moto) -> None:
    await storage.put("org/a", chunks(b"1"))
    await storage.delete("org/a")
    await storage.delete("org/a")
    assert moto.objects() == []


async def test_delete_prefix_removes_one_org_only(storage: S3Storage, moto: Moto) -> None:
    for key in ("org1/a", "org1/tickets/t/p1", "org1/tickets/t/p2", "org10/a", "org2/a"):
        await storage.put(key, chunks(key.encode()))
    storage.list_page = 2  # several ListObjectsV2 pages and DeleteObjects calls
    await storage.delete_prefix("org1/")
    assert moto.objects() == ["files/org10/a", "files/org2/a"]
    await storage.delete_prefix("org1/")  # nothing left: fine


async def test_objects_outside_the_prefix_are_not_touched(
    storage: S3Storage, moto: Moto, tmp_path: Path
) -> None:
    moto.s3.put_object(Bucket=BUCKET, Key="other/org1/a", Body=b"not ours")
    await storage.put("org1/a", chunks(b"ours"))
    await storage.delete_prefix("org1/")
    assert moto.objects() == ["other/org1/a"]


async def test_a_wrong_secret_is_refused_by_the_server(moto: Moto, tmp_path: Path) -> None:
    bad = storage_from_url(f"s3://{BUCKET}", tmp_path, s3=moto.settings(secret="wrong"))
    assert isinstance(bad, S3Storage)
    try:
        with pytest.raises(StorageError, match="403 SignatureDoesNotMatch"):
            await bad.put("org/a", chunks(b"x"))
        with pytest.raises(StorageError, match="403"):
            await bad.delete_prefix("org/")
    finally:
        await bad.aclose()
    assert moto.objects() == []


async def test_bad_keys_are_refused(storage: S3Storage) -> None:
    with pytest.raises(ValueError, match="invalid storage key"):
        await storage.put("../x", chunks(b"x"))
