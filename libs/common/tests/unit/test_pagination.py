from datetime import UTC, datetime
from uuid import uuid4

import pytest
from servelo_common.errors import ApiError
from servelo_common.pagination import encode_cursor, page, page_request
from starlette.requests import Request

KEYS = (datetime, type(uuid4()))


def request_for(query: str) -> Request:
    return Request(
        {
            "type": "http",
            "method": "GET",
            "path": "/api/things",
            "query_string": query.encode(),
            "headers": [(b"host", b"acme.localhost")],
            "scheme": "http",
            "server": ("x", 80),
        }
    )


def test_cursor_round_trips_typed_values():
    when, ident = datetime(2026, 1, 2, 3, 4, 5, 123456, tzinfo=UTC), uuid4()
    pr = page_request(request_for(f"cursor={encode_cursor([when, ident])}&limit=5"), key_types=KEYS)
    assert pr.limit == 5
    assert pr.cursor == [when, ident]


@pytest.mark.parametrize(
    "query", ["cursor=garbage!", "cursor=WzFd", "limit=0", "limit=501", "limit=ten"]
)
def test_bad_paging_input_is_400(query):
    with pytest.raises(ApiError) as info:
        page_request(request_for(query), key_types=KEYS)
    assert info.value.status == 400


def test_default_limit_is_100():
    assert page_request(request_for(""), key_types=KEYS).limit == 100


def test_next_link_only_when_more_rows_exist():
    req = request_for("status=open&limit=2")
    pr = page_request(req, key_types=(int,))
    rows = [{"k": 3}, {"k": 2}, {"k": 1}]
    items, headers = page(req, rows, pr, key=lambda r: [r["k"]])
    assert [r["k"] for r in items] == [3, 2]
    assert headers["Link"].startswith("<http://acme.localhost/api/things?status=open&limit=2")
    assert headers["Link"].endswith('>; rel="next"')
    _, headers = page(req, rows[:2], pr, key=lambda r: [r["k"]])
    assert headers == {}
