"""AWS Signature Version 4, written out (no SDK; tested against AWS's published examples)."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from datetime import UTC, datetime
from urllib.parse import quote

ALGORITHM = "AWS4-HMAC-SHA256"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


def uri_encode(value: str, *, keep_slash: bool = False) -> str:
    """SigV4's encoding: every byte but `A-Za-z0-9-_.~` (and `/` in paths) as %XX."""
    return quote(value, safe="/~" if keep_slash else "~")


def canonical_query(query: Mapping[str, str]) -> str:
    return "&".join(
        f"{k}={v}" for k, v in sorted((uri_encode(k), uri_encode(v)) for k, v in query.items())
    )


def canonical_request(
    method: str, path: str, query: Mapping[str, str], headers: Mapping[str, str], payload_hash: str
) -> tuple[str, str]:
    """(canonical request, signed header names); `path` unencoded, every header signed."""
    canon = {k.lower(): " ".join(v.split()) for k, v in headers.items()}
    signed = ";".join(sorted(canon))
    return "\n".join(
        [
            method,
            uri_encode(path, keep_slash=True),
            canonical_query(query),
            *(f"{k}:{v}" for k, v in sorted(canon.items())),
            "",
            signed,
            payload_hash,
        ]
    ), signed


def string_to_sign(amz_date: str, scope: str, request: str) -> str:
    digest = hashlib.sha256(request.encode()).hexdigest()
    return f"{ALGORITHM}\n{amz_date}\n{scope}\n{digest}"


def signing_key(secret: str, date: str, region: str, service: str = "s3") -> bytes:
    key = f"AWS4{secret}".encode()
    for part in (date, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def sign(
    method: str,
    host: str,
    path: str,
    *,
    query: Mapping[str, str],
    headers: Mapping[str, str],
    payload_hash: str,
    access_key_id: str,
    secret: str,
    region: str,
    now: datetime,
) -> dict[str, str]:
    """The request's headers plus host, x-amz-date, x-amz-content-sha256 and authorization."""
    amz_date = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = {**headers, "host": host, "x-amz-content-sha256": payload_hash, "x-amz-date": amz_date}
    request, signed = canonical_request(method, path, query, out, payload_hash)
    scope = f"{amz_date[:8]}/{region}/s3/aws4_request"
    signature = hmac.new(
        signing_key(secret, amz_date[:8], region),
        string_to_sign(amz_date, scope, request).encode(),
        hashlib.sha256,
    ).hexdigest()
    out["authorization"] = (
        f"{ALGORITHM} Credential={access_key_id}/{scope},"
        f"SignedHeaders={signed},Signature={signature}"
    )
    return out
