"""Property tests of the shared request helpers: whatever bytes, nesting or query a client
sends, the answer is a value or a 4xx `ApiError`, never another exception (a 500)."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from typing import Any, ClassVar
from urllib.parse import urlencode

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, Field, field_validator
from servelo_common.errors import ApiError, RequestValidationError
from servelo_common.http import MAX_JSON_DEPTH, body, json_body, query
from starlette.requests import Request


class Thing(BaseModel):
    name: str
    tags: list[str] = []
    extra: dict[str, Any] = {}


def request_with(raw: bytes = b"", query_string: bytes = b"") -> Request:
    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": raw, "more_body": False}

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/x",
        "query_string": query_string,
        "headers": [(b"content-type", b"application/json")],
    }
    return Request(scope, receive)


def run(coro: Any) -> Any:
    """The helpers never suspend on these requests: drive the coroutine by hand."""
    try:
        coro.send(None)
    except StopIteration as done:
        return done.value
    raise AssertionError("the helper suspended")


def outcome(call: Any) -> Any:
    try:
        return run(call)
    except ApiError as exc:
        error = exc
    assert 400 <= error.status < 500, error.status
    return error


def nested(depth: int, kind: str) -> bytes:
    opening, closing = ("[", "]") if kind == "list" else ('{"a":', "}")
    inner = "1" if kind == "dict" else ""
    return (opening * depth + inner + closing * depth).encode()


@pytest.mark.parametrize("kind", ["list", "dict"])
@pytest.mark.parametrize("depth", [1, MAX_JSON_DEPTH, MAX_JSON_DEPTH + 1, 1000, 5000])
def test_json_nesting_past_64_levels_is_400(depth: int, kind: str) -> None:
    result = outcome(json_body(request_with(nested(depth, kind))))
    if depth <= MAX_JSON_DEPTH:
        assert not isinstance(result, ApiError)
    else:
        assert isinstance(result, ApiError) and result.status == 400
        # Past 1024 levels orjson itself refuses the text: 400 Malformed JSON.
        assert result.message in ("JSON nested too deeply", "Malformed JSON")


def test_nesting_is_checked_without_recursion() -> None:
    """orjson parses up to 1024 levels; the check itself must not recurse (a 1000-deep
    body took the old recursive NUL check into RecursionError, a 500)."""
    import sys

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(200)
    try:
        result = outcome(json_body(request_with(nested(1000, "list"))))
    finally:
        sys.setrecursionlimit(limit)
    assert isinstance(result, ApiError) and result.status == 400


class Line(BaseModel):
    description: str


class Quote(BaseModel):
    line_items: list[Line]


def test_a_nul_is_refused_with_its_field() -> None:
    """In what the model keeps (a key it ignores never reaches the database)."""
    raw = b'{"line_items": [{"description": "a\\u0000b"}], "ignored\\u0000": 1}'
    result = outcome(body(request_with(raw), Quote))
    assert isinstance(result, RequestValidationError)
    assert result.errors == {"line_items.0.description": ["Text must not contain NUL characters."]}
    kept_clean = b'{"line_items": [{"description": "ab"}], "ignored": "a\\u0000b"}'
    assert isinstance(outcome(body(request_with(kept_clean), Quote)), Quote)


@settings(max_examples=400, deadline=None)
@given(raw=st.binary(max_size=300))
def test_any_body_bytes_are_json_or_400(raw: bytes) -> None:
    outcome(json_body(request_with(raw)))
    outcome(body(request_with(raw), Thing))


JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=30,
)


@settings(max_examples=400, deadline=None)
@given(value=JSON)
def test_any_json_value_validates_or_is_4xx(value: Any) -> None:
    raw = json.dumps(value).encode()
    result = outcome(body(request_with(raw), Thing))
    if not isinstance(result, ApiError):
        assert "\x00" not in result.name


@settings(max_examples=100, deadline=None)
@given(depth=st.integers(min_value=1, max_value=1023), kind=st.sampled_from(["list", "dict"]))
def test_any_depth_is_json_or_400(depth: int, kind: str) -> None:
    result = outcome(json_body(request_with(nested(depth, kind))))
    assert isinstance(result, ApiError) == (depth > MAX_JSON_DEPTH)


@settings(max_examples=300, deadline=None)
@given(params=st.dictionaries(st.text(max_size=10), st.text(max_size=20), max_size=5))
def test_any_query_string_validates_or_is_4xx(params: dict[str, str]) -> None:
    qs = urlencode(params).encode()
    outcome_of_query = _query_or_error(qs)
    if isinstance(outcome_of_query, ApiError):
        assert 400 <= outcome_of_query.status < 500


def _query_or_error(qs: bytes) -> Any:
    try:
        return query(request_with(query_string=qs), Thing)
    except ApiError as exc:
        return exc


class Counted(BaseModel):
    """A query model whose (default) value is validated by a counting validator."""

    validations: ClassVar[int] = 0
    limit: int = Field(default=10, validate_default=True)
    tags: list[str] = []

    @field_validator("limit")
    @classmethod
    def count(cls, value: int) -> int:
        Counted.validations += 1
        return value


class Today(BaseModel):
    day: str = Field(default_factory=lambda: f"call {next(Today.calls)}")
    calls: ClassVar[Iterator[int]] = itertools.count()


def test_an_empty_query_string_is_validated_once_per_model() -> None:
    Counted.validations = 0
    first = query(request_with(), Counted)
    first.tags.append("mine")  # each caller has its own copy
    second = query(request_with(), Counted)
    assert second == Counted() and second.tags == []
    assert Counted.validations == 2  # the first query and `Counted()` above
    assert query(request_with(query_string=b"limit=3"), Counted).limit == 3


def test_an_empty_query_string_with_defaults_made_per_request_is_validated_each_time() -> None:
    assert query(request_with(), Today).day != query(request_with(), Today).day
    with pytest.raises(RequestValidationError):
        query(request_with(), Thing)  # `name` is required: refused every time
    with pytest.raises(RequestValidationError):
        query(request_with(), Thing)
