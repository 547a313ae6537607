"""`output.public` gives exactly what pydantic's round trip gives, for every answer model of
every service and for values of the declared types and of others; and the plain models of
the hot paths do take the short way."""

import importlib
import pkgutil
import types
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, Union, get_args, get_origin
from uuid import UUID, uuid4

import asyncpg.pgproto.pgproto as pgproto
import pytest
from pydantic import BaseModel, ValidationError
from servelo_common import output
from servelo_common.schemas import ApiOutput

SERVICES = ["auth", "tickets", "crm", "finance", "team", "webhooks"]


def answer_models() -> list[type[BaseModel]]:
    for service in SERVICES:
        schemas = importlib.import_module(f"{service}.schemas")
        for info in pkgutil.walk_packages(getattr(schemas, "__path__", []), f"{schemas.__name__}."):
            importlib.import_module(info.name)
    found, todo = [], list(ApiOutput.__subclasses__())
    while todo:
        model = todo.pop()
        found.append(model)
        todo.extend(model.__subclasses__())
    return sorted(set(found), key=lambda m: f"{m.__module__}.{m.__qualname__}")


MODELS = answer_models()
STAMP = datetime(2026, 12, 3, 6, 50, 39, 123456, tzinfo=UTC)
# Per base type: values of it (asyncpg's UUID, naive and other-offset times, no microsecond)
# and values of other types, which pydantic coerces or refuses.
SAMPLES: dict[Any, list[Any]] = {
    datetime: [
        STAMP,
        STAMP.replace(microsecond=0),
        STAMP.replace(tzinfo=None),
        STAMP.astimezone(timezone(timedelta(hours=5, minutes=30))),
        "2026-12-03T06:50:39Z",
    ],
    UUID: [uuid4(), pgproto.UUID("12345678123456781234567812345678"), str(uuid4())],
    Decimal: [Decimal("150"), Decimal("1.005"), Decimal("-0.5"), 3, "2.50"],
    str: ["x", "", "é\u00a0", 5],
    int: [0, 7, True, 2.0, "3"],
    bool: [True, False, 1],
    date: [date(2026, 1, 2), STAMP, "2026-01-02"],
}


def base_of(annotation: Any) -> tuple[Any, bool]:
    """(the base type, optional)."""
    origin = get_origin(annotation)
    if origin is Union or origin is types.UnionType:
        inner = [a for a in get_args(annotation) if a is not type(None)]
        return base_of(inner[0])[0], True
    if getattr(annotation, "__metadata__", None) is not None:
        return base_of(get_args(annotation)[0])
    return annotation, False


def objects(model: type[BaseModel]) -> list[types.SimpleNamespace]:
    """Each field through its samples (and None), the others at their first sample."""
    fields = {name: base_of(info.annotation) for name, info in model.model_fields.items()}
    first = {name: SAMPLES[base][0] for name, (base, _) in fields.items()}
    made = [types.SimpleNamespace(**first)]
    for name, (base, optional) in fields.items():
        for value in [*SAMPLES[base][1:], *([None] if optional else [])]:
            made.append(types.SimpleNamespace(**{**first, name: value}))
    missing = dict(first)
    missing.pop(next(iter(first)))
    made.append(types.SimpleNamespace(**missing))
    return made


def pydantic_way(model: type[BaseModel], obj: Any) -> Any:
    try:
        return model.model_validate(obj).model_dump(mode="json")
    except ValidationError:
        return ValidationError


def short_way(model: type[BaseModel], obj: Any) -> Any:
    try:
        return output.public(model, obj)
    except ValidationError:
        return ValidationError


PROJECTABLE = [m for m in MODELS if output._projection(m) is not None]


@pytest.mark.parametrize("model", PROJECTABLE, ids=lambda m: m.__qualname__)
def test_the_short_way_answers_what_pydantic_answers(model: type[BaseModel]) -> None:
    for obj in objects(model):
        assert short_way(model, obj) == pydantic_way(model, obj), (model, obj)


def test_the_hot_paths_take_the_short_way() -> None:
    names = {m.__qualname__ for m in PROJECTABLE}
    assert {"TicketPublic", "CustomerPublic", "RevenuePublic", "ExpensePublic"} <= names


def test_a_model_with_a_validator_or_a_nested_model_keeps_pydantics_way() -> None:
    from pydantic import field_validator

    class Shouting(ApiOutput):
        name: str

        @field_validator("name")
        @classmethod
        def upper(cls, value: str) -> str:
            return value.upper()

    class Nested(ApiOutput):
        inner: Shouting

    assert output._projection(Shouting) is None
    assert output._projection(Nested) is None
    assert output.public(Shouting, types.SimpleNamespace(name="a")) == {"name": "A"}
