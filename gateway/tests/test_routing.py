from typing import Any

import pytest
from gateway.routing import (
    BodyLimits,
    Route,
    RouteTable,
    Service,
    build_routes,
    canonical_path,
)


def table() -> RouteTable:
    svc = Service("tickets", "127.0.0.1", 1)
    auth = Service("auth", "127.0.0.1", 2)
    return RouteTable(
        [
            Route(b"/api/tickets", svc, 30.0),
            Route(b"/api/auth", auth, 30.0),
            Route(b"/api/auth/special/deep", svc, 30.0),
        ]
    )


def test_prefix_matches_on_segment_boundaries_only() -> None:
    t = table()
    assert t.match(b"/api/tickets") is not None
    assert t.match(b"/api/tickets/x/y/z") is not None
    assert t.match(b"/api/ticketsx") is None
    assert t.match(b"/api") is None
    assert t.match(b"/other") is None


def test_longest_prefix_wins() -> None:
    route = table().match(b"/api/auth/special/deep/more")
    assert route is not None and route.prefix == b"/api/auth/special/deep"
    route = table().match(b"/api/auth/special")
    assert route is not None and route.prefix == b"/api/auth"


def test_default_table_and_json_override(settings_factory: Any) -> None:
    settings = settings_factory(
        tickets_url="http://t:1",
        crm_url="http://c:2",
        gateway_routes={
            "/api/bench": "http://b:3",
            "/api/quotes": {"service": "tickets", "timeout": 5},
        },
    )
    routes = build_routes(settings)
    quotes = routes.match(b"/api/quotes/1")
    assert quotes is not None and quotes.service.name == "tickets" and quotes.timeout == 5
    bench = routes.match(b"/api/bench/ping")
    assert bench is not None and (bench.service.host, bench.service.port) == ("b", 3)
    customers = routes.match(b"/api/customers")
    assert customers is not None and customers.service.name == "crm"
    team = routes.match(b"/api/roles")
    assert team is not None and not team.service.deployed


def test_webhooks_and_the_feed_whose_long_polls_get_more_time(settings_factory: Any) -> None:
    routes = build_routes(settings_factory(webhooks_url="http://w:4"))
    hooks = routes.match(b"/api/webhooks/1/deliveries")
    assert hooks is not None and hooks.service.name == "webhooks" and hooks.timeout == 30.0
    events = routes.match(b"/api/events")
    assert events is not None and events.service.name == "webhooks"
    assert events.timeout > 30  # `wait` may hold an answer for 30 s


def test_unknown_service_in_routes_fails_fast(settings_factory: Any) -> None:
    with pytest.raises(ValueError, match="unknown service"):
        build_routes(settings_factory(gateway_routes={"/api/x": "nope"}))


def test_upload_routes_get_the_larger_limit() -> None:
    limits = BodyLimits(100, 1000, ["POST /api/tickets/*/photos", "POST /api/users/me/avatar"])
    route = table().match(b"/api/tickets/1")
    assert route is not None
    assert limits.limit(b"POST", b"/api/tickets/abc/photos", route) == 1000
    assert limits.limit(b"GET", b"/api/tickets/abc/photos", route) == 100
    assert limits.limit(b"POST", b"/api/tickets/a/b/photos", route) == 100
    assert limits.limit(b"POST", b"/api/users/me/avatar", route) == 1000


@pytest.mark.parametrize(
    "path",
    [
        b"/api/auth/../users",
        b"/api/auth/%2E%2e/users",
        b"/api/./x",
        b"/api/auth/%2e",
        b"/api/auth%2Flogin",  # an encoded slash would be a separator once the service decodes
        b"/api/auth%2flogin",
        b"/api/auth%5Clogin",
        b"/api/auth/login%00",
        b"/api/auth/login%0a",
        b"/api/auth/log%zzin",  # broken escapes
        b"/api/auth/login%6",
        b"/api/auth/login#x",  # the service's parser would cut the path at '#'
        b"/api/auth/login/#",
    ],
)
def test_paths_that_would_mean_another_path_are_refused(path: bytes) -> None:
    assert canonical_path(path) is None


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        (b"/api/auth/%6cogin", b"/api/auth/login"),  # unreserved characters are decoded
        (b"/api/auth/%6C%6F%67%69%6E", b"/api/auth/login"),
        (b"/%61pi/auth/login", b"/api/auth/login"),
        (b"/api/auth//login", b"/api/auth/login"),  # runs of slashes collapse
        (b"//api///auth/login", b"/api/auth/login"),
        (b"/api/auth/login/", b"/api/auth/login"),  # a trailing slash goes
        (b"/api/auth/login//", b"/api/auth/login"),
        (b"/api/tickets/a%20b", b"/api/tickets/a%20b"),  # other escapes stay, uppercase hex
        (b"/api/tickets/a%3fb", b"/api/tickets/a%3Fb"),
        (b"/api/tickets/%25", b"/api/tickets/%25"),  # no double decoding
        (b"/api/tickets/.well/x", b"/api/tickets/.well/x"),
        (b"/api/tickets/%2e%2ex", b"/api/tickets/..x"),
        (b"/", b"/"),
    ],
)
def test_canonical_path(raw: bytes, canonical: bytes) -> None:
    assert canonical_path(raw) == canonical


def test_canonical_path_keeps_the_common_case_without_a_copy() -> None:
    path = b"/api/tickets/0b7e-41"
    assert canonical_path(path) is path
