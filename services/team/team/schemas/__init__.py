"""What clients send and what they get back: one module per resource.

What several resources' schemas share lives here: text without NUL, integer ids, hours,
periods, and the rule that an update may leave a field out but not null a required one.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated
from uuid import UUID

from pydantic import AfterValidator, BeforeValidator, Field, ValidationInfo, field_validator
from servelo_common.schemas import ApiInput, Day, DecimalJson, NotNull, Within
from servelo_common.schemas import Name as BaseName
from servelo_common.schemas import Text as BaseText
from servelo_common.values import no_float

from team.domain import check_span


def _no_nul(value: str) -> str:
    # Postgres text cannot hold NUL; refuse it here rather than fail in the database.
    if "\x00" in value:
        raise ValueError("The text may not contain NUL characters.")
    return value


Name = Annotated[BaseName, AfterValidator(_no_nul)]
Text = Annotated[BaseText, AfterValidator(_no_nul)]


# Integer ids as the reference shows them; strict so that `true` or `"1"` is not an id.
IntId = Annotated[int, Field(strict=True, ge=1, le=10**18)]


# An update may leave a field out, but may not set a required one to null.
REQUIRED = NotNull("The {field} field is required.")


def end_after_start(end: dt.date | None, info: ValidationInfo) -> dt.date | None:
    """The `end_date` validator of a body with `start_date` and `end_date`."""
    check_span(info.data.get("start_date"), end)
    return end


# More than 0 and at most 24 hours, with the reference's wording (`Within`).
HoursPerDay = Annotated[
    Decimal,
    BeforeValidator(no_float),
    Field(max_digits=5, decimal_places=2),
    Within("Hours per day", gt=0, le=24),
    DecimalJson(places=2, integer_digits=3),
]
Hours = Annotated[
    Decimal,
    BeforeValidator(no_float),
    Field(max_digits=5, decimal_places=2),
    Within("Hours", gt=0, le=24),
    DecimalJson(places=2, integer_digits=3),
]


class DatedQuery(ApiInput):
    """List filters of allocations and actuals; `from`/`to` select overlapping rows."""

    team_member_id: UUID | None = None
    project_id: UUID | None = None
    start: Day | None = Field(default=None, validation_alias="from")
    end: Day | None = Field(default=None, validation_alias="to")

    @field_validator("end")
    @classmethod
    def _ordered(cls, end: dt.date | None, info: ValidationInfo) -> dt.date | None:
        start = info.data.get("start")
        if end is not None and start is not None and end < start:
            raise ValueError("The to date must be a date after or equal to from.")
        return end
