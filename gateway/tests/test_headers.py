from gateway.headers import parse_request_headers, parse_response_headers, relative_location


def test_client_servelo_headers_and_hop_by_hop_are_stripped() -> None:
    h = parse_request_headers(
        [
            (b"Host", b"acme.localhost"),
            (b"X-Servelo-Identity", b"forged"),
            (b"x-servelo-anything", b"forged"),
            (b"Connection", b"keep-alive, X-Secret"),
            (b"X-Secret", b"1"),
            (b"Keep-Alive", b"timeout=5"),
            (b"Proxy-Authorization", b"x"),
            (b"TE", b"trailers"),
            (b"Upgrade", b"websocket"),
            (b"Accept", b"application/json"),
        ]
    )
    forwarded = b"".join(h.forwarded).lower()
    assert b"x-servelo" not in forwarded
    for name in (b"connection", b"keep-alive", b"proxy-", b"te:", b"upgrade", b"x-secret"):
        assert name not in forwarded
    # Host is captured, counted and forwarded by the exchange in its canonical form.
    assert b"host:" not in forwarded
    assert (h.host, h.host_count) == (b"acme.localhost", 1)
    assert b"accept: application/json" in forwarded


def test_two_host_headers_are_counted() -> None:
    h = parse_request_headers([(b"Host", b"acme.localhost"), (b"host", b"evil.example")])
    assert h.host_count == 2


def test_connection_cannot_remove_end_to_end_headers() -> None:
    """`Connection: host` (or authorization, content-length...) removes nothing."""
    h = parse_request_headers(
        [
            (b"Connection", b"Host, Authorization, Content-Type, Cookie, If-Match, X-Hop"),
            (b"Host", b"acme.localhost"),
            (b"Authorization", b"Bearer t"),
            (b"Content-Type", b"application/json"),
            (b"Cookie", b"a=b"),
            (b"If-Match", b'"v1"'),
            (b"X-Hop", b"1"),
        ]
    )
    forwarded = b"".join(h.forwarded).lower()
    assert h.host == b"acme.localhost" and h.authorization == b"Bearer t"
    for kept in (b"authorization:", b"content-type:", b"cookie:", b"if-match:"):
        assert kept in forwarded
    assert b"x-hop" not in forwarded
    r = parse_response_headers(
        [(b"Connection", b"content-type, location"), (b"Content-Type", b"text/plain")]
    )
    assert r.lines == [b"Content-Type: text/plain\r\n"]


def test_request_id_is_kept_only_when_well_formed() -> None:
    assert parse_request_headers([(b"X-Request-Id", b"abc-1.2_3")]).request_id == b"abc-1.2_3"
    assert parse_request_headers([(b"X-Request-Id", b"bad id")]).request_id is None
    assert parse_request_headers([(b"X-Request-Id", b"a" * 129)]).request_id is None


def test_framing_and_expect_are_captured_not_forwarded() -> None:
    h = parse_request_headers(
        [
            (b"Content-Length", b"12"),
            (b"Expect", b"100-continue"),
            (b"X-Forwarded-For", b"1.2.3.4"),
            (b"X-Forwarded-For", b"5.6.7.8"),
        ]
    )
    assert h.content_length == 12 and h.expect_continue
    assert h.forwarded_for == b"1.2.3.4, 5.6.7.8"
    assert h.forwarded == []


def test_response_hop_by_hop_and_upstream_request_id_are_dropped() -> None:
    r = parse_response_headers(
        [
            (b"Content-Type", b"application/json"),
            (b"Transfer-Encoding", b"chunked"),
            (b"Connection", b"close"),
            (b"X-Request-Id", b"upstream"),
            (b"Link", b"<x>"),
        ]
    )
    assert r.chunked and not r.content_length
    assert r.lines == [b"Content-Type: application/json\r\n", b"Link: <x>\r\n"]


def test_a_location_naming_a_service_address_becomes_relative() -> None:
    internal = (b"http://127.0.0.1:8001", b"http://auth")
    r = parse_response_headers(
        [(b"Location", b"http://127.0.0.1:8001/api/auth/login?x=1")], internal
    )
    assert r.lines == [b"Location: /api/auth/login?x=1\r\n"]
    assert relative_location(b"http://AUTH", internal) == b"/"
    # A longer port, another host, or the public address: unchanged.
    for other in (b"http://127.0.0.1:80012/x", b"http://evil/x", b"https://acme.localhost/x"):
        assert relative_location(other, internal) == other
