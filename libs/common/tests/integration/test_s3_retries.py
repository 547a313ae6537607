"""S3Storage's wire behaviour against a scripted local server: retries, lengths, errors."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from aiohttp import web
from pydantic import SecretStr
from servelo_common.storage import S3Config, S3Settings, StorageError
from servelo_common.storage.s3 import S3Storage
from servelo_dev.devstack.embedded import free_port


@dataclass
class Script:
    statuses: list[int] = field(default_factory=list)  # answered in turn, then 200
    seen: list[tuple[str, str, dict[str, str], bytes]] = field(default_factory=list)

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.seen.append(
            (
                request.method,
                request.path_qs,
                {k.lower(): v for k, v in request.headers.items()},
                body,
            )
        )
        status = self.statuses.pop(0) if self.statuses else 200
        text = f"<Error><Code>Code{status}</Code></Error>" if status >= 300 else ""
        return web.Response(status=status, text=text)


@pytest.fixture
async def server() -> AsyncIterator[tuple[Script, str]]:
    script = Script()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", script.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield script, f"http://127.0.0.1:{port}"
    await runner.cleanup()


@pytest.fixture
async def storage(server: tuple[Script, str], tmp_path: Path) -> AsyncIterator[S3Storage]:
    cfg = S3Config.from_url(
        "s3://photos",
        S3Settings(endpoint=server[1], access_key_id="AKID", secret_access_key=SecretStr("secret")),
    )
    s = S3Storage(cfg, spool_dir=tmp_path)
    yield s
    await s.aclose()


async def chunks(*parts: bytes) -> AsyncIterator[bytes]:
    for p in parts:
        yield p


async def test_put_sends_a_length_and_the_signed_body_hash(
    server: tuple[Script, str], storage: S3Storage
) -> None:
    script, _ = server
    await storage.put("org/a", chunks(b"ab", b"cd"))
    [(method, path, headers, body)] = script.seen
    assert (method, path, body) == ("PUT", "/photos/org/a", b"abcd")
    assert headers["content-length"] == "4"
    assert "transfer-encoding" not in headers
    assert headers["x-amz-content-sha256"] == hashlib.sha256(b"abcd").hexdigest()
    assert "content-length;host;x-amz-content-sha256;x-amz-date" in headers["authorization"]


async def test_a_503_is_retried_with_the_whole_body(
    server: tuple[Script, str], storage: S3Storage
) -> None:
    script, _ = server
    script.statuses = [503, 500]
    assert await storage.put("org/a", chunks(b"x" * 200_000, b"y")) == 200_001
    assert [s[3] for s in script.seen] == [b"x" * 200_000 + b"y"] * 3


async def test_persistent_5xx_gives_up_after_three_attempts(
    server: tuple[Script, str], storage: S3Storage
) -> None:
    script, _ = server
    script.statuses = [503, 503, 503]
    with pytest.raises(StorageError, match="HTTP 503 Code503"):
        await storage.delete("org/a")
    assert len(script.seen) == 3


async def test_client_errors_are_not_retried(
    server: tuple[Script, str], storage: S3Storage
) -> None:
    script, _ = server
    script.statuses = [403]
    with pytest.raises(StorageError, match="GET org/a: HTTP 403 Code403"):
        await anext(storage.open("org/a"))
    assert len(script.seen) == 1


async def test_delete_objects_reports_per_key_errors(tmp_path: Path) -> None:
    async def handle(request: web.Request) -> web.Response:
        if request.method == "GET":
            return web.Response(
                text=(
                    "<ListBucketResult><IsTruncated>false</IsTruncated>"
                    "<Contents><Key>org/a</Key></Contents></ListBucketResult>"
                )
            )
        assert request.headers["Content-MD5"]
        return web.Response(
            text=(
                "<DeleteResult><Error><Key>org/a</Key><Code>AccessDenied</Code>"
                "</Error></DeleteResult>"
            )
        )

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    cfg = S3Config.from_url(
        "s3://photos",
        S3Settings(
            endpoint=f"http://127.0.0.1:{port}",
            access_key_id="AKID",
            secret_access_key=SecretStr("secret"),
        ),
    )
    storage = S3Storage(cfg, spool_dir=tmp_path)
    try:
        with pytest.raises(StorageError, match=r"1 not deleted \(AccessDenied\)"):
            await storage.delete_prefix("org/")
    finally:
        await storage.aclose()
        await runner.cleanup()


async def test_nothing_listens_is_a_storage_error(tmp_path: Path) -> None:
    cfg = S3Config.from_url(
        "s3://photos",
        S3Settings(
            endpoint=f"http://127.0.0.1:{free_port()}",
            access_key_id="AKID",
            secret_access_key=SecretStr("secret"),
        ),
    )
    storage = S3Storage(cfg, spool_dir=tmp_path)
    try:
        with pytest.raises(StorageError, match="S3 DELETE"):
            await storage.delete("org/a")
    finally:
        await storage.aclose()
