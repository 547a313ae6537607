"""AWS Signature Version 4 against AWS's published S3 examples, and against botocore.

The examples are those of "Signature Calculations for the Authorization Header: Transferring
Payload in a Single Chunk" (S3 API reference, sig-v4-header-based-auth): credentials
AKIAIOSFODNN7EXAMPLE / wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY, bucket examplebucket,
2013-05-24, us-east-1; and the signing-key derivation example of the IAM SigV4 guide.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest
from servelo_common.storage.s3.sigv4 import (
    EMPTY_SHA256,
    canonical_query,
    canonical_request,
    sign,
    signing_key,
    string_to_sign,
    uri_encode,
)

KEY_ID = "AKIAIOSFODNN7EXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
HOST = "examplebucket.s3.amazonaws.com"
WHEN = datetime(2013, 5, 24, tzinfo=UTC)


def example(
    method: str,
    path: str,
    *,
    query: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    payload_hash: str = EMPTY_SHA256,
) -> dict[str, str]:
    return sign(
        method,
        HOST,
        path,
        query=query or {},
        headers=headers or {},
        payload_hash=payload_hash,
        access_key_id=KEY_ID,
        secret=SECRET,
        region="us-east-1",
        now=WHEN,
    )


def signature(headers: dict[str, str]) -> str:
    return headers["authorization"].rpartition("Signature=")[2]


def test_get_object_canonical_request_is_the_published_one() -> None:
    request, signed = canonical_request(
        "GET",
        "/test.txt",
        {},
        {
            "Host": HOST,
            "Range": "bytes=0-9",
            "x-amz-content-sha256": EMPTY_SHA256,
            "x-amz-date": "20130524T000000Z",
        },
        EMPTY_SHA256,
    )
    assert request == (
        "GET\n/test.txt\n\n"
        "host:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n"
        f"x-amz-content-sha256:{EMPTY_SHA256}\nx-amz-date:20130524T000000Z\n\n"
        f"host;range;x-amz-content-sha256;x-amz-date\n{EMPTY_SHA256}"
    )
    assert signed == "host;range;x-amz-content-sha256;x-amz-date"
    assert string_to_sign("20130524T000000Z", "20130524/us-east-1/s3/aws4_request", request) == (
        "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"
        "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972"
    )


def test_get_object_example_signature() -> None:
    headers = example("GET", "/test.txt", headers={"Range": "bytes=0-9"})
    assert headers["authorization"] == (
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
        "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,"
        "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
    )
    assert headers["x-amz-date"] == "20130524T000000Z"
    assert headers["x-amz-content-sha256"] == EMPTY_SHA256
    assert headers["host"] == HOST


def test_put_object_example_signature_encodes_the_dollar() -> None:
    body = b"Welcome to Amazon S3."
    digest = hashlib.sha256(body).hexdigest()
    assert digest == "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072"
    headers = example(
        "PUT",
        "/test$file.text",
        payload_hash=digest,
        headers={
            "Date": "Fri, 24 May 2013 00:00:00 GMT",
            "x-amz-storage-class": "REDUCED_REDUNDANCY",
        },
    )
    assert (
        "SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class,"
        in headers["authorization"]
    )
    assert signature(headers) == "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd"


def test_get_bucket_lifecycle_example_signature() -> None:
    headers = example("GET", "/", query={"lifecycle": ""})
    assert signature(headers) == "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543"


def test_list_objects_example_signature() -> None:
    headers = example("GET", "/", query={"prefix": "J", "max-keys": "2"})
    assert signature(headers) == "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7"


def test_signing_key_derivation_example() -> None:
    key = signing_key("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20120215", "us-east-1", "iam")
    assert key.hex() == "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d"


def test_encoding_keeps_only_unreserved_characters() -> None:
    assert uri_encode("a b/c~d._-*+=&é") == "a%20b%2Fc~d._-%2A%2B%3D%26%C3%A9"
    assert uri_encode("/bucket/a b/c", keep_slash=True) == "/bucket/a%20b/c"
    assert (
        canonical_query({"prefix": "org/x y", "list-type": "2", "delete": ""})
        == "delete=&list-type=2&prefix=org%2Fx%20y"
    )


def test_header_values_are_trimmed_and_names_lowercased() -> None:
    request, signed = canonical_request(
        "GET", "/k", {}, {"X-Amz-Meta-A": "  a   b  "}, EMPTY_SHA256
    )
    assert "x-amz-meta-a:a b\n" in request
    assert signed == "x-amz-meta-a"


@pytest.mark.parametrize(
    ("method", "path", "query"),
    [
        ("PUT", "/photos/org/tickets/t1/p1", {}),
        ("GET", "/photos", {"list-type": "2", "prefix": "org/", "continuation-token": "a+b/c=="}),
        ("POST", "/photos", {"delete": ""}),
    ],
)
def test_matches_botocore(method: str, path: str, query: dict[str, str]) -> None:
    """An independent implementation signs the same request identically."""
    auth_mod = pytest.importorskip("botocore.auth")
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    when = datetime(2026, 11, 22, 19, 5, 7, tzinfo=UTC)
    payload = hashlib.sha256(b"body").hexdigest()
    ours = sign(
        method,
        "127.0.0.1:9000",
        path,
        query=query,
        headers={"content-length": "4", "content-md5": "x"},
        payload_hash=payload,
        access_key_id="minio",
        secret="minio-secret/+=",
        region="eu-west-3",
        now=when,
    )
    qs = canonical_query(query)
    request = AWSRequest(
        method=method,
        url=f"http://127.0.0.1:9000{path}" + (f"?{qs}" if qs else ""),
        data=b"body",
        headers={k: v for k, v in ours.items() if k != "authorization"},
    )
    request.context["timestamp"] = ours["x-amz-date"]
    auth = auth_mod.S3SigV4Auth(Credentials("minio", "minio-secret/+="), "s3", "eu-west-3")
    canonical = auth.canonical_request(request)
    theirs = auth.signature(auth.string_to_sign(request, canonical), request)
    assert signature(ours) == theirs
