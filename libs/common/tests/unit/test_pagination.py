import base64
import json
from datetime import UTC, date, datetime
from types import SimpleNamespace
from typing import Any
from uuid import UUID, uuid4

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import SecretStr
from servelo_common.config import ServiceSettings
from servelo_common.errors import ApiError
from servelo_common.identity import Identity
from servelo_common.pagination import MAX_CURSOR, encode_cursor, page, page_request
from starlette.requests import Request

KEYS = (datetime, type(uuid4()))
SETTINGS = ServiceSettings(
    database_url="postgresql://x",
    nats_url="nats://x",
    internal_secret=SecretStr("unit-test-secret-0123456789abcdef"),
    env="test",
    public_scheme="https",
    public_port=8443,
)


def request_for(query: str, host: bytes = b"acme.localhost") -> Request:
    app = SimpleNamespace(state=SimpleNamespace(settings=SETTINGS))
    return Request(
        {
            "type": "http",
            "method": "GET",
            "path": "/api/things",
            "query_string": query.encode(),
            "headers": [(b"host", host), (b"x-forwarded-proto", b"gopher")],
            "scheme": "http",
            "server": ("10.0.0.7", 8001),
            "app": app,
            "servelo.identity": Identity(org_id=str(uuid4()), org_slug="acme"),
        }
    )


def raw_cursor(values: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).rstrip(b"=").decode()


def test_cursor_round_trips_typed_values() -> None:
    when, ident = datetime(2026, 1, 2, 3, 4, 5, 123456, tzinfo=UTC), uuid4()
    pr = page_request(request_for(f"cursor={encode_cursor([when, ident])}&limit=5"), key_types=KEYS)
    assert pr.limit == 5
    assert pr.cursor == [when, ident]


@pytest.mark.parametrize(
    "query", ["cursor=garbage!", "cursor=WzFd", "limit=0", "limit=501", "limit=ten"]
)
def test_bad_paging_input_is_400(query: str) -> None:
    with pytest.raises(ApiError) as info:
        page_request(request_for(query), key_types=KEYS)
    assert info.value.status == 400


@pytest.mark.parametrize(
    "values",
    [
        [1, 2**63],  # past bigint: Postgres would fail, not us
        [1, -(2**63) - 1],
        [1, 10**400],
        [1, True],  # a bool is not a number here
        [1, 1.5],
        [1, "7"],
        [2, 7],  # an unknown version
        [True, 7],
        [7],  # no version: a cursor from before versioning
        [1, 7, 8],
        [1],
        {"v": 1},
    ],
)
def test_forged_integer_cursors_are_400(values: object) -> None:
    with pytest.raises(ApiError) as info:
        page_request(request_for(f"cursor={raw_cursor(values)}"), key_types=(int,))
    assert info.value.status == 400
    assert info.value.errors == {"cursor": ["Invalid cursor."]}


@pytest.mark.parametrize(
    ("values", "keys"),
    [
        ([1, "a\u0000", str(uuid4())], (str, UUID)),  # NUL cannot reach Postgres text
        ([1, 5, str(uuid4())], (str, UUID)),
        ([1, "x", 5], (str, UUID)),  # a number where a UUID goes
        ([1, ["2026-01-01"], str(uuid4())], (datetime, UUID)),
        ([1, "2026-13-01", str(uuid4())], (date, UUID)),
        ([1, "2026-01-01", {"a": 1}], (date, UUID)),
    ],
)
def test_forged_typed_cursors_are_400(values: list[object], keys: tuple[type, ...]) -> None:
    with pytest.raises(ApiError) as info:
        page_request(request_for(f"cursor={raw_cursor(values)}"), key_types=keys)
    assert info.value.status == 400


def test_a_very_long_cursor_is_400_before_decoding() -> None:
    cursor = raw_cursor([1, "x" * MAX_CURSOR])
    with pytest.raises(ApiError):
        page_request(request_for(f"cursor={cursor}"), key_types=(str,))


def test_bigint_bounds_are_accepted() -> None:
    for value in (2**63 - 1, -(2**63), 0):
        pr = page_request(request_for(f"cursor={encode_cursor([value])}"), key_types=(int,))
        assert pr.cursor == [value]


def test_default_limit_is_100() -> None:
    assert page_request(request_for(""), key_types=KEYS).limit == 100


def test_next_link_only_when_more_rows_exist() -> None:
    req = request_for("status=open&limit=2")
    pr = page_request(req, key_types=(int,))
    rows = [{"k": 3}, {"k": 2}, {"k": 1}]
    items, headers = page(req, rows, pr, key=lambda r: [r["k"]])
    assert [r["k"] for r in items] == [3, 2]
    assert headers["Link"].startswith("<https://acme.localhost:8443/api/things?status=open&limit=2")
    assert headers["Link"].endswith('>; rel="next"')
    _, headers = page(req, rows[:2], pr, key=lambda r: [r["k"]])
    assert headers == {}


