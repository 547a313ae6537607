"""Events the team service publishes (`servelo.events.team.<type>`)."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from servelo_common.events import DomainEvent
from servelo_common.schemas import MoneyOut


class _TeamEvent(DomainEvent):
    source: ClassVar[str] = "team"


class _MemberState(_TeamEvent):
    id: str
    name: str
    role_id: int | None
    hourly_rate: MoneyOut
    active: bool


class TeamMemberCreated(_MemberState):
    type: ClassVar[str] = "team-member-created"


class TeamMemberUpdated(_MemberState):
    type: ClassVar[str] = "team-member-updated"


class TeamMemberDeleted(_TeamEvent):
    type: ClassVar[str] = "team-member-deleted"
    id: str


class _AllocationState(_TeamEvent):
    id: str
    team_member_id: str
    project_id: str
    start_date: dt.date
    end_date: dt.date
    hours_per_day: MoneyOut


class AllocationCreated(_AllocationState):
    type: ClassVar[str] = "allocation-created"


class AllocationUpdated(_AllocationState):
    type: ClassVar[str] = "allocation-updated"


class AllocationDeleted(_AllocationState):
    type: ClassVar[str] = "allocation-deleted"


class _ActualState(_TeamEvent):
    id: str
    team_member_id: str
    project_id: str
    date: dt.date
    hours: MoneyOut
    ticket_id: str | None


class ActualRecorded(_ActualState):
    type: ClassVar[str] = "actual-recorded"


class ActualUpdated(_ActualState):
    type: ClassVar[str] = "actual-updated"


class ActualDeleted(_ActualState):
    type: ClassVar[str] = "actual-deleted"


class _RoleState(_TeamEvent):
    id: int  # the role's id within the org of `tenant` (roles are numbered per org)
    name: str


class RoleCreated(_RoleState):
    type: ClassVar[str] = "role-created"


class RoleUpdated(_RoleState):
    type: ClassVar[str] = "role-updated"


class RoleDeleted(_RoleState):
    type: ClassVar[str] = "role-deleted"


class _ProjectState(_TeamEvent):
    id: str
    name: str
    customer_id: str | None
    active: bool
    start_date: dt.date | None
    end_date: dt.date | None


class ProjectCreated(_ProjectState):
    type: ClassVar[str] = "project-created"


class ProjectUpdated(_ProjectState):
    type: ClassVar[str] = "project-updated"


class ProjectDeleted(_TeamEvent):
    type: ClassVar[str] = "project-deleted"
    id: str
    name: str
