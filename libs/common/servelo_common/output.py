"""Answers from domain objects, without a pydantic round trip where it adds nothing.

`XPublic.model_validate(obj).model_dump(mode="json")` copies every field twice and calls
each field's serializer through pydantic's machinery: a third of a page of 50 tickets'
CPU. An answer model whose fields are all plain (`str`, `int`, `bool`, `date`, optional or
not) or one of the shared output types (`Timestamp`, `IdOut`, `MoneyOut`: a base type and
its `PlainSerializer`) is instead read attribute by attribute and each value passed through
the same serializer, after the same type check pydantic's validation would have made, by a
function written out for the model field by field (`_compiled`, as dataclasses write their
`__init__`): a page of 50 tickets reads 650 values, and a closure call or two per value was
a third of what the answers cost. Anything else takes pydantic's path, whole: a model with
validators, computed fields, aliases, exclusions, settings, nested models or constraints,
and any object whose values are not of the declared types (pydantic would coerce or refuse
them; it still does).
`test_output.py` holds both paths equal on every answer model of every service.
"""

from __future__ import annotations

import types
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Union, get_args, get_origin
from uuid import UUID

from pydantic import BaseModel, PlainSerializer

from servelo_common.schemas import DecimalJson

Project = Callable[[Any], dict[str, Any]]
_PLAIN: tuple[type, ...] = (str, int, bool)
_SERIALIZED: tuple[type, ...] = (datetime, UUID, Decimal)
# Settings of an answer model that change neither what is read nor what is written.
_CONFIG_WITHOUT_EFFECT = {"from_attributes", "title", "json_schema_extra"}
# Per answer model: the function that reads an object into its answer, or None where
# pydantic's path is kept.
_PROJECTIONS: dict[type[BaseModel], Project | None] = {}


class _NotAsDeclared(Exception):
    """A value whose type is not the field's: pydantic's path decides what it becomes."""


@dataclass(frozen=True)
class _Field:
    """How one field is read: the value must be of `kind` (that very type when `exact`, since
    a bool is an int, a datetime a date and an enum a str, and pydantic turns each into
    something else; else a subclass will do: asyncpg's UUID is one of the stdlib's), then
    goes through `func` (None: as it is); `optional`: None is also an answer."""

    name: str
    kind: type
    func: Callable[..., Any] | None
    exact: bool
    optional: bool


def public(model: type[BaseModel], obj: Any) -> dict[str, Any]:
    """`obj` as the JSON object of answer `model`: what `model.model_validate(obj)
    .model_dump(mode="json")` gives, without that round trip when the model allows it."""
    try:
        project = _PROJECTIONS[model]
    except KeyError:
        project = _PROJECTIONS[model] = _projection(model)
    if project is not None:
        try:
            return project(obj)
        except (_NotAsDeclared, AttributeError):
            pass
    return model.model_validate(obj).model_dump(mode="json")


def _projection(model: type[BaseModel]) -> Project | None:
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
        field = _field(name, info.annotation, info.metadata)
        if field is None:
            return None
        fields.append(field)
    return _compiled(model.__qualname__, fields)


def _field(name: str, annotation: Any, metadata: list[Any]) -> _Field | None:
    origin = get_origin(annotation)
    if origin is Union or origin is types.UnionType:
        args = get_args(annotation)
        inner = [a for a in args if a is not type(None)]
        if len(inner) != 1 or len(args) != 2 or metadata:
            return None
        field = _field(name, inner[0], [])
        return None if field is None or field.optional else replace(field, optional=True)
    if origin is Annotated:
        base, *extra = get_args(annotation)
        return _field(name, base, [*metadata, *extra])
    serializers = [m for m in metadata if isinstance(m, PlainSerializer)]
    if any(not isinstance(m, (PlainSerializer, DecimalJson)) for m in metadata):
        return None  # a constraint or a schema of its own: pydantic checks it
    if serializers:
        if len(serializers) != 1 or serializers[0].when_used != "always":
            return None
        if annotation not in _SERIALIZED:
            return None
        return _Field(name, annotation, serializers[0].func, exact=False, optional=False)
    if annotation is date:
        return _Field(name, date, date.isoformat, exact=True, optional=False)
    if annotation in _PLAIN:
        return _Field(name, annotation, None, exact=True, optional=False)
    return None


def _compiled(qualname: str, fields: list[_Field]) -> Project:
    """One function per model, written out field by field as a dataclass's `__init__` is:
    no call per field but its serializer's (a page of 50 tickets reads 650 values)."""
    names: dict[str, Any] = {"_NotAsDeclared": _NotAsDeclared}
    lines = ["def project(obj):"]
    for n, field in enumerate(fields):
        names[f"kind{n}"], names[f"func{n}"] = field.kind, field.func
        wrong = f"type(v) is not kind{n}" if field.exact else f"not isinstance(v, kind{n})"
        value = f"func{n}(v)" if field.func is not None else "v"
        lines.append(f"    v = obj.{field.name}")
        indent = "    "
        if field.optional:
            lines += ["    if v is None:", f"        a{n} = None", "    else:"]
            indent = "        "
        lines += [
            f"{indent}if {wrong}:",
            f"{indent}    raise _NotAsDeclared",
            f"{indent}a{n} = {value}",
        ]
    body = ", ".join(f"{field.name!r}: a{n}" for n, field in enumerate(fields))
    lines.append(f"    return {{{body}}}")
    exec("\n".join(lines), names)  # noqa: S102  # the text is made of field names only
    project: Project = names["project"]
    project.__qualname__ = f"project_{qualname}"
    return project
