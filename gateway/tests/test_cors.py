from gateway.cors import Cors


def test_off_by_default() -> None:
    assert not Cors([]).allowed(b"https://app.example.com")


def test_only_listed_origins_are_echoed() -> None:
    cors = Cors(["https://app.example.com"])
    assert cors.allowed(b"https://app.example.com")
    assert not cors.allowed(b"https://evil.example.com")
    assert b"Access-Control-Allow-Origin: https://app.example.com" in cors.response_headers(
        b"https://app.example.com"
    )


def test_preflight_echoes_requested_headers() -> None:
    headers = Cors(["*"]).preflight_headers(b"https://x", b"authorization, content-type")
    assert b"Access-Control-Allow-Headers: authorization, content-type" in headers
    assert b"Access-Control-Allow-Methods:" in headers