def test_next_link_ignores_the_host_and_proto_headers() -> None:
    """The public URL is configured: a forged Host or X-Forwarded-Proto never reaches it."""
    req = request_for("limit=1", host=b"acme.localhost:@evil.example/steal?")
    pr = page_request(req, key_types=(int,))
    _, headers = page(req, [{"k": 2}, {"k": 1}], pr, key=lambda r: [r["k"]])
    assert headers["Link"].startswith("<https://acme.localhost:8443/api/things?limit=1&cursor=")
    assert "evil" not in headers["Link"] and "gopher" not in headers["Link"]


# -- property tests: whatever a client puts in `cursor` and `limit`, 200-ready or 400 ------

KEY_SETS = st.sampled_from([(int,), (datetime, UUID), (date, UUID), (str, UUID)])
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=10,
)


def _page_or_400(query: str, keys: tuple[type, ...]) -> list[Any] | None:
    try:
        return page_request(request_for(query), key_types=keys).cursor
    except ApiError as exc:
        error = exc
    assert error.status == 400
    return None


@settings(max_examples=300, deadline=None)
@given(raw=st.text(max_size=200), keys=KEY_SETS)
def test_any_cursor_text_is_a_page_or_400(raw: str, keys: tuple[type, ...]) -> None:
    from urllib.parse import quote

    _page_or_400("cursor=" + quote(raw), keys)


@settings(max_examples=300, deadline=None)
@given(values=st.lists(JSON_VALUES, max_size=4), keys=KEY_SETS)
def test_any_decoded_cursor_is_safe_for_postgres_or_400(
    values: list[object], keys: tuple[type, ...]
) -> None:
    cursor = _page_or_400("cursor=" + raw_cursor([1, *values]), keys)
    for value in cursor or ():
        if isinstance(value, int):
            assert -(2**63) <= value < 2**63
        if isinstance(value, str):
            assert "\x00" not in value


@settings(max_examples=200, deadline=None)
@given(limit=st.text(max_size=30))
def test_any_limit_is_in_range_or_400(limit: str) -> None:
    from urllib.parse import quote

    try:
        pr = page_request(request_for("limit=" + quote(limit)), key_types=(int,))
    except ApiError as exc:
        error = exc
        assert_400(error)
    else:
        assert 1 <= pr.limit <= 500


def assert_400(error: ApiError) -> None:
    assert error.status == 400


def test_updated_since_pages_by_updated_at_and_id_with_their_own_cursors() -> None:
    when, ident = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), uuid4()
    req = request_for("updated_since=2026-01-01T10:00:00%2B02:00&limit=1")
    pr = page_request(req, key_types=(str, int), sync_id=UUID)
    assert pr.since == datetime(2026, 1, 1, 8, tzinfo=UTC) and pr.cursor is None
    rows = [{"updated_at": when, "id": ident, "name": "b"}, {"updated_at": when, "id": 1}]
    _, headers = page(req, rows, pr, key=lambda r: [r["name"]])
    cursor = headers["Link"].split("cursor=")[1].split(">")[0]
    assert json.loads(base64.urlsafe_b64decode(cursor + "==")) == [2, when.isoformat(), str(ident)]
    again = page_request(
        request_for(f"updated_since=2026-01-01&cursor={cursor}"), key_types=(str, int), sync_id=UUID
    )
    assert again.cursor == [when, ident]
    # The list's own cursors are not the sync order's, and back.
    own = encode_cursor(["b", 1])
    with pytest.raises(ApiError) as info:
        page_request(
            request_for(f"updated_since=2026-01-01&cursor={own}"), key_types=KEYS, sync_id=UUID
        )
    assert info.value.status == 400
    with pytest.raises(ApiError):
        page_request(request_for(f"cursor={cursor}"), key_types=KEYS, sync_id=UUID)


@pytest.mark.parametrize("value", ["yesterday", "2026-13-01", "1800-01-01T00:00:00Z", ""])
def test_bad_updated_since_is_400_on_its_field(value: str) -> None:
    with pytest.raises(ApiError) as info:
        page_request(request_for(f"updated_since={value}"), key_types=KEYS, sync_id=UUID)
    assert info.value.status == 400
    assert info.value.errors is not None and "updated_since" in info.value.errors


def test_a_list_that_does_not_sync_ignores_updated_since() -> None:
    assert page_request(request_for("updated_since=garbage"), key_types=KEYS).since is None
