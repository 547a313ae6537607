"""Answers from domain objects, without a pydantic round trip where it adds nothing.

`XPublic.model_validate(obj).model_dump(mode="json")` copies every field twice and calls
each field's serializer through pydantic's machinery: a third of a page of 50 tickets'
CPU. An answer model whose fields are all plain (`str`, `int`, `bool`, `date`, optional or
not) or one of the shared output types (`Timestamp`, `IdOut`, `MoneyOut`: a base type and
its `PlainSerializer`) is instead read attribute by attribute and each value passed through
the same serializer, after the same type check pydantic's validation would have made.
Anything else takes pydantic's path, whole: a model with validators, computed fields,
aliases, exclusions, settings, nested models or constraints, and any object whose values
are not of the declared types (pydantic would coerce or refuse them; it still does).
`test_output.py` holds both paths equal on every answer model of every service.
"""

from __future__ import annotations

import types
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Union, get_args, get_origin
from uuid import UUID

from pydantic import BaseModel, PlainSerializer

from servelo_common.schemas import DecimalJson

Converter = Callable[[Any], Any]
_PLAIN: tuple[type, ...] = (str, int, bool)
_SERIALIZED: tuple[type, ...] = (datetime, UUID, Decimal)
# Settings of an answer model that change neither what is read nor what is written.
_CONFIG_WITHOUT_EFFECT = {"from_attributes", "title", "json_schema_extra"}
# Per answer model: its fields and their converters, or None where pydantic's path is kept.
_PROJECTIONS: dict[type[BaseModel], tuple[tuple[str, Converter], ...] | None] = {}


class _NotAsDeclared(Exception):
    """A value whose type is not the field's: pydantic's path decides what it becomes."""


def public(model: type[BaseModel], obj: Any) -> dict[str, Any]:
    """`obj` as the JSON object of answer `model`: what `model.model_validate(obj)
    .model_dump(mode="json")` gives, without that round trip when the model allows it."""
    try:
        projection = _PROJECTIONS[model]
    except KeyError:
        projection = _PROJECTIONS[model] = _projection(model)
    if projection is not None:
        try:
            return {name: convert(getattr(obj, name)) for name, convert in projection}
        except (_NotAsDeclared, AttributeError):
            pass
    return model.model_validate(obj).model_dump(mode="json")


def _projection(model: type[BaseModel]) -> tuple[tuple[str, Converter], ...] | None:
    decorators = model.__pydantic_decorators__
    if any(
        (
            decorators.validators,
            decorators.field_validators,
            decorators.root_validators,
            decorators.field_serializers,
            decorators.model_serializers,
            decorators.model_validators,
            decorators.computed_fields,
        )
    ):
        return None
    if set(model.model_config) - _CONFIG_WITHOUT_EFFECT:
        return None
    fields = []
    for name, info in model.model_fields.items():
        if info.alias or info.validation_alias or info.serialization_alias:
            return None
        if info.exclude or getattr(info, "exclude_if", None) is not None:
            return None
        convert = _converter(info.annotation, info.metadata)
        if convert is None:
            return None
        fields.append((name, convert))
    return tuple(fields)


def _converter(annotation: Any, metadata: list[Any]) -> Converter | None:
    origin = get_origin(annotation)
    if origin is Union or origin is types.UnionType:
        args = get_args(annotation)
        inner = [a for a in args if a is not type(None)]
        if len(inner) != 1 or len(args) != 2 or metadata:
            return None
        convert = _converter(inner[0], [])
        return None if convert is None else _or_none(convert)
    if origin is Annotated:
        base, *extra = get_args(annotation)
        return _converter(base, [*metadata, *extra])
    serializers = [m for m in metadata if isinstance(m, PlainSerializer)]
    if any(not isinstance(m, (PlainSerializer, DecimalJson)) for m in metadata):
        return None  # a constraint or a schema of its own: pydantic checks it
    if serializers:
        if len(serializers) != 1 or serializers[0].when_used != "always":
            return None
        if annotation not in _SERIALIZED:
            return None
        return _checked(annotation, serializers[0].func, exact=False)
    if annotation is date:
        return _checked(date, date.isoformat, exact=True)
    if annotation in _PLAIN:
        return _checked(annotation, _same, exact=True)
    return None


def _or_none(convert: Converter) -> Converter:
    def optional(value: Any) -> Any:
        return None if value is None else convert(value)

    return optional


def _checked(kind: type, func: Callable[..., Any], *, exact: bool) -> Converter:
    """`func(value)` for a value of `kind`. `exact`: of that very type, since a bool is an
    int, a datetime a date and an enum a str, and pydantic turns each into something else;
    else a subclass will do (asyncpg's UUID is one of the stdlib's)."""

    def checked(value: Any) -> Any:
        if (type(value) is not kind) if exact else not isinstance(value, kind):
            raise _NotAsDeclared
        return func(value)

    return checked


def _same(value: Any) -> Any:
    return value
