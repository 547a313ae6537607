"""S3-compatible object storage (AWS S3, MinIO, Cloudflare R2, ...) behind `Storage`.

Settings: `s3.config.S3Settings`. No endpoint = AWS, virtual-hosted addressing; an
endpoint = path-style (`<endpoint>/<bucket>/<key>`). Requests carry AWS Signature Version 4,
written out in `s3.sigv4` (no SDK; tested against AWS's published examples and botocore).
`put` spools the stream to an anonymous temporary file in 64 KiB chunks (`max_bytes`
enforced before anything is sent) while hashing it, then sends one PUT with its length and
signed SHA-256: bounded memory, bytes verified by the server, retries resend the file, and
no half-written object.
Decisions in docs/tickets.md ("Object storage").
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
import re
import tempfile
from collections.abc import AsyncIterator, Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import IO
from xml.etree import ElementTree
from xml.sax.saxutils import escape

import aiohttp
from yarl import URL

from servelo_common.storage.base import CHUNK, StorageError, TooLarge, check_key
from servelo_common.storage.s3.config import S3Config
from servelo_common.storage.s3.sigv4 import EMPTY_SHA256, canonical_query, sign, uri_encode

_RETRY = frozenset({500, 502, 503, 504})  # S3 asks for retries with 500/503 (SlowDown)
ATTEMPTS = 3
TIMEOUT = aiohttp.ClientTimeout(total=None, connect=10, sock_connect=10, sock_read=60)


class S3Storage:
    """`Storage` on an S3 bucket; one aiohttp session per event loop, made on first use."""

    list_page = 1000  # keys per ListObjectsV2 page and DeleteObjects call (S3's maximum)

    def __init__(self, config: S3Config, *, spool_dir: Path | None = None) -> None:
        self.config = config
        self.spool_dir = spool_dir
        self._http: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def _object(self, key: str) -> str:
        return f"{self.config.bucket_path}/{self.config.prefix}{check_key(key)}"

    def _session(self) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        if self._http is None or self._http.closed or self._loop is not loop:
            # No transparent gunzip: `open` returns the stored bytes as they are.
            self._http = aiohttp.ClientSession(timeout=TIMEOUT, auto_decompress=False)
            self._loop = loop
        return self._http

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.close()
            self._http = None

    async def _send(
        self,
        method: str,
        path: str,
        *,
        query: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        body: Callable[[], AsyncIterator[bytes]] | bytes | None = None,
        payload_hash: str = EMPTY_SHA256,
    ) -> aiohttp.ClientResponse:
        """Signs and sends; retries connection errors and 5xx (every call is idempotent)."""
        query = query or {}
        qs = canonical_query(query)
        url = URL(
            self.config.base + uri_encode(path, keep_slash=True) + (f"?{qs}" if qs else ""),
            encoded=True,
        )  # sent exactly as signed
        cfg = self.config
        for attempt in range(ATTEMPTS):
            signed = sign(
                method,
                cfg.host,
                path,
                query=query,
                headers=headers or {},
                payload_hash=payload_hash,
                access_key_id=cfg.access_key_id,
                secret=cfg.secret_access_key.get_secret_value(),
                region=cfg.region,
                now=datetime.now(UTC),
            )
            data = body() if callable(body) else body  # a fresh stream per attempt
            try:
                resp = await self._session().request(method, url, headers=signed, data=data)
            except (aiohttp.ClientError, TimeoutError) as exc:
                if attempt == ATTEMPTS - 1:
                    raise StorageError(f"S3 {method} {path}: {exc!r}") from exc
            else:
                if resp.status not in _RETRY or attempt == ATTEMPTS - 1:
                    return resp
                resp.release()
            await asyncio.sleep(0.2 * 4**attempt)
        raise AssertionError("unreachable")

    async def put(
        self, key: str, chunks: AsyncIterator[bytes], *, max_bytes: int | None = None
    ) -> int:
        path = self._object(key)
        spool = await asyncio.to_thread(self._spool)
        try:
            size, digest = 0, hashlib.sha256()
            async for chunk in chunks:
                size += len(chunk)
                if max_bytes is not None and size > max_bytes:
                    raise TooLarge(max_bytes)  # nothing was sent
                digest.update(chunk)
                await asyncio.to_thread(spool.write, chunk)
            await asyncio.to_thread(spool.flush)
            fd = spool.fileno()
            resp = await self._send(
                "PUT",
                path,
                headers={"content-length": str(size)},
                body=lambda: _file_body(fd, size),
                payload_hash=digest.hexdigest(),
            )
            async with resp:
                if resp.status != 200:
                    raise await _error(resp, f"PUT {key}")
        finally:
            await asyncio.to_thread(spool.close)
        return size

    def _spool(self) -> IO[bytes]:
        if self.spool_dir is not None:
            self.spool_dir.mkdir(parents=True, exist_ok=True)
        # Anonymous (O_TMPFILE on Linux): removed on close, even after a crash.
        return tempfile.TemporaryFile(dir=self.spool_dir)

    async def open(self, key: str) -> AsyncIterator[bytes]:
        async with await self._send("GET", self._object(key)) as resp:
            if resp.status == 404:
                raise FileNotFoundError(key)
            if resp.status != 200:
                raise await _error(resp, f"GET {key}")
            try:
                async for chunk in resp.content.iter_chunked(CHUNK):
                    yield chunk
            except aiohttp.ClientError as exc:
                raise StorageError(f"S3 GET {key}: {exc!r}") from exc

    async def delete(self, key: str) -> None:
        async with await self._send("DELETE", self._object(key)) as resp:
            if resp.status not in (200, 204, 404):
                raise await _error(resp, f"DELETE {key}")

    async def delete_prefix(self, prefix: str) -> None:
        """ListObjectsV2 pages of up to 1,000 keys, each removed with one DeleteObjects."""
        full = self.config.prefix + check_key(prefix, prefix=True)
        full += "/" if prefix.endswith("/") else ""
        bucket = self.config.bucket_path or "/"
        token: str | None = None
        while True:
            query = {"list-type": "2", "prefix": full, "max-keys": str(self.list_page)}
            if token:
                query["continuation-token"] = token
            async with await self._send("GET", bucket, query=query) as resp:
                if resp.status != 200:
                    raise await _error(resp, f"list {full}")
                keys, token = _parse_list(await resp.read())
            if keys:
                await self._delete_batch(bucket, keys)
            if not token:
                return

    async def _delete_batch(self, bucket: str, keys: list[str]) -> None:
        xml = (
            '<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Quiet>true</Quiet>'
            + "".join(f"<Object><Key>{escape(k)}</Key></Object>" for k in keys)
            + "</Delete>"
        ).encode()
        md5 = hashlib.md5(xml, usedforsecurity=False).digest()  # S3 requires Content-MD5
        headers = {"content-md5": base64.b64encode(md5).decode(), "content-type": "application/xml"}
        async with await self._send(
            "POST",
            bucket,
            query={"delete": ""},
            headers=headers,
            body=xml,
            payload_hash=hashlib.sha256(xml).hexdigest(),
        ) as resp:
            if resp.status != 200:
                raise await _error(resp, "DeleteObjects")
            answer = await resp.read()
        # Quiet mode lists only failures; a 200 can still carry per-key errors.
        if failed := re.findall(rb"<Error>.*?<Code>([^<]*)</Code>", answer, re.S):
            raise StorageError(
                f"S3 DeleteObjects: {len(failed)} not deleted "
                f"({failed[0].decode(errors='replace')})"
            )


async def _file_body(fd: int, size: int) -> AsyncIterator[bytes]:
    # pread, not read: each attempt of a retried PUT keeps its own offset.
    offset = 0
    while offset < size:
        chunk = await asyncio.to_thread(os.pread, fd, min(CHUNK, size - offset), offset)
        if not chunk:
            raise StorageError("spooled upload shrank while sending")
        offset += len(chunk)
        yield chunk


def _parse_list(xml: bytes) -> tuple[list[str], str | None]:
    """(keys, continuation token or None) of a ListObjectsV2 answer, namespace or not."""
    # Our own configured server answers; expat does not resolve external entities.
    root = ElementTree.fromstring(xml)  # noqa: S314
    keys: list[str] = []
    token, truncated = None, False
    for el in root:
        tag = el.tag.rpartition("}")[2]
        if tag == "Contents":
            keys += [c.text or "" for c in el if c.tag.rpartition("}")[2] == "Key"]
        elif tag == "NextContinuationToken":
            token = el.text
        elif tag == "IsTruncated":
            truncated = el.text == "true"
    return keys, token if truncated else None


async def _error(resp: aiohttp.ClientResponse, what: str) -> StorageError:
    text = (await resp.content.read(4096)).decode("utf-8", "replace")
    code = re.search(r"<Code>([^<]{1,64})</Code>", text)
    return StorageError(f"S3 {what}: HTTP {resp.status} {code.group(1) if code else ''}".strip())
