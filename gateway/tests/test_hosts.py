"""One canonical Host: what is valid, how it is lower-cased, and the bounded memo."""

import pytest
from gateway.hosts import INVALID, MAX_CACHED, HostTable, canonical_host


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        (b"acme.localhost", b"acme.localhost"),
        (b"ACME.LocalHost:8080", b"acme.localhost:8080"),
        (b"acme.localhost.", b"acme.localhost."),
        (b"10.0.0.5:8080", b"10.0.0.5:8080"),
        (b"[::1]:8080", b"[::1]:8080"),
        (b"[::1]", b"[::1]"),
        (b"my_service", b"my_service"),
    ],
)
def test_valid_hosts_are_lower_cased(raw: bytes, canonical: bytes) -> None:
    assert canonical_host(raw) == canonical


@pytest.mark.parametrize(
    "raw",
    [
        b"acme.localhost:@evil.example/steal?",  # userinfo and a path
        b"user@acme.localhost",
        b"acme.localhost/x",
        b"acme.localhost?x",
        b"acme.localhost#x",
        b"acme.localhost:",  # empty port
        b"acme.localhost:0",
        b"acme.localhost:65536",
        b"acme.localhost:123456",
        b"acme.localhost:80:80",
        b"acme.localhost: 80",
        b"acme localhost",
        b"[::1",
        b"[::1]x",
        b"[zz::1]",
        b":8080",
        b"\xc3\xa9.localhost",
        b"a" * 301,
    ],
)
def test_invalid_hosts_are_refused(raw: bytes) -> None:
    assert canonical_host(raw) is None


def test_the_table_gives_the_canonical_host_and_its_tenant() -> None:
    table = HostTable(b".localhost")
    assert table.resolve(b"ACME.localhost:8080") == (b"acme.localhost:8080", b"acme")
    assert table.resolve(b"localhost") == (b"localhost", b"")
    assert table.resolve(b"acme.localhost:@evil") is INVALID
    assert table.resolve(b"") == (b"", b"")


def test_the_memo_stays_bounded_and_never_keeps_long_headers() -> None:
    table = HostTable(b".localhost")
    for i in range(MAX_CACHED * 2):
        table.resolve(b"t%d.localhost" % i)
    assert len(table.memo) <= MAX_CACHED
    table.resolve(b"x" * 10_000)
    assert b"x" * 10_000 not in table.memo
